// Vite build of the web dashboard (docs/web.md). `sextant-wasm` is the package in ../wasm
// (its per-module bundles in ../wasm/pkg, built by the wasm stage); each bundle's .wasm becomes
// a hashed asset fetched only when a screen needs it. No CDN: everything is in dist/.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { defineConfig } from 'vite';

const wasmPkg = fileURLToPath(new URL('../wasm/index.mjs', import.meta.url));
const serverDemo = fileURLToPath(new URL('../crates/sextant-server/demo', import.meta.url));

// Writes a .gz next to every text and .wasm asset: sextant-server serves it to clients that
// accept gzip (ServeDir::precompressed_gzip), so nothing is compressed per request.
const precompress = {
  name: 'sextant-precompress',
  apply: 'build',
  writeBundle(options) {
    const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    for (const file of walk(options.dir)) {
      if (/\.(js|css|html|wasm|svg|json)$/.test(file)) writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }));
    }
  },
};

export default defineConfig({
  plugins: [precompress],
  resolve: { alias: { 'sextant-wasm': wasmPkg, 'sextant-server-demo': serverDemo } },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 600 },
  server: {
    fs: { allow: ['..'] },
    // `npm run dev` proxies the API to a running sextant-server.
    proxy: { '/v1': process.env.SEXTANT_API ?? 'http://127.0.0.1:8080' },
  },
});
