// npm run build: the library's ES module build into dist/esm and its CommonJS build into dist/cjs, each with its own
// type declarations; then the standalone server's package (packages/server), which runs on the library's build.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = (project) =>
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { cwd: root, stdio: 'inherit' });

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
tsc('tsconfig.build.json');
tsc('tsconfig.cjs.json');
// The package is "type": "module"; this folder's .js files are CommonJS.
writeFileSync(new URL('../dist/cjs/package.json', import.meta.url), '{ "type": "commonjs" }\n');
execFileSync(process.execPath, ['packages/server/scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
