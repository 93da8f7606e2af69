// The test suites every JS surface must pass: golden fixtures per module, errors, streaming.
// node/test/*.test.mjs run them on the native addon, wasm/test/*.test.mjs on the WASM build,
// so both backends are held to the same assertions.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { camelCase, jsName } from '../surface.mjs';
import { checkCase, checkLedgerCase, loadCases } from './golden.mjs';

export const goldenDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../tests/golden');

/** Every golden case, read from tests/golden. */
export async function cases() {
  return loadCases(async (rel) => {
    const b = await readFile(path.join(goldenDir, rel));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  });
}

const same = (a, b) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

/** The text-function cases (tests/golden/sentiment, written by
 * scripts/golden/generate_sentiment.py from vaderSentiment 3.3.2): the manifest and its rows
 * `[text, neg, neu, pos, compound]`. */
export async function textCases() {
  const dir = path.join(goldenDir, 'sentiment');
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  jsonTolerance = manifest.json_tolerance ?? jsonTolerance;
  const files = new Map();
  for (const c of manifest.cases) {
    if (!files.has(c.file)) {
      const text = await readFile(path.join(dir, c.file), 'utf8');
      files.set(c.file, text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l)));
    }
    c.rows = files.get(c.file);
  }
  return manifest.cases;
}

/** JSON values equal, numbers within `tol` (relative above 1). */
export function jsonClose(got, want, tol) {
  if (typeof want === 'number') return typeof got === 'number' && Math.abs(got - want) <= tol * Math.max(1, Math.abs(want));
  if (Array.isArray(want)) return Array.isArray(got) && got.length === want.length && want.every((w, i) => jsonClose(got[i], w, tol));
  if (want !== null && typeof want === 'object') {
    if (got === null || typeof got !== 'object') return false;
    const keys = Object.keys(want);
    return Object.keys(got).length === keys.length && keys.every((k) => jsonClose(got[k], want[k], tol));
  }
  return got === want;
}

let jsonTolerance = 1e-12;

const labelOf = (c, t) => (c >= t ? 'positive' : c <= -t ? 'negative' : 'neutral');

/** Text functions: every case of tests/golden/sentiment, exactly (tolerance 0). */
export function textGoldenSuite(label, surface, module) {
  test(`${label}: every ${module} golden case equals its reference exactly`, async () => {
    const all = (await textCases()).filter((c) => c.module === module);
    const declared = surface.registry.filter((f) => f.module === module);
    for (const f of declared) {
      assert.ok(all.some((c) => c.function === f.name), `${module}.${f.name} has no golden case`);
    }
    for (const c of all) {
      const info = declared.find((f) => f.name === c.function);
      const fn = surface[module][jsName(info)];
      const options = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [camelCase(k), v]));
      const misses = [];
      const want = (row) =>
        c.expect === 'polarity_scores'
          ? { neg: row[1], neu: row[2], pos: row[3], compound: row[4] }
          : { score: row[4], label: labelOf(row[4], c.params.threshold) };
      if (c.expect === 'json') {
        // records in, records out: {inputs, params, output} rows, numbers within json_tolerance
        for (const r of c.rows) {
          const opts = Object.fromEntries(Object.entries(r.params).map(([k, v]) => [camelCase(k), v]));
          const got = fn(...r.inputs, opts);
          if (!jsonClose(got, r.output, jsonTolerance)) misses.push(`${JSON.stringify(r.inputs[0]).slice(0, 80)}: ${JSON.stringify(got).slice(0, 300)}`);
        }
      } else if (info.inputs[0].kind === 'text_list') {
        const got = fn(c.rows.map((r) => r[0]), options);
        assert.equal(got.length, c.rows.length);
        c.rows.forEach((r, i) => {
          if (JSON.stringify(got[i]) !== JSON.stringify(want(r))) misses.push(`${JSON.stringify(r[0])}: ${JSON.stringify(got[i])}`);
        });
      } else {
        for (const r of c.rows) {
          const got = fn(r[0], options);
          if (JSON.stringify(got) !== JSON.stringify(want(r))) misses.push(`${JSON.stringify(r[0])}: ${JSON.stringify(got)}`);
        }
      }
      assert.deepEqual(misses, [], `${c.id}: ${misses.length} differ\n${misses.slice(0, 5).join('\n')}`);
    }
  });
}

/** Asserts every golden case of every function of `module`, and that each declared function of
 * the module has at least one case. */
export function goldenSuite(label, surface, module) {
  if (module === 'mc') {
    mcSuite(label, surface);
    return;
  }
  if (module === 'ledger') {
    ledgerSuite(label, surface);
    return;
  }
  if (module === 'autoindex') {
    autoindexSuite(label, surface);
    return;
  }
  if (surface.registry.some((f) => f.module === module && f.inputs.some((i) => i.kind === 'text' || i.kind === 'text_list'))) {
    textGoldenSuite(label, surface, module);
    return;
  }
  test(`${label}: every ${module} golden case matches its reference`, async () => {
    const all = (await cases()).filter((c) => c.module === module);
    const declared = surface.registry.filter((f) => f.module === module);
    assert.ok(declared.length > 0, `no ${module} functions declared`);
    for (const f of declared) {
      assert.ok(all.some((c) => c.function === f.name), `${module}.${f.name} has no golden case`);
    }
    let checked = 0;
    for (const c of all) {
      const { misses } = checkCase(surface, c);
      assert.deepEqual(misses, [], misses.slice(0, 5).join('\n'));
      checked++;
    }
    assert.ok(checked > 0);
  });
  if (surface.registry.some((f) => f.module === module && f.inputs.some((i) => i.kind === 'matrix'))) {
    test(`${label}: ${module} matrices given as arrays of rows match too`, async () => {
      for (const c of (await cases()).filter((x) => x.module === module && x.inputs.some((i) => i.shape.length === 2))) {
        const { misses } = checkCase(surface, c, { rowsForm: true });
        assert.deepEqual(misses, [], misses.join('\n'));
      }
    });
  }
}

/** AutoIndex (no reference library): the hand-derived backtest of docs/autoindex.md, the risk
 * score formula, simulation bands and typed errors (the Rust tests hold the full derivations). */
export function autoindexSuite(label, surface) {
  const { autoindex } = surface;
  const close = (a, b) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));
  const data = {
    dates: ['2024-01-29', '2024-01-30', '2024-01-31', '2024-02-01', '2024-02-02'],
    assets: [
      { symbol: 'A', close: [10, 10, 10, 11, 12] },
      { symbol: 'B', close: [20, 20, 20, 19, 18] },
      { symbol: 'C', close: [5, 5, 5, 5, 6] },
    ],
  };
  const strategy = {
    version: 1, universe: { kind: 'all' }, weighting: { scheme: 'equal' }, schedule: { kind: 'monthly' },
    costs: { bps: 10, fixed: 0.5 },
  };
  test(`${label}: autoindex backtest by hand (equal weight, monthly, costs)`, () => {
    for (const f of surface.registry.filter((x) => x.module === 'autoindex')) {
      assert.ok(['backtest', 'risk_score', 'simulate'].includes(f.name), f.name);
    }
    const bt = autoindex.backtest(strategy, data);
    const b = 0.001;
    const v2 = 98.5 / (1 + b);
    assert.equal(bt.start, 2);
    assert.equal(bt.returns[1], null);
    assert.ok(close(bt.values[2], v2), `${bt.values[2]}`);
    const [ha, hb, hc] = [v2 / 30 * 11, v2 / 60 * 19, v2 / 15 * 5];
    const v3 = (ha + hb + hc - 1.5 - b * (ha - hb - hc)) / (1 + b / 3);
    assert.ok(close(bt.values[3], v3), `${bt.values[3]} vs ${v3}`);
    assert.deepEqual(bt.rebalances.map((r) => r.reason), ['initial', 'schedule']);
    assert.equal(bt.risk.periods, 3);
  });
  test(`${label}: autoindex risk score and simulation`, () => {
    const asset = { close: [10, 10.2, 9.9, 10.4, 10.1, 10.6], credit: 30, regulatory: 20, technical: 40 };
    const s = autoindex.riskScore(asset, null);
    assert.ok(close(s.score, 0.3 * s.market.score + 0.25 * 30 + 0.25 * 20 + 0.2 * 40));
    assert.equal(s.liquidity, null);
    assert.ok(close(s.market.score, (4 * s.volatility.score + 3 * s.drawdown.score) / 7));
    const values = Array.from({ length: 50 }, (_, k) => 100 * 1.001 ** k);
    const sim = autoindex.simulate(values, { version: 1, method: 'bootstrap', horizon: 4, paths: 20 });
    assert.equal(sim.bands.length, 5);
    assert.ok(close(sim.bands[2][4], values[49] * 1.001 ** 4));
    assert.deepEqual(autoindex.simulate(values, { version: 1, horizon: 3, paths: 30, seed: 5 }),
      autoindex.simulate(values, { version: 1, horizon: 3, paths: 30, seed: 5 }));
  });
  test(`${label}: autoindex errors name the document`, () => {
    throwsCode(surface, () => autoindex.backtest({ ...strategy, version: 2 }, data), 'UNSUPPORTED', 'strategy.version');
    throwsCode(surface, () => autoindex.backtest({ ...strategy, colour: 1 }, data), 'INVALID_INPUT', 'strategy');
    throwsCode(surface, () => autoindex.backtest({ ...strategy, cash_buffer: 2 }, data), 'OUT_OF_RANGE', 'cash_buffer');
    throwsCode(surface, () => autoindex.riskScore({ close: [1, 2, 3], credit: 0, regulatory: 1, technical: 1 }, null), 'OUT_OF_RANGE', 'credit');
  });
}

/** The ledger's record functions: every case of tests/golden/ledger/decls.json. */
export function ledgerSuite(label, surface) {
  test(`${label}: every ledger case (hand derivations, scipy XIRR) holds`, async () => {
    const doc = JSON.parse(await readFile(path.join(goldenDir, 'ledger', 'decls.json'), 'utf8'));
    for (const f of surface.registry.filter((x) => x.module === 'ledger')) {
      assert.ok(doc.cases.some((c) => c.function === f.name), `ledger.${f.name} has no case`);
    }
    const misses = doc.cases.flatMap((c) => checkLedgerCase(surface, c, doc.tolerance));
    assert.deepEqual(misses, []);
  });
  test(`${label}: ledger inputs take Dates; bad documents name their input`, () => {
    const { ledger } = surface;
    const r = ledger.xirr([new Date('2023-01-01T00:00:00Z'), '2024-01-01'], [-100, 105]);
    assert.ok(Math.abs(r - 0.05) < 1e-12);
    const cfg = { base_currency: 'USD', instruments: [{ symbol: 'X', currency: 'USD' }] };
    assert.throws(() => ledger.book(cfg, [{ timestamp: 5 }], null), (e) => e.code === 'INVALID_INPUT' && e.param === 'transactions');
    assert.throws(() => ledger.book(cfg, [{ timestamp: '2024-01-02T15:00:00Z', type: 'sell', instrument: 'X', quantity: '1', price: '1' }], null),
      (e) => e.code === 'INSUFFICIENT_QUANTITY' && /^transactions\[0\]/.test(e.param));
  });
}

/** Monte Carlo has no reference library: instead of golden fixtures, the exact bits of the
 * small runs in tests/mc/expected.json (written and asserted by sextant-core's tests/it/mc.rs)
 * must come out of this surface too, so native, WASM in Node and the core agree bit for bit.
 * Also shapes, splits with firstPath, and typed errors. */
export function mcSuite(label, surface) {
  const { mc } = surface;
  const bitsOf = (a) => Array.from(new BigUint64Array(a.buffer, a.byteOffset, a.length), (b) => b.toString(16).padStart(16, '0'));
  test(`${label}: mc runs equal tests/mc/expected.json bit for bit`, async () => {
    const doc = JSON.parse(await readFile(path.join(goldenDir, '..', 'mc', 'expected.json'), 'utf8'));
    const declared = surface.registry.filter((f) => f.module === 'mc');
    for (const f of declared) assert.ok(doc.cases.some((c) => c.function === f.name), `mc.${f.name} has no expected case`);
    for (const c of doc.cases) {
      const info = declared.find((f) => f.name === c.function);
      const options = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [camelCase(k), v]));
      const args = info.inputs.map((spec, i) =>
        spec.kind === 'matrix'
          ? { data: c.inputs[i], rows: Math.sqrt(c.inputs[i].length), cols: Math.sqrt(c.inputs[i].length) }
          : c.inputs[i]);
      const all = mc[jsName(info)](...args, options);
      // several outputs (simulatePortfolio): the first
      const got = info.outputs.length > 1 ? all[info.outputs[0].name] : all;
      // a number (estimatePayoff's estimate) is shape []
      const data = typeof got === 'number' ? Float64Array.of(got) : got instanceof Float64Array ? got : got.data;
      if (typeof got === 'number') assert.deepEqual(c.shape, [], `${c.function} shape`);
      else if (!(got instanceof Float64Array)) assert.deepEqual(got.shape, c.shape, `${c.function} shape`);
      assert.deepEqual(bitsOf(data), c.bits, `${c.function} ${JSON.stringify(c.params)}`);
    }
  });
  test(`${label}: mc shapes, first-path splits and typed errors`, () => {
    const full = mc.simulateGbm({ paths: 7, steps: 5, seed: 3, fullPaths: true, antithetic: true });
    assert.deepEqual(full.shape, [7, 6]);
    assert.equal(full.data.length, 42);
    const term = mc.simulateGbm({ paths: 7, steps: 5, seed: 3, antithetic: true });
    assert.deepEqual(term.shape, [7]);
    for (let p = 0; p < 7; p++) assert.ok(Object.is(term.data[p], full.data[p * 6 + 5]));
    const tail = mc.simulateGbm({ paths: 4, firstPath: 3, steps: 5, seed: 3, antithetic: true });
    assert.deepEqual(bitsOf(tail.data), bitsOf(term.data.subarray(3)));
    const cov = [[0.04, 0.01], [0.01, 0.09]];
    const c = mc.simulateCorrelatedGbm([1, 2], [0, 0.1], cov, { paths: 3, steps: 4, fullPaths: true });
    assert.deepEqual(c.shape, [3, 5, 2]);
    throwsCode(surface, () => mc.simulateGbm({ sigma: -0.1 }), 'OUT_OF_RANGE', 'sigma');
    throwsCode(surface, () => mc.simulateGbm({ steps: 0 }), 'OUT_OF_RANGE', 'steps');
    throwsCode(surface, () => mc.simulateGbm({ fullPaths: 1 }), 'INVALID_TYPE', 'fullPaths');
    throwsCode(surface, () => mc.simulateCorrelatedGbm([1, 2], [0], cov), 'LENGTH_MISMATCH');
    throwsCode(surface, () => mc.simulateCorrelatedGbm([1, 2], [0, 0], { data: [1, 0, 0, 1, 0, 0], rows: 2, cols: 3 }), 'INVALID_INPUT', 'cov');
    throwsCode(surface, () => mc.simulateCorrelatedGbm([1, 2], [0, 0], [[0.04, 0.05], [0.05, 0.04]]), 'INVALID_INPUT', 'cov');
    // the models added later: shapes of every output kind
    assert.deepEqual(mc.simulateMerton({ paths: 3, steps: 4, fullPaths: true }).shape, [3, 5]);
    const hist = [[0.01, 0.02], [-0.01, 0.0], [0.005, -0.02]];
    assert.deepEqual(mc.bootstrapReturns(hist, { paths: 4, steps: 6, method: 'stationary', blockLength: 2 }).shape, [4, 2]);
    assert.deepEqual(mc.bootstrapReturns(hist, { paths: 4, steps: 6, fullPaths: true }).shape, [4, 7, 2]);
    const pf = mc.simulatePortfolio([0.6, 0.4], [0.07, 0.03], cov, [100], [5, 50, 95], { paths: 200, steps: 12, goal: 11000 });
    assert.deepEqual(pf.bands.shape, [13, 3]);
    assert.equal(pf.bands.data[0], 10000);
    assert.equal(pf.terminal.length, 200);
    assert.ok(pf.prob_goal > 0 && pf.prob_goal < 1 && pf.prob_ruin === 0 && pf.es <= pf.var);
    throwsCode(surface, () => mc.simulatePortfolio([0.6, 0.3], [0.07, 0.03], cov, [], [50]), 'INVALID_INPUT', 'weights');
    throwsCode(surface, () => mc.simulateGbm({ df: 2 }), 'OUT_OF_RANGE', 'df');
    const fixed = mc.simulateCorrelatedGbm([1, 2], [0, 0], [[0.04, 0.05], [0.05, 0.04]], { paths: 2, steps: 2, nearestPsd: true });
    assert.deepEqual(fixed.shape, [2, 2]);
  });
  test(`${label}: mc Promise API gives the same bits and rejects with the same errors`, async () => {
    const sync = mc.simulateGbm({ paths: 1000, steps: 50, seed: 9 });
    const viaPromise = await mc.simulateGbmAsync({ paths: 1000, steps: 50, seed: 9 });
    assert.deepEqual(viaPromise.shape, sync.shape);
    assert.deepEqual(bitsOf(viaPromise.data), bitsOf(sync.data));
    const pf = await mc.simulatePortfolioAsync([1], [0.05], [[0.04]], [], [50], { paths: 50, steps: 4, seed: 1 });
    assert.deepEqual(pf.bands.shape, [5, 1]);
    await assert.rejects(mc.simulateGbmAsync({ sigma: -1 }), (e) => e.code === 'OUT_OF_RANGE' && e.param === 'sigma');
    await assert.rejects(mc.simulatePortfolioAsync([0.5], [0.05], [[0.04]], [], [50]), (e) => e.code === 'INVALID_INPUT' && e.param === 'weights');
  });
}

/** A function that must throw a SextantError with this code (and param, when given). */
function throwsCode(surface, fn, code, param) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${code}, nothing was thrown`);
  assert.ok(err instanceof Error, `not an Error: ${err}`);
  assert.ok(err instanceof surface.SextantError, `not a SextantError: ${err}`);
  assert.equal(err.name, 'SextantError');
  assert.equal(err.code, code, `code of: ${err.message}`);
  if (param !== undefined) assert.equal(err.param, param, `param of: ${err.message}`);
  assert.ok(err.message.length > 10);
  return err;
}

export function errorSuite(label, surface) {
  const { ta, risk, alloc } = surface;
  const close = Float64Array.from({ length: 50 }, (_, i) => 100 + Math.sin(i / 3) * 5 + i / 10);

  test(`${label}: period 0 -> OUT_OF_RANGE naming timeperiod`, () => {
    const e = throwsCode(surface, () => ta.RSI(close, { timeperiod: 0 }), 'OUT_OF_RANGE', 'timeperiod');
    assert.match(e.message, /timeperiod/);
    throwsCode(surface, () => ta.SMA(close, { timeperiod: 1e9 }), 'OUT_OF_RANGE', 'timeperiod');
    throwsCode(surface, () => ta.BBANDS(close, { matype: 14 }), 'OUT_OF_RANGE', 'matype');
  });
  test(`${label}: a string where a number belongs -> INVALID_TYPE`, () => {
    throwsCode(surface, () => ta.SMA(close, { timeperiod: '14' }), 'INVALID_TYPE', 'timeperiod');
    throwsCode(surface, () => ta.SMA(close, { timeperiod: 14.5 }), 'INVALID_TYPE', 'timeperiod');
    throwsCode(surface, () => ta.SMA(close, { timeperiod: true }), 'INVALID_TYPE', 'timeperiod');
    throwsCode(surface, () => ta.SMA(close, { timeperiod: NaN }), 'INVALID_TYPE', 'timeperiod');
    throwsCode(surface, () => ta.BBANDS(close, { nbdevup: NaN }), 'OUT_OF_RANGE', 'nbdevup');
    throwsCode(surface, () => risk.sharpeRatio(close, { riskFree: 'zero' }), 'INVALID_TYPE', 'riskFree');
  });
  test(`${label}: mismatched lengths -> LENGTH_MISMATCH`, () => {
    const e = throwsCode(surface, () => ta.ATR(close, close.subarray(1), close), 'LENGTH_MISMATCH');
    assert.ok(['high', 'low', 'close'].includes(e.param), e.param);
    throwsCode(surface, () => ta.CDLENGULFING(close, close, close, close.subarray(3)), 'LENGTH_MISMATCH', 'close');
  });
  test(`${label}: unknown option keys are errors, snake_case included`, () => {
    throwsCode(surface, () => ta.RSI(close, { timePeriod: 14 }), 'UNKNOWN_PARAMETER', 'timePeriod');
    const e = throwsCode(surface, () => risk.sharpeRatio(close, { risk_free: 0 }), 'UNKNOWN_PARAMETER', 'risk_free');
    assert.match(e.message, /riskFree/);
    throwsCode(surface, () => ta.CDLENGULFING(close, close, close, close, { x: 1 }), 'UNKNOWN_PARAMETER', 'x');
    throwsCode(surface, () => ta.stream.RSI({ period: 3 }), 'UNKNOWN_PARAMETER', 'period');
  });
  test(`${label}: a choice outside its options -> UNKNOWN_OPTION`, () => {
    const e = throwsCode(surface, () => risk.sharpeRatio(close, { period: 'hourly' }), 'UNKNOWN_OPTION', 'period');
    assert.match(e.message, /daily/);
  });
  test(`${label}: bad inputs and arity`, () => {
    throwsCode(surface, () => ta.SMA('abc'), 'INVALID_INPUT', 'real');
    throwsCode(surface, () => ta.SMA([1, 'x', 3]), 'INVALID_INPUT', 'real');
    throwsCode(surface, () => ta.ATR(close), 'ARITY');
    throwsCode(surface, () => ta.SMA(close, {}, {}), 'ARITY');
    throwsCode(surface, () => ta.SMA(close, 14), 'INVALID_TYPE', 'options');
    throwsCode(surface, () => alloc.inverseVolatility([[1, 0], [0]]), 'INVALID_INPUT', 'cov');
    throwsCode(surface, () => alloc.inverseVolatility({ data: [1, 2, 3], rows: 2, cols: 2 }), 'INVALID_INPUT', 'cov');
    throwsCode(surface, () => alloc.inverseVolatility([[1, 0, 0], [0, 1, 0]]), 'INVALID_INPUT', 'cov');
  });
  test(`${label}: allocation weights and typed errors`, () => {
    const w = alloc.minVariance([[4, 0], [0, 1]]);
    assert.ok(w instanceof Float64Array && Math.abs(w[0] - 0.2) < 1e-9 && Math.abs(w[1] - 0.8) < 1e-9);
    const h = alloc.hrp([[0.01, 0.02, 0.0], [0.0, 0.01, 0.01], [0.02, -0.01, 0.0], [0.01, 0.0, -0.02]], { linkage: 'ward', leafOrder: 'none' });
    assert.ok(Math.abs(h[0] + h[1] + h[2] - 1) < 1e-14);
    throwsCode(surface, () => alloc.minVariance([[1, 0], [0, 1]], { upper: 0.4 }), 'OUT_OF_RANGE', 'upper');
    throwsCode(surface, () => alloc.minVariance([[1, 2], [2, 1]]), 'INVALID_INPUT', 'cov');
    throwsCode(surface, () => alloc.maxSharpe([0.01, 0.02], [[1, 0], [0, 1]], { riskFree: 0.05 }), 'OUT_OF_RANGE', 'riskFree');
    throwsCode(surface, () => alloc.hrp([[0.01, 0.02], [0.0, 0.01], [0.02, -0.01]], { linkage: 'centroid' }), 'UNKNOWN_OPTION', 'linkage');
    // constraints: an object (sent as JSON text) or JSON text; per-asset bounds, groups, turnover
    const cov3 = [[4, 0, 0], [0, 1, 0], [0, 0, 1]];
    const b = alloc.minVariance(cov3, { constraints: { bounds: [[0, 1], [0, 0.3], [0, 1]] } });
    assert.ok(Math.abs(b[1] - 0.3) < 1e-9 && Math.abs(b[0] + b[1] + b[2] - 1) < 1e-12, String(b));
    const g = alloc.minVariance(cov3, { constraints: '{"groups": {"labels": ["a", "b", "b"], "caps": {"b": [0, 0.5]}}}' });
    assert.ok(Math.abs(g[0] - 0.5) < 1e-9, String(g));
    const t = alloc.minVariance(cov3, { constraints: { current: [1, 0, 0], maxTurnover: 1 } });
    assert.ok(Math.abs(t[0] - 0.5) < 1e-9, String(t));
    throwsCode(surface, () => alloc.minVariance(cov3, { constraints: { upper: 0.3 } }), 'INFEASIBLE', 'constraints.bounds');
    throwsCode(surface, () => alloc.maxSharpe([0.1, 0.2, 0.1], cov3, { constraints: { upper: 0.6, current: [1, 0, 0], max_turnover: 0.1 } }),
      'INFEASIBLE', 'constraints.max_turnover');
  });
  test(`${label}: stream errors`, () => {
    throwsCode(surface, () => ta.stream.RSI({ timeperiod: 0 }), 'OUT_OF_RANGE', 'timeperiod');
    const s = ta.stream.ATR({ timeperiod: 3 });
    throwsCode(surface, () => s.update(1, 2), 'ARITY');
    throwsCode(surface, () => s.update(1, 2, 'x'), 'INVALID_INPUT', 'close');
    throwsCode(surface, () => s.replaceLast(3, 1, 2), 'EMPTY_STREAM');
    throwsCode(surface, () => ta.stream.restore(new Uint8Array([1, 2, 3])), 'INVALID_STATE');
    const saved = ta.stream.RSI({ history: close }).save();
    throwsCode(surface, () => ta.stream.restore(saved.subarray(0, saved.length - 5)), 'INVALID_STATE');
    throwsCode(surface, () => ta.stream.SMA.restore(saved), 'INVALID_STATE');
    throwsCode(surface, () => ta.stream.ATR({ history: { high: close, low: close } }), 'INVALID_INPUT', 'close');
  });
  test(`${label}: still alive after errors`, () => {
    assert.equal(ta.SMA([1, 2, 3], { timeperiod: 3 })[2], 2);
  });
}

/** The columns of a ta case. */
const columns = (c) => c.inputs.map((i) => i.data);
const bar = (cols, i) => cols.map((col) => col[i]);
const asList = (info, v) => (info.outputs.length === 1 ? [v] : info.outputs.map((o) => v[o.name]));

export function streamSuite(label, surface) {
  const { ta } = surface;
  const infoOf = (c) => surface.registry.find((f) => f.module === c.module && f.name === c.function);

  test(`${label}: stepping a stream reproduces the batch output (every ta golden case)`, async () => {
    const all = (await cases()).filter((c) => c.module === 'ta' && infoOf(c).streaming);
    assert.ok(all.length > 0);
    for (const c of all) {
      const info = infoOf(c);
      const cols = columns(c);
      const batch = asList(info, ta[info.name](...cols, c.options)).map((a) => Array.from(a));
      const s = ta.stream[info.name](c.options);
      const n = cols[0].length;
      for (let i = 0; i < n; i++) {
        const peeked = asList(info, s.peek(...bar(cols, i)));
        const got = asList(info, s.update(...bar(cols, i)));
        for (let k = 0; k < got.length; k++) {
          assert.ok(same(got[k], batch[k][i]), `${c.id} output ${k} bar ${i}: stream ${got[k]} batch ${batch[k][i]}`);
          assert.ok(same(peeked[k], got[k]), `${c.id}: peek ${peeked[k]} != update ${got[k]} at ${i}`);
        }
      }
      assert.equal(s.bars, n);
    }
  });

  test(`${label}: peek leaves the state untouched; save/restore and copy continue identically`, async () => {
    const all = (await cases()).filter((c) => c.module === 'ta' && (c.id.includes('/walk60k/') || c.id.includes('/gaps/')));
    assert.ok(all.length > 0);
    for (const c of all) {
      const info = infoOf(c);
      const cols = columns(c);
      const n = cols[0].length;
      const half = n >> 1;
      const a = ta.stream[info.name]({ ...c.options, history: cols.map((col) => col.subarray(0, half)) });
      assert.equal(a.bars, half);
      const before = asList(info, a.value);
      for (const x of [1e300, -5, NaN, 0]) a.peek(...cols.map(() => x));
      assert.equal(a.bars, half, `${c.id}: peek changed bars`);
      asList(info, a.value).forEach((v, k) => assert.ok(same(v, before[k]), `${c.id}: peek changed value`));
      const saved = a.save();
      assert.ok(saved instanceof Uint8Array);
      const b = ta.stream.restore(saved);
      const b2 = ta.stream[info.name].restore(saved);
      const d = a.copy();
      assert.equal(b.bars, half);
      assert.equal(String(b), String(a));
      for (let i = half; i < n; i++) {
        const want = asList(info, a.update(...bar(cols, i)));
        for (const s of [b, b2, d]) {
          const got = asList(info, s.update(...bar(cols, i)));
          got.forEach((v, k) => assert.ok(same(v, want[k]), `${c.id}: restored/copied stream diverged at ${i}`));
        }
      }
    }
  });

  test(`${label}: history, replaceLast and reset`, async () => {
    const c = (await cases()).find((x) => x.id === 'BBANDS/walk60k/p1');
    const info = infoOf(c);
    const cols = columns(c);
    const batch = ta.BBANDS(cols[0], c.options);
    const s = ta.stream.BBANDS({ ...c.options, history: cols[0].subarray(0, 100) });
    assert.ok(same(s.value.middleband, batch.middleband[99]));
    s.update(cols[0][100] * 1.5); // the forming candle, then its final price
    const r = s.replaceLast(cols[0][100]);
    assert.ok(same(r.upperband, batch.upperband[100]) && same(r.lowerband, batch.lowerband[100]));
    assert.equal(s.bars, 101);
    s.reset();
    assert.equal(s.bars, 0);
    assert.ok(Number.isNaN(s.value.middleband));
    for (let i = 0; i < 200; i++) s.update(cols[0][i]);
    assert.ok(same(s.value.middleband, batch.middleband[199]));
    assert.match(String(s), /^BBANDS\(timeperiod=10, nbdevup=1.5, nbdevdn=2.5, matype=1\)$/);
    assert.equal(info.outputs.length, 3);
    // multi-input history as an object keyed by input name equals an array in input order
    const o = (await cases()).find((x) => x.id === 'ATR/msft/default');
    const [h, l, cl] = columns(o);
    const s1 = ta.stream.ATR({ ...o.options, history: { high: h, low: l, close: cl } });
    const s2 = ta.stream.ATR({ ...o.options, history: [h, l, cl] });
    assert.ok(same(s1.value, s2.value) && same(s1.value, ta.ATR(h, l, cl, o.options).at(-1)));
  });
}

/** Every declared function is reachable on the surface (and streams for indicators). */
export function surfaceSuite(label, surface, { jsName }) {
  test(`${label}: every declared function is on the surface`, () => {
    assert.ok(surface.registry.length >= 8);
    for (const f of surface.registry) {
      const fn = surface[f.module]?.[jsName(f)];
      assert.equal(typeof fn, 'function', `${f.module}.${jsName(f)} missing`);
      if (f.streaming) assert.equal(typeof surface[f.module].stream[jsName(f)], 'function', `${f.module}.stream.${jsName(f)} missing`);
    }
    assert.equal(typeof surface.ta.RSI, 'function');
    assert.equal(typeof surface.risk.sharpeRatio, 'function');
    assert.equal(typeof surface.alloc.inverseVolatility, 'function');
  });
}

/** Seeded random calls with hostile values (NaN, infinities, extremes, empty and tiny inputs,
 * extreme but valid options): every call returns or throws a SextantError; nothing else. */
export function robustnessSuite(label, surface, { iterations = 3000, seed = 12345 } = {}) {
  test(`${label}: hostile inputs give results or SextantErrors, never anything else`, () => {
    let s = seed >>> 0;
    const rnd = () => {
      // xorshift32
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      return s / 4294967296;
    };
    const pick = (a) => a[Math.floor(rnd() * a.length)];
    const specials = [NaN, Infinity, -Infinity, 0, -0, 1e308, -1e308, 5e-324, 1e-300, 60000.5, 1];
    const value = () => (rnd() < 0.3 ? pick(specials) : (rnd() - 0.3) * 200);
    const series = (n) => Float64Array.from({ length: n }, value);
    const optionValue = (p) => {
      const r = rnd();
      if (r < 0.1) return pick([undefined, null, 'x', -1, 0, 1.5, NaN, Infinity, 1e20]);
      if (p.kind === 'choice') return pick(p.options);
      if (p.kind === 'optional_float') return pick([null, 252, 1e-300, 1e300, 0.5]);
      if (p.kind === 'matype') return Math.floor(rnd() * 14);
      if (p.kind === 'bool') return rnd() < 0.5;
      if (p.kind === 'json') return pick([null, { upper: 0.5 }, { bounds: [[0, 1]] }, '{', { lower: [0, 0.1] }, [1]]);
      // the run sizes of simulations: small, so that the suite stays fast
      if (['paths', 'steps', 'size'].includes(p.name)) return Math.floor(rnd() * 300);
      const lo = Math.max(p.min ?? -1e6, -1e6);
      const hi = Math.min(p.max ?? 1e6, 1e6);
      const v = lo + rnd() * Math.min(hi - lo, rnd() < 0.8 ? 60 : hi - lo);
      return p.kind === 'int' ? Math.round(v) : v;
    };
    let ok = 0;
    let errors = 0;
    for (let it = 0; it < iterations; it++) {
      const f = pick(surface.registry);
      const name = f.module === 'ta' ? f.name : f.name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
      const options = {};
      for (const p of f.params) if (rnd() < 0.7) options[p.name.replace(/_([a-z])/g, (_, c) => c.toUpperCase())] = optionValue(p);
      const n = pick([0, 1, 2, 3, 5, 17, 64, 300]);
      const args = f.inputs.map((i) => {
        if (i.kind === 'matrix') {
          const k = pick([0, 1, 2, 3, 5]);
          return { data: series(k * k), rows: k, cols: k };
        }
        return series(rnd() < 0.05 ? n + 1 : n);
      });
      try {
        surface[f.module][name](...args, options);
        if (f.streaming) {
          const st = surface[f.module].stream[name](options);
          for (let b = 0; b < 40; b++) {
            const bar = f.inputs.map(value);
            const op = rnd();
            if (op < 0.6) st.update(...bar);
            else if (op < 0.75) st.peek(...bar);
            else if (op < 0.85 && st.bars > 0) st.replaceLast(...bar);
            else if (op < 0.9) st.reset();
            else surface[f.module].stream.restore(st.save()).update(...bar);
          }
        }
        ok++;
      } catch (e) {
        assert.ok(e instanceof surface.SextantError, `${f.name} ${JSON.stringify(options)}: ${e?.stack ?? e}`);
        assert.match(e.code, /^[A-Z_]+$/);
        errors++;
      }
    }
    assert.ok(ok > iterations / 4 && errors > 10, `ok ${ok}, errors ${errors}`);
  });
}
