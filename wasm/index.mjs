// The `sextant-wasm` package: the WebAssembly build of the core behind the surface that is built
// from the core registry (pkg/surface.mjs, copied at build time from node/surface.mjs, the one
// committed copy shared with the Node package). One .wasm per bundle of modules (bundles.mjs),
// loaded on demand: a page that only needs indicators downloads the `ta` bundle alone.
//
// Browser:  import init, { ta } from 'sextant-wasm'; await init({ modules: ['ta'] }); ta.RSI(close, { timeperiod: 14 });
// Node:     import { ta } from 'sextant-wasm/node';   (loads every bundle synchronously)
import { BUNDLES, BUNDLE_OF } from './bundles.mjs';
import { buildSurface, SextantError } from './pkg/surface.mjs';

export { BUNDLES, SextantError };

const loaded = new Set();

/** A module namespace: its functions once its bundle is loaded; before that, reading a function
 * throws a SextantError that says which bundle to load. */
function namespace(module) {
  return new Proxy({}, {
    get(target, key, receiver) {
      if (typeof key !== 'string' || key in target || loaded.has(BUNDLE_OF[module]) || key === 'then' || key.startsWith('__')) {
        return Reflect.get(target, key, receiver);
      }
      throw new SextantError(`sextant.${module}.${key}: the '${BUNDLE_OF[module]}' WebAssembly bundle is not loaded; await init({ modules: ['${module}'] }) first`, 'UNSUPPORTED', module);
    },
  });
}

/** Technical indicators (filled in by `init`). */
export const ta = namespace('ta');
/** Risk and performance metrics (filled in by `init`). */
export const risk = namespace('risk');
/** Portfolio allocation (filled in by `init`). */
export const alloc = namespace('alloc');
/** News sentiment (filled in by `init`). */
export const sentiment = namespace('sentiment');
/** Every loaded function's description, in registry order (filled in by `init`). */
export const registry = [];

const namespaces = { ta, risk, alloc, sentiment };
const ORDER = Object.keys(BUNDLES);

function install(bundle, glue) {
  if (loaded.has(bundle)) return;
  const s = buildSurface(glue);
  for (const m of BUNDLES[bundle]) Object.assign(namespaces[m], s[m]);
  loaded.add(bundle);
  // registry order: the bundles' order, each in its own registry order
  const infos = [...registry.filter((i) => BUNDLE_OF[i.module] !== bundle), ...s.registry];
  infos.sort((a, b) => ORDER.indexOf(BUNDLE_OF[a.module]) - ORDER.indexOf(BUNDLE_OF[b.module]));
  registry.splice(0, registry.length, ...infos);
}

const glues = {
  ta: () => import('./pkg/ta/sextant_wasm.js'),
  risk: () => import('./pkg/risk/sextant_wasm.js'),
  sentiment: () => import('./pkg/sentiment/sextant_wasm.js'),
};

function bundlesFor(modules) {
  if (modules === undefined) return ORDER;
  const wanted = new Set();
  for (const m of modules) {
    if (!(m in BUNDLE_OF)) {
      throw new SextantError(`unknown module '${m}' (one of ${Object.keys(BUNDLE_OF).join(', ')})`, 'UNKNOWN_OPTION', 'modules');
    }
    wanted.add(BUNDLE_OF[m]);
  }
  return ORDER.filter((b) => wanted.has(b));
}

const pending = {};
/** Loads the WebAssembly bundles of `modules` (default: every module). Each .wasm is fetched
 * from pkg/<bundle>/ next to its glue, unless `paths[bundle]` gives a URL, a Response, the
 * bytes or a compiled WebAssembly.Module. Calling it again loads only what is missing. */
export default function init({ modules, paths = {} } = {}) {
  return Promise.all(bundlesFor(modules).map((b) => {
    pending[b] ??= glues[b]().then(async (glue) => {
      await glue.default(paths[b] === undefined ? undefined : { module_or_path: paths[b] });
      install(b, glue);
    });
    return pending[b];
  })).then(() => undefined);
}

/** Loads bundles synchronously: `sources` maps a bundle name to its bytes or compiled module;
 * `glues` maps it to its imported glue module (pkg/<bundle>/sextant_wasm.js). */
export function initSync(sources, glueModules) {
  for (const b of ORDER) {
    if (sources[b] === undefined || loaded.has(b)) continue;
    glueModules[b].initSync({ module: sources[b] });
    install(b, glueModules[b]);
  }
}
