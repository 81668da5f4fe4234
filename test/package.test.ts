// What is published: the packed tarball's files, and importing it from ESM, CommonJS (require) and TypeScript consumers.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
let consumer: string;
let installed: string;

const run = (command: string, args: string[], cwd = consumer) =>
  execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });

let files: string[];

// dist/ was built by the global setup. The tarball is installed as a user would, into a project of its own outside
// this one, so a dependency declared in the wrong place (or not at all) fails here.
beforeAll(() => {
  consumer = mkdtempSync(join(tmpdir(), 'spotify-token-swap-consumer-'));
  installed = join(consumer, 'node_modules', 'spotify-token-swap');
  const [packed] = JSON.parse(
    run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', consumer], root),
  ) as [{ filename: string; files: { path: string }[] }];
  files = packed.files.map((f) => f.path);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  run('npm', [
    'install',
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    join(consumer, packed.filename),
    '@types/express@^5',
    '@types/node@^20',
  ]);
}, 120_000);

afterAll(() => rmSync(consumer, { recursive: true, force: true }));

it('packs the built code, its types and the README, and nothing else', () => {
  expect(files).toEqual(
    expect.arrayContaining([
      'package.json',
      'README.md',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/testing/index.js',
      'dist/testing/index.d.ts',
    ]),
  );
  expect(files.filter((f) => !/^(package\.json|README\.md|LICENSE|dist\/.*)$/.test(f))).toEqual([]);
  expect(files).toContain('dist/cli.js');
});

it('works from an ES module: a real swap through node:http against the packaged mock Spotify', () => {
  writeFileSync(
    join(consumer, 'esm.mjs'),
    `import tokenSwap, { tokenSwap as named, aesGcmCipher, plaintextRefreshTokens } from 'spotify-token-swap';
import { createMockSpotify } from 'spotify-token-swap/testing';
import { createServer } from 'node:http';

if (tokenSwap !== named || typeof plaintextRefreshTokens.encrypt !== 'function') throw new Error('exports');
const spotify = await createMockSpotify();
const router = tokenSwap({
  clientId: spotify.clientId, clientSecret: spotify.clientSecret, redirectUri: 'app://cb', accountsUrl: spotify.url,
  hooks: { refreshTokenCipher: aesGcmCipher('package-test-secret-of-32-characters') },
});
const server = createServer((req, res) => router(req, res, () => res.writeHead(404).end())).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const res = await fetch('http://127.0.0.1:' + server.address().port + '/swap', {
  method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ code: spotify.issueCode({ redirectUri: 'app://cb' }) }),
});
const body = await res.json();
console.log(res.status, Object.keys(body).join(','));
server.closeAllConnections(); server.close(); await spotify.close();
`,
  );
  expect(run('node', ['esm.mjs']).trim()).toBe('200 access_token,token_type,scope,expires_in,refresh_token');
});

it('works from CommonJS with require() (no top-level await anywhere in the graph)', () => {
  writeFileSync(
    join(consumer, 'cjs.cjs'),
    `const swap = require('spotify-token-swap');
const testing = require('spotify-token-swap/testing');
const router = swap.tokenSwap({ clientId: 'id', clientSecret: 'secret', redirectUri: 'app://cb', hooks: { refreshTokenCipher: swap.plaintextRefreshTokens } });
console.log([typeof swap.default, typeof swap.aesGcmCipher, typeof router, typeof testing.createMockSpotify].join(','));
`,
  );
  expect(run('node', ['cjs.cjs']).trim()).toBe('function,function,function,function');
});

it('runs the packaged bin: the demo server answers its own walk-through', async () => {
  const { bin } = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  expect(readFileSync(join(installed, bin['spotify-token-swap']!), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(
    true,
  );
  const child = spawn(join(consumer, 'node_modules', '.bin', 'spotify-token-swap'), [], {
    cwd: consumer,
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
  } finally {
    child.kill();
  }
});

it('type-checks a TypeScript consumer against the published declarations', () => {
  writeFileSync(
    join(consumer, 'consumer.mts'),
    `import express from 'express';
import { tokenSwap, aesGcmCipher, type TokenSwapOptions, type TokenSwapEvent, type RefreshTokenCipher } from 'spotify-token-swap';
import { createMockSpotify, type MockFault } from 'spotify-token-swap/testing';

const cipher: RefreshTokenCipher = aesGcmCipher(['package-test-secret-of-32-characters']);
const log = (event: TokenSwapEvent): void => void event.status;
const options: TokenSwapOptions = { clientId: 'id', clientSecret: 'secret', redirectUri: 'app://cb', hooks: { refreshTokenCipher: cipher, logger: { info: log, warn: log, error: log } } };
express().use('/spotify', tokenSwap(options));
const fault: MockFault = { type: 'rateLimit', retryAfter: 3 };
void createMockSpotify().then((spotify) => spotify.fail(fault));
// @ts-expect-error: the cipher hook is required
tokenSwap({ clientId: 'id', clientSecret: 'secret', redirectUri: 'app://cb', hooks: {} });
`,
  );
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
      },
      files: ['consumer.mts'],
    }),
  );
  expect(() =>
    run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.']),
  ).not.toThrow();
}, 60_000);
