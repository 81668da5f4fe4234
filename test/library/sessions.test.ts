// Sessions (refresh handles) on the router and the Fetch handler: the shared session cases on both, and what only the
// library shows: the options, the store's failures, what the store keeps, Spotify's own rotation, the log lines.
import express from 'express';
import { createServer } from 'node:http';
import {
  aesGcmCipher,
  memorySessionStore,
  plaintextRefreshTokens,
  tokenSwap,
  type SessionStore,
  type TokenSwapOptions,
} from '../../src/index.js';
import { tokenSwapHandler } from '../../src/fetch/index.js';
import { createMockSpotify, type MockSpotify } from '../../src/testing/index.js';
import type { Door } from '../doors/cases.js';
import { expectError, form } from '../doors/cases.js';
import { SECRETS, closeServer, listen, mockSpotifyOptions } from '../helpers/harness.js';
import { sharedMockSpotify } from '../helpers/mock.js';
import { leaksSoFar, logLines, remember, spyLogger } from '../helpers/secrets.js';
import {
  GRACE_MS,
  HANDLE,
  expectEnded,
  login,
  newUser,
  refresh,
  refreshed,
  sessionCasesFor,
  type SessionDoorKind,
} from '../sessions/cases.js';

const spotify = sharedMockSpotify();

const sessionsFor = (kind: SessionDoorKind, store: SessionStore = memorySessionStore()) => ({
  store,
  rotation: kind === 'rotating' ? { graceMs: GRACE_MS } : false,
});

function options(mock: MockSpotify, sessions: TokenSwapOptions['sessions']) {
  return {
    ...mockSpotifyOptions(mock),
    sessions,
    hooks: { refreshTokenCipher: aesGcmCipher(SECRETS), logger: spyLogger },
  };
}

/** The router in Express 5 at /spotify, on loopback; fetch-shaped. */
async function routerDoor(mock: MockSpotify, sessions: TokenSwapOptions['sessions']) {
  const { url, server } = await listen(createServer(express().use('/spotify', tokenSwap(options(mock, sessions)))));
  const door: Door = { spotify: mock, send: (path, init) => fetch(`${url}/spotify${path}`, init) };
  return { door, close: () => closeServer(server) };
}

function fetchDoor(mock: MockSpotify, sessions: TokenSwapOptions['sessions']): Door {
  const handle = tokenSwapHandler({ ...options(mock, sessions), basePath: '/spotify' });
  return { spotify: mock, send: (path, init) => handle(new Request(`http://door.test/spotify${path}`, init)) };
}

for (const kind of ['handles', 'rotating'] as const) {
  describe(`sessions (${kind}) on the router`, () => {
    let door: Door;
    let close: () => Promise<void>;
    beforeAll(async () => ({ door, close } = await routerDoor(spotify, sessionsFor(kind))));
    afterAll(() => close());
    for (const sessionCase of sessionCasesFor(kind)) it(sessionCase.name, () => sessionCase.run(door, kind));
  });

  describe(`sessions (${kind}) on the Fetch handler`, () => {
    for (const sessionCase of sessionCasesFor(kind)) {
      it(sessionCase.name, () => sessionCase.run(fetchDoor(spotify, sessionsFor(kind)), kind));
    }
  });
}

/** A memory store whose calls can be made to fail, and which remembers what it was given. */
function watchedStore() {
  const inner = memorySessionStore();
  const state = { down: false, calls: [] as string[], created: [] as unknown[] };
  const store = Object.fromEntries(
    (['create', 'find', 'update', 'end', 'endUser'] as const).map((method) => [
      method,
      async (...args: unknown[]) => {
        state.calls.push(method);
        if (state.down) throw Object.assign(new Error('connection refused'), { retryAfterSeconds: 7 });
        if (method === 'create') state.created.push(args);
        return await (inner[method] as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as SessionStore;
  return { store, state };
}

describe('sessions: the store', () => {
  it("keeps a hash of the handle and Spotify's token sealed, with the user and the login; never either in plain", async () => {
    const { store, state } = watchedStore();
    const door = fetchDoor(spotify, { store });
    const user = newUser();
    const { handle } = await login(door, user);
    await refreshed(door, handle);
    const spotifyToken = spotify.requests.filter((r) => r.form.grant_type === 'refresh_token').at(-1)!.form
      .refresh_token!;
    const [key, session, expiresAt] = state.created[0] as [string, Record<string, unknown>, number];
    const kept = JSON.stringify(state.created);
    expect(kept).not.toContain(handle);
    expect(kept).not.toContain(spotifyToken);
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(handle)));
    expect(key).toBe(digest.toString('base64url'));
    expect(await aesGcmCipher(SECRETS).decrypt(session.token as string)).toBe(spotifyToken);
    expect(session).toMatchObject({ userId: user, loginAt: expect.any(Number), lastUsedAt: expect.any(Number) });
    const end = new Date(session.loginAt as number);
    end.setUTCMonth(end.getUTCMonth() + 6);
    expect(expiresAt).toBe(end.getTime());
  });

  it('answers 503 temporarily_unavailable with Retry-After when the store fails, and logs nobody out', async () => {
    const { store, state } = watchedStore();
    const door = fetchDoor(spotify, { store, rotation: true });
    const { handle, accessToken } = await login(door);
    state.down = true;
    const failures = [
      await door.send('/swap', form({ code: spotify.issueCode({ redirectUri: 'myapp://spotify-login-callback' }) })),
      await refresh(door, handle),
      await door.send('/revoke', form({ token: handle })),
      await door.send('/me', { method: 'DELETE', headers: { authorization: `Bearer ${accessToken}` } }),
    ];
    for (const answer of failures) {
      await expectError(answer, 503, 'temporarily_unavailable');
      expect(answer.headers.get('retry-after')).toBe('7');
    }
    state.down = false;
    await refreshed(door, handle);
  });

  it('makes one store call for a refresh, two with rotation, and none for a handle that is not one', async () => {
    for (const [rotation, expected] of [
      [false, ['find']],
      [true, ['find', 'update']],
    ] as const) {
      const { store, state } = watchedStore();
      const door = fetchDoor(spotify, { store, rotation });
      const { handle } = await login(door);
      state.calls.length = 0;
      await refreshed(door, handle);
      expect(state.calls).toEqual(expected);
    }
    const { store, state } = watchedStore();
    const door = fetchDoor(spotify, { store });
    await expectError(await refresh(door, 'rh_short'), 400, 'invalid_grant');
    expect(state.calls).toEqual([]);
  });

  it('ends the oldest sessions of a memory store past maxSessions', async () => {
    const door = fetchDoor(spotify, { store: memorySessionStore({ maxSessions: 2 }) });
    const [a, b, c] = [await login(door), await login(door), await login(door)];
    await expectEnded(door, a.handle);
    await refreshed(door, b.handle);
    await refreshed(door, c.handle);
    expect(() => memorySessionStore({ maxSessions: 0 })).toThrow(/maxSessions/);
  });
});

describe('sessions: Spotify', () => {
  let rotating: MockSpotify;
  beforeAll(async () => {
    rotating = await createMockSpotify({ rotateRefreshTokens: true });
    remember(rotating.clientSecret);
  });
  afterAll(() => rotating.close());

  it("keeps Spotify's new token when Spotify rotates it, with and without handle rotation", async () => {
    for (const rotation of [false, true]) {
      const door = fetchDoor(rotating, { store: memorySessionStore(), rotation });
      let { handle } = await login(door);
      for (let i = 0; i < 3; i++) handle = await refreshed(door, handle);
      const sent = rotating.requests.filter((r) => r.form.grant_type === 'refresh_token').slice(-3);
      expect(new Set(sent.map((r) => r.form.refresh_token)).size).toBe(3);
      sent.forEach((r) => remember(r.form.refresh_token));
    }
  });

  it('answers the swap 502 and keeps no session when /v1/me cannot say who logged in', async () => {
    const { store, state } = watchedStore();
    const door = fetchDoor(spotify, { store });
    const broken = tokenSwapHandler({
      ...options(spotify, { store }),
      apiUrl: 'http://127.0.0.1:9',
      basePath: '/spotify',
    });
    const code = spotify.issueCode({ redirectUri: 'myapp://spotify-login-callback' });
    remember(code);
    const answer = await broken(new Request('http://door.test/spotify/swap', form({ code })));
    await expectError(answer, 502, 'bad_gateway');
    expect(state.created).toEqual([]);
    await login(door);
    expect(state.created).toHaveLength(1);
  });
});

describe("sessions: Spotify's Web API", () => {
  /** A Fetch door whose /v1/me answers with `me`, its token endpoint the mock's. */
  function doorWithMe(me: (signal: AbortSignal) => Promise<Response>): Door {
    const handle = tokenSwapHandler({
      ...options(spotify, { store: memorySessionStore() }),
      timeoutMs: 300,
      basePath: '/spotify',
      fetch: (input, init) => {
        const url = input instanceof Request ? input.url : input.toString();
        return url.endsWith('/v1/me') ? me(init!.signal!) : fetch(input, init);
      },
    });
    return { spotify, send: (path, init) => handle(new Request(`http://door.test/spotify${path}`, init)) };
  }
  const deleteMe = (door: Door) =>
    door.send('/me', { method: 'DELETE', headers: { authorization: 'Bearer an-access-token' } });
  const answer =
    (status: number, body: string, headers: Record<string, string> = {}) =>
    () =>
      Promise.resolve(new Response(body, { status, headers }));

  it.each([
    ['403', answer(403, '{"error":{"status":403}}'), 403, 'access_denied'],
    ['429', answer(429, '{}', { 'retry-after': '30' }), 429, 'too_many_requests'],
    ['500', answer(500, 'oops'), 502, 'bad_gateway'],
    ['200 without an id', answer(200, '{"display_name":"x"}'), 502, 'bad_gateway'],
    ['200 that is not JSON', answer(200, '<html>'), 502, 'bad_gateway'],
    ['a failed connection', () => Promise.reject(new TypeError('fetch failed')), 502, 'bad_gateway'],
    [
      'no answer within timeoutMs',
      (signal: AbortSignal) =>
        new Promise<Response>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
      504,
      'gateway_timeout',
    ],
  ] as const)('maps /v1/me answering %s to %i %s', async (_name, me, status, error) => {
    const response = await deleteMe(doorWithMe(me));
    await expectError(response, status, error);
    if (status === 429) expect(response.headers.get('retry-after')).toBe('30');
  });
});

describe('sessions: options', () => {
  const build =
    (extra: Record<string, unknown>, cipher: unknown = aesGcmCipher(SECRETS)) =>
    () =>
      tokenSwap({
        ...mockSpotifyOptions(spotify),
        ...extra,
        hooks: { refreshTokenCipher: cipher },
      } as TokenSwapOptions);

  it.each([
    [{ sessions: {} }, /sessions\.store is required/],
    [
      { sessions: { store: { find() {} } } },
      /sessions\.store must have create, find, update, end, endUser methods; missing create, update, end, endUser/,
    ],
    [
      { sessions: { store: memorySessionStore(), rotation: 'yes' } },
      /sessions\.rotation must be true, false or \{ graceMs \}/,
    ],
    [{ sessions: { store: memorySessionStore(), rotation: { graceMs: -1 } } }, /sessions\.rotation\.graceMs must be/],
    [{ sessions: { store: memorySessionStore(), rotation: { grace: 1 } } }, /sessions\.rotation\.grace/],
    [{ sessions: { store: memorySessionStore(), rotate: true } }, /sessions\.rotate/],
    [{ apiUrl: 'http://api.example.com' }, /apiUrl must be an https:\/\/ URL/],
  ])('refuses %j', (extra, message) => {
    expect(build(extra)).toThrow(message);
  });

  it('refuses plaintextRefreshTokens with sessions: the store keeps Spotify tokens sealed', () => {
    expect(build({ sessions: { store: memorySessionStore() } }, plaintextRefreshTokens)).toThrow(
      /hooks\.refreshTokenCipher seals the Spotify tokens a session store keeps/,
    );
  });

  it('serves no /revoke or /me without sessions', async () => {
    const handle = tokenSwapHandler({ ...options(spotify, undefined), basePath: '/spotify' });
    const answer = await handle(new Request('http://door.test/spotify/revoke', form({ token: 'x' })));
    await expectError(answer, 404, 'not_found');
  });
});

describe('sessions: logs', () => {
  it('logs revoke, delete_me and a reused handle with fixed words, and never a handle, token or user id', async () => {
    const door = fetchDoor(spotify, { store: memorySessionStore(), rotation: { graceMs: 0 } });
    const user = newUser();
    const { handle, accessToken } = await login(door, user);
    const next = await refreshed(door, handle);
    remember(next);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const from = logLines.length;
    await expectError(await refresh(door, handle), 400, 'invalid_grant');
    await door.send('/revoke', form({ token: next }));
    await door.send('/me', { method: 'DELETE', headers: { authorization: `Bearer ${accessToken}` } });
    const lines = logLines.slice(from).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map(({ event, status, reason }) => ({ event, status, reason }))).toEqual([
      { event: 'refresh', status: 400, reason: 'refresh_token_reused' },
      { event: 'revoke', status: 200, reason: undefined },
      { event: 'delete_me', status: 200, reason: undefined },
    ]);
    expect(logLines.join('\n')).not.toContain(user);
    expect(leaksSoFar()).toEqual([]);
    expect(HANDLE.test(next)).toBe(true);
  });
});

describe('sessions: browsers', () => {
  it('answers a preflight for DELETE /me with its method and the Authorization header allowed', async () => {
    const handle = tokenSwapHandler({
      ...options(spotify, { store: memorySessionStore() }),
      cors: { origins: ['https://app.example'] },
      basePath: '/spotify',
    });
    const preflight = await handle(
      new Request('http://door.test/spotify/me', {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example',
          'access-control-request-method': 'DELETE',
          'access-control-request-headers': 'authorization',
        },
      }),
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('DELETE');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  });
});
