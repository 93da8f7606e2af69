// The `sextant` package for Node: the native addon (napi-rs) behind the surface that is built
// from the core registry (surface.mjs, shared with the WASM package).
import { createRequire } from 'node:module';
import { buildSurface } from './surface.mjs';

const native = createRequire(import.meta.url)('./native.cjs');
const surface = buildSurface(native);

/** Technical indicators, TA-Lib names: `ta.RSI(close, { timeperiod: 14 })`, `ta.stream.RSI()`. */
export const ta = surface.ta;
/** Risk and performance metrics, empyrical names in camelCase: `risk.sharpeRatio(returns)`. */
export const risk = surface.risk;
/** Portfolio allocation: `alloc.inverseVolatility(cov)`. */
export const alloc = surface.alloc;
/** News sentiment: `sentiment.vader(text)` (vaderSentiment's polarity_scores), `sentiment.score(text)`,
 * `sentiment.scoreBatch(texts)`. */
export const sentiment = surface.sentiment;
/** Monte Carlo: `mc.simulateGbm({ s0, mu, sigma, paths, fullPaths })` -> `{ data, shape }`
 * (docs/mc.md). */
export const mc = surface.mc;
/** Portfolio accounting in decimal money: `ledger.performance(config, transactions, market)`
 * takes plain objects and returns the result document (docs/ledger.md). */
export const ledger = surface.ledger;
/** Rule-based indexes: `autoindex.backtest(strategy, data)`, `autoindex.riskScore(asset, config)`,
 * `autoindex.simulate(values, config)`; plain objects in, result documents out (docs/autoindex.md). */
export const autoindex = surface.autoindex;
/** Every declared function's description (inputs, options with defaults and bounds, outputs). */
export const registry = surface.registry;
export { SextantError } from './surface.mjs';
