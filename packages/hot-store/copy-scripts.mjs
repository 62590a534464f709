// tsc compiles TypeScript only: the build copies the Lua scripts to
// dist/scripts, beside the compiled loader that reads them. A fresh copy, so a
// script deleted from src/scripts does not live on in dist.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const from = join(root, 'src', 'scripts');
const to = join(root, 'dist', 'scripts');
rmSync(to, { recursive: true, force: true });
mkdirSync(to, { recursive: true });
for (const dir of ['', 'include']) {
  mkdirSync(join(to, dir), { recursive: true });
  for (const file of readdirSync(join(from, dir)).filter((f) => f.endsWith('.lua'))) {
    copyFileSync(join(from, dir, file), join(to, dir, file));
  }
}
