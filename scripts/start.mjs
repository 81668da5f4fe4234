// npm start in a clone: build when a source is newer than the build (not every time), then run the server in this
// same process, so that a signal to it reaches the server.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist/esm/cli.js');

/** The newest modification time of the files below `dir`, in ms. */
function newest(dir) {
  return readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }, 0);
}

let builtAt = 0;
try {
  builtAt = statSync(built).mtimeMs;
} catch {
  // Not built yet.
}
if (builtAt < Math.max(newest(join(root, 'src')), statSync(join(root, 'package.json')).mtimeMs)) {
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
}
await import(built);
