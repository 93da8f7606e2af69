// alloc on the native addon: golden fixtures (matrices as { data, rows, cols } and as rows).
import * as sextant from '../index.mjs';
import { goldenSuite } from './suite.mjs';

goldenSuite('node', sextant, 'alloc');

import { test } from 'node:test';
import assert from 'node:assert/strict';

test('node: square outputs come back as { data, shape } (row-major n x n)', () => {
  // 4 periods x 2 assets
  const r = { data: Float64Array.from([0.01, 0.02, -0.01, 0.0, 0.03, 0.04, 0.0, -0.02]), rows: 4, cols: 2 };
  const c = sextant.alloc.sampleCov(r);
  assert.deepEqual(c.shape, [2, 2]);
  assert.ok(c.data instanceof Float64Array && c.data.length === 4);
  // pandas/numpy closed form: var of [0.01, -0.01, 0.03, 0] = 0.000291666...
  assert.ok(Math.abs(c.data[0] - 0.00035 / 1.2) < 1e-15, String(c.data[0]));
  assert.equal(c.data[1], c.data[2]);
  const corr = sextant.risk.correlation(r, { missing: 'listwise' });
  assert.deepEqual(corr.shape, [2, 2]);
  assert.equal(corr.data[0], 1);
  assert.throws(() => sextant.alloc.sampleCov({ data: Float64Array.from([NaN, 1]), rows: 1, cols: 2 }, { missing: 'error' }), /NaN/);
});
