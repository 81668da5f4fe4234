// The Redis session store on a real redis-server: the shared session cases on the router, what a refresh costs in
// commands, what Redis holds after a run (no handle, no Spotify token), when it expires, and Redis going away.
import express from 'express';
import { createServer } from 'node:http';
import { createClient } from 'redis';
import {
  aesGcmCipher,
  redisSessionStore,
  tokenSwap,
  type SessionsOptions,
  type TokenSwapOptions,
} from '../../src/index.js';
import type { Door } from '../doors/cases.js';
import { expectError, form } from '../doors/cases.js';
import { SECRETS, closeServer, listen, mockSpotifyOptions } from '../helpers/harness.js';
import { sharedMockSpotify } from '../helpers/mock.js';
import { redisContents, startRedis, type RedisProcess } from '../helpers/processes.js';
import { findLeaks, sensitiveValues, spyLogger } from '../helpers/secrets.js';
import { describeNeeding } from '../helpers/system.js';
import { GRACE_MS, login, refresh, refreshed, sessionCasesFor } from '../sessions/cases.js';

const spotify = sharedMockSpotify();

describeNeeding(['redis-server'], 'the Redis session store', () => {
  let redis: RedisProcess;
  let client: ReturnType<typeof createClient>;
  const sent: string[][] = [];
  /** While set, every store sends here instead: a client that is not connected, as when Redis is away. */
  let away: ReturnType<typeof createClient> | undefined;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    client = createClient({ url: redis.url, disableOfflineQueue: true, socket: { reconnectStrategy: false } });
    client.on('error', () => {});
    await client.connect();
  });
  afterAll(async () => {
    for (const close of closers) await close();
    client.destroy();
    await redis.stop();
  });

  /** The router on a store that sends through `client`, counting its commands. */
  async function door(rotation: SessionsOptions['rotation']): Promise<Door> {
    const store = redisSessionStore({
      sendCommand: (args) => {
        sent.push(args);
        return (away ?? client).sendCommand(args);
      },
    });
    const options: TokenSwapOptions = {
      ...mockSpotifyOptions(spotify),
      sessions: { store, rotation },
      hooks: { refreshTokenCipher: aesGcmCipher(SECRETS), logger: spyLogger },
    };
    const { url, server } = await listen(createServer(express().use('/spotify', tokenSwap(options))));
    closers.push(() => closeServer(server));
    return { spotify, send: (path, init) => fetch(`${url}/spotify${path}`, init) };
  }

  for (const kind of ['handles', 'rotating'] as const) {
    describe(kind, () => {
      let shared: Door;
      beforeAll(async () => (shared = await door(kind === 'rotating' ? { graceMs: GRACE_MS } : false)));
      for (const sessionCase of sessionCasesFor(kind)) it(sessionCase.name, () => sessionCase.run(shared, kind));
    });
  }

  it('costs one command per refresh, two with rotation', async () => {
    for (const [rotation, commands] of [
      [false, 1],
      [true, 2],
    ] as const) {
      const counted = await door(rotation);
      const { handle } = await login(counted);
      sent.length = 0;
      await refreshed(counted, handle);
      expect(sent.map((args) => args[0])).toEqual(Array(commands).fill('EVAL'));
    }
  });

  it('keeps each session until six months after its login', async () => {
    const { answer } = await login(await door(false));
    // A session is filed under the hash of its first handle.
    const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(answer.refresh_token as string));
    const key = `spotify-token-swap:session:s:${Buffer.from(hash).toString('base64url')}`;
    const ttlSeconds = (await client.pTTL(key)) / 1000;
    expect(Math.abs(ttlSeconds - (answer.refresh_token_expires_in as number))).toBeLessThan(5);
  });

  it('holds no handle and no Spotify refresh token, in any key or value, after every case above', async () => {
    const seen = await redisContents(redis.url);
    expect(seen.length).toBeGreaterThan(10);
    expect(findLeaks(seen, sensitiveValues())).toEqual([]);
  });

  it('answers 503 with Retry-After while Redis cannot be reached, and the session lives on when it can', async () => {
    const own = await door(false);
    const { handle } = await login(own);
    away = createClient({ url: redis.url });
    try {
      for (const answer of [await refresh(own, handle), await own.send('/revoke', form({ token: handle }))]) {
        await expectError(answer, 503, 'temporarily_unavailable');
        expect(answer.headers.get('retry-after')).toBe('5');
      }
    } finally {
      away = undefined;
    }
    await refreshed(own, handle);
  });
});
