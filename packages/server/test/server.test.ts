// The standalone server, driven as users run it: the built bin as a child process, configured by its environment.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { createMockSpotify, type MockSpotify } from 'spotify-token-swap/testing';
import { BIN, freePort, runBin, startBin, waitFor, type BinProcess } from '../../../test/helpers/processes.js';
import { remember, rememberForm } from '../../../test/helpers/secrets.js';
import { startDemo } from '../src/demo.js';
import { itNeeding } from '../../../test/helpers/system.js';

const SECRET = 'server-test-secret-of-at-least-32-characters';
const REDIRECT = 'myapp://callback';

let spotify: MockSpotify;
const running: BinProcess[] = [];

beforeAll(async () => {
  spotify = await createMockSpotify({ clientId: 'server-client', clientSecret: 'server-client-secret-value' });
  remember(spotify.clientSecret, SECRET);
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((bin) => bin.stop('SIGKILL')));
});
afterAll(async () => {
  for (const { form } of spotify.requests) rememberForm(form);
  await spotify.close();
});

const spotifyEnv = (extra: Record<string, string> = {}) => ({
  SPOTIFY_CLIENT_ID: spotify.clientId,
  SPOTIFY_CLIENT_SECRET: spotify.clientSecret,
  SPOTIFY_REDIRECT_URI: REDIRECT,
  SPOTIFY_ACCOUNTS_URL: spotify.url,
  TOKEN_ENCRYPTION_SECRETS: SECRET,
  ...extra,
});

async function start(env: Record<string, string>): Promise<BinProcess> {
  const bin = await startBin(env);
  running.push(bin);
  return bin;
}

const post = (url: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body),
  });

function code(): string {
  const value = spotify.issueCode({ redirectUri: REDIRECT });
  remember(value);
  return value;
}

describe('configured for Spotify', () => {
  it('serves /swap, /refresh and /healthz, and logs one JSON line per request without secrets', async () => {
    const bin = await start(spotifyEnv());
    const swap = await post(`${bin.url}/swap`, { code: code() });
    expect(swap.status).toBe(200);
    const tokens = (await swap.json()) as Record<string, string>;
    remember(tokens.access_token, tokens.refresh_token);
    const refresh = await post(`${bin.url}/refresh`, { refresh_token: tokens.refresh_token! });
    expect(refresh.status).toBe(200);
    const health = await fetch(`${bin.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const notFound = await fetch(`${bin.url}/nope`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ error: 'not_found' });

    await bin.waitForLog((line) => line.event === 'refresh');
    const events = bin.logs().filter((line) => line.event === 'swap' || line.event === 'refresh');
    expect(events.map((line) => [line.event, line.status])).toEqual([
      ['swap', 200],
      ['refresh', 200],
    ]);
    for (const value of [spotify.clientSecret, SECRET, tokens.access_token!, tokens.refresh_token!]) {
      expect(bin.stdout() + bin.stderr()).not.toContain(value);
    }
  });

  it('logs at LOG_LEVEL: warn leaves out successful requests', async () => {
    const bin = await start(spotifyEnv({ LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' }));
    await post(`${bin.url}/swap`, { code: code() });
    await post(`${bin.url}/swap`, {});
    await bin.waitForLog((line) => line.status === 400);
    expect(bin.logs().map((line) => line.status)).toEqual([400]);
  });

  it('serves the legacy routes with LEGACY_EXCHANGE=1', async () => {
    const bin = await start(spotifyEnv({ LEGACY_EXCHANGE: '1' }));
    const res = await fetch(`${bin.url}/?state=abc`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain(`${spotify.url}/authorize?`);
  });
});

describe('refusing to start, as the bin (the refusals themselves: server-config.test.ts)', () => {
  it('exits 1 naming the variable, with no stack trace and no secret', async () => {
    const { code: exitCode, stdout, stderr } = await runBin(spotifyEnv({ TOKEN_ENCRYPTION_SECRETS: 'short-secret' }));
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(/TOKEN_ENCRYPTION_SECRETS.*32 characters/);
    expect(stdout + stderr).not.toContain(spotify.clientSecret);
    expect(stderr).not.toContain('short-secret');
    expect(stderr).not.toMatch(/TypeError|Error:|\n\s+at /);
  });

  it('with a client secret but no client id', async () => {
    const { code: exitCode, stderr } = await runBin({ SPOTIFY_CLIENT_SECRET: 'lonely-secret-value' });
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(/SPOTIFY_CLIENT_SECRET is set but SPOTIFY_CLIENT_ID is not/);
    expect(stderr).not.toContain('lonely-secret-value');
  });

  it('on a port in use', async () => {
    const bin = await start({});
    const { code: exitCode, stderr } = await runBin({ PORT: new URL(bin.url).port });
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(new RegExp(`PORT: ${new URL(bin.url).port} is already in use on 127.0.0.1`));
  });
});

/** The curl commands of a demo's walk-through, as printed. */
const curlLines = (stdout: string) =>
  stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('curl '));
describe('demo mode', () => {
  it("keeps none of the requests its mock Spotify sees, so a long-running demo's memory stays flat", async () => {
    const demo = await startDemo(undefined, []);
    try {
      await fetch(demo.spotify.tokenUrl, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'refresh_token' }),
      });
      expect(demo.spotify.requests).toEqual([]);
    } finally {
      await demo.spotify.close();
    }
  });

  itNeeding(['curl'], 'prints a curl walk-through whose commands work as printed', async () => {
    const bin = await start({});
    const commands = curlLines(bin.stdout());
    expect(commands).toHaveLength(3);
    const outputs: Record<string, unknown>[] = [];
    for (const command of commands) {
      const { stdout } = await promisify(execFile)('bash', ['-c', command]);
      outputs.push(JSON.parse(stdout) as Record<string, unknown>);
    }
    const [swap, refresh, health] = outputs;
    expect(swap).toEqual(
      expect.objectContaining({ token_type: 'Bearer', expires_in: 3600, refresh_token: expect.any(String) }),
    );
    expect(refresh).toEqual(expect.objectContaining({ token_type: 'Bearer', access_token: expect.any(String) }));
    expect(health).toEqual({ status: 'ok' });
    const again = JSON.parse((await promisify(execFile)('bash', ['-c', commands[0]!])).stdout) as Record<
      string,
      unknown
    >;
    expect(again.error).toBe('invalid_grant');
  });

  itNeeding(['curl'], 'with REFRESH_TOKENS=handles, the walk-through hands out handles and logs one out', async () => {
    const bin = await start({ REFRESH_TOKENS: 'handles' });
    const commands = curlLines(bin.stdout());
    expect(commands).toHaveLength(4);
    const run = async (command: string) =>
      JSON.parse((await promisify(execFile)('bash', ['-c', command])).stdout) as Record<string, unknown>;
    const swap = await run(commands[0]!);
    const refresh = await run(commands[1]!);
    expect(swap.refresh_token).toMatch(/^rh_/);
    // The printed sealed token moves over to a handle at its refresh.
    expect(refresh.refresh_token).toMatch(/^rh_/);
    const handle = swap.refresh_token as string;
    remember(handle, refresh.refresh_token as string);
    expect(await run(commands[2]!.replace('<the rh_... refresh_token>', handle))).toEqual({});
    expect((await run(`curl -s -X POST ${bin.url}/refresh -d refresh_token=${handle}`)).error).toBe('invalid_grant');
  });
});

describe('rate limiting', () => {
  it('limits each client IP to RATE_LIMIT_PER_MINUTE with the documented 429', async () => {
    const bin = await start(spotifyEnv({ RATE_LIMIT_PER_MINUTE: '2' }));
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(`${bin.url}/swap`, {})).status);
    expect(statuses).toEqual([400, 400, 429]);
    const limited = await post(`${bin.url}/swap`, {});
    expect(limited.headers.get('ratelimit')).toMatch(/^limit=2, remaining=0, reset=\d+$/);
    expect(limited.headers.get('ratelimit-policy')).toBe('2;w=60');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await limited.json()).toEqual({ error: 'too_many_requests', error_description: expect.any(String) });
    expect((await fetch(`${bin.url}/healthz`)).status).toBe(200);
  });

  it("says once in the JSON log that a client's address is no IP, with none of the client's text", async () => {
    const bin = await start(spotifyEnv({ TRUST_PROXY: 'loopback' }));
    const forged = 'forged"} {"level":60';
    await post(`${bin.url}/swap`, {}, { 'x-forwarded-for': forged });
    await bin.waitForLog((line) => line.event === 'rate_limit');
    expect(bin.stderr()).toBe('');
    expect(bin.stdout()).not.toContain('forged');
    const lines = bin.stdout().trim().split('\n');
    expect(lines.every((line) => line.startsWith('{'))).toBe(true);
    expect(bin.logs().filter((line) => line.event === 'rate_limit')).toEqual([
      expect.objectContaining({ level: 40, reason: 'address_unreadable' }),
    ]);
  });

  it('is off with RATE_LIMIT_PER_MINUTE=0', async () => {
    const bin = await start(spotifyEnv({ RATE_LIMIT_PER_MINUTE: '0' }));
    for (let i = 0; i < 5; i++) expect((await post(`${bin.url}/swap`, {})).status).toBe(400);
  });

  it('tells clients apart by X-Forwarded-For only behind TRUST_PROXY', async () => {
    const bin = await start(spotifyEnv({ RATE_LIMIT_PER_MINUTE: '1', TRUST_PROXY: 'loopback' }));
    const from = (ip: string) => post(`${bin.url}/swap`, {}, { 'x-forwarded-for': ip }).then((res) => res.status);
    expect([await from('203.0.113.1'), await from('203.0.113.2'), await from('203.0.113.1')]).toEqual([400, 400, 429]);
  });
});

describe('slow and silent clients', () => {
  const HEADERS_MS = 1_000;
  const REQUEST_MS = 2_000;
  const KEEP_ALIVE_MS = 1_000;
  /** The server looks for overdue connections every half second; the rest is a loaded machine's scheduling. */
  const SLACK_MS = 1_500;

  /** Opens a connection, plays `client` on it, and resolves with how long it stayed open and what came back. */
  async function hold(url: string, client: (socket: Socket) => void): Promise<{ ms: number; answer: string }> {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    await once(socket, 'connect');
    const opened = Date.now();
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => {});
    const drip = setInterval(() => socket.writable && client(socket), 200);
    await once(socket, 'close');
    clearInterval(drip);
    return { ms: Date.now() - opened, answer };
  }

  it('closes each of 50 slow connections in its configured time, and serves others meanwhile', async () => {
    const bin = await start(
      spotifyEnv({
        HEADERS_TIMEOUT_MS: String(HEADERS_MS),
        REQUEST_TIMEOUT_MS: String(REQUEST_MS),
        KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_MS),
        RATE_LIMIT_PER_MINUTE: '0',
      }),
    );
    const head = 'POST /swap HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n';
    const shapes = {
      // Connects and sends nothing.
      silent: () => () => {},
      // Sends its headers a byte at a time.
      dribblingHeaders: () => {
        let sent = 0;
        return (socket: Socket) => socket.write(head[sent++ % head.length]!);
      },
      // Sends whole headers, then a body of 100 bytes a byte at a time.
      dribblingBody: () => {
        let started = false;
        return (socket: Socket) =>
          socket.write(started ? 'a' : ((started = true), `${head}Content-Length: 100\r\n\r\n`));
      },
      // A chunked body that never ends.
      endlessChunks: () => {
        let started = false;
        return (socket: Socket) =>
          socket.write(started ? '1\r\na\r\n' : ((started = true), `${head}Transfer-Encoding: chunked\r\n\r\n`));
      },
    };
    const held = Object.entries(shapes).flatMap(([name, shape]) =>
      Array.from({ length: 12 }, () => hold(bin.url, shape()).then((result) => ({ name, ...result }))),
    );
    // Declares more than the body limit and sends none of it: refused at once.
    const oversized = Array.from({ length: 2 }, () =>
      hold(bin.url, (socket) => socket.write(`${head}Content-Length: 20000\r\n\r\n`)).then((result) => ({
        name: 'oversized',
        ...result,
      })),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const health = await fetch(`${bin.url}/healthz`);
    expect(health.status).toBe(200);

    const results = await Promise.all([...held, ...oversized]);
    expect(results).toHaveLength(50);
    const limit = {
      silent: HEADERS_MS,
      dribblingHeaders: HEADERS_MS,
      dribblingBody: REQUEST_MS,
      endlessChunks: REQUEST_MS,
    };
    for (const { name, ms, answer } of results) {
      if (name === 'oversized') {
        expect(answer).toMatch(/^HTTP\/1\.1 413 /);
        expect(ms).toBeLessThan(SLACK_MS);
      } else {
        expect({ name, closedInTime: ms < limit[name as keyof typeof limit] + SLACK_MS }).toEqual({
          name,
          closedInTime: true,
        });
        expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      }
    }
  });

  it('closes an idle keep-alive connection after KEEP_ALIVE_TIMEOUT_MS', async () => {
    const bin = await start(spotifyEnv({ KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_MS) }));
    let asked = false;
    const { ms, answer } = await hold(bin.url, (socket) => {
      if (!asked) socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      asked = true;
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(ms).toBeLessThan(KEEP_ALIVE_MS + SLACK_MS);
  });

  it('closes connections past MAX_CONNECTIONS at once', async () => {
    const bin = await start(spotifyEnv({ MAX_CONNECTIONS: '3' }));
    const idle = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const socket = connect(Number(new URL(bin.url).port), '127.0.0.1');
        await once(socket, 'connect');
        return socket;
      }),
    );
    try {
      const { ms, answer } = await hold(bin.url, () => {});
      expect(answer).toBe('');
      expect(ms).toBeLessThan(SLACK_MS);
    } finally {
      for (const socket of idle) socket.destroy();
    }
  });

  it.each([
    [
      'HEADERS_TIMEOUT_MS above REQUEST_TIMEOUT_MS',
      { HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '1000' },
      /HEADERS_TIMEOUT_MS must not be more than REQUEST_TIMEOUT_MS/,
    ],
    ['a MAX_CONNECTIONS of 0', { MAX_CONNECTIONS: '0' }, /MAX_CONNECTIONS must be a whole number from 1/],
  ])('refuses %s', async (_name, change, message) => {
    const { code: exitCode, stderr } = await runBin(spotifyEnv(change));
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(message);
  });
});

describe('pipelined floods', () => {
  const body = 'code=flooded-code-that-spotify-never-issued';
  const one =
    `POST /swap HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
    `Content-Length: ${body.length}\r\n\r\n${body}`;

  function connection(url: string): Socket {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    socket.on('error', () => {});
    // Never reads an answer.
    socket.pause();
    return socket;
  }

  /** Writes `count` pipelined swaps on one connection at once and never reads an answer. */
  function flood(url: string, count: number): Socket {
    const socket = connection(url);
    socket.write(one.repeat(count));
    return socket;
  }

  /** Writes pipelined swaps on one connection as fast as it takes them, until `stop()`; never reads an answer. */
  function pump(url: string): { socket: Socket; written(): number; stop(): void } {
    const socket = connection(url);
    const chunk = one.repeat(100);
    let written = 0;
    let stopped = false;
    const write = () => {
      while (!stopped && !socket.destroyed && socket.write(chunk)) written += 100;
      if (!stopped && !socket.destroyed) socket.once('drain', write);
    };
    socket.once('connect', write);
    return { socket, written: () => written, stop: () => ((stopped = true), socket.destroy()) };
  }

  const calls = () => spotify.requests.filter((request) => request.form.code?.startsWith('flooded-code')).length;
  const residentMb = (bin: BinProcess) =>
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${bin.child.pid}/status`, 'utf8'))![1]) / 1024;

  it('works on at most 8 requests of one connection at once; the others wait, unread', async () => {
    const bin = await start(spotifyEnv({ RATE_LIMIT_PER_MINUTE: '0' }));
    // Spotify holds every call long past the test, so none of the first eight finishes and lets a ninth start.
    spotify.fail({ type: 'latency', ms: 5_000 }, { times: Infinity });
    const before = calls();
    const socket = flood(bin.url, 60);
    try {
      await waitFor(() => calls() - before >= 8, 'eight calls to reach Spotify', 5_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The first eight reached Spotify; the rest wait for them, unread, and the connection stays open.
      expect(calls() - before).toBe(8);
      expect(socket.destroyed).toBe(false);
    } finally {
      socket.destroy();
      spotify.clearFaults();
    }
  });

  it('closes a connection that holds more than 64 requests unanswered, and logs why', async () => {
    const bin = await start(spotifyEnv({ RATE_LIMIT_PER_MINUTE: '0' }));
    spotify.fail({ type: 'latency', ms: 5_000 }, { times: Infinity });
    const before = calls();
    const socket = flood(bin.url, 200);
    try {
      // Read, to see the server close it.
      socket.resume();
      await once(socket, 'close');
      await bin.waitForLog((line) => line.reason === 'connection_flood');
      expect(calls() - before).toBeLessThanOrEqual(8);
    } finally {
      socket.destroy();
      spotify.clearFaults();
    }
  });

  // The flood of issue 26: one connection that writes pipelined swaps for seconds and never reads took the server
  // from 70 to 386 MB with the defaults (and to 978 MB with no rate limit), and /healthz went unanswered.
  it.each([
    ['the defaults', {}],
    ['no rate limit', { RATE_LIMIT_PER_MINUTE: '0' }],
  ])(
    'with %s, one connection writing for seconds without reading holds the memory, and /healthz answers',
    async (_name, extra) => {
      const bin = await start(spotifyEnv(extra));
      spotify.fail({ type: 'latency', ms: 150 }, { times: Infinity });
      const before = residentMb(bin);
      const floods = [pump(bin.url), pump(bin.url)];
      try {
        const until = Date.now() + 3_000;
        while (Date.now() < until) {
          const health = await fetch(`${bin.url}/healthz`, { signal: AbortSignal.timeout(1_000) });
          expect(health.status).toBe(200);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        // Each connection wrote far more than it could hold (thousands of requests), and was closed for it.
        expect(floods.map((flow) => flow.written() > 1_000)).toEqual([true, true]);
        expect(residentMb(bin) - before).toBeLessThan(60);
        expect(floods.map((flow) => flow.socket.destroyed)).toEqual([true, true]);
      } finally {
        for (const flow of floods) flow.stop();
        spotify.clearFaults();
      }
    },
  );

  it('answers past MAX_IN_FLIGHT with 503 temporarily_unavailable and a Retry-After, logged, and the health check still', async () => {
    const bin = await start(spotifyEnv({ RATE_LIMIT_PER_MINUTE: '0', MAX_IN_FLIGHT: '10' }));
    spotify.fail({ type: 'latency', ms: 5_000 }, { times: Infinity });
    const before = calls();
    const sockets = [flood(bin.url, 8), flood(bin.url, 8)];
    try {
      // Ten are in the works, held by Spotify; the six others were answered 503 at once.
      await waitFor(() => calls() - before >= 10, 'ten calls to reach Spotify', 5_000);
      const busy = await post(`${bin.url}/swap`, { code: 'flooded-code-too' });
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(await busy.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
      // The health check is found as every route is: a load balancer's probe with a query is no request to hold back.
      for (const path of ['/healthz', '/healthz/', '/HEALTHZ', '/healthz?probe=1']) {
        expect({ path, status: (await fetch(`${bin.url}${path}`)).status }).toEqual({ path, status: 200 });
      }
      // Every 503 has its line: the six of the floods and the one above.
      await waitFor(() => bin.logs().filter((line) => line.reason === 'server_busy').length === 7, 'seven lines');
      expect(bin.logs().find((line) => line.reason === 'server_busy')).toEqual(
        expect.objectContaining({ event: 'server', status: 503, error: 'temporarily_unavailable', level: 50 }),
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      spotify.clearFaults();
    }
  });
});

describe('requests Node cannot hand over', () => {
  /** Writes `text` on a raw connection and gives what the server answered before it closed. */
  async function raw(url: string, text: string): Promise<string> {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('error', () => {});
    socket.write(text);
    await once(socket, 'close');
    return answer;
  }
  const jsonOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as unknown;

  it('answers a request whose body stalls 408 with the documented JSON once REQUEST_TIMEOUT_MS passes, logged', async () => {
    const bin = await start(spotifyEnv({ REQUEST_TIMEOUT_MS: '600', HEADERS_TIMEOUT_MS: '300' }));
    const answer = await raw(
      bin.url,
      'POST /swap HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 40\r\n\r\ncode=',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toMatch(/\r\ncontent-type: application\/json; charset=utf-8\r\n/i);
    expect(jsonOf(answer)).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
    await bin.waitForLog((line) => line.reason === 'request_timeout');
  });

  it.each([
    ['no HTTP at all', 'GARBAGE\r\n\r\n', 400, 'request_malformed'],
    [
      "headers past Node's limit",
      `GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'headers_too_large',
    ],
  ])('answers %s with the documented JSON, logged', async (_name, text, status, reason) => {
    const bin = await start(spotifyEnv());
    const answer = await raw(bin.url, text);
    expect(answer).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(jsonOf(answer)).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
    await bin.waitForLog((line) => line.reason === reason && line.status === status);
  });
});

describe('CORS_ORIGINS', () => {
  const preflight = (url: string, origin: string) =>
    fetch(`${url}/swap`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });

  it('answers preflights from the listed origins only', async () => {
    const bin = await start(spotifyEnv({ CORS_ORIGINS: 'https://app.example, https://other.example' }));
    const allowed = await preflight(bin.url, 'https://app.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const denied = await preflight(bin.url, 'https://evil.example');
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('is off by default', async () => {
    const bin = await start(spotifyEnv());
    const res = await preflight(bin.url, 'https://app.example');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.status).toBe(405);
  });
});

describe('shutdown', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'on %s: lets the in-flight request finish, stops accepting, exits 0',
    async (signal) => {
      const bin = await start(spotifyEnv());
      spotify.fail({ type: 'latency', ms: 700 });
      const inFlight = post(`${bin.url}/swap`, { code: code() });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const exit = bin.stop(signal);
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(await exit).toBe(0);
      await expect(fetch(`${bin.url}/healthz`)).rejects.toThrow();
      expect(bin.logs().some((line) => line.event === 'shutdown' && line.outcome === 'done')).toBe(true);
    },
  );

  /** The bin with its stdout on a pipe this test holds, so that the test can stop reading it or close it. */
  async function binOnPipe(env: Record<string, string>) {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN], {
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 200; i++) {
      if (
        await fetch(`${url}/healthz`).then(
          (res) => res.ok,
          () => false,
        )
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    return {
      url,
      child,
      stderr: () => stderr,
      exit: () => exited.finally(() => clearTimeout(kill)),
    };
  }

  it('exits on SIGTERM after its log reader went away, saying once that logging is off', async () => {
    const bin = await binOnPipe(spotifyEnv());
    // The reader goes away (a log collector restarting), and nothing is logged before the signal.
    bin.child.stdout.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    bin.child.kill('SIGTERM');
    const [exitCode, signal] = await bin.exit();
    expect({ exitCode, signal }).toEqual({ exitCode: 0, signal: null });
    expect(bin.stderr().match(/the log destination failed \(EPIPE\); logging is off/g)).toHaveLength(1);
  });

  it('keeps serving while its log reader stops reading, and still exits', async () => {
    const bin = await binOnPipe(spotifyEnv({ RATE_LIMIT_PER_MINUTE: '0' }));
    // Nobody reads: after 64 kB the pipe is full, and every further write would wait.
    bin.child.stdout.pause();
    const statuses = new Set<number>();
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 }, () => post(`${bin.url}/swap`, {})));
      for (const res of answers) statuses.add(res.status);
    }
    expect([...statuses]).toEqual([400]);
    bin.child.kill('SIGTERM');
    const [exitCode] = await bin.exit();
    expect(exitCode).toBe(0);
  }, 30_000);
});
