// npm run soak: 1,000 connections for 60 s through tokenSwap() while 5% of Spotify's answers are faults. Reports
// requests, answers by status, errors and the server's peak RSS; exits 1 on any status the README does not document
// for a faulty Spotify, on a request the server never finished, or if the server died.
import autocannon from 'autocannon';
import { aesGcmCipher } from '../dist/esm/index.js';
import { createMockSpotify } from '../dist/esm/testing/index.js';
import { SECRET, mb, refreshRequest, selfSignedCertificate, startTargets, swapRequest } from './lib.mjs';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 1000);
const TIMEOUT_MS = 2_000;
/** What a client may get while Spotify misbehaves: success, Spotify's 429 passed on, 502 and 504. */
const DOCUMENTED = new Set(['200', '429', '502', '504']);

const certificate = selfSignedCertificate();
// The mock keeps none of the requests it sees: a benchmark's hundreds of thousands would weigh on its process.
const spotify = await createMockSpotify({ tls: { key: certificate.key, cert: certificate.cert }, keepRequests: 0 });
// 5% in all, spread over the kinds of failure; a refresh may retry some of them away.
const faults = [
  { type: 'reset' },
  { type: 'status', status: 503 },
  { type: 'status', status: 500, body: '<html>oops</html>' },
  { type: 'rateLimit', retryAfter: 1 },
  { type: 'nonJson' },
  { type: 'latency', ms: TIMEOUT_MS * 2 },
  { type: 'hang' },
  { type: 'largeBody', bytes: 256 * 1024 },
];
if (process.env.SOAK_NO_FAULTS !== '1')
  for (const fault of faults) spotify.fail(fault, { times: Infinity, probability: 0.05 / faults.length });

const targets = await startTargets(spotify, certificate.certPath, { only: ['c'], timeoutMs: TIMEOUT_MS });
const sealed = aesGcmCipher(SECRET).encrypt(spotify.issueRefreshToken());

console.log(
  `soak: ${CONNECTIONS} connections for ${SECONDS} s, 5% of Spotify's answers faulty, deadline ${TIMEOUT_MS} ms`,
);
const result = await autocannon({
  url: targets.urls.c,
  connections: CONNECTIONS,
  duration: SECONDS,
  timeout: Math.ceil(TIMEOUT_MS / 1000) + 5,
  requests: [swapRequest(spotify), refreshRequest(sealed)],
});

// Whatever the clients saw, the server must have finished every request it received within the deadline. A request
// younger than that may still arrive after the run (a connection the load generator left queued): it is not hung.
await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS + 1_000));
const server = await targets.counts('c');
const hanging = server.hung;
const statuses = Object.fromEntries(
  Object.entries(result.statusCodeStats ?? {}).map(([status, { count }]) => [status, count]),
);
const unexpected = Object.entries(statuses).filter(([status]) => !DOCUMENTED.has(status));
const alive = targets.alive('c');
console.log(
  `requests: ${result.requests.total} (${Math.round(result.requests.average)} req/s), latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
);
console.log(`answers by status: ${JSON.stringify(statuses)}`);
console.log(
  `client errors: ${result.errors}, client timeouts: ${result.timeouts} (see docs/PERFORMANCE.md: the load generator)`,
);
console.log(
  `server: ${server.connections} connections accepted, ${server.requests} requests received, ${server.answered} answered, ${server.requests - server.closed} open after the run, ${hanging} of them for longer than the deadline and a second`,
);
if (server.stuck.length > 0) console.log(`open: ${JSON.stringify(server.stuck)}`);
console.log(`server peak RSS: ${mb(targets.peakRss('c'))} MB; server still running: ${alive}`);
console.log(`Spotify was reached on ${spotify.connections.opened} connections`);

const failures = [
  ...unexpected.map(([status, count]) => `${count} answers with undocumented status ${status}`),
  ...(hanging > 0 ? [`${hanging} requests the server never finished`] : []),
  ...(alive ? [] : ['the server died']),
];
console.log(failures.length === 0 ? 'PASS' : `FAIL: ${failures.join('; ')}`);

await targets.stop();
await spotify.close();
certificate.remove();
process.exit(failures.length === 0 ? 0 : 1);
