// The `sextant-wasm` package: the WebAssembly build of the core behind the surface that is built
// from the core registry (pkg/surface.mjs, copied at build time from node/surface.mjs, the one
// committed copy shared with the Node package).
//
// Browser:  import init, { ta } from 'sextant-wasm'; await init(); ta.RSI(close, { timeperiod: 14 });
// Node:     import { ta } from 'sextant-wasm/node';   (loads the .wasm synchronously)
import * as glue from './pkg/sextant_wasm.js';
import { buildSurface, SextantError } from './pkg/surface.mjs';

export { SextantError };
/** Technical indicators (filled in by `init`). */
export const ta = {};
/** Risk and performance metrics (filled in by `init`). */
export const risk = {};
/** Portfolio allocation (filled in by `init`). */
export const alloc = {};
/** News sentiment (filled in by `init`). */
export const sentiment = {};
/** Monte Carlo (filled in by `init`). */
export const mc = {};
/** Every declared function's description (filled in by `init`). */
export const registry = [];

let installed = false;
function install() {
  if (installed) return;
  const s = buildSurface(glue);
  Object.assign(ta, s.ta);
  Object.assign(risk, s.risk);
  Object.assign(alloc, s.alloc);
  Object.assign(sentiment, s.sentiment);
  Object.assign(mc, s.mc);
  registry.push(...s.registry);
  Object.freeze(registry);
  installed = true;
}

let ready;
/** Loads the WebAssembly module (by default sextant_wasm_bg.wasm next to pkg/sextant_wasm.js);
 * `input` may be a URL, a Response, the bytes or a WebAssembly.Module. */
export default function init(input) {
  ready ??= glue.default(input === undefined ? undefined : { module_or_path: input }).then(install);
  return ready;
}

/** Loads the WebAssembly module synchronously from its bytes or a compiled module. */
export function initSync(module) {
  glue.initSync({ module });
  install();
}
