// The WebAssembly bundles: each is one .wasm holding the modules listed, built by
// scripts/build.mjs into pkg/<bundle>/ and loaded on demand by index.mjs. A page that only
// charts indicators downloads the `ta` bundle alone.
export const BUNDLES = {
  ta: ['ta'],
  risk: ['risk', 'alloc'],
  sentiment: ['sentiment'],
};

/** The bundle holding each module. */
export const BUNDLE_OF = Object.fromEntries(
  Object.entries(BUNDLES).flatMap(([bundle, modules]) => modules.map((m) => [m, bundle])),
);
