// Every ```js example in docs/node.md runs (as an ES module inside the package, so
// `import ... from 'sextant'` resolves to this package) and its assertions hold.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The ```js blocks of a markdown file. */
function jsBlocks(file) {
  return [...readFileSync(file, 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
}

const blocks = jsBlocks(path.join(pkg, '../docs/node.md'));
test('docs/node.md has examples', () => {
  if (blocks.length < 3) throw new Error(`only ${blocks.length} js examples found`);
});
blocks.forEach((code, i) => {
  test(`docs/node.md example ${i + 1} runs`, () => {
    const dir = mkdtempSync(path.join(pkg, 'test/.docs-'));
    try {
      const file = path.join(dir, 'example.mjs');
      writeFileSync(file, code);
      execFileSync(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      throw new Error(`example ${i + 1} failed:\n${e.stderr?.toString() ?? e.message}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
