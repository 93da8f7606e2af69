// Every ```js example in docs/wasm.md runs in Node (inside the package, so
// `import ... from 'sextant-wasm/node'` resolves to this package) and its assertions hold.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const blocks = [...readFileSync(path.join(pkg, '../docs/wasm.md'), 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

test('docs/wasm.md has a runnable example', () => {
  if (blocks.length < 1) throw new Error('no js examples found');
});
blocks.forEach((code, i) => {
  test(`docs/wasm.md example ${i + 1} runs`, () => {
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
