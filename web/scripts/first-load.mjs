// First-load benchmark of the dashboard (docs/benchmarks.md): starts a sextant-server binary on
// loopback with --demo and --web-dir dist, signs a new user in through the API, imports the demo
// transactions, then opens each screen N times in a fresh browser context (empty cache) and
// reports the median time from navigation to the screen drawn with its numbers.
//
//   node scripts/first-load.mjs [server binary] [runs]
//   (default: $CARGO_TARGET_DIR/release/sextant-server, 7 runs; build dist/ first)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = process.argv[2] ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), '.cache/sextant/target'), 'release/sextant-server');
const runs = Number(process.argv[3] ?? 7);
const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const base = `http://127.0.0.1:${port}`;
const data = mkdtempSync(path.join(os.tmpdir(), 'sextant-web-bench-'));
const server = spawn(bin, ['--addr', `127.0.0.1:${port}`, '--data-dir', data, '--demo', '--web-dir', path.join(webDir, 'dist'), '--rate-limit-scale', '100'],
  { env: { ...process.env, RUST_LOG: 'warn' }, stdio: 'ignore' });
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/ready`)).ok) break;
    } catch {
      /* starting */
    }
    if (i > 1200) throw new Error('server not ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  const post = async (p, body, headers = {}, type = 'application/json') => {
    const res = await fetch(base + p, { method: 'POST', headers: { 'content-type': type, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  };
  const who = { email: 'bench@example.com', password: 'a long bench passphrase' };
  await post('/v1/auth/register', who);
  const t = await post('/v1/auth/login', who);
  const auth = { authorization: `Bearer ${t.access_token}` };
  const pf = await post('/v1/portfolios', { name: 'Demo', base_currency: 'USD' }, auth);
  await post(`/v1/portfolios/${pf.id}/imports`, readFileSync(path.join(webDir, '../crates/sextant-server/demo/transactions.csv'), 'utf8'), auth, 'text/csv');
  const session = JSON.stringify({ access: t.access_token, refresh: t.refresh_token });
  const exe = process.env.CHROMIUM ?? execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  const browser = await chromium.launch({ executablePath: exe, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  const screens = {
    login: { path: '/login', signedIn: false, ready: () => document.querySelector('form button[type=submit]') !== null },
    portfolio: { path: '/portfolio', signedIn: true, ready: () => window.__sextant?.portfolio?.shown === true },
    market: { path: '/market', signedIn: true, ready: () => window.__sextant?.market?.bars > 0 },
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const out = {};
  for (const [name, s] of Object.entries(screens)) {
    const times = [];
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
      const ctx = await browser.newContext();
      if (s.signedIn) await ctx.addInitScript((v) => sessionStorage.setItem('sextant.session', v), session);
      const page = await ctx.newPage();
      let b = 0;
      page.on('response', (r) => {
        b += Number(r.headers()['content-length'] ?? 0);
      });
      const t0 = performance.now();
      await page.goto(base + s.path);
      await page.waitForFunction(s.ready, null, { timeout: 60_000 });
      times.push(performance.now() - t0);
      bytes = b;
      await ctx.close();
    }
    out[name] = { median_ms: Math.round(median(times)), min_ms: Math.round(Math.min(...times)), max_ms: Math.round(Math.max(...times)), bytes_transferred: bytes };
  }
  await browser.close();
  console.log(JSON.stringify({ server: bin, runs, load: os.loadavg().map((x) => x.toFixed(1)).join(' '), ...out }, null, 2));
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(data, { recursive: true, force: true });
}
