// Scaling out: two server processes share one rate limit through a real Redis, fail open without it, and recover.
import { createServer } from 'node:http';
import { closeServer, listen } from '../../../test/helpers/harness.js';
import {
  freePort,
  runBin,
  startBin,
  startRedis,
  type BinProcess,
  type RedisProcess,
} from '../../../test/helpers/processes.js';
import { describeNeeding } from '../../../test/helpers/system.js';

describeNeeding(['redis-server'], 'a rate limit shared through Redis', () => {
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

  describe('REDIS_URL checked at start-up', () => {
    const health = (bin: BinProcess) =>
      fetch(`${bin.url}/healthz`).then((res) => res.json() as Promise<{ status: string }>);

    it('an unreachable Redis: starts without the limit, says so at error level and on /healthz, until Redis answers', async () => {
      const port = await freePort();
      const bin = await startBin(env(`redis://127.0.0.1:${port}`));
      let late: RedisProcess | undefined;
      try {
        await bin.waitForLog((line) => line.event === 'rate_limit_store' && line.outcome === 'unavailable');
        expect(bin.logs().find((line) => line.outcome === 'unavailable')?.level).toBe(50);
        expect(await health(bin)).toEqual({ status: 'degraded', rateLimit: 'unavailable' });
        expect([await swap(bin), await swap(bin), await swap(bin), await swap(bin)]).toEqual([400, 400, 400, 400]);

        late = await startRedis(port);
        const deadline = Date.now() + 10_000;
        while ((await health(bin)).status !== 'ok' && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(await health(bin)).toEqual({ status: 'ok' });
        const statuses = [];
        for (let i = 0; i < 4; i++) statuses.push(await swap(bin));
        expect(statuses).toEqual([400, 400, 400, 429]);
        expect(bin.stderr()).toBe('');
      } finally {
        await bin.stop('SIGKILL');
        await late?.stop();
      }
    });

    it('a wrong password: refuses to start, naming REDIS_URL and never its password', async () => {
      const guarded = await startRedis(undefined, ['--requirepass', 'the-right-redis-password']);
      try {
        const { code, stdout, stderr } = await runBin(env(`redis://:a-wrong-redis-password@127.0.0.1:${guarded.port}`));
        expect(code).toBe(1);
        expect(stderr).toMatch(/REDIS_URL: Redis refused this server's credentials \(WRONGPASS\)/);
        expect(stdout + stderr).not.toContain('a-wrong-redis-password');
        const none = await runBin(env(guarded.url));
        expect(none.stderr).toMatch(/REDIS_URL: Redis refused this server's credentials \(NOAUTH\)/);
      } finally {
        await guarded.stop();
      }
    });

    it.each([
      ['a database number out of range', (port: number) => `redis://127.0.0.1:${port}/99`, /no database of the number/],
      [
        'rediss:// to a plain-text Redis',
        (port: number) => `rediss://127.0.0.1:${port}`,
        /rediss:\/\/ asks for TLS, but a plain-text Redis answers/,
      ],
    ])('%s: refuses to start, naming REDIS_URL, rather than run without the limit', async (_name, url, message) => {
      const plain = await startRedis();
      try {
        const { code, stderr } = await runBin(env(url(plain.port)));
        expect(code).toBe(1);
        expect(stderr).toMatch(new RegExp(`REDIS_URL: .*${message.source}`));
      } finally {
        await plain.stop();
      }
    });

    it('a server that is not Redis: refuses to start', async () => {
      const { url, server } = await listen(createServer((_req, res) => res.end('hello')));
      try {
        const { code, stderr } = await runBin(env(`redis://127.0.0.1:${new URL(url).port}`));
        expect(code).toBe(1);
        expect(stderr).toMatch(/REDIS_URL: the server at that address does not speak the Redis protocol/);
      } finally {
        await closeServer(server);
      }
    });
  });
});
