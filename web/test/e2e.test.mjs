// End-to-end test of the web dashboard in headless Chromium (playwright-core, Debian's
// chromium) against a real sextant-server on loopback started with --demo and --web-dir dist.
// A new user registers, enables 2FA (the TOTP code computed here, RFC 6238), signs in again with
// a code, imports the demo transactions, sees the performance and risk numbers the API gives,
// adds an RSI overlay equal to the TA-Lib golden fixture, runs a Monte Carlo plan (equal to the
// server's answer for the same declaration), builds an index and sees its backtest, reads the
// news. Screenshots of every screen and the load times go to web/test-artifacts/ (gitignored).
//
//   SEXTANT_SERVER_BIN   the server binary (default $CARGO_TARGET_DIR/debug/sextant-server)
//   CHROMIUM             the browser (default: chromium on the PATH)
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { mc, ta } from '../../wasm/node.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '..');
const root = path.resolve(webDir, '..');
const artefacts = path.join(webDir, 'test-artifacts');
const golden = path.join(root, 'tests/golden');
const serverBin = process.env.SEXTANT_SERVER_BIN
  ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), '.cache/sextant/target'), 'debug/sextant-server');

const EMAIL = 'e2e@example.com';
const PASSWORD = 'a long e2e passphrase';
const JWT = randomBytes(32).toString('hex');
const timings = {};

// --- RFC 6238 TOTP (HMAC-SHA1, 30 s, 6 digits), as an authenticator app computes it ---------
function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of s.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}
export function totp(secret, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32(secret)).update(msg).digest();
  const o = mac[19] & 0xf;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, '0');
}
const nowStep = () => Math.floor(Date.now() / 1000 / 30);

test('TOTP matches RFC 6238 appendix B (SHA1, 8 digits -> last 6)', () => {
  // secret "12345678901234567890" (base32 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ), T = 59 s: 94287082
  assert.equal(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 1), '287082');
});

// --- the server --------------------------------------------------------------------------------
let server;
let base;
let dataDir;
const serverLog = [];

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startServer(extra = []) {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(serverBin, ['--addr', `127.0.0.1:${port}`, '--data-dir', dataDir, '--demo', '--web-dir', path.join(webDir, 'dist'), ...extra], {
    env: { ...process.env, SEXTANT_JWT_SECRET: JWT, RUST_LOG: 'warn', SEXTANT_RATE_LIMIT_SCALE: '100' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (d) => serverLog.push(String(d)));
  server.stderr.on('data', (d) => serverLog.push(String(d)));
  for (let i = 0; i < 1200; i++) {
    try {
      if ((await fetch(`${base}/ready`)).ok) return;
    } catch {
      /* not yet */
    }
    if (server.exitCode !== null) throw new Error(`server exited: ${serverLog.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server not ready in 120 s');
}

async function stopServer() {
  if (!server || server.exitCode !== null) return;
  const done = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  await done;
}

let browser;
let context;
let page;
let token;

async function apiGet(p) {
  const res = await fetch(base + p, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, `${p}: ${res.status}`);
  return res.json();
}

async function shot(name) {
  await page.screenshot({ path: path.join(artefacts, `${name}.png`), fullPage: true });
}

before(async () => {
  rmSync(artefacts, { recursive: true, force: true });
  mkdirSync(artefacts, { recursive: true });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'sextant-web-e2e-'));
  await startServer();
  let exe = process.env.CHROMIUM;
  if (!exe) {
    try {
      exe = execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
    } catch {
      throw new Error('chromium not found: apt-get install -y chromium (scripts/stages/web.sh does it)');
    }
  }
  browser = await chromium.launch({
    executablePath: exe,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
});

after(async () => {
  writeFileSync(path.join(artefacts, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
  console.log('timings (ms):', JSON.stringify(timings));
  await browser?.close();
  await stopServer();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('the server serves the app at / with an SPA fallback, and keeps the API routes', async () => {
  const index = await fetch(`${base}/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /text\/html/);
  const deep = await fetch(`${base}/market`);
  assert.equal(deep.status, 200);
  assert.equal(await deep.text(), await (await fetch(`${base}/`)).text());
  const api404 = await fetch(`${base}/v1/no-such-route`);
  assert.equal(api404.status, 404);
  assert.equal((await api404.json()).error.code, 'NOT_FOUND');
  assert.equal((await fetch(`${base}/health`)).status, 200);
  assert.equal((await fetch(`${base}/docs/`)).status, 200);
  assert.equal((await fetch(`${base}/metrics`)).status, 200);
});

test('register, enable 2FA, sign in again with a TOTP code', async () => {
  const t0 = Date.now();
  await page.goto(`${base}/`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  timings.first_load_login_ms = Date.now() - t0;
  await page.getByRole('button', { name: 'New here? Create an account' }).click();
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await shot('01-register');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/portfolio');
  await page.getByText('No portfolio yet').waitFor();

  // 2FA
  await page.getByRole('link', { name: 'Security' }).click();
  await page.getByLabel('Your password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  const secret = (await page.getByTestId('totp-secret').textContent()).trim();
  assert.match(await page.getByTestId('totp-uri').getAttribute('href'), new RegExp(`secret=${secret}`));
  const step = nowStep();
  await page.getByLabel('Code from the app').fill(totp(secret, step));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await page.getByTestId('totp-enabled').waitFor();
  assert.equal(await page.locator('.codes li').count(), 10);
  await shot('02-2fa-enabled');

  // sign out; sign in: the code is asked for, a wrong one refused, the next step's accepted
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('enter the 6-digit code').waitFor();
  await page.getByLabel('Two-factor code').fill(totp(secret, step + 1) === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('That code is not right').waitFor();
  await shot('03-login-2fa');
  await page.getByLabel('Two-factor code').fill(totp(secret, step + 1));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/portfolio');
  token = JSON.parse(await page.evaluate(() => sessionStorage.getItem('sextant.session'))).access;
  assert.equal((await apiGet('/v1/account')).totp_enabled, true);
});

test('import the demo transactions: performance and risk equal the API', async () => {
  await page.getByRole('button', { name: 'Create one with the demo transactions' }).click();
  await page.waitForFunction(() => window.__sextant.portfolio?.shown === true, null, { timeout: 60_000 });
  const ui = await page.evaluate(() => window.__sextant.portfolio);
  const pf = (await apiGet('/v1/portfolios')).items[0];
  assert.equal(ui.id, pf.id);
  const perf = await apiGet(`/v1/portfolios/${pf.id}/performance?daily=true`);
  assert.deepEqual(ui.dates, perf.daily.map((d) => d.date));
  assert.deepEqual(ui.cumulative, perf.daily.map((d) => d.cumulative));
  assert.equal(ui.twr, perf.twr);
  const risk = await apiGet(`/v1/portfolios/${pf.id}/risk`);
  // every number of the risk panel is the API's, to the last bit (data-value), and shown
  const panel = await page.getByTestId('risk').locator('dd').evaluateAll((dds) => dds.map((d) => [d.dataset.key, d.dataset.value, d.textContent]));
  assert.equal(panel.length, 9);
  for (const [key, value, text] of panel) {
    assert.equal(Number(value), risk.metrics[key], key);
    assert.notEqual(text, '–', key);
  }
  const shownVar = await page.locator('[data-key="value_at_risk"]').textContent();
  assert.equal(shownVar, `${(risk.metrics.value_at_risk * 100).toFixed(2)} %`);
  // the demo's cash, by hand in the server's journey test: 49146.25 USD
  assert.match(await page.getByTestId('holdings').textContent(), /49,146\.25/);
  // the benchmark: SPX closes rebased on the first valuation date
  assert.equal(ui.benchmark.length, ui.dates.length);
  await shot('04-portfolio');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await shot('04b-portfolio-phone');
  await page.setViewportSize({ width: 1280, height: 900 });

  // first load of the portfolio screen, cold (a new context: no cache), signed in
  const session = await page.evaluate(() => sessionStorage.getItem('sextant.session'));
  const cold = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await cold.addInitScript((s) => sessionStorage.setItem('sextant.session', s), session);
  const p2 = await cold.newPage();
  let bytes = 0;
  p2.on('response', async (r) => {
    const len = Number(r.headers()['content-length'] ?? 0);
    bytes += len;
  });
  const t0 = Date.now();
  await p2.goto(`${base}/portfolio`);
  await p2.waitForFunction(() => window.__sextant.portfolio?.shown === true, null, { timeout: 60_000 });
  timings.first_load_portfolio_ms = Date.now() - t0;
  const t1 = Date.now();
  await p2.goto(`${base}/market`);
  await p2.waitForFunction(() => window.__sextant.market?.bars > 0, null, { timeout: 60_000 });
  timings.first_load_market_ms = Date.now() - t1;
  timings.bytes_portfolio_and_market = bytes;
  await cold.close();
});

test('market: an RSI overlay computed in WASM equals the TA-Lib golden fixture', async () => {
  await page.getByRole('link', { name: 'Market' }).click();
  await page.waitForFunction(() => window.__sextant.market?.bars > 0, null, { timeout: 60_000 });
  assert.equal(await page.locator('#symbol').inputValue(), 'MSFT');
  // the picker lists what the core declares (the ta bundle's registry, bar inputs only)
  const offered = await page.locator('#indicator option').evaluateAll((os) => os.map((o) => o.value));
  const declared = (await apiGet('/v1/functions')).functions
    .filter((f) => f.module === 'ta' && !f.name.startsWith('CDL') && f.inputs.every((i) => ['real', 'open', 'high', 'low', 'close', 'volume'].includes(i.name)))
    .map((f) => f.name);
  assert.deepEqual([...offered].sort(), [...declared].sort());
  await page.locator('#indicator').selectOption('RSI');
  await page.getByRole('button', { name: 'Add indicator' }).click();
  await page.waitForFunction(() => Object.keys(window.__sextant.market.indicators).length === 1);
  const got = await page.evaluate(() => Object.values(window.__sextant.market.indicators)[0]);
  assert.equal(got.name, 'RSI');
  assert.equal(got.params.timeperiod, 14);
  const manifest = JSON.parse(readFileSync(path.join(golden, 'manifest.json'), 'utf8'));
  const c = manifest.cases.find((x) => x.id === 'RSI/msft/default');
  const buf = readFileSync(path.join(golden, c.outputs[0].file));
  const want = new Float64Array(buf.buffer, buf.byteOffset, buf.length / 8);
  const rsi = got.outputs.real;
  assert.equal(rsi.length, want.length);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i])) {
      assert.ok(Number.isNaN(rsi[i]), `RSI[${i}] should be NaN`);
      continue;
    }
    const tol = Math.max(c.tolerance.rel * Math.abs(want[i]), c.tolerance.abs_scale);
    assert.ok(Math.abs(rsi[i] - want[i]) <= tol, `RSI[${i}] = ${rsi[i]}, golden ${want[i]}`);
  }
  // edit the period: recomputed in the browser, equal to the same WASM build in Node
  const period = page.locator('[data-indicator] input[id$="-timeperiod"]');
  await period.fill('30');
  await page.waitForFunction(() => Object.values(window.__sextant.market.indicators)[0]?.params.timeperiod === 30);
  const edited = await page.evaluate(() => Object.values(window.__sextant.market.indicators)[0].outputs.real);
  // (over the closes the page charted: the API's bars, which equal the golden closes within
  // the fixture's tolerance)
  const bars = await apiGet('/v1/instruments/MSFT/bars?interval=1d&limit=10000');
  const close = Float64Array.from(bars.items, (b) => b.close);
  assert.deepEqual(edited, Array.from(ta.RSI(close, { timeperiod: 30 })));
  // a bad value shows the core's error in the page, which keeps working
  await period.fill('1');
  await page.locator('[data-indicator] .error').getByText(/out of range/).waitFor();
  await period.fill('14');
  await page.locator('#indicator').selectOption('BBANDS');
  await page.getByRole('button', { name: 'Add indicator' }).click();
  await page.waitForFunction(() => Object.keys(window.__sextant.market.indicators).length === 2);
  await page.waitForTimeout(200);
  await shot('05-market');
});

test('plan: a Monte Carlo fan chart computed in WASM, equal to the server for the same inputs', async () => {
  await page.getByRole('link', { name: 'Plan' }).click();
  await page.waitForFunction(() => window.__sextant.plan?.mean !== undefined, null, { timeout: 60_000 });
  await page.locator('#plan-paths').fill('2000');
  await page.locator('#plan-years').fill('10');
  await page.getByRole('button', { name: 'Run simulation' }).click();
  await page.waitForFunction(() => window.__sextant.plan?.inputs.paths === 2000, null, { timeout: 60_000 });
  const ui = await page.evaluate(() => window.__sextant.plan);
  const p = ui.inputs;
  const steps = Math.round(p.years * 12);
  const res = await fetch(`${base}/v1/mc/simulate_portfolio`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      inputs: { weights: [1], mu: [p.mu], cov: [[p.vol * p.vol]], cashflows: [p.monthly], percentiles: [5, 25, 50, 75, 95] },
      params: { initial: p.initial, years: p.years, steps, paths: p.paths, seed: p.seed, goal: p.goal, fee: p.fee },
    }),
  });
  assert.equal(res.status, 200);
  const api = (await res.json()).outputs;
  for (const k of ['mean', 'prob_goal', 'prob_ruin', 'var', 'es']) {
    assert.ok(Math.abs(ui[k] - api[k]) <= 1e-9 * Math.max(1, Math.abs(api[k])), `${k}: page ${ui[k]}, API ${api[k]}`);
  }
  assert.deepEqual(ui.median, api.bands.map((row) => row[2]));
  const node = mc.simulatePortfolio([1], [p.mu], [[p.vol * p.vol]], [p.monthly], [5, 25, 50, 75, 95],
    { initial: p.initial, years: p.years, steps, paths: p.paths, seed: p.seed, goal: p.goal, fee: p.fee });
  assert.equal(ui.mean, node.mean);
  await shot('06-plan');
});

test('AutoIndex: build an index, see its backtest and current weights (the API\'s)', async () => {
  await page.getByRole('link', { name: 'AutoIndex' }).click();
  await page.locator('#ai-form').waitFor();
  await page.locator('#ai-name').fill('Two indexes');
  await page.getByRole('button', { name: 'Create and backtest' }).click();
  await page.waitForFunction(() => window.__sextant.autoindex?.shown === true, null, { timeout: 120_000 });
  const ui = await page.evaluate(() => window.__sextant.autoindex);
  const bt = await apiGet(`/v1/autoindex/strategies/${ui.id}/backtest?from=2010-01-01`);
  assert.deepEqual(ui.values, bt.values.slice(bt.start));
  assert.deepEqual(ui.dates, bt.dates.slice(bt.start));
  assert.deepEqual(bt.symbols.sort(), ['IXIC', 'SPX']);
  const alloc = await apiGet(`/v1/autoindex/strategies/${ui.id}/allocation`);
  assert.deepEqual(ui.weights, alloc.weights);
  assert.equal(await page.getByTestId('ai-weights').locator('tbody tr').count(), 2);
  await shot('07-autoindex');
});

test('news: stored items with per-asset sentiment', async () => {
  // an admin ingests two items (the test restarts the server with --grant-admin for the user)
  await stopServer();
  const oldBase = base;
  await startServer(['--grant-admin', EMAIL]);
  const res = await fetch(`${base}/v1/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: await page.evaluate(() => JSON.stringify({ refresh_token: JSON.parse(sessionStorage.getItem('sextant.session')).refresh })),
  });
  assert.equal(res.status, 200);
  const tokens = await res.json();
  token = tokens.access_token;
  const ingest = await fetch(`${base}/v1/news`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ items: [
      { source: 'e2e', id: '1', published_at: '2017-11-09T13:00:00Z', title: '$MSFT shares surge after record cloud revenue.' },
      { source: 'e2e', id: '2', published_at: '2017-11-10T13:00:00Z', title: '$MSFT faces a lawsuit over weak sales and heavy losses.' },
    ] }),
  });
  assert.equal(ingest.status, 200, await ingest.text());
  // the page moves to the restarted server (a new port) with the new tokens
  await page.goto(`${base}/login`);
  await page.evaluate((t) => sessionStorage.setItem('sextant.session', JSON.stringify({ access: t.access_token, refresh: t.refresh_token })), tokens);
  await page.goto(`${base}/news`);
  await page.getByTestId('mean-sentiment').waitFor();
  const items = (await apiGet('/v1/instruments/MSFT/news')).items;
  assert.equal(items.length, 2);
  const mean = items.reduce((a, i) => a + i.entity_score, 0) / items.length;
  assert.match(await page.getByTestId('mean-sentiment').textContent(), new RegExp(`^${mean.toFixed(3).replace('.', '\\.')}`));
  await page.getByTestId('live-placeholder').waitFor();
  await shot('08-news');
  assert.notEqual(oldBase, undefined);
});

test('alerts: create in the UI, quotes cross the level, the event arrives live (no reload)', async () => {
  // the user is an admin since the news test (--grant-admin), so the test can post quotes
  const postQuotes = async (quotes) => {
    const res = await fetch(`${base}/v1/quotes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ quotes }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    return res.json();
  };
  const liveHas = (topic) => page.waitForFunction((t) => window.__sextant.live?.state === 'open' && window.__sextant.live.subscribed.includes(t), topic, { timeout: 30_000 });
  await page.getByRole('link', { name: 'Alerts' }).click();
  await page.waitForFunction(() => window.__sextant.alerts?.shown === true, null, { timeout: 60_000 });
  await page.locator('#live-state[data-state="open"]').waitFor();
  await liveHas('alerts||');
  // the picker: the streaming `ta` functions with bar inputs, from the same registry
  const offered = await page.locator('#alert-indicator option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  assert.ok(offered.includes('RSI') && offered.includes('SMA') && offered.length > 20, `offered: ${offered.length}`);

  // a bad parameter: the API's 422 shown in words, naming the setting
  await page.locator('#alert-indicator').selectOption('RSI');
  await page.locator('#alert-p-timeperiod').fill('1');
  await page.locator('#alert-op').selectOption('crosses_below');
  await page.locator('#alert-level').fill('30');
  await page.getByRole('button', { name: 'Create alert' }).click();
  const err = page.getByTestId('alert-form-error');
  await err.getByText(/Indicator setting "timeperiod".*out of range/).waitFor();
  await shot('09-alert-error');
  // a valid RSI alert, then deleted from the list
  await page.locator('#alert-p-timeperiod').fill('14');
  await page.getByRole('button', { name: 'Create alert' }).click();
  await page.locator('[data-alert]').first().waitFor();
  assert.equal((await apiGet('/v1/alerts')).items.length, 1);
  await page.getByRole('button', { name: /^Delete alert: MSFT RSI/ }).click();
  await page.getByText('No alerts yet').waitFor();
  assert.equal((await apiGet('/v1/alerts')).items.length, 0);

  // the price crosses above 500
  await page.locator('#alert-indicator').selectOption('');
  await page.locator('#alert-op').selectOption('crosses_above');
  await page.locator('#alert-level').fill('500');
  await page.locator('#alert-note').fill('e2e: MSFT above 500');
  await page.getByRole('button', { name: 'Create alert' }).click();
  await page.locator('[data-alert]').first().waitFor();
  const alerts = (await apiGet('/v1/alerts')).items;
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0].op, 'crosses_above');
  assert.equal(alerts[0].level, 500);
  assert.equal(alerts[0].indicator, undefined);
  await page.getByTestId('no-events').waitFor();

  await page.evaluate(() => { window.__noReload = true; });
  const t0 = Math.floor(Date.now() / 1000);
  const ack = await postQuotes([
    { symbol: 'MSFT', ts: t0, price: 480, volume: 10 },
    { symbol: 'MSFT', ts: t0 + 1, price: 512.5, volume: 20 },
  ]);
  assert.equal(ack.accepted, 2);
  assert.equal(ack.alerts_fired, 1);
  await page.locator('[data-event]').first().waitFor({ timeout: 30_000 });
  assert.equal(await page.evaluate(() => window.__noReload), true, 'the page was not reloaded');
  let ui = await page.evaluate(() => window.__sextant.alerts);
  assert.equal(ui.live, 1);
  let api = (await apiGet('/v1/alerts/events')).items;
  assert.equal(api.length, 1);
  assert.deepEqual(ui.events, api);
  assert.equal(api[0].alert_id, alerts[0].id);
  assert.equal(api[0].direction, 'above');
  assert.equal(api[0].value, 512.5);
  assert.equal(api[0].threshold, 500);
  assert.equal(await page.locator('[data-alert] [data-testid="fired-count"]').textContent(), '1');
  await shot('10-alerts-live');

  // elsewhere: the market screen shows the live quotes, the nav a badge and a toast
  await page.getByRole('link', { name: 'Market' }).click();
  await page.waitForFunction(() => window.__sextant.market?.bars > 0, null, { timeout: 60_000 });
  await liveHas('quotes|MSFT|');
  await postQuotes([
    { symbol: 'MSFT', ts: t0 + 2, price: 470, volume: 5 },
    { symbol: 'MSFT', ts: t0 + 3, price: 530.25, volume: 5 },
  ]);
  await page.locator('#toast.show').getByText(/MSFT went above 500 \(at 530\.25\)/).waitFor({ timeout: 30_000 });
  await page.getByTestId('live-quote').getByText(/Live: MSFT 530\.25/).waitFor({ timeout: 30_000 });
  await page.locator('#alert-badge:not([hidden])').waitFor({ timeout: 30_000 });
  assert.equal((await page.locator('#alert-badge').textContent()).trim(), '1');
  await shot('11-market-live');
  await page.getByRole('link', { name: 'Alerts' }).click();
  await page.waitForFunction(() => window.__sextant.alerts?.shown === true && window.__sextant.alerts.events.length === 2, null, { timeout: 60_000 });
  assert.equal(await page.locator('#alert-badge').isHidden(), true);
  ui = await page.evaluate(() => window.__sextant.alerts);
  api = (await apiGet('/v1/alerts/events')).items;
  assert.deepEqual(ui.events, api);
  assert.equal(await page.locator('[data-event]').count(), 2);
});

test('keyboard: the nav is reachable with Tab and every screen has a heading', async () => {
  await page.goto(`${base}/portfolio`);
  await page.waitForFunction(() => window.__sextant.portfolio?.shown === true, null, { timeout: 60_000 });
  await page.keyboard.press('Tab'); // skip link
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Portfolio');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/market');
  await page.getByRole('heading', { level: 1, name: 'Market' }).waitFor();
});
