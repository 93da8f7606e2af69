// The WASM build in headless Chromium (playwright-core, the system's chromium): every golden
// case of every declared function within tolerance and bit-identical to the native addon, errors
// as SextantError objects, and the demo page computing RSI and BBANDS from a CSV the user picks.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

import * as native from '../../node/index.mjs';
import { compare, digest, maxAbsInput, runCase } from '../../node/test/golden.mjs';
import { cases, goldenDir } from '../../node/test/suite.mjs';
import { startServer } from '../scripts/server.mjs';

// Native builds fuse the multiply-adds of the EMA-family chains on CPUs with FMA (as TA-Lib's
// wheel does); WASM never does, so the last bits of those indicators can differ. With fusing
// off (read by the addon at its first computation, after this line), native and WASM compute
// the same operations and must agree bit for bit. docs/benchmarks.md, "Fused multiply-add".
process.env.SEXTANT_FMA = 'off';

function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium not found: apt-get install -y chromium (scripts/stages/wasm.sh does it)');
  }
}

let server;
let browser;
let profile;
let page;

before(async () => {
  server = await startServer(0);
  profile = mkdtempSync(path.join(os.tmpdir(), 'sextant-chromium-'));
  // a fresh profile per run (playwright takes it as the persistent context's userDataDir)
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('pageerror', (e) => console.error('page error:', e.message));
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('chromium: every golden case within tolerance and bit-identical to native', async () => {
  await page.goto(`${server.url}/wasm/test/harness.html`);
  const out = await page.evaluate(async () => {
    const m = await import('/wasm/index.mjs');
    await m.default();
    const g = await import('/node/test/golden.mjs');
    const all = await g.loadCases((rel) => fetch(`/tests/golden/${rel}`).then((r) => r.arrayBuffer()));
    const results = all.map((c) => {
      const { misses, list } = g.checkCase(m, c);
      const rows = c.inputs.some((i) => i.shape.length === 2) ? g.checkCase(m, c, { rowsForm: true }).misses : [];
      return { id: c.id, module: c.module, function: c.function, misses: [...misses, ...rows], digest: g.digest(list) };
    });
    let error = null;
    try {
      m.ta.RSI(new Float64Array(30), { timeperiod: 0 });
    } catch (e) {
      error = { isError: e instanceof Error, isSextant: e instanceof m.SextantError, name: e.name, code: e.code, param: e.param };
    }
    let typeError = null;
    try {
      m.risk.sharpeRatio([0.01, 0.02], { riskFree: 'x' });
    } catch (e) {
      typeError = { code: e.code, param: e.param };
    }
    // text functions: every 25th row of each sentiment case (tests/golden/sentiment), exactly
    const manifest = await fetch('/tests/golden/sentiment/manifest.json').then((r) => r.json());
    const textResults = [];
    for (const c of manifest.cases) {
      const rows = (await fetch(`/tests/golden/sentiment/${c.file}`).then((r) => r.text()))
        .split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l)).filter((_, i) => i % 25 === 0);
      const info = m.registry.find((f) => f.module === c.module && f.name === c.function);
      const camel = (s) => s.replace(/_([a-z0-9])/g, (_, x) => x.toUpperCase());
      const fn = m[c.module][camel(c.function)];
      if (c.expect === 'json') {
        // records: {inputs, params, output} rows, numbers within the manifest's json_tolerance
        const close = (a, b, tol) => (typeof b === 'number' ? typeof a === 'number' && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b))
          : Array.isArray(b) ? Array.isArray(a) && a.length === b.length && b.every((x, i) => close(a[i], x, tol))
            : b !== null && typeof b === 'object' ? a !== null && typeof a === 'object' && Object.keys(a).length === Object.keys(b).length && Object.keys(b).every((k) => close(a[k], b[k], tol))
              : a === b);
        const all = (await fetch(`/tests/golden/sentiment/${c.file}`).then((r) => r.text())).split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
        const misses = all.filter((r) => !close(fn(...r.inputs, Object.fromEntries(Object.entries(r.params).map(([k, v]) => [camel(k), v]))), r.output, manifest.json_tolerance))
          .map((r) => JSON.stringify(r.inputs[0]).slice(0, 80));
        textResults.push({ module: c.module, function: c.function, n: all.length, misses });
        continue;
      }
      const t = c.params.threshold ?? 0.05;
      const want = (r) => (c.expect === 'polarity_scores'
        ? { neg: r[1], neu: r[2], pos: r[3], compound: r[4] }
        : { score: r[4], label: r[4] >= t ? 'positive' : r[4] <= -t ? 'negative' : 'neutral' });
      const got = info.inputs[0].kind === 'text_list'
        ? fn(rows.map((r) => r[0]), c.params)
        : rows.map((r) => fn(r[0], c.params));
      const misses = rows.filter((r, i) => JSON.stringify(got[i]) !== JSON.stringify(want(r))).map((r) => r[0]);
      textResults.push({ module: c.module, function: c.function, n: rows.length, misses });
    }
    // records: every case of tests/golden/ledger/decls.json
    const ledgerDoc = await fetch('/tests/golden/ledger/decls.json').then((r) => r.json());
    for (const c of ledgerDoc.cases) {
      textResults.push({ module: c.module, function: c.function, n: 1, misses: g.checkLedgerCase(m, c, ledgerDoc.tolerance) });
    }
    return { results, textResults, error, typeError, functions: m.registry.map((f) => `${f.module}.${f.name}`) };
  });

  const all = await cases();
  assert.equal(out.results.length, all.length, 'every manifest case ran in the page');
  for (const f of native.registry) {
    assert.ok(out.functions.includes(`${f.module}.${f.name}`), `${f.name} missing in the browser`);
    // mc has no reference fixtures: its exact bits (tests/mc/expected.json) are asserted on
    // the WASM build in Node (golden.test.mjs, suite.mjs mcSuite)
    // autoindex has no reference library either: its hand-derived cases run on the WASM build
    // in Node (golden.test.mjs, suite.mjs)
    if (f.module === 'mc' || f.module === 'autoindex') continue;
    const ran = out.results.some((r) => r.module === f.module && r.function === f.name)
      || out.textResults.some((r) => r.module === f.module && r.function === f.name && r.n > 0);
    assert.ok(ran, `${f.name}: no case ran`);
  }
  for (const r of out.textResults) assert.deepEqual(r.misses, [], `${r.module}.${r.function}: ${r.misses.slice(0, 3).join('\n')}`);
  const byId = new Map(all.map((c) => [c.id, c]));
  for (const r of out.results) {
    assert.deepEqual(r.misses, [], `${r.id}: ${r.misses.slice(0, 3).join('\n')}`);
    const want = digest(runCase(native, byId.get(r.id)).list);
    assert.equal(r.digest, want, `${r.id}: Chromium WASM differs from native`);
  }
  assert.deepEqual(out.error, { isError: true, isSextant: true, name: 'SextantError', code: 'OUT_OF_RANGE', param: 'timeperiod' });
  assert.deepEqual(out.typeError, { code: 'INVALID_TYPE', param: 'riskFree' });
});

test('chromium: streaming in the page equals batch, save/restore continues', async () => {
  const ok = await page.evaluate(async () => {
    const m = await import('/wasm/index.mjs');
    await m.default();
    const x = Float64Array.from({ length: 500 }, (_, i) => 100 + 10 * Math.sin(i / 7) + (i % 5));
    const batch = m.ta.RSI(x, { timeperiod: 9 });
    const s = m.ta.stream.RSI({ timeperiod: 9, history: x.subarray(0, 250) });
    const r = m.ta.stream.restore(s.save());
    for (let i = 250; i < 500; i++) {
      const a = s.update(x[i]);
      const b = r.update(x[i]);
      if (!(Object.is(a, batch[i]) && Object.is(b, a))) return `diverged at ${i}`;
    }
    return 'ok';
  });
  assert.equal(ok, 'ok');
});

/** A CSV of a golden dataset: date,open,high,low,close with exact (round-trip) numbers. */
function datasetCsv(name) {
  const col = (c) => {
    const b = readFileSync(path.join(goldenDir, `data/${name}_${c}.f64`));
    return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  const [o, h, l, c] = ['open', 'high', 'low', 'close'].map(col);
  const lines = ['Date,Open,High,Low,Close'];
  for (let i = 0; i < c.length; i++) lines.push(`d${i},${o[i]},${h[i]},${l[i]},${c[i]}`);
  return lines.join('\n') + '\n';
}

test('chromium: the demo page computes RSI and BBANDS from a picked CSV and draws them', async () => {
  await page.goto(`${server.url}/wasm/demo/`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready');
  await page.setInputFiles('#file', { name: 'msft.csv', mimeType: 'text/csv', buffer: Buffer.from(datasetCsv('msft')) });
  await page.waitForFunction(() => document.body.dataset.state === 'done');
  const got = await page.evaluate(() => {
    const r = window.sextantDemo.result;
    const ink = (id) => {
      const c = document.getElementById(id);
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
      return n;
    };
    return {
      rsi: Array.from(r.rsi),
      upperband: Array.from(r.upperband),
      middleband: Array.from(r.middleband),
      lowerband: Array.from(r.lowerband),
      ink: [ink('price'), ink('rsi')],
      status: document.getElementById('status').textContent,
    };
  });
  const all = await cases();
  const rsiCase = all.find((c) => c.id === 'RSI/msft/default');
  const bbCase = all.find((c) => c.id === 'BBANDS/msft/default');
  const check = (c, name, values, k) => {
    const abs = c.tolerance.abs_scale * maxAbsInput(c);
    const miss = compare(c.id, name, Float64Array.from(values), c.outputs[k].data, c.tolerance.rel, abs);
    assert.equal(miss, null, miss);
  };
  check(rsiCase, 'rsi', got.rsi, 0);
  check(bbCase, 'upperband', got.upperband, 0);
  check(bbCase, 'middleband', got.middleband, 1);
  check(bbCase, 'lowerband', got.lowerband, 2);
  assert.ok(got.ink[0] > 5000 && got.ink[1] > 1000, `canvases look empty: ${got.ink}`);
  assert.match(got.status, /^7983 rows, column "close"/);
  if (process.env.SEXTANT_SCREENSHOT) await page.screenshot({ path: process.env.SEXTANT_SCREENSHOT, fullPage: true });

  // a bad option shows an error with its code; the page keeps working
  await page.fill('#rsi-period', '0');
  await page.dispatchEvent('#rsi-period', 'change');
  await page.waitForFunction(() => document.body.dataset.state === 'error');
  const err = await page.evaluate(() => window.sextantDemo.error);
  assert.equal(err.code, 'OUT_OF_RANGE');
  assert.equal(err.param, 'timeperiod');
  assert.match(await page.textContent('#status'), /OUT_OF_RANGE/);
  await page.fill('#rsi-period', '14');
  await page.dispatchEvent('#rsi-period', 'change');
  await page.waitForFunction(() => document.body.dataset.state === 'done');

  // a file that is not a CSV of numbers is reported, not fatal
  await page.setInputFiles('#file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('just one line') });
  await page.waitForFunction(() => document.body.dataset.state === 'error');
  assert.match(await page.textContent('#status'), /cannot read bad\.csv/);
});

test('chromium: the demo reads a CSV without a close column (last numeric column)', async () => {
  await page.goto(`${server.url}/wasm/demo/`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready');
  const csv = ['time,price', ...Array.from({ length: 60 }, (_, i) => `${i},${100 + i + (i % 3)}`)].join('\n');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sextant-csv-'));
  const file = path.join(dir, 'prices.csv');
  writeFileSync(file, csv);
  await page.setInputFiles('#file', file);
  await page.waitForFunction(() => document.body.dataset.state === 'done');
  const n = await page.evaluate(() => window.sextantDemo.result.rsi.length);
  assert.equal(n, 60);
  rmSync(dir, { recursive: true, force: true });
});
