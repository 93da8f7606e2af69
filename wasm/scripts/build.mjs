// Builds the WASM package: cargo (wasm32-unknown-unknown, profile wasm-release) -> wasm-bindgen --target web
// -> wasm/pkg/, then copies the shared JS surface (node/surface.mjs, the one committed copy)
// into pkg/. Prints the raw and gzipped size of the .wasm. Needs the wasm32 target and the
// wasm-bindgen CLI of the version pinned in Cargo.toml (scripts/stages/wasm.sh installs both).
// Honours CARGO_TARGET_DIR. wasm-opt is used when the `binaryen` npm package is installed
// (optional); without it the output is what rustc and wasm-bindgen produce.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkgDir = path.resolve(here, '..');
const root = path.resolve(pkgDir, '..');
const out = path.join(pkgDir, 'pkg');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

run('cargo', ['build', '--target', 'wasm32-unknown-unknown', '--profile', 'wasm-release', '-p', 'sextant-wasm', '--lib']);
const target = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
const wasm = path.join(target, 'wasm32-unknown-unknown/wasm-release/sextant_wasm.wasm');
if (!existsSync(wasm)) throw new Error(`build produced no ${wasm}`);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// --weak-refs: NativeStream objects are freed by the garbage collector (FinalizationRegistry).
run('wasm-bindgen', ['--target', 'web', '--weak-refs', '--no-typescript', '--remove-name-section', '--remove-producers-section', '--out-dir', out, wasm]);
copyFileSync(path.join(root, 'node/surface.mjs'), path.join(out, 'surface.mjs'));

const bg = path.join(out, 'sextant_wasm_bg.wasm');
const optimiser = path.join(pkgDir, 'node_modules/.bin/wasm-opt');
if (existsSync(optimiser)) {
  run(optimiser, ['-Oz', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals', bg, '-o', bg]);
}
const bytes = readFileSync(bg);
const gz = gzipSync(bytes, { level: 9 }).length;
console.log(`wasm: ${statSync(bg).size} bytes, ${gz} bytes gzipped (${(gz / 1024).toFixed(1)} KiB)`);

// Size budget (docs/wasm.md): the gzipped module must stay under 640 KB for what is declared now
// (400 KB before the sentiment module, whose VADER and finance lexicons are ~45 KB gzipped; 520 KB
// before the allocation module, whose clarabel conic solver and optimisers are ~100 KB gzipped).
const budget = Number(process.env.SEXTANT_WASM_GZ_BUDGET ?? 640 * 1000);
if (gz > budget) {
  console.error(`wasm: ${gz} gzipped bytes exceed the budget of ${budget}`);
  process.exit(1);
}
