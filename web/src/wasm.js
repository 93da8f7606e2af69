// Loads the sextant-wasm bundles a screen needs (each once) and exposes the registry: the same
// declarations as every other surface, read from the WebAssembly module itself.
import init, { autoindex, mc, registry, risk, SextantError, ta } from 'sextant-wasm';

export { autoindex, mc, registry, risk, SextantError, ta };

export async function load(...bundles) {
  await init({ bundles });
}

/** `risk_free` -> `riskFree`: the JS option key of a declared parameter. */
export const optionKey = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
