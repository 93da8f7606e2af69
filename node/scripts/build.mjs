// Builds the native addon (crate sextant-node) with cargo and copies it next to native.cjs as
// sextant.<triple>.node. Release by default; --debug for a quick development build.
// Honours CARGO_TARGET_DIR (scripts/lib.sh sets it for the stages).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.resolve(here, '..');
const root = path.resolve(pkg, '..');
const debug = process.argv.includes('--debug');
const profile = debug ? 'debug' : 'release';

const args = ['build', '-p', 'sextant-node', '--lib'];
if (!debug) args.push('--release');
execFileSync('cargo', args, { cwd: root, stdio: 'inherit' });

const target = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
const lib = { linux: 'libsextant_node.so', darwin: 'libsextant_node.dylib', win32: 'sextant_node.dll' }[
  process.platform
];
const src = path.join(target, profile, lib);
if (!existsSync(src)) throw new Error(`build produced no ${src}`);
const { triple } = createRequire(import.meta.url)('../platform.cjs');
const dst = path.join(pkg, `sextant.${triple()}.node`);
copyFileSync(src, dst);
console.log(`built ${path.relative(root, dst)} (${profile})`);
