// The Fetch door in the runtimes it claims, from the packed package, driven with the smoke cases: the Workers recipe
// bundled as wrangler would and run by workerd through Miniflare, without nodejs_compat (so any node: import fails);
// the Deno and Bun recipes served by Deno.serve and Bun.serve; and under Bun, the Express router and the standalone
// server too. Deno, Bun and workerd come from npm, as devDependencies.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { aesGcmCipher } from '../../src/index.js';
import { createMockSpotify, type MockSpotify } from '../../src/testing/index.js';
import { smokeCases, type Door } from '../doors/cases.js';
import { sessionCasesFor } from '../sessions/cases.js';
import { selfSignedCertificate } from '../../bench/certificate.mjs';
import { REDIRECT_URI, SECRETS } from '../helpers/harness.js';
import { installPacked, root, type Consumer } from '../helpers/packed.js';
import { freePort, waitFor } from '../helpers/processes.js';
import { remember, rememberForm } from '../helpers/secrets.js';
import { itNeeding } from '../helpers/system.js';

const bin = (name: string) => join(root, 'node_modules', '.bin', name);

let consumer: Consumer;
let spotify: MockSpotify;
const children: ChildProcess[] = [];
const miniflares: Miniflare[] = [];

/** The variables every recipe reads, for a Spotify at `accountsUrl`. */
const variables = (accountsUrl: string) => ({
  SPOTIFY_CLIENT_ID: spotify.clientId,
  SPOTIFY_CLIENT_SECRET: spotify.clientSecret,
  SPOTIFY_REDIRECT_URI: REDIRECT_URI,
  TOKEN_ENCRYPTION_SECRETS: SECRETS.join(','),
  SPOTIFY_ACCOUNTS_URL: accountsUrl,
});

beforeAll(async () => {
  spotify = await createMockSpotify();
  remember(spotify.clientSecret);
  consumer = installPacked({ dependencies: ['express@^5'], manifest: { type: 'module' }, server: true });
  for (const [from, to] of [
    ['examples/cloudflare-workers/src/index.ts', 'worker/index.ts'],
    ['examples/deno/main.ts', 'deno/main.ts'],
    ['examples/deno/kv-session-store.ts', 'deno/kv-session-store.ts'],
    ['examples/bun/server.ts', 'bun/server.ts'],
    ['test/fixtures/express-app.mjs', 'bun/express-app.mjs'],
  ] as const) {
    mkdirSync(dirname(join(consumer.dir, to)), { recursive: true });
    copyFileSync(join(root, from), join(consumer.dir, to));
  }
}, 120_000);

afterEach(() => spotify.clearFaults());

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(miniflares.map((mf) => mf.dispose()));
  for (const { form } of spotify?.requests ?? []) rememberForm(form);
  await spotify?.close();
  consumer?.remove();
});

/**
 * Starts a runtime's server on a free port and waits until it answers. It is told HOST=127.0.0.1 unless `ownHost`:
 * then it listens where it would by itself.
 */
async function serve(command: string, args: string[], env: Record<string, string> = {}, ownHost = false) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(command, args, {
    cwd: consumer.dir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(ownHost ? {} : { HOST: '127.0.0.1' }),
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const answers = () =>
    fetch(`${url}/`).then(
      () => true,
      () => false,
    );
  await waitFor(async () => child.exitCode !== null || (await answers()), `${command} to answer`, 20_000).catch(
    () => {},
  );
  if (child.exitCode !== null || !(await answers())) throw new Error(`${args.join(' ')} did not serve:\n${output}`);
  return { url, child, output: () => output };
}

/** A door over HTTP; `base` is kept for what fetch cannot send. */
const httpDoor = (base: string): Door & { base: string } => ({
  spotify,
  base,
  send: (path, init) => fetch(`${base}${path}`, init),
});

/** Writes a request as it is, such as curl -X POST sends it (no body, no type, no length), and reads the answer's head. */
async function rawAnswer(base: string, request: string): Promise<{ status: number; head: string }> {
  const { hostname, port, pathname } = new URL(base);
  const socket = connect(Number(port), hostname);
  socket.write(request.replace('{path}', pathname));
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  socket.destroy();
  const head = chunk.toString().split('\r\n\r\n', 1)[0]!;
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]), head };
}

/** Runs the smoke cases against the door `start` gives. */
function smoke(start: () => Promise<Door & { base?: string }>, overHttp = false): void {
  let door: Door & { base?: string };
  beforeAll(async () => {
    door = await start();
  }, 60_000);
  for (const doorCase of smokeCases) it(doorCase.name, () => doorCase.run(door));
  if (!overHttp) return;
  it('takes a POST with no body, type or length as one without fields, as the router does', async () => {
    const request = 'POST {path}/swap HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';
    expect((await rawAnswer(door.base!, request)).status).toBe(400);
  });
  it.each([
    // Bun hands an HTTP/1.0 request without Host over with a URL that is only a path.
    ['an HTTP/1.0 request without Host', 'POST {path}/swap HTTP/1.0\r\nContent-Length: 0\r\n\r\n'],
    // Deno hands `Host: a:99999` over as it came, in a URL no parser takes.
    ['a Host no URL parser takes', 'POST {path}/swap HTTP/1.1\r\nHost: a:99999\r\nConnection: close\r\n\r\n'],
  ])('answers %s with the documented JSON, not a page of its own', async (_name, request) => {
    const { status, head } = await rawAnswer(door.base!, request);
    expect(status).toBe(400);
    expect(head.toLowerCase()).toContain('content-type: application/json; charset=utf-8');
  });
}

/** The Workers recipe bundled as `wrangler deploy` would: esbuild, minified, with the worker conditions. */
async function workerBundle() {
  const result = await build({
    entryPoints: [join(consumer.dir, 'worker/index.ts')],
    absWorkingDir: consumer.dir,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  return { script: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
}

function worker(script: string, options: Partial<ConstructorParameters<typeof Miniflare>[0]> = {}) {
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: '2026-04-01',
    bindings: variables(spotify.url),
    ratelimits: { TOKEN_LIMITER: { simple: { limit: 1_000, period: 60 } } },
    // The recipe logs each request to the console; the tests read answers, not logs.
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => void [stdout.resume(), stderr.resume()],
    ...options,
  } as ConstructorParameters<typeof Miniflare>[0]);
  miniflares.push(mf);
  return mf;
}

const workerDoor = (mf: Miniflare): Door => ({
  spotify,
  send: async (path, init) => await mf.dispatchFetch(`https://worker.example/spotify${path}`, init as never),
});

describe('Cloudflare Workers: the recipe bundled and run by workerd, without nodejs_compat', () => {
  let script: string;
  beforeAll(async () => {
    ({ script } = await workerBundle());
  });

  it('bundles to under 100 kB from the package alone, with nothing of Node in it', async () => {
    const { inputs } = await workerBundle();
    expect(script.length).toBeLessThan(100_000);
    const outside = inputs.filter(
      (input) => !/^(worker\/|node_modules\/spotify-token-swap\/dist\/esm\/(fetch|core)\/)/.test(input),
    );
    expect(outside).toEqual([]);
  });

  describe('smoke cases', () => smoke(() => Promise.resolve(workerDoor(worker(script)))));

  // Issue 28: nothing said where `wrangler dev` gets its secrets, and the first request was a 500 that named no
  // variable. wrangler.toml's [vars] and .dev.vars.example (dotenv, as wrangler reads .dev.vars) name every one.
  it('names every variable it reads in wrangler.toml and .dev.vars.example, and a missing one in its error', async () => {
    const recipeFile = (name: string) => readFileSync(join(root, 'examples/cloudflare-workers', name), 'utf8');
    const toml = recipeFile('wrangler.toml');
    // The lines of [vars], up to the next table.
    const varsTable = toml.slice(toml.indexOf('[vars]')).split('\n').slice(1);
    const vars = Object.fromEntries(
      varsTable
        .slice(
          0,
          varsTable.findIndex((line) => line.startsWith('[')),
        )
        .map((line) => /^(\w+) = "([^"]*)"$/.exec(line))
        .filter((match) => match !== null)
        .map(([, name, value]) => [name, value]),
    );
    const devVars = Object.fromEntries(
      recipeFile('.dev.vars.example')
        .split('\n')
        .filter((line) => /^\w+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const { SPOTIFY_ACCOUNTS_URL: _test, ...needed } = variables(spotify.url);
    expect(Object.keys({ ...vars, ...devVars }).sort()).toEqual(Object.keys(needed).sort());

    // As `wrangler dev` runs it with the example copied but not filled in: Miniflare, as wrangler dev, answers the
    // error the Worker threw.
    const mf = worker(script, { bindings: { ...vars, ...devVars } });
    const answer = await workerDoor(mf).send('/swap', { method: 'POST', body: new URLSearchParams({ code: 'x' }) });
    expect(answer.status).toBe(500);
    expect(await answer.text()).toContain('spotify-token-swap: SPOTIFY_CLIENT_SECRET is not set');
  });

  it("refuses past the rate-limiting binding's limit with the documented 429", async () => {
    const door = workerDoor(worker(script, { ratelimits: { TOKEN_LIMITER: { simple: { limit: 1, period: 60 } } } }));
    const post = () => door.send('/refresh', { method: 'POST', body: new URLSearchParams({ refresh_token: 'x' }) });
    expect((await post()).status).toBe(400);
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(await limited.json()).toEqual({ error: 'too_many_requests', error_description: expect.any(String) });
  });

  itNeeding(
    ['openssl'],
    'swaps against a Spotify served over HTTPS with a certificate workerd is told to trust',
    async () => {
      const certificate = selfSignedCertificate();
      const tlsSpotify = await createMockSpotify({ tls: { key: certificate.key, cert: certificate.cert } });
      try {
        const mf = worker(script, {
          bindings: { ...variables(tlsSpotify.url), SPOTIFY_CLIENT_SECRET: tlsSpotify.clientSecret },
          outboundService: {
            network: {
              allow: ['public', 'private', 'local'],
              tlsOptions: { trustedCertificates: [certificate.cert.toString()] },
            },
          },
        });
        expect(tlsSpotify.url).toMatch(/^https:/);
        const code = tlsSpotify.issueCode({ redirectUri: REDIRECT_URI });
        remember(code);
        const response = await workerDoor(mf).send('/swap', { method: 'POST', body: new URLSearchParams({ code }) });
        const body = (await response.json()) as { refresh_token: string };
        expect(response.status).toBe(200);
        expect(tlsSpotify.requests.map((request) => request.form.code)).toEqual([code]);
        remember(body.refresh_token);
        expect(typeof aesGcmCipher(SECRETS).decrypt(body.refresh_token)).toBe('string');
      } finally {
        for (const { form } of tlsSpotify.requests) rememberForm(form);
        await tlsSpotify.close();
      }
    },
  );
});

describe('Deno: the recipe served by Deno.serve', () => {
  it('type-checks with Deno', () => {
    expect(() =>
      consumer.run(bin('deno'), ['check', '--quiet', '--cached-only', '--unstable-kv', 'deno/main.ts']),
    ).not.toThrow();
  }, 60_000);

  smoke(async () => {
    const { url } = await serve(
      bin('deno'),
      ['run', '--cached-only', '--allow-net', '--allow-env', 'deno/main.ts'],
      variables(spotify.url),
    );
    return httpDoor(`${url}/spotify`);
  }, true);

  // Issue 28: it listened on 127.0.0.1 unless HOST said otherwise, where nothing outside a container reaches it.
  it('listens on every interface without HOST, as a container needs, and names a missing variable', async () => {
    const run = ['run', '--cached-only', '--allow-net', '--allow-env', 'deno/main.ts'];
    const { output } = await serve(bin('deno'), run, variables(spotify.url), true);
    expect(output()).toMatch(/Listening on http:\/\/0\.0\.0\.0:\d+/);
    const { TOKEN_ENCRYPTION_SECRETS: _unset, ...missing } = variables(spotify.url);
    await expect(serve(bin('deno'), run, missing)).rejects.toThrow(/TOKEN_ENCRYPTION_SECRETS is not set/);
  }, 60_000);
});

describe('Deno: the recipe with REFRESH_TOKENS=handles, its sessions in Deno KV', () => {
  let door: Door;
  beforeAll(async () => {
    const kv = join(consumer.dir, 'deno', 'sessions.sqlite');
    const { url } = await serve(
      bin('deno'),
      [
        'run',
        '--cached-only',
        '--unstable-kv',
        '--allow-net',
        '--allow-env',
        '--allow-read',
        '--allow-write',
        'deno/main.ts',
      ],
      { ...variables(spotify.url), SPOTIFY_API_URL: spotify.url, REFRESH_TOKENS: 'handles', KV_PATH: kv },
    );
    door = httpDoor(`${url}/spotify`);
  }, 60_000);
  for (const sessionCase of sessionCasesFor('handles')) it(sessionCase.name, () => sessionCase.run(door, 'handles'));
});

describe('Bun: the recipe served by Bun.serve', () => {
  smoke(async () => {
    const { url } = await serve(bin('bun'), ['run', 'bun/server.ts'], variables(spotify.url));
    return httpDoor(`${url}/spotify`);
  }, true);

  it('listens on every interface without HOST, as a container needs, and names a missing variable', async () => {
    const { output } = await serve(bin('bun'), ['run', 'bun/server.ts'], variables(spotify.url), true);
    expect(output()).toMatch(/listening on 0\.0\.0\.0:\d+/);
    const { SPOTIFY_CLIENT_SECRET: _unset, ...missing } = variables(spotify.url);
    await expect(serve(bin('bun'), ['run', 'bun/server.ts'], missing)).rejects.toThrow(
      /SPOTIFY_CLIENT_SECRET is not set/,
    );
  }, 60_000);
});

describe("Bun: the Express router, whose undici Pool is Bun's stand-in, calls Spotify through fetch", () => {
  smoke(async () => {
    const { url } = await serve(bin('bun'), ['run', 'bun/express-app.mjs'], variables(spotify.url));
    return httpDoor(`${url}/spotify`);
  }, true);
});

describe('Bun: the standalone server', () => {
  it('serves its demo walk-through, then drains and exits on SIGTERM', async () => {
    // As the README says to run it: the package's bin, by Bun.
    const { url, child, output } = await serve(bin('bun'), ['node_modules/.bin/spotify-token-swap-server']);
    await waitFor(() => /refresh_token=(\S+)/.test(output()), 'the walk-through');
    const [, code] = /-d code=(\S+)/.exec(output())!;
    const [, refreshToken] = /-d refresh_token=(\S+)/.exec(output())!;
    remember(code, refreshToken);
    const swapped = await fetch(`${url}/swap`, { method: 'POST', body: new URLSearchParams({ code: code! }) });
    expect(swapped.status).toBe(200);
    const refreshed = await fetch(`${url}/refresh`, {
      method: 'POST',
      body: new URLSearchParams({ refresh_token: refreshToken! }),
    });
    expect(refreshed.status).toBe(200);
    child.kill('SIGTERM');
    const [exitCode] = (await once(child, 'exit')) as [number | null];
    expect(exitCode).toBe(0);
    expect(output()).toContain('"event":"shutdown"');
    // The rate limit told the client by its socket's address: without one, the server would have said in the log
    // that every such request shares one limit.
    expect(output()).not.toContain('"event":"rate_limit"');
  }, 30_000);
});
