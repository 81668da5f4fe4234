// The server's package as users get it: packed beside the library's, both installed from their tarballs into an empty
// project, and run with the one command its pages give.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMockSpotify } from 'spotify-token-swap/testing';
import { ALLOWED_ORIGIN, casesFor } from '../../../test/doors/cases.js';
import { rawSend } from '../../../test/doors/raw-send.js';
import { REDIRECT_URI, SECRETS } from '../../../test/helpers/harness.js';
import { sharedMockSpotify } from '../../../test/helpers/mock.js';
import { drainsWhenItsLauncherIsSignalled, startBin, type BinProcess } from '../../../test/helpers/processes.js';
import { rememberForm } from '../../../test/helpers/secrets.js';
import { installPacked, type Consumer } from '../../../test/helpers/packed.js';

let packed: Consumer;

beforeAll(() => {
  packed = installPacked({ server: true });
}, 120_000);

afterAll(() => packed?.remove());

const serverDir = () => join(packed.dir, 'node_modules', 'spotify-token-swap-server');

it('runs on the library installed beside it, not a copy of its own', () => {
  expect(existsSync(join(serverDir(), 'node_modules', 'spotify-token-swap'))).toBe(false);
  const manifest = JSON.parse(readFileSync(join(serverDir(), 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const library = JSON.parse(readFileSync(join(packed.installed, 'package.json'), 'utf8')) as { version: string };
  expect(manifest.dependencies['spotify-token-swap']).toBe(library.version);
});

it('npx spotify-token-swap-server: drains and exits when npx, signalled, leaves the server behind', async () => {
  const spotify = await createMockSpotify();
  try {
    await drainsWhenItsLauncherIsSignalled(spotify, 'npx', ['--no-install', 'spotify-token-swap-server'], packed.dir);
  } finally {
    for (const { form } of spotify.requests) rememberForm(form);
    await spotify.close();
  }
}, 30_000);

it('runs the packaged bin: the demo server answers its own walk-through and serves its check page', async () => {
  const { bin } = JSON.parse(readFileSync(join(serverDir(), 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  expect(readFileSync(join(serverDir(), bin['spotify-token-swap-server']!), 'utf8')).toMatch(
    /^#!\/usr\/bin\/env node\n/,
  );
  const child = spawn(join(packed.dir, 'node_modules', '.bin', 'spotify-token-swap-server'), [], {
    cwd: packed.dir,
    env: { PATH: process.env.PATH, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    while (!/curl -s -X POST (\S+)\/swap -d code=(\S+)/.test(out))
      await new Promise((resolve) => setTimeout(resolve, 25));
    const [, url, code] = /curl -s -X POST (\S+)\/swap -d code=(\S+)/.exec(out)!;
    const res = await fetch(`${url}/swap`, { method: 'POST', body: new URLSearchParams({ code: code! }) });
    expect(res.status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    // The page's HTML, CSS and script are files beside the code: the tarball must carry them.
    for (const path of ['', 'callback', 'check.css', 'check.js', 'icon.svg']) {
      expect((await fetch(`${url}/check/${path}`)).status).toBe(200);
    }
  } finally {
    child.kill();
  }
});

describe('the shared door cases, on the bin installed from its tarball', () => {
  const spotify = sharedMockSpotify();
  let bin: BinProcess;
  beforeAll(async () => {
    bin = await startBin(
      {
        SPOTIFY_CLIENT_ID: spotify.clientId,
        SPOTIFY_CLIENT_SECRET: spotify.clientSecret,
        SPOTIFY_REDIRECT_URI: REDIRECT_URI,
        SPOTIFY_ACCOUNTS_URL: spotify.url,
        TOKEN_ENCRYPTION_SECRETS: SECRETS.join(','),
        CORS_ORIGINS: ALLOWED_ORIGIN,
        RATE_LIMIT_PER_MINUTE: '0',
      },
      join(serverDir(), 'dist', 'cli.js'),
    );
  });
  afterAll(() => bin?.stop());

  for (const doorCase of casesFor(['cors'])) {
    it(doorCase.name, () => doorCase.run({ spotify, send: (path, init) => rawSend(bin.url, path, init) }));
  }
});
