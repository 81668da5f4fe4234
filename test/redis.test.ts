// Scaling out: two server processes share one rate limit through a real Redis, fail open without it, and recover.
import { startBin, startRedis, type BinProcess, type RedisProcess } from './helpers/processes.js';

const env = (redisUrl: string) => ({ RATE_LIMIT_PER_MINUTE: '3', REDIS_URL: redisUrl, SPOTIFY_TIMEOUT_MS: '1000' });
const swap = (bin: BinProcess) =>
  fetch(`${bin.url}/swap`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'code=',
  }).then((res) => res.status);

let redis: RedisProcess;
let a: BinProcess;
let b: BinProcess;

beforeAll(async () => {
  redis = await startRedis();
  [a, b] = await Promise.all([startBin(env(redis.url)), startBin(env(redis.url))]);
});
afterAll(async () => {
  await Promise.all([a?.stop('SIGKILL'), b?.stop('SIGKILL')]);
  await redis?.stop();
});

it('shares one limit across two instances, fails open when Redis goes away, and limits again when it is back', async () => {
  // Demo mode is enough here: the limit is what is measured, and an empty code answers 400 without Spotify.
  expect([await swap(a), await swap(b), await swap(a), await swap(b)]).toEqual([400, 400, 400, 429]);

  await redis.stop();
  const started = Date.now();
  const whileDown = [await swap(a), await swap(b), await swap(a), await swap(b), await swap(a)];
  expect(whileDown).toEqual([400, 400, 400, 400, 400]);
  expect(Date.now() - started).toBeLessThan(5_000);
  await a.waitForLog((line) => line.event === 'rate_limit_store' && line.outcome === 'failed');

  redis = await startRedis(redis.port);
  // Reconnecting takes up to two seconds; after that a fresh count of three runs out again.
  const deadline = Date.now() + 10_000;
  let limited = false;
  while (!limited && Date.now() < deadline) {
    limited = (await swap(a)) === 429;
    if (!limited) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(limited).toBe(true);
  expect(await swap(b)).toBe(429);
  await a.waitForLog((line) => line.event === 'rate_limit_store' && line.outcome === 'recovered');
  expect(a.child.exitCode).toBeNull();
});
