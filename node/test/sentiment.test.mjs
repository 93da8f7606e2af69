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

const UNIVERSE = [{ symbol: 'AAPL', names: ['Apple', 'Apple Inc'] }, { symbol: 'T', names: 'AT&T' }];

test('node: extractEntities spans slice JavaScript strings (UTF-16 units)', () => {
  const { sentiment } = sextant;
  const text = '😀 Café: Apple (AAPL) and $T rise';
  const ms = sentiment.extractEntities(text, UNIVERSE);
  assert.deepEqual(ms.map((m) => m.symbol), ['AAPL', 'AAPL', 'T']);
  for (const m of ms) assert.equal(text.slice(m.startUtf16 ?? m.start_utf16, m.endUtf16 ?? m.end_utf16), m.text);
  // code points (Python's indices) are one fewer than UTF-16 units after the emoji
  assert.equal(ms[0].start + 1, ms[0].start_utf16);
  assert.equal(ms[2].kind, 'cashtag');
  const es = sentiment.entitySentiment('Apple beats estimates. AT&T cuts its dividend.', UNIVERSE);
  assert.deepEqual(es.map((e) => [e.symbol, e.label]), [['AAPL', 'positive'], ['T', 'negative']]);
});

test('node: aggregate by hand (XNYS days, mean, population std, half-life decay)', () => {
  const { sentiment } = sextant;
  const items = [
    { time: '2024-01-02T14:30:00Z', score: 0.5, symbols: ['AAPL'] },
    { time: '2024-01-02T15:00:00-05:00', score: -0.1, symbols: ['AAPL', 'T'] },
    { time: 1704229200, score: 0.3, symbols: ['AAPL'] }, // 16:00 New York: the next day
  ];
  const out = sentiment.aggregate(items, null, null, { halfLife: 24 });
  assert.deepEqual(out.days.map((r) => [r.day, r.symbol, r.count]), [['2024-01-02', 'AAPL', 2], ['2024-01-02', 'T', 1], ['2024-01-03', 'AAPL', 1]]);
  const w = (h) => 2 ** (-h / 24);
  const [d] = out.days;
  assert.ok(Math.abs(d.mean - 0.2) < 1e-12 && Math.abs(d.std - 0.3) < 1e-12);
  assert.ok(Math.abs(d.decayed - (0.5 * w(6.5) - 0.1 * w(1)) / (w(6.5) + w(1))) < 1e-12);
  assert.deepEqual(out.graph.edges, [{ source: 'AAPL', target: 'T', count: 1 }]);
  // texts with a universe (every input is positional: null for none)
  const t = sentiment.aggregate([{ time: new Date('2024-01-02T14:30:00Z').toISOString(), text: 'Apple beats estimates' }], UNIVERSE, null);
  assert.equal(t.days[0].symbol, 'AAPL');
});

test('node: entity functions take odd texts and name bad inputs', () => {
  const { sentiment, SextantError } = sextant;
  const huge = 'Apple (AAPL) beats estimates 😀; AT&T cuts its dividend. '.repeat(20000);
  for (const text of ['', ' ', '😀🚀', '\ud800 $T', new Uint8Array([0xff, 0x20, 0x24, 0x54]), huge]) {
    sentiment.extractEntities(text, UNIVERSE);
    sentiment.entitySentiment(text, UNIVERSE);
  }
  assert.equal(sentiment.extractEntities(huge, UNIVERSE).length, 60000);
  assert.throws(() => sentiment.extractEntities('x', [{ names: ['A'] }]), (e) => e instanceof SextantError && e.code === 'INVALID_INPUT' && /universe\[0\]\.symbol/.test(e.message));
  assert.throws(() => sentiment.aggregate([{ time: '2024-01-02 10:00', score: 1, symbols: ['A'] }], null, null), (e) => e instanceof SextantError && /items\[0\]\.time/.test(e.message));
});
