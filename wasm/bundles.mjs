// The WebAssembly bundles: each is one .wasm holding the listed modules, compiled with the
// listed `subset-*` cargo features (bindings/wasm/Cargo.toml), built by scripts/build.mjs into
// pkg/<bundle>/ and loaded on demand by index.mjs. A page that only charts indicators downloads
// the `ta` bundle alone; the candlestick patterns (module `ta`, functions CDL*) have their own.
export const BUNDLES = {
  ta: { modules: ['ta'], features: ['subset-ta'] },
  patterns: { modules: ['ta'], features: ['subset-ta-patterns'] },
  risk: { modules: ['risk'], features: ['subset-risk'] },
  alloc: { modules: ['alloc'], features: ['subset-alloc'] },
  sentiment: { modules: ['sentiment'], features: ['subset-sentiment'] },
  mc: { modules: ['mc'], features: ['subset-mc'] },
  ledger: { modules: ['ledger'], features: ['subset-ledger'] },
  autoindex: { modules: ['autoindex'], features: ['subset-autoindex'] },
};

/** The bundle holding a function of a module (by its TA-Lib or JS name). */
export function bundleOf(module, name) {
  if (module === 'ta' && /^cdl/i.test(name)) return 'patterns';
  return Object.keys(BUNDLES).find((b) => b !== 'patterns' && BUNDLES[b].modules.includes(module));
}

/** The bundles holding any function of a module. */
export function bundlesOfModule(module) {
  return Object.keys(BUNDLES).filter((b) => BUNDLES[b].modules.includes(module));
}
