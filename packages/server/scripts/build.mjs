// npm run build: the server's ES modules and their declarations into dist/, and the check page's files beside them.
// The library it runs on is built first (the repository's root build does both, in that order).
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
// The check page's HTML, CSS and browser script sit beside the code that serves them; tsc copies none of them.
cpSync(new URL('../src/check', import.meta.url), new URL('../dist/check', import.meta.url), {
  recursive: true,
  filter: (source) => !source.endsWith('.ts'),
});
