// npm run bench: the same workload through every target of bench/targets.mjs, side by side in rotating rounds, against
// a TLS mock Spotify answering at once and in 100 ms; then the heap after 100,000 refreshes. Prints medians, per-round
// ratios and the targets of docs/PERFORMANCE.md; exits 1 if a target is missed.
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { createMockSpotify } from '../dist/esm/testing/index.js';
import { TARGETS, mb, freshRefreshRequest, round, selfSignedCertificate, startTargets, swapRequest } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MEMORY_REQUESTS = Number(process.env.BENCH_MEMORY_REQUESTS ?? 100_000);
/** BENCH_PIN=1: the targets get core 1 to themselves, autocannon and the mock share core 0 (Linux, taskset). */
const PIN = process.env.BENCH_PIN === '1';
const POINTS = [
  { name: 'Spotify answers at once (CPU-bound)', connections: 32, latencyMs: 0 },
  { name: 'Spotify answers in 100 ms', connections: 100, latencyMs: 100 },
];
const NAMES = Object.keys(TARGETS);

const certificate = selfSignedCertificate();
// The mock keeps none of the requests it sees: a benchmark's hundreds of thousands would weigh on its process.
const spotify = await createMockSpotify({ tls: { key: certificate.key, cert: certificate.cert }, keepRequests: 0 });
const targets = await startTargets(spotify, certificate.certPath);
if (PIN) {
  try {
    execFileSync('taskset', ['--pid', '--cpu-list', '0', String(process.pid)]);
    execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', '1', String(targets.pid)]);
  } catch {
    console.error('BENCH_PIN=1 needs taskset (Debian: util-linux) and two cores.');
    process.exit(1);
  }
}

/** One request shape per route; the package's targets are sent the sealed refresh token, the others the plain one. */
function requestFor(target, route) {
  if (route === 'swap') return swapRequest(spotify);
  return freshRefreshRequest(spotify, target === 'c' || target === 'server');
}

async function load(target, route, connections, options) {
  const cpuBefore = await targets.cpu();
  const result = await autocannon({
    url: targets.urls[target],
    connections,
    requests: [requestFor(target, route)],
    ...options,
  });
  const ok = result.statusCodeStats?.['200']?.count ?? 0;
  const cpu = (await targets.cpu()) - cpuBefore;
  return {
    cpuPerRequest: cpu / Math.max(1, result.requests.total),
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
  console.log('| route | target | req/s | p50 ms | p99 ms | server CPU µs per request | errors |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const route of ['swap', 'refresh']) {
    const runs = Object.fromEntries(NAMES.map((target) => [target, []]));
    let handshakes = 0;
    for (const target of NAMES) await load(target, route, point.connections, { duration: 1 });
    for (let r = 0; r < ROUNDS; r++) {
      // Rotate the order so no target always runs on a machine warmed (or tired) by the same neighbour.
      const shift = r % NAMES.length;
      for (const target of NAMES.slice(shift).concat(NAMES.slice(0, shift))) {
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
          errors: list.reduce((sum, run) => sum + run.errors, 0),
          total: list.reduce((sum, run) => sum + run.total, 0),
        },
      ]),
    );
    for (const target of NAMES) {
      const s = summary[target];
      console.log(
        `| ${route} | ${TARGETS[target]} | ${round(s.rps)} | ${s.p50} | ${s.p99} | ${round(s.cpu)} | ${s.errors} |`,
      );
    }
    // Ratios per round, then their median: the runs of a round are seconds apart, so a machine that speeds up or
    // slows down between rounds (it does, by more than 5%) cancels out.
    const perRound = (x, y, of = (run) => run.rps) => median(runs[x].map((run, r) => of(run) / of(runs[y][r])));
    const ca = perRound('c', 'a');
    const cb = perRound('c', 'b');
    const serverSample = perRound('server', 'sample');
    // CPU per request of the server process, (c) over (b): what the package costs, whatever limits throughput.
    const cpuCB = perRound('c', 'b', (run) => run.cpuPerRequest);
    const perThousand = (handshakes / summary.c.total) * 1000;
    // What one thread can serve at that CPU cost, beside what the point offers: below it, the server is the limit.
    const ceilings = NAMES.map((target) => `${target} ${round(1e6 / summary[target].cpu)}`).join(' / ');
    const offered = point.latencyMs === 0 ? 'unbounded' : round((point.connections * 1000) / point.latencyMs);
    console.log(`| ${route} | one-core ceiling req/s: ${ceilings} | offered: ${offered} |||||`);
    console.log(
      `| ${route} | median ratio per round | (c)/(a) ${round(ca, 3)} | (c)/(b) ${round(cb, 3)} | (server)/(sample) ${round(serverSample, 3)} | CPU per request (c)/(b) ${round(cpuCB, 3)} | TLS handshakes per 1,000 (c) requests: ${round(perThousand, 2)} |`,
    );
    const label = `${route}, ${point.latencyMs === 0 ? 'CPU-bound' : '100 ms'}`;
    if (point.latencyMs === 0) {
      check(`${label}: (c)/(b) ≥ 0.90`, cb >= 0.9, round(cb, 3));
      check(`${label}: (server)/(sample) ≥ 1`, serverSample >= 1, round(serverSample, 3));
    } else {
      check(`${label}: (c)/(a) ≥ 0.95`, ca >= 0.95, round(ca, 3));
      check(
        `${label}: p99 of (c) ≤ 1.5 × p99 of (a)`,
        summary.c.p99 <= summary.a.p99 * 1.5,
        `${summary.c.p99} vs ${summary.a.p99} ms`,
      );
    }
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
const warm = await targets.heapAfterGc();
const memoryRun = await load('c', 'refresh', 32, { amount: MEMORY_REQUESTS });
const after = await targets.heapAfterGc();
console.log(
  `heap after warm-up ${mb(warm)} MB, after ${MEMORY_REQUESTS.toLocaleString('en')} more refreshes ${mb(after)} MB (${mb(after - warm)} MB), errors ${memoryRun.errors}`,
);
check('heap within 10 MB after the refreshes', after - warm <= 10 * 1024 * 1024, `${mb(after - warm)} MB`);

console.log('\n### Targets\n');
for (const { name, pass, detail } of checks) console.log(`${pass ? 'PASS' : 'MISS'}  ${name}: ${detail}`);

await targets.stop();
await spotify.close();
certificate.remove();
process.exit(checks.every((c) => c.pass) ? 0 : 1);
