// `sextant-wasm/node`: the WASM build for Node, every bundle loaded synchronously at import.
import { readFileSync } from 'node:fs';
import { initSync } from './index.mjs';
import * as taGlue from './pkg/ta/sextant_wasm.js';
import * as patternsGlue from './pkg/patterns/sextant_wasm.js';
import * as riskGlue from './pkg/risk/sextant_wasm.js';
import * as allocGlue from './pkg/alloc/sextant_wasm.js';
import * as sentimentGlue from './pkg/sentiment/sextant_wasm.js';
import * as mcGlue from './pkg/mc/sextant_wasm.js';
import * as ledgerGlue from './pkg/ledger/sextant_wasm.js';
import * as autoindexGlue from './pkg/autoindex/sextant_wasm.js';

const glues = { ta: taGlue, patterns: patternsGlue, risk: riskGlue, alloc: allocGlue, sentiment: sentimentGlue, mc: mcGlue, ledger: ledgerGlue, autoindex: autoindexGlue };
const read = (b) => readFileSync(new URL(`./pkg/${b}/sextant_wasm_bg.wasm`, import.meta.url));
initSync(Object.fromEntries(Object.keys(glues).map((b) => [b, read(b)])), glues);

export { alloc, autoindex, ledger, mc, registry, risk, sentiment, SextantError, ta } from './index.mjs';
