// npm start in a clone: build when a source is newer than the build (not every time), then run the standalone
// server's package in this same process, so that a signal to it reaches the server.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'packages/server/dist/cli.js');

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
const sources = ['src', 'packages/server/src', 'package.json', 'packages/server/package.json'].map((path) => {
  const full = join(root, path);
  return statSync(full).isDirectory() ? newest(full) : statSync(full).mtimeMs;
});
if (builtAt < Math.max(...sources)) {
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
}
await import(built);
