// The `sextant-wasm` package: the WebAssembly build of the core behind the surface that is built
// from the core registry (pkg/surface.mjs, copied at build time from node/surface.mjs, the one
// committed copy shared with the Node package). One .wasm per bundle of modules (bundles.mjs),
// loaded on demand: a page that only needs indicators downloads the `ta` bundle alone.
//
// Browser:  import init, { ta } from 'sextant-wasm'; await init({ modules: ['ta'] }); ta.RSI(close, { timeperiod: 14 });
// Node:     import { ta } from 'sextant-wasm/node';   (loads every bundle synchronously)
import { BUNDLES, bundleOf, bundlesOfModule } from './bundles.mjs';
import { buildSurface, SextantError } from './pkg/surface.mjs';

export { BUNDLES, SextantError };

const loaded = new Set();

/** A module namespace: its functions once their bundle is loaded; before that, reading a
 * function throws a SextantError that says which bundle to load. */
const raw = {};
function namespace(module) {
  raw[module] = {};
  return new Proxy(raw[module], {
    get(target, key, receiver) {
      if (typeof key !== 'string' || key in target || key === 'then' || key.startsWith('__')) {
        return Reflect.get(target, key, receiver);
      }
      const bundle = bundleOf(module, key);
      if (loaded.has(bundle)) return undefined;
      throw new SextantError(`sextant.${module}.${key}: the '${bundle}' WebAssembly bundle is not loaded; await init({ bundles: ['${bundle}'] }) first`, 'UNSUPPORTED', module);
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
/** Monte Carlo (filled in by `init`). */
export const mc = namespace('mc');
/** Portfolio accounting (filled in by `init`). */
export const ledger = namespace('ledger');
/** Rule-based index backtests, risk scores, simulation (filled in by `init`). */
export const autoindex = namespace('autoindex');
/** Every loaded function's description, in registry order (filled in by `init`). */
export const registry = [];

const namespaces = { ta, risk, alloc, sentiment, mc, ledger, autoindex };
const ORDER = Object.keys(BUNDLES);

/** Adds one bundle's functions to the namespaces; a module split over two bundles (ta and its
 * patterns) gets both sets of streams, and `stream.restore` tries each bundle. */
function install(bundle, glue) {
  if (loaded.has(bundle)) return;
  const s = buildSurface(glue);
  for (const m of BUNDLES[bundle].modules) {
    const target = raw[m]; // the object behind the namespace's proxy
    for (const [key, value] of Object.entries(s[m] ?? {})) {
      if (key !== 'stream') {
        target[key] = value;
        continue;
      }
      const streams = (target.stream ??= {});
      const earlier = streams.restore;
      Object.assign(streams, value);
      if (earlier) {
        const mine = value.restore;
        streams.restore = (bytes) => {
          try {
            return mine(bytes);
          } catch (e) {
            if (e?.code === 'INVALID_STATE' && /unknown function/.test(e.message)) return earlier(bytes);
            throw e;
          }
        };
      }
    }
  }
  loaded.add(bundle);
  // registry order: the bundles' order, each in its own registry order
  const rank = (info) => ORDER.indexOf(bundleOf(info.module, info.name));
  const infos = [...registry, ...s.registry].sort((a, b) => rank(a) - rank(b));
  registry.splice(0, registry.length, ...infos);
}

const glues = {
  ta: () => import('./pkg/ta/sextant_wasm.js'),
  patterns: () => import('./pkg/patterns/sextant_wasm.js'),
  risk: () => import('./pkg/risk/sextant_wasm.js'),
  alloc: () => import('./pkg/alloc/sextant_wasm.js'),
  sentiment: () => import('./pkg/sentiment/sextant_wasm.js'),
  mc: () => import('./pkg/mc/sextant_wasm.js'),
  ledger: () => import('./pkg/ledger/sextant_wasm.js'),
  autoindex: () => import('./pkg/autoindex/sextant_wasm.js'),
};

function bundlesFor(modules, bundles) {
  if (modules === undefined && bundles === undefined) return ORDER;
  const wanted = new Set();
  for (const m of modules ?? []) {
    const of = bundlesOfModule(m);
    if (!of.length) {
      throw new SextantError(`unknown module '${m}' (one of ${Object.keys(namespaces).join(', ')})`, 'UNKNOWN_OPTION', 'modules');
    }
    of.forEach((b) => wanted.add(b));
  }
  for (const b of bundles ?? []) {
    if (!(b in BUNDLES)) {
      throw new SextantError(`unknown bundle '${b}' (one of ${ORDER.join(', ')})`, 'UNKNOWN_OPTION', 'bundles');
    }
    wanted.add(b);
  }
  return ORDER.filter((b) => wanted.has(b));
}

const pending = {};
/** Loads the WebAssembly bundles holding `modules` and the `bundles` named (default: every
 * bundle). Each .wasm is fetched from pkg/<bundle>/ next to its glue, unless `paths[bundle]`
 * gives a URL, a Response, the bytes or a compiled WebAssembly.Module. Calling it again loads
 * only what is missing. */
export default function init({ modules, bundles, paths = {} } = {}) {
  return Promise.all(bundlesFor(modules, bundles).map((b) => {
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
