// npm run build: the ES module build (with the standalone server) into dist/esm, and the CommonJS build of the
// library and spotify-token-swap/testing into dist/cjs, each with its own type declarations, and the check page's files.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = (project) =>
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { cwd: root, stdio: 'inherit' });

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
tsc('tsconfig.build.json');
tsc('tsconfig.cjs.json');
// The check page's HTML, CSS and browser script sit beside the code that serves them; tsc copies none of them.
cpSync(new URL('../src/server/check', import.meta.url), new URL('../dist/esm/server/check', import.meta.url), {
  recursive: true,
  filter: (source) => !source.endsWith('.ts'),
});
// The package is "type": "module"; this folder's .js files are CommonJS.
writeFileSync(new URL('../dist/cjs/package.json', import.meta.url), '{ "type": "commonjs" }\n');
