// npm run bench: the same workload through each target (bench/lib.mjs: one process each, the standalone server as its
// bin with its log read through a pipe), side by side in rotating rounds, against a TLS mock Spotify answering at once
// and in 100 ms; then the heap after 100,000 refreshes. Each target's CPU per request is read from /proc, from outside
// its process, beside what the process reports itself. Prints medians, per-round ratios and the targets of
// docs/PERFORMANCE.md; exits 1 if a target is missed.
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { createMockSpotify } from '../dist/esm/testing/index.js';
import {
  DEFAULT_TARGETS,
  TARGETS,
  mb,
  freshRefreshRequest,
  handleRefreshRequest,
  round,
  selfSignedCertificate,
  startRedisServer,
  startTargets,
  swapRequest,
} from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MEMORY_REQUESTS = Number(process.env.BENCH_MEMORY_REQUESTS ?? 100_000);
/** BENCH_PIN=1: the targets get core 1 to themselves, autocannon and the mock share core 0 (Linux, taskset). */
const PIN = process.env.BENCH_PIN === '1';
/** BENCH_POINTS=0 or =100 runs one of the two points: Spotify's latency in ms. */
const POINTS = [
  { name: 'Spotify answers at once (CPU-bound)', connections: 32, latencyMs: 0 },
  { name: 'Spotify answers in 100 ms', connections: 100, latencyMs: 100 },
].filter((point) => process.env.BENCH_POINTS?.split(',').includes(String(point.latencyMs)) ?? true);
/**
 * BENCH_TARGETS=a,b,got,sample,c,c-node,c-handles,server,server-null: which targets; the checks need the default
 * ones. (c-handles) runs by default where redis-server is installed.
 */
const NAMES = (process.env.BENCH_TARGETS?.split(',') ?? [...DEFAULT_TARGETS, 'c-handles']).sort(
  (x, y) => Object.keys(TARGETS).indexOf(x) - Object.keys(TARGETS).indexOf(y),
);
for (const name of DEFAULT_TARGETS) {
  if (!NAMES.includes(name)) throw new Error(`BENCH_TARGETS must include ${DEFAULT_TARGETS.join(', ')}`);
}

// (c-handles) needs a redis-server; without one it is left out, and said so.
const redis = NAMES.includes('c-handles') ? await startRedisServer() : undefined;
if (NAMES.includes('c-handles') && redis === undefined) {
  console.error('(c-handles) left out: it needs redis-server (Debian: apt-get install redis-server)');
  NAMES.splice(NAMES.indexOf('c-handles'), 1);
}

const certificate = selfSignedCertificate();
// The mock keeps none of the requests it sees: a benchmark's hundreds of thousands would weigh on its process.
const spotify = await createMockSpotify({ tls: { key: certificate.key, cert: certificate.cert }, keepRequests: 0 });
const targets = await startTargets(spotify, certificate.certPath, { only: NAMES, redisUrl: redis?.url });
if (PIN) {
  try {
    execFileSync('taskset', ['--pid', '--cpu-list', '0', String(process.pid)]);
    for (const pid of Object.values(targets.pids)) {
      execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', '1', String(pid)]);
    }
  } catch {
    console.error('BENCH_PIN=1 needs taskset (Debian: util-linux) and two cores.');
    process.exit(1);
  }
}

/**
 * One request shape per route; the package's targets are sent the sealed refresh token, (c-handles) a handle, the
 * others the plain token.
 */
async function requestFor(target, route) {
  if (route === 'swap') return swapRequest(spotify);
  if (target === 'c-handles') return handleRefreshRequest(spotify, targets.urls[target]);
  return freshRefreshRequest(spotify, target.startsWith('c') || target.startsWith('server'));
}

async function load(target, route, connections, options) {
  const cpuBefore = targets.cpu(target);
  const inProcessBefore = await targets.cpuInProcess(target);
  const linesBefore = targets.logLines(target);
  const result = await autocannon({
    url: targets.urls[target],
    connections,
    requests: [await requestFor(target, route)],
    ...options,
  });
  const ok = result.statusCodeStats?.['200']?.count ?? 0;
  const served = Math.max(1, result.requests.total);
  const inProcess = await targets.cpuInProcess(target);
  // The log is read by this process; the lines may trail the answers by a turn of the server's event loop.
  if (linesBefore !== undefined) await new Promise((resolve) => setTimeout(resolve, 50));
  return {
    cpuPerRequest: (targets.cpu(target) - cpuBefore) / served,
    cpuInProcess: inProcess === undefined ? undefined : (inProcess - inProcessBefore) / served,
    linesPerRequest: linesBefore === undefined ? undefined : (targets.logLines(target) - linesBefore) / served,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    errors: result.errors + result.timeouts + (result.requests.total - ok),
  };
}

const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
};

const checks = [];
const check = (name, pass, detail) => checks.push({ name, pass, detail });

for (const point of POINTS) {
  spotify.clearFaults();
  if (point.latencyMs > 0) spotify.fail({ type: 'latency', ms: point.latencyMs }, { times: Infinity });
  console.log(
    `\n### ${point.name}, ${point.connections} connections, ${ROUNDS} rounds of ${SECONDS} s${PIN ? ', targets pinned to a core of their own' : ''}\n`,
  );
  for (const route of ['swap', 'refresh']) {
    console.log(
      '| route | target | req/s | p50 ms | p99 ms | CPU µs per request, from /proc | the same, in process | errors |',
    );
    console.log('|---|---|---:|---:|---:|---:|---:|---:|');
    const runs = Object.fromEntries(NAMES.map((target) => [target, []]));
    let handshakes = 0;
    for (const target of NAMES) await load(target, route, point.connections, { duration: 1 });
    for (let r = 0; r < ROUNDS; r++) {
      // Rotate the order so no target always runs on a machine warmed (or tired) by the same neighbour.
      const shift = r % NAMES.length;
      for (const target of NAMES.slice(shift).concat(NAMES.slice(0, shift))) {
        // Each target idles while the others run, long enough for its connections to Spotify to close: a second
        // of load first opens them again, so that the round measures a server in steady traffic, as Spotify's
        // clients keep it, and not its handshakes.
        await load(target, route, point.connections, { duration: 1 });
        const before = spotify.connections.tlsHandshakes;
        runs[target].push(await load(target, route, point.connections, { duration: SECONDS }));
        if (target === 'c') handshakes += spotify.connections.tlsHandshakes - before;
      }
    }
    const summary = Object.fromEntries(
      Object.entries(runs).map(([target, list]) => [
        target,
        {
          rps: median(list.map((run) => run.rps)),
          p50: median(list.map((run) => run.p50)),
          p99: median(list.map((run) => run.p99)),
          cpu: median(list.map((run) => run.cpuPerRequest)),
          cpuInProcess: list[0].cpuInProcess === undefined ? undefined : median(list.map((run) => run.cpuInProcess)),
          lines: list[0].linesPerRequest === undefined ? undefined : median(list.map((run) => run.linesPerRequest)),
          errors: list.reduce((sum, run) => sum + run.errors, 0),
          total: list.reduce((sum, run) => sum + run.total, 0),
        },
      ]),
    );
    for (const target of NAMES) {
      const s = summary[target];
      console.log(
        `| ${route} | ${TARGETS[target]} | ${round(s.rps)} | ${s.p50} | ${s.p99} | ${round(s.cpu)} | ${s.cpuInProcess === undefined ? '–' : round(s.cpuInProcess)} | ${s.errors} |`,
      );
    }
    // Ratios per round, then their median: the runs of a round are seconds apart, so a machine that speeds up or
    // slows down between rounds (it does, by more than 5%) cancels out.
    const perRound = (x, y, of = (run) => run.rps) => median(runs[x].map((run, r) => of(run) / of(runs[y][r])));
    const cpuRatio = (x, y) => perRound(x, y, (run) => run.cpuPerRequest);
    const ratios = {
      '(c)/(b) req/s': perRound('c', 'b'),
      '(server)/(b) req/s': perRound('server', 'b'),
      '(server)/(sample) CPU': cpuRatio('server', 'sample'),
      '(server)/(c) CPU': cpuRatio('server', 'c'),
      '(c)/(sample) CPU': cpuRatio('c', 'sample'),
      '(c)/(b) CPU': cpuRatio('c', 'b'),
      ...(NAMES.includes('c-handles') ? { '(c-handles)/(c) CPU': cpuRatio('c-handles', 'c') } : {}),
    };
    const perThousand = (handshakes / summary.c.total) * 1000;
    // What one thread can serve at that CPU cost, beside what the point offers: below it, the server is the limit.
    const ceilings = NAMES.map((target) => `${target} ${round(1e6 / summary[target].cpu)}`).join(' / ');
    const offered = point.latencyMs === 0 ? 'unbounded' : round((point.connections * 1000) / point.latencyMs);
    console.log(`\n${route}: one-core ceiling req/s ${ceilings}; offered: ${offered}`);
    console.log(
      `${route}: median ratios per round: ${Object.entries(ratios)
        .map(([name, value]) => `${name} ${round(value, 3)}`)
        .join(', ')}`,
    );
    console.log(
      `${route}: TLS handshakes per 1,000 (c) requests ${round(perThousand, 2)}; log lines read per (server) request ${round(summary.server.lines, 3)}\n`,
    );
    const label = `${route}, ${point.latencyMs === 0 ? 'CPU-bound' : '100 ms'}`;
    if (point.latencyMs === 0) {
      const serverSample = ratios['(server)/(sample) CPU'];
      check(`${label}: CPU per request (server) ≤ 0.80 × (sample)`, serverSample <= 0.8, round(serverSample, 3));
      const serverC = ratios['(server)/(c) CPU'];
      check(`${label}: CPU per request (server) ≤ 1.10 × (c)`, serverC <= 1.1, round(serverC, 3));
    } else {
      for (const target of ['c', 'server']) {
        const ratio = ratios[`(${target})/(b) req/s`];
        check(`${label}: (${target}) ≥ 0.97 × (b) req/s`, ratio >= 0.97, round(ratio, 3));
        check(
          `${label}: p99 of (${target}) ≤ 1.5 × p99 of (a)`,
          summary[target].p99 <= summary.a.p99 * 1.5,
          `${summary[target].p99} vs ${summary.a.p99} ms`,
        );
      }
      const cSample = ratios['(c)/(sample) CPU'];
      check(`${label}: CPU per request (c) ≤ 0.95 × (sample)`, cSample <= 0.95, round(cSample, 3));
    }
    // At least a line per request counted: the load generator leaves requests in flight at the end of each round,
    // which the server still answers (or logs as abandoned) and autocannon does not count.
    check(`${label}: every (server) answer logged`, summary.server.lines >= 0.999, round(summary.server.lines, 3));
    check(
      `${label}: handshakes per 1,000 below ${point.connections}`,
      perThousand < point.connections,
      round(perThousand, 2),
    );
    check(
      `${label}: no errors`,
      Object.values(summary).every((s) => s.errors === 0),
      NAMES.map((target) => summary[target].errors).join('/'),
    );
  }
}

spotify.clearFaults();
console.log(`\n### Memory of (c) over ${MEMORY_REQUESTS.toLocaleString('en')} refreshes\n`);
await load('c', 'refresh', 32, { amount: 10_000 });
const warm = await targets.heapAfterGc('c');
const memoryRun = await load('c', 'refresh', 32, { amount: MEMORY_REQUESTS });
const after = await targets.heapAfterGc('c');
console.log(
  `heap after warm-up ${mb(warm)} MB, after ${MEMORY_REQUESTS.toLocaleString('en')} more refreshes ${mb(after)} MB (${mb(after - warm)} MB), errors ${memoryRun.errors}`,
);
check('heap within 10 MB after the refreshes', after - warm <= 10 * 1024 * 1024, `${mb(after - warm)} MB`);

console.log('\n### Targets\n');
for (const { name, pass, detail } of checks) console.log(`${pass ? 'PASS' : 'MISS'}  ${name}: ${detail}`);

await targets.stop();
redis?.stop();
await spotify.close();
certificate.remove();
process.exit(checks.every((c) => c.pass) ? 0 : 1);
