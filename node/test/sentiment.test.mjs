// sentiment on the native addon: golden fixtures (vaderSentiment 3.3.2, exact), odd inputs, errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as sextant from '../index.mjs';
import { goldenSuite } from './suite.mjs';

goldenSuite('node', sextant, 'sentiment');

test('node: sentiment takes odd texts without throwing', () => {
  const { sentiment } = sextant;
  assert.deepEqual(sentiment.vader(''), { neg: 0, neu: 0, pos: 0, compound: 0 });
  assert.equal(sentiment.vader('\ud800 good').compound, sentiment.vader('good').compound);
  assert.equal(sentiment.vader(new Uint8Array([0xff, 0x20, 0x67, 0x6f, 0x6f, 0x64])).compound, sentiment.vader('good').compound);
  assert.ok(sentiment.vader('😀'.repeat(500)).compound > 0.9);
  const out = sentiment.scoreBatch(['good', 'bad', ''], { model: 'vader' });
  assert.deepEqual(out.map((o) => o.label), ['positive', 'negative', 'neutral']);
});

test('node: sentiment errors are SextantErrors', () => {
  const { sentiment, SextantError } = sextant;
  assert.throws(() => sentiment.score('good', { threshold: 2 }), (e) => e instanceof SextantError && e.code === 'OUT_OF_RANGE' && e.param === 'threshold');
  assert.throws(() => sentiment.vader(3), (e) => e instanceof SextantError && e.code === 'INVALID_INPUT');
  assert.throws(() => sentiment.scoreBatch('one string'), (e) => e instanceof SextantError && e.code === 'INVALID_INPUT');
});
