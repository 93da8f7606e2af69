// The WASM build in Node: every golden case of every declared function, and the same numbers,
// bit for bit, as the native addon.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as native from '../../node/index.mjs';
import { digest, runCase } from '../../node/test/golden.mjs';
import { cases, goldenSuite } from '../../node/test/suite.mjs';
import * as wasm from '../node.mjs';

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
