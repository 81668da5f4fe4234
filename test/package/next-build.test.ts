// Issue 28: `next build` failed with "aesGcmCipher(secrets) was given undefined" unless every secret was in the build's
// environment. The Next.js recipe, built by Next itself with no variable set, in a project of its own whose
// node_modules are this repository's (next, react, typescript, and this package as built by the global setup).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from '../helpers/packed.js';

it('builds the Next.js recipe with none of its variables set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spotify-token-swap-next-'));
  try {
    cpSync(join(root, 'examples/nextjs/app'), join(dir, 'app'), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'next-recipe', private: true }));
    const output = execFileSync(
      process.execPath,
      [join(root, 'node_modules/next/dist/bin/next'), 'build', '--no-lint'],
      {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        // Nothing of this process's environment: no SPOTIFY_* and no TOKEN_ENCRYPTION_SECRETS.
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NEXT_TELEMETRY_DISABLED: '1' },
      },
    );
    expect(output).toMatch(/ƒ \/spotify\/\[route\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
