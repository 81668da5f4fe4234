// REFRESH_TOKENS=handles on the standalone server: two instances share one Redis, and every session case runs with
// its requests alternating between them (a handle made on one is refreshed, revoked and deleted on the other).
// Then what Redis holds, and /healthz while Redis is away.
import { form, type Door } from '../../../test/doors/cases.js';
import { rawSend } from '../../../test/doors/raw-send.js';
import { REDIRECT_URI, SECRETS } from '../../../test/helpers/harness.js';
import { sharedMockSpotify } from '../../../test/helpers/mock.js';
import {
  redisContents,
  startBin,
  startRedis,
  type BinProcess,
  type RedisProcess,
} from '../../../test/helpers/processes.js';
import { findLeaks, logLines, remember, sensitiveValues } from '../../../test/helpers/secrets.js';
import { describeNeeding } from '../../../test/helpers/system.js';
import { expectEnded, login, refresh, refreshed, sessionCasesFor } from '../../../test/sessions/cases.js';

const spotify = sharedMockSpotify();

describeNeeding(['redis-server'], 'REFRESH_TOKENS=handles on two instances sharing one Redis', () => {
  let redis: RedisProcess;
  let a: BinProcess;
  let b: BinProcess;
  let turn = 0;
  /** Each request to the other instance than the last. */
  const door: Door = {
    spotify,
    send: (path, init) => rawSend((turn++ % 2 === 0 ? a : b).url, path, init),
  };

  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startRedis();
    env = {
      SPOTIFY_CLIENT_ID: spotify.clientId,
      SPOTIFY_CLIENT_SECRET: spotify.clientSecret,
      SPOTIFY_REDIRECT_URI: REDIRECT_URI,
      SPOTIFY_ACCOUNTS_URL: spotify.url,
      SPOTIFY_API_URL: spotify.url,
      SPOTIFY_TIMEOUT_MS: '2000',
      TOKEN_ENCRYPTION_SECRETS: SECRETS.join(','),
      RATE_LIMIT_PER_MINUTE: '0',
      REFRESH_TOKENS: 'handles',
      REDIS_URL: redis.url,
    };
    [a, b] = await Promise.all([startBin(env), startBin(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    logLines.push(...(a?.stdout().split('\n') ?? []), ...(b?.stdout().split('\n') ?? []));
    await redis?.stop();
  });

  for (const sessionCase of sessionCasesFor('handles')) {
    it(sessionCase.name, () => sessionCase.run(door, 'handles'));
  }

  it('makes a handle on one instance that the other refreshes and revokes at once', async () => {
    const { handle } = await login({ spotify, send: (path, init) => rawSend(a.url, path, init) });
    const onB: Door = { spotify, send: (path, init) => rawSend(b.url, path, init) };
    await refreshed(onB, handle);
    expect((await onB.send('/revoke', form({ token: handle }))).status).toBe(200);
    await expectEnded({ spotify, send: (path, init) => rawSend(a.url, path, init) }, handle);
  });

  it('logs revoke and delete_me with no handle, token or user id', async () => {
    await Promise.all([
      a.waitForLog((line) => line.event === 'revoke'),
      a.waitForLog((line) => line.event === 'delete_me'),
    ]);
    const lines = [...a.stdout().split('\n'), ...b.stdout().split('\n')];
    expect(findLeaks(lines, sensitiveValues())).toEqual([]);
    expect(lines.filter((line) => line.includes('listener-'))).toEqual([]);
  });

  it('leaves no handle and no Spotify refresh token in Redis', async () => {
    const seen = await redisContents(redis.url);
    expect(seen.some((key) => key.startsWith('spotify-token-swap:session:s:'))).toBe(true);
    expect(findLeaks(seen, sensitiveValues())).toEqual([]);
  });

  it('rotates with ROTATE_REFRESH_HANDLES=1: a new handle at each refresh, the same one for a retry', async () => {
    const rotating = await startBin({ ...env, ROTATE_REFRESH_HANDLES: '1' });
    try {
      const onRotating: Door = { spotify, send: (path, init) => rawSend(rotating.url, path, init) };
      const { handle } = await login(onRotating);
      const next = await refreshed(onRotating, handle);
      expect(next).not.toBe(handle);
      expect(await refreshed(onRotating, handle)).toBe(next);
      expect(await refreshed(onRotating, next)).not.toBe(next);
    } finally {
      await rotating.stop();
      logLines.push(...rotating.stdout().split('\n'));
    }
  });

  it('says so at /healthz while Redis is away, answers 503, and logs nobody out', async () => {
    const { handle } = await login(door);
    remember(handle);
    await redis.stop();
    const health = await fetch(`${a.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'degraded', sessions: 'unavailable' });
    const answer = await refresh(door, handle);
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(a.child.exitCode).toBeNull();
  });
});
