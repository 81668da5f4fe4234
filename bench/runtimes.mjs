// npm run bench:runtimes: the Fetch handler served by Deno.serve, Bun.serve and node:http (through a minimal Request
// adapter) beside the Express router on Node and under Bun, each in a process of its own, side by side in rotating
// rounds against a plain-HTTP mock Spotify answering at once. CPU per request is read from /proc/<pid>/stat, from
// outside each process; the Worker bundle's size is printed first.
import autocannon from 'autocannon';
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMockSpotify } from '../dist/esm/testing/index.js';
import { REDIRECT_URI, SECRET, answering, cpuOf, freePort, freshRefreshRequest, round, swapRequest } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 32;
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);

// A project of its own where `spotify-token-swap` is this checkout (built), as an installed package would be.
const dir = mkdtempSync(join(tmpdir(), 'spotify-token-swap-bench-'));
mkdirSync(join(dir, 'node_modules'));
symlinkSync(root, join(dir, 'node_modules', 'spotify-token-swap'));
symlinkSync(join(root, 'node_modules', 'express'), join(dir, 'node_modules', 'express'));
writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bench', private: true, type: 'module' }));
writeFileSync(
  join(dir, 'node-fetch-server.mjs'),
  `// The Fetch handler on node:http, through the smallest adapter that is correct for these requests.
import { createServer } from 'node:http';
import { aesGcmCipher, tokenSwapHandler } from 'spotify-token-swap/fetch';
const env = process.env;
const handler = tokenSwapHandler({
  clientId: env.SPOTIFY_CLIENT_ID, clientSecret: env.SPOTIFY_CLIENT_SECRET, redirectUri: env.SPOTIFY_REDIRECT_URI,
  accountsUrl: env.SPOTIFY_ACCOUNTS_URL, basePath: '/spotify',
  hooks: { refreshTokenCipher: aesGcmCipher(env.TOKEN_ENCRYPTION_SECRETS.split(',')) },
});
createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks);
  const response = await handler(new Request('http://' + req.headers.host + req.url, { method: req.method, headers: req.headers, body }));
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}).listen(Number(env.PORT), '127.0.0.1');
`,
);
writeFileSync(
  join(dir, 'node-adapter-only.mjs'),
  `// The same adapter answering a fixed Response without the handler: what the adapter itself costs per request.
import { createServer } from 'node:http';
const answer = JSON.stringify({ access_token: 'a', token_type: 'Bearer', scope: '', expires_in: 3600, refresh_token: 'r' });
createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks);
  const request = new Request('http://' + req.headers.host + req.url, { method: req.method, headers: req.headers, body });
  await request.text();
  const response = new Response(answer, { headers: { 'content-type': 'application/json; charset=utf-8' } });
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}).listen(Number(process.env.PORT), '127.0.0.1');
`,
);
writeFileSync(
  join(dir, 'node-router-server.mjs'),
  `// The router on bare node:http, the cheapest way Node serves it: what the Fetch handler on Node is held against.
import { createServer } from 'node:http';
import { aesGcmCipher, tokenSwap } from 'spotify-token-swap';
const env = process.env;
const router = tokenSwap({
  clientId: env.SPOTIFY_CLIENT_ID, clientSecret: env.SPOTIFY_CLIENT_SECRET, redirectUri: env.SPOTIFY_REDIRECT_URI,
  accountsUrl: env.SPOTIFY_ACCOUNTS_URL,
  hooks: { refreshTokenCipher: aesGcmCipher(env.TOKEN_ENCRYPTION_SECRETS.split(',')) },
});
const notFound = (res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
createServer((req, res) => {
  if (!req.url.startsWith('/spotify/')) return notFound(res);
  req.url = req.url.slice('/spotify'.length);
  router(req, res, () => notFound(res));
}).listen(Number(env.PORT), '127.0.0.1');
`,
);
writeFileSync(join(dir, 'deno.ts'), readFileSync(join(root, 'examples/deno/main.ts')));
writeFileSync(join(dir, 'bun.ts'), readFileSync(join(root, 'examples/bun/server.ts')));
writeFileSync(join(dir, 'express-app.mjs'), readFileSync(join(root, 'test/fixtures/express-app.mjs')));

const TARGETS = {
  'router, Node': [process.execPath, ['express-app.mjs']],
  'router, Node (node:http)': [process.execPath, ['node-router-server.mjs']],
  'router, Bun': [bin('bun'), ['express-app.mjs']],
  'handler, Node (node:http adapter)': [process.execPath, ['node-fetch-server.mjs']],
  'adapter alone, Node (a fixed Response)': [process.execPath, ['node-adapter-only.mjs']],
  'handler, Deno (Deno.serve)': [bin('deno'), ['run', '--cached-only', '--allow-net', '--allow-env', 'deno.ts']],
  'handler, Bun (Bun.serve)': [bin('bun'), ['run', 'bun.ts']],
};

const bundle = await build({
  stdin: {
    contents: readFileSync(join(root, 'examples/cloudflare-workers/src/index.ts'), 'utf8'),
    loader: 'ts',
    resolveDir: dir,
  },
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  conditions: ['workerd', 'worker', 'browser'],
  write: false,
});
const bytes = bundle.outputFiles[0].contents.length;
console.log(`\nThe Workers recipe, bundled as wrangler does (esbuild, minified): ${round(bytes / 1024, 1)} kB\n`);

const spotify = await createMockSpotify({ keepRequests: 0 });

const started = {};
const stopAll = async () => {
  for (const { child } of Object.values(started)) {
    if (child.exitCode !== null) continue;
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
};
process.on('uncaughtException', (error) => {
  void stopAll().finally(() => {
    console.error(error);
    process.exit(1);
  });
});
for (const [name, [command, args]] of Object.entries(TARGETS)) {
  const port = await freePort();
  const child = spawn(command, args, {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: '127.0.0.1',
      PORT: String(port),
      SPOTIFY_CLIENT_ID: spotify.clientId,
      SPOTIFY_CLIENT_SECRET: spotify.clientSecret,
      SPOTIFY_REDIRECT_URI: REDIRECT_URI,
      SPOTIFY_ACCOUNTS_URL: spotify.url,
      TOKEN_ENCRYPTION_SECRETS: SECRET,
    },
  });
  started[name] = { child, url: `http://127.0.0.1:${port}/spotify` };
}
for (const { child, url } of Object.values(started)) await answering(url, child);

const results = {};
// Round 0 warms every target up (the JIT compilers of all three runtimes) and is not counted.
for (let r = -1; r < ROUNDS; r++) {
  for (const route of ['refresh', 'swap']) {
    for (const [name, { child, url }] of Object.entries(started)) {
      const before = cpuOf(child.pid);
      const result = await autocannon({
        url,
        connections: CONNECTIONS,
        duration: SECONDS,
        requests: [
          {
            ...(route === 'swap' ? swapRequest(spotify) : freshRefreshRequest(spotify, true)),
            path: `/spotify/${route}`,
          },
        ],
      });
      const ok = result.statusCodeStats?.['200']?.count ?? 0;
      if (ok !== result.requests.total)
        throw new Error(`${name} answered ${result.requests.total - ok} ${route}s with other than 200`);
      if (r < 0) continue;
      (results[`${route}|${name}`] ??= []).push({
        cpu: (cpuOf(child.pid) - before) / result.requests.total,
        rps: result.requests.average,
      });
    }
  }
}

const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
console.log(`### ${CONNECTIONS} connections, ${SECONDS} s rounds, median of ${ROUNDS}; CPU per request from /proc\n`);
console.log('| route | target | req/s | CPU µs per request | CPU ÷ router on Node | CPU ÷ router on node:http |');
console.log('|---|---|---:|---:|---:|---:|');
const checks = [];
for (const route of ['refresh', 'swap']) {
  const cpuOfTarget = (name) => median(results[`${route}|${name}`].map((x) => x.cpu));
  const base = cpuOfTarget('router, Node');
  const bare = cpuOfTarget('router, Node (node:http)');
  for (const name of Object.keys(TARGETS)) {
    const runs = results[`${route}|${name}`];
    const cpu = median(runs.map((x) => x.cpu));
    console.log(
      `| ${route} | ${name} | ${round(median(runs.map((x) => x.rps)))} | ${round(cpu)} | ${round(cpu / base, 2)} | ${round(cpu / bare, 2)} |`,
    );
  }
  const ratio = cpuOfTarget('handler, Node (node:http adapter)') / bare;
  checks.push(
    `${route}: the handler on Node costs ${round(ratio, 2)} × the router on node:http (target ≤ 1.5): ${ratio <= 1.5 ? 'met' : 'NOT MET'}`,
  );
}
console.log(`\n${checks.join('\n')}`);

await stopAll();
await spotify.close();
rmSync(dir, { recursive: true, force: true });
