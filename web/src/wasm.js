// Loads the sextant-wasm bundles a screen needs (each once) and exposes the registry: the same
// declarations as every other surface, read from the WebAssembly module itself.
import init, { autoindex, mc, registry, risk, SextantError, ta } from 'sextant-wasm';

export { autoindex, mc, registry, risk, SextantError, ta };

export async function load(...bundles) {
  await init({ bundles });
}

/** `risk_free` -> `riskFree`: the JS option key of a declared parameter. */
export const optionKey = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

/** The bar fields an indicator may read (`real` is the close). */
export const BAR_INPUTS = new Set(['real', 'open', 'high', 'low', 'close', 'volume']);

/** The `ta` functions of the loaded bundle whose inputs are bar fields: the market screen's
 * picker; with `streaming`, only those with a streaming form (what the server can alert on). */
export function barIndicators({ streaming = false } = {}) {
  return registry.filter((f) => f.module === 'ta' && f.inputs.every((i) => BAR_INPUTS.has(i.name)) && (!streaming || f.streaming));
}
