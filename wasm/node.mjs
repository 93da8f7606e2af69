// `sextant-wasm/node`: the WASM build for Node, loaded synchronously at import.
import { readFileSync } from 'node:fs';
import { initSync } from './index.mjs';

initSync(readFileSync(new URL('./pkg/sextant_wasm_bg.wasm', import.meta.url)));

export { alloc, mc, registry, risk, sentiment, SextantError, ta } from './index.mjs';
