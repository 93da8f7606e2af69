// A tiny static file server for the demo page and the browser tests. It serves the repository
// root on 127.0.0.1, limited to wasm/, node/ (the shared test helpers) and tests/golden/.
//   node scripts/server.mjs [port]    then open http://127.0.0.1:<port>/wasm/demo/
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ALLOWED = ['wasm/', 'node/', 'tests/golden/'];
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.css': 'text/css',
};

/** Starts the server; resolves to { url, close() }. Port 0 picks a free one. */
export function startServer(port = 0) {
  const server = createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (rel === '' || rel === 'wasm/demo') {
      res.writeHead(302, { location: '/wasm/demo/' }).end();
      return;
    }
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(root, rel);
    const inside = file.startsWith(root + path.sep) && ALLOWED.some((p) => rel.startsWith(p)) && !rel.includes('node_modules');
    let st;
    try {
      st = inside ? statSync(file) : null;
    } catch {
      st = null;
    }
    if (!st || !st.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': st.size,
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: p } = server.address();
      resolve({ url: `http://127.0.0.1:${p}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { url } = await startServer(Number(process.argv[2] ?? 8080));
  console.log(`demo: ${url}/wasm/demo/  (Ctrl-C to stop)`);
}
