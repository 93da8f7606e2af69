// The WASM build in Node: every golden case of every declared function, and the same numbers,
// bit for bit, as the native addon.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as native from '../../node/index.mjs';
import { digest, runCase } from '../../node/test/golden.mjs';
import { cases, goldenSuite } from '../../node/test/suite.mjs';
import * as wasm from '../node.mjs';

// Native builds fuse the multiply-adds of the EMA-family chains on CPUs with FMA (as TA-Lib's
// wheel does); WASM never does, so the last bits of those indicators can differ. With fusing
// off (read by the addon at its first computation, after this line), native and WASM compute
// the same operations and must agree bit for bit. docs/benchmarks.md, "Fused multiply-add".
process.env.SEXTANT_FMA = 'off';

for (const m of new Set(wasm.registry.map((f) => f.module))) goldenSuite('wasm-node', wasm, m);

test('wasm-node: bit-identical to the native addon on every golden case', async () => {
  const all = await cases();
  assert.ok(all.length > 50);
  for (const c of all) {
    const a = runCase(native, c).list;
    const b = runCase(wasm, c).list;
    assert.equal(digest(b), digest(a), `${c.id}: WASM and native differ`);
    // digest equality, spelled out for the first output
    const [x, y] = [a[0], b[0]];
    if (typeof x === 'number') assert.ok(Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y)));
    else assert.deepEqual(new Uint8Array(y.buffer, y.byteOffset, y.byteLength), new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  }
});

test('wasm-node: a stream saved by the native addon continues identically in WASM, and back', async () => {
  const c = (await cases()).find((x) => x.id === 'BBANDS/walk60k/p1');
  const x = c.inputs[0].data;
  const a = native.ta.stream.BBANDS({ ...c.options, history: x.subarray(0, 2500) });
  const b = wasm.ta.stream.restore(a.save());
  const back = native.ta.stream.restore(b.save());
  for (let i = 2500; i < x.length; i++) {
    const want = a.update(x[i]);
    for (const s of [b, back]) {
      const got = s.update(x[i]);
      for (const k of Object.keys(want)) assert.ok(Object.is(got[k], want[k]), `bar ${i} ${k}`);
    }
  }
});
