// The surface is derived from the registry: every declared function is there, in the
// generated index.d.ts too.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import * as sextant from '../index.mjs';
import { jsName, optionKey } from '../surface.mjs';
import { surfaceSuite } from './suite.mjs';

surfaceSuite('node', sextant, { jsName });

test('node: index.d.ts declares every function, stream and option', () => {
  const dts = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8');
  for (const f of sextant.registry) {
    assert.match(dts, new RegExp(`function ${jsName(f)}\\(`), `${f.module}.${jsName(f)} missing from index.d.ts`);
    for (const p of f.params) assert.match(dts, new RegExp(`\\b${optionKey(p)}\\?:`), `${jsName(f)} option ${optionKey(p)}`);
  }
});

test('node: outputs have the declared JS types', () => {
  const { ta, risk, alloc } = sextant;
  const x = Float64Array.from({ length: 40 }, (_, i) => 10 + Math.cos(i));
  assert.ok(ta.SMA(x) instanceof Float64Array);
  assert.ok(ta.CDLENGULFING(x, x, x, x) instanceof Int32Array);
  assert.deepEqual(Object.keys(ta.BBANDS(x)), ['upperband', 'middleband', 'lowerband']);
  assert.equal(typeof risk.sharpeRatio(x.map((v) => v / 100 - 0.1)), 'number');
  const w = alloc.inverseVolatility([[4, 0], [0, 1]]);
  assert.ok(w instanceof Float64Array);
  assert.deepEqual(Array.from(w), [1 / 3, 2 / 3]);
  // plain arrays with gaps: null and undefined are missing values (NaN)
  assert.ok(Number.isNaN(ta.SMA([1, null, 3, 4], { timeperiod: 2 })[2]));
});
