// Shared by the benchmark and the soak: a self-signed certificate, the targets' child process, and number formatting.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { aesGcmCipher } from '../dist/esm/index.js';

export const REDIRECT_URI = 'bench://callback';
export const SECRET = 'bench-secret-that-is-at-least-32-characters';

export { selfSignedCertificate } from './certificate.mjs';

/** Runs node under valgrind's callgrind, which counts the instructions the process executes. */
const CALLGRIND = {
  execPath: 'valgrind',
  execArgv: ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--expose-gc'],
  stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
};

/** Every target bench/targets.mjs can start, in the order the tables list them. */
export const TARGETS = {
  a: '(a) bare node:http proxy',
  b: '(b) Express 5 + one undici Pool, no checks',
  got: '(got) Express 5 + got, no checks',
  sample: '(sample) Express 4 + raw https sample server',
  c: '(c) tokenSwap() + aesGcmCipher',
  server: '(server) standalone server, pino at info, rate limit on',
};

/**
 * Starts bench/targets.mjs in a process of its own (trusting the certificate) and waits for its ports.
 * `only` limits it to some targets; each is given the mock's URL and credentials. With `callgrind`, the process
 * runs under valgrind, and `stop()` resolves to the number of instructions it executed.
 */
export async function startTargets(
  spotify,
  certPath,
  { only = Object.keys(TARGETS), timeoutMs = 10_000, callgrind = false } = {},
) {
  // The targets' stdout is discarded: the standalone server logs a line per request there.
  const child = fork(new URL('./targets.mjs', import.meta.url), [], {
    ...(callgrind ? CALLGRIND : { execArgv: ['--expose-gc'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }),
    env: {
      PATH: process.env.PATH,
      NODE_EXTRA_CA_CERTS: certPath,
      ACCOUNTS_URL: spotify.url,
      CLIENT_ID: spotify.clientId,
      CLIENT_SECRET: spotify.clientSecret,
      TARGETS: only.join(','),
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
  return {
    pid: child.pid,
    urls: Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, `http://127.0.0.1:${port}`])),
    /** CPU time (user and system) the targets' process has used so far, in microseconds. */
    cpu: () => ask('cpu'),
    /** Connections accepted, requests received, answered, and closed (answered or abandoned) so far. */
    counts: () => ask('counts'),
    /** Heap in use after a full collection, in bytes. */
    heapAfterGc: () => ask('heap'),
    /** Peak resident set size so far, in bytes (Linux). */
    peakRss: () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
    alive: () => child.exitCode === null,
    stop: async () => {
      // SIGINT: the targets exit cleanly, so valgrind gets to print its count.
      child.kill(callgrind ? 'SIGINT' : 'SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
      return callgrind ? Number(/Collected : (\d+)/.exec(stderr)?.[1] ?? Number.NaN) : undefined;
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
export const round = (n, digits = 0) => Number(n.toFixed(digits));
export const mb = (bytes) => round(bytes / 1024 / 1024, 1);
