// npm run bench:instructions: what each target costs per request, in instructions counted by valgrind's callgrind.
// Timings on this machine move by 10% between identical runs, whatever the load. One count moves by up to 7% (when
// V8 compiles and collects differs between two runs), so each target is counted BENCH_REPEAT times and the median
// taken: that resolves a few per cent.
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { createMockSpotify } from '../dist/esm/testing/index.js';
import { TARGETS, freshRefreshRequest, round, selfSignedCertificate, startTargets, swapRequest } from './lib.mjs';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
/** Enough for V8 to have compiled the hot paths, so the counted requests are the steady state. */
const WARM_UP = 300;
/**
 * One request at a time: with more, how many share an event-loop turn varies, and so does the count (by ±4%).
 * BENCH_CONNECTIONS counts under load instead, to tell work per request from time per instruction.
 */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 1);
/** BENCH_TARGETS=a,b,c,c-node,server adds targets; (b) and (c) are always counted, for the checks. */
const NAMES = [...new Set(['b', 'c', ...(process.env.BENCH_TARGETS ?? 'a,b,c').split(',')])].sort(
  (x, y) => Object.keys(TARGETS).indexOf(x) - Object.keys(TARGETS).indexOf(y),
);

try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  console.error('npm run bench:instructions needs valgrind (Debian: apt-get install valgrind).');
  process.exit(1);
}

const certificate = selfSignedCertificate();
// The mock keeps none of the requests it sees: a benchmark's hundreds of thousands would weigh on its process.
const spotify = await createMockSpotify({ tls: { key: certificate.key, cert: certificate.cert }, keepRequests: 0 });

/** Instructions the target's process executes from start to exit when it serves `amount` requests. */
async function instructions(target, route, amount) {
  const targets = await startTargets(spotify, certificate.certPath, { only: [target], callgrind: true });
  const request =
    route === 'swap'
      ? swapRequest(spotify)
      : freshRefreshRequest(spotify, target.startsWith('c') || target.startsWith('server'));
  const result = await autocannon({ url: targets.urls[target], connections: CONNECTIONS, amount, requests: [request] });
  const { [target]: count } = await targets.stop();
  if (!Number.isFinite(count)) throw new Error(`valgrind printed no instruction count for ${TARGETS[target]}`);
  const ok = result.statusCodeStats?.['200']?.count ?? 0;
  if (ok !== amount) throw new Error(`${TARGETS[target]} answered ${ok} of ${amount} ${route} requests with 200`);
  return count;
}

console.log(
  `\n### Instructions per request, ${REQUESTS} requests after ${WARM_UP} to warm up, ${CONNECTIONS} connection(s), TLS mock Spotify, median of ${REPEAT}\n`,
);
console.log(`| route | ${NAMES.map((target) => `(${target})`).join(' | ')} | (c)/(b) |`);
console.log(`|---|${NAMES.map(() => '---:|').join('')}---:|`);
const checks = [];
for (const route of ['swap', 'refresh']) {
  const runs = Object.fromEntries(NAMES.map((target) => [target, []]));
  for (let r = 0; r < REPEAT; r++) {
    for (const target of NAMES) {
      // Two processes side by side, one serving WARM_UP requests and one WARM_UP + REQUESTS: start-up, warm-up and
      // shutdown cancel out in the difference.
      const [base, loaded] = await Promise.all([
        instructions(target, route, WARM_UP),
        instructions(target, route, WARM_UP + REQUESTS),
      ]);
      runs[target].push((loaded - base) / REQUESTS);
    }
  }
  const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
  const perRequest = Object.fromEntries(NAMES.map((target) => [target, median(runs[target])]));
  for (const target of NAMES) {
    console.error(`${route} (${target}): ${runs[target].map((n) => round(n / 1e6, 3)).join(', ')} M`);
  }
  const million = (n) => `${round(n / 1e6, 3)} M`;
  const ratio = perRequest.c / perRequest.b;
  console.log(`| ${route} | ${NAMES.map((target) => million(perRequest[target])).join(' | ')} | ${round(ratio, 3)} |`);
  checks.push({
    name: `${route}: (c) ≤ 1.10 × (b) instructions per request`,
    pass: ratio <= 1.1,
    detail: round(ratio, 3),
  });
  if (perRequest.server !== undefined) {
    const serverC = perRequest.server / perRequest.c;
    checks.push({
      name: `${route}: (server) ≤ 1.10 × (c) instructions per request`,
      pass: serverC <= 1.1,
      detail: round(serverC, 3),
    });
  }
}

console.log('\n### Targets\n');
for (const { name, pass, detail } of checks) console.log(`${pass ? 'PASS' : 'MISS'}  ${name}: ${detail}`);
await spotify.close();
certificate.remove();
process.exit(checks.every((check) => check.pass) ? 0 : 1);
