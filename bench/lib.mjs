// Shared by the benchmarks and the soak: a self-signed certificate, the targets' processes, CPU from /proc, and number
// formatting.
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { aesGcmCipher } from '../dist/esm/index.js';

export const REDIRECT_URI = 'bench://callback';
export const SECRET = 'bench-secret-that-is-at-least-32-characters';

export { selfSignedCertificate } from './certificate.mjs';

/** Runs a program under valgrind's callgrind, which counts the instructions the process executes. */
const callgrind = (command, args) => [
  'valgrind',
  ['--tool=callgrind', '--callgrind-out-file=/dev/null', command, ...args],
];

/** Clock ticks per second in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU time (user and system) a process has used so far, in microseconds, read from outside it. */
export function cpuOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6;
}

/** Every target the benchmark can start, in the order the tables list them; each runs in a process of its own. */
export const TARGETS = {
  a: '(a) bare node:http proxy',
  b: '(b) Express 5 + one undici Pool, no checks',
  got: '(got) Express 5 + got, no checks',
  sample: '(sample) Express 4 + raw https sample server',
  c: '(c) tokenSwap() + aesGcmCipher',
  'c-node': '(c-node) the same router on node:http, no Express app',
  'c-handles': '(c-handles) (c) with refresh handles, sessions in Redis',
  server: '(server) standalone server: the bin, pino at info to a pipe that is read, rate limit on',
  'server-null': '(server-null) the same bin, its stdout /dev/null',
};

/** The targets `npm run bench` compares unless BENCH_TARGETS names others. */
export const DEFAULT_TARGETS = ['a', 'b', 'sample', 'c', 'c-node', 'server'];

const STANDALONE = fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));

/** The bin as users run it: real-Spotify mode against the mock, a limit no run reaches, pino at info. */
function standaloneEnv(spotify, timeoutMs, port) {
  return {
    HOST: '127.0.0.1',
    SPOTIFY_CLIENT_ID: spotify.clientId,
    SPOTIFY_CLIENT_SECRET: spotify.clientSecret,
    SPOTIFY_REDIRECT_URI: REDIRECT_URI,
    SPOTIFY_ACCOUNTS_URL: spotify.url,
    SPOTIFY_TIMEOUT_MS: String(timeoutMs),
    TOKEN_ENCRYPTION_SECRETS: SECRET,
    RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'info',
    PORT: String(port),
  };
}

/** A port nothing listens on now. */
export async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits until `url` answers, for 30 s at most (valgrind starts slowly), or until `child` has exited. */
export async function answering(url, child, stderr = () => '') {
  for (let i = 0; i < 1_200; i++) {
    if (child.exitCode !== null) break;
    if (
      await fetch(url).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${url} did not answer: ${stderr()}`);
}

/**
 * One target in a process of its own. The Node-built ones run bench/targets.mjs, which also answers questions over
 * IPC (its own CPU, request counts, heap). The standalone server is the bin; its log lines are read and counted as
 * a log collector would read them: `lines()` says how many.
 */
async function startTarget(name, spotify, certPath, timeoutMs, counted, redisUrl) {
  const env = { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: certPath };
  if (name === 'server' || name === 'server-null') {
    const port = await freePort();
    const [command, args] = counted ? callgrind(process.execPath, [STANDALONE]) : [process.execPath, [STANDALONE]];
    const child = spawn(command, args, {
      env: { ...env, ...standaloneEnv(spotify, timeoutMs, port) },
      // server-null: its stdout is /dev/null, where nothing reads and every write is free, as the in-process
      // benchmark of old had it.
      stdio: ['ignore', name === 'server' ? 'pipe' : 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let count = 0;
    if (child.stdout !== null) createInterface({ input: child.stdout }).on('line', () => (count += 1));
    await answering(`http://127.0.0.1:${port}/healthz`, child, () => stderr);
    return { child, port, stderr: () => stderr, lines: () => count };
  }
  const [execPath, execArgv] = counted
    ? callgrind(process.execPath, ['--expose-gc'])
    : [process.execPath, ['--expose-gc']];
  const child = fork(new URL('./targets.mjs', import.meta.url), [], {
    execPath,
    execArgv,
    // Under valgrind, stderr carries the count.
    stdio: ['ignore', 'ignore', counted ? 'pipe' : 'inherit', 'ipc'],
    env: {
      ...env,
      ACCOUNTS_URL: spotify.url,
      CLIENT_ID: spotify.clientId,
      CLIENT_SECRET: spotify.clientSecret,
      ...(redisUrl === undefined ? {} : { REDIS_URL: redisUrl }),
      TARGETS: name,
      TIMEOUT_MS: String(timeoutMs),
    },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const [ports] = await once(child, 'message');
  const ask = async (what) => {
    child.send(what);
    const [answer] = await once(child, 'message');
    return answer;
  };
  return { child, port: ports[name], stderr: () => stderr, ask };
}

/**
 * Starts each target (trusting the certificate) and waits for its port; each is given the mock's URL and credentials.
 * With `callgrind`, each runs under valgrind, and `stop()` resolves to the number of instructions each executed.
 */
export async function startTargets(
  spotify,
  certPath,
  { only = DEFAULT_TARGETS, timeoutMs = 10_000, callgrind: counted = false, redisUrl } = {},
) {
  const started = {};
  for (const name of only) started[name] = await startTarget(name, spotify, certPath, timeoutMs, counted, redisUrl);
  const ask = (name, what) => {
    if (started[name].ask === undefined) throw new Error(`${TARGETS[name]} answers no questions`);
    return started[name].ask(what);
  };
  return {
    urls: Object.fromEntries(only.map((name) => [name, `http://127.0.0.1:${started[name].port}`])),
    pids: Object.fromEntries(only.map((name) => [name, started[name].child.pid])),
    /** CPU time (user and system) the target's process has used so far, in microseconds, from /proc. */
    cpu: (name) => cpuOf(started[name].child.pid),
    /** The same, as the Node-built targets report it themselves (process.cpuUsage()); undefined for the bin. */
    cpuInProcess: async (name) => (started[name].ask === undefined ? undefined : ask(name, 'cpu')),
    /** Log lines the standalone server has written so far. */
    logLines: (name) => started[name].lines?.(),
    /** Connections accepted, requests received, answered, and closed (answered or abandoned) so far. */
    counts: (name) => ask(name, 'counts'),
    /** Heap in use after a full collection, in bytes. */
    heapAfterGc: (name) => ask(name, 'heap'),
    /** Peak resident set size so far, in bytes (Linux). */
    peakRss: (name) =>
      Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${started[name].child.pid}/status`, 'utf8'))?.[1] ?? 0) *
      1024,
    alive: (name) => started[name].child.exitCode === null,
    stop: async () => {
      const counts = {};
      for (const [name, { child, stderr }] of Object.entries(started)) {
        // SIGINT: the targets exit cleanly, so valgrind gets to print its count.
        if (child.exitCode === null) {
          child.kill(counted ? 'SIGINT' : 'SIGTERM');
          await once(child, 'exit');
        }
        counts[name] = counted ? Number(/Collected : (\d+)/.exec(stderr())?.[1] ?? Number.NaN) : undefined;
      }
      return counts;
    },
  };
}

export const formBody = (fields) => new URLSearchParams(fields).toString();

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** An autocannon request for /swap: every one carries a fresh single-use code from the mock. */
export function swapRequest(spotify) {
  return {
    method: 'POST',
    path: '/swap',
    headers: FORM,
    setupRequest: (request) => ({
      ...request,
      body: formBody({ code: spotify.issueCode({ redirectUri: REDIRECT_URI }) }),
    }),
  };
}

/** An autocannon request for /refresh with one refresh token, sent again and again. */
export function refreshRequest(refreshToken) {
  return { method: 'POST', path: '/refresh', headers: FORM, body: formBody({ refresh_token: refreshToken }) };
}

/**
 * A /refresh request with a refresh token issued now, sealed for the package's targets and plain for the others: the
 * mock remembers only the latest 10,000 tokens, and a run's swaps issue far more between two rounds of refreshes.
 */
export function freshRefreshRequest(spotify, sealed) {
  const token = spotify.issueRefreshToken();
  return refreshRequest(sealed ? aesGcmCipher(SECRET).encrypt(token) : token);
}
/**
 * A /refresh request for (c-handles): a handle from a swap through the target itself (the mock remembers only the
 * latest 10,000 refresh tokens, so each load gets a fresh login).
 */
export async function handleRefreshRequest(spotify, url) {
  const code = spotify.issueCode({ redirectUri: REDIRECT_URI });
  const answer = await fetch(`${url}/swap`, { method: 'POST', headers: FORM, body: formBody({ code }) });
  const { refresh_token: handle } = await answer.json();
  if (answer.status !== 200) throw new Error(`(c-handles) swap answered ${answer.status}`);
  return refreshRequest(handle);
}

/** Starts a redis-server on a free port for (c-handles), or says why not. */
export async function startRedisServer() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const failed = await Promise.race([
    once(child, 'error').then(() => true),
    new Promise((resolve) => setTimeout(() => resolve(false), 300)),
  ]);
  if (failed || child.exitCode !== null) return undefined;
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

export const round = (n, digits = 0) => Number(n.toFixed(digits));
export const mb = (bytes) => round(bytes / 1024 / 1024, 1);
