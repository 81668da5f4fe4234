// The cases every door must pass with sessions on (refresh handles), run on the router, the Fetch handler, the
// standalone server's bin on a shared Redis, and (the `smoke` subset) the Deno recipe on Deno KV. A door is built
// either without rotation (`handles`) or with it and a grace period of GRACE_MS (`rotating`).
import { expect } from '@jest/globals';
import { aesGcmCipher } from '../../src/index.js';
import { REDIRECT_URI, SECRETS } from '../helpers/harness.js';
import { remember } from '../helpers/secrets.js';
import { type Door, expectError, expectTokens, form } from '../doors/cases.js';

export type SessionDoorKind = 'handles' | 'rotating';

/** The grace period a `rotating` door is built with: long enough for a loaded machine to answer a retry within it. */
export const GRACE_MS = 1_000;

export interface SessionCase {
  name: string;
  smoke: boolean;
  /** The kinds of door the case runs on. */
  on: readonly SessionDoorKind[];
  run(door: Door, kind: SessionDoorKind): Promise<void>;
}

export const HANDLE = /^rh_[A-Za-z0-9_-]{43}$/;
const BOTH: readonly SessionDoorKind[] = ['handles', 'rotating'];
const nodeCipher = aesGcmCipher(SECRETS);
const DAY_S = 86_400;

/** A Spotify user id no other case uses: doors may share one mock and one store. */
export const newUser = () => `listener-${crypto.randomUUID()}`;

export interface Login {
  handle: string;
  accessToken: string;
  answer: Record<string, unknown>;
}

/** A login of `user` through the door's swap: its handle and its access token. */
export async function login(door: Door, user = newUser()): Promise<Login> {
  const code = door.spotify.issueCode({ redirectUri: REDIRECT_URI, user });
  remember(code);
  const answer = await expectTokens(await door.send('/swap', form({ code })));
  expect(answer.refresh_token).toMatch(HANDLE);
  return { handle: answer.refresh_token as string, accessToken: answer.access_token as string, answer };
}

export const refresh = (door: Door, handle: string) => door.send('/refresh', form({ refresh_token: handle }));

/** A refresh that must succeed: the answer's refresh token (the same handle, or its successor when rotating). */
export async function refreshed(door: Door, handle: string): Promise<string> {
  const answer = await expectTokens(await refresh(door, handle));
  expect(answer.refresh_token).toMatch(HANDLE);
  return answer.refresh_token as string;
}

const tokenCalls = (door: Door) => door.spotify.requests.filter((request) => request.path === '/api/token').length;

/** A refresh refused with invalid_grant without a call to Spotify: the session is gone. */
export async function expectEnded(door: Door, handle: string): Promise<void> {
  const calls = tokenCalls(door);
  await expectError(await refresh(door, handle), 400, 'invalid_grant');
  expect(tokenCalls(door)).toBe(calls);
}

const deleteMe = (door: Door, authorization?: string) =>
  door.send('/me', { method: 'DELETE', headers: authorization === undefined ? {} : { authorization } });

/** The Spotify refresh token the last refresh sent: what the store keeps sealed. */
function lastSpotifyToken(door: Door): string {
  const sent = door.spotify.requests.filter((request) => request.form.grant_type === 'refresh_token').at(-1);
  const token = sent!.form.refresh_token!;
  remember(token);
  return token;
}

export const sessionCases: SessionCase[] = [
  {
    name: 'hands out a refresh handle at the swap, asks /v1/me who logged in, and refreshes with the handle',
    smoke: true,
    on: BOTH,
    async run(door, kind) {
      const { handle, accessToken, answer } = await login(door);
      const asked = door.spotify.requests.filter((request) => request.path === '/v1/me').at(-1);
      expect(asked?.headers.authorization).toBe(`Bearer ${accessToken}`);
      expect(answer.refresh_token_expires_in).toBeGreaterThanOrEqual(181 * DAY_S);
      expect(answer.refresh_token_expires_in).toBeLessThanOrEqual(184 * DAY_S);
      const second = await expectTokens(await refresh(door, handle));
      // Spotify got its own token, which the app never saw.
      const spotifyToken = lastSpotifyToken(door);
      expect(spotifyToken).not.toBe(handle);
      expect(JSON.stringify(answer)).not.toContain(spotifyToken);
      if (kind === 'handles') expect(second.refresh_token).toBe(handle);
      else expect(second.refresh_token).not.toBe(handle);
      expect(second.refresh_token).toMatch(HANDLE);
      remember(second.refresh_token as string);
      const lost = (answer.refresh_token_expires_in as number) - (second.refresh_token_expires_in as number);
      expect(lost).toBeGreaterThanOrEqual(0);
      expect(lost).toBeLessThanOrEqual(5);
    },
  },
  {
    name: 'revokes a session (RFC 7009): 200 whether or not the token was known, and a refresh then fails unasked',
    smoke: true,
    on: BOTH,
    async run(door) {
      const { handle } = await login(door);
      const revoked = await door.send('/revoke', form({ token: handle, token_type_hint: 'refresh_token' }));
      expect(revoked.status).toBe(200);
      expect(await revoked.json()).toEqual({});
      await expectEnded(door, handle);
      for (const token of [handle, 'not-a-handle', `rh_${'A'.repeat(43)}`]) {
        expect((await door.send('/revoke', form({ token }))).status).toBe(200);
      }
      await expectError(await door.send('/revoke', form({ token_type_hint: 'refresh_token' })), 400, 'invalid_request');
    },
  },
  {
    name: "ends every session of a user at DELETE /me, proved by that user's Spotify access token, and no one else's",
    smoke: true,
    on: BOTH,
    async run(door) {
      const user = newUser();
      const [phone, laptop, other] = [await login(door, user), await login(door, user), await login(door)];
      const deleted = await deleteMe(door, `Bearer ${laptop.accessToken}`);
      expect(deleted.status).toBe(200);
      expect(await deleted.json()).toEqual({ deleted: 2 });
      await expectEnded(door, phone.handle);
      await expectEnded(door, laptop.handle);
      await refreshed(door, other.handle);
      // The access token still works at Spotify for its hour; there is nothing left to delete.
      expect(await (await deleteMe(door, `Bearer ${phone.accessToken}`)).json()).toEqual({ deleted: 0 });
    },
  },
  {
    name: 'answers DELETE /me with 401 invalid_token and WWW-Authenticate without a token Spotify takes',
    smoke: false,
    on: ['handles'],
    async run(door) {
      const { handle } = await login(door);
      for (const authorization of [undefined, 'Basic bm9ib2R5OnNlY3JldA==', 'Bearer not-a-spotify-token']) {
        const answer = await deleteMe(door, authorization);
        await expectError(answer, 401, 'invalid_token');
        expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
      await refreshed(door, handle);
    },
  },
  {
    name: 'ends a session when Spotify answers invalid_grant, and keeps it through a 5xx and a 429',
    smoke: false,
    on: BOTH,
    async run(door) {
      let { handle } = await login(door);
      door.spotify.fail({ type: 'status', status: 503 }, { times: Infinity });
      await expectError(await refresh(door, handle), 502, 'bad_gateway');
      door.spotify.clearFaults();
      door.spotify.fail({ type: 'rateLimit', retryAfter: 30 });
      await expectError(await refresh(door, handle), 429, 'too_many_requests');
      handle = await refreshed(door, handle);
      // The user removed the app at spotify.com/account/apps: Spotify refuses the token.
      door.spotify.revoke(lastSpotifyToken(door));
      await expectError(await refresh(door, handle), 400, 'invalid_grant');
      await expectEnded(door, handle);
    },
  },
  {
    name: "moves an app that holds a sealed token over to a handle at its next refresh, keeping the login's end",
    smoke: true,
    on: BOTH,
    async run(door) {
      const loginAt = Date.now() - 10 * DAY_S * 1000;
      const sealed = await nodeCipher.seal!({
        refreshToken: door.spotify.issueRefreshToken({ user: newUser() }),
        loginAt,
      });
      remember(sealed);
      const moved = await expectTokens(await refresh(door, sealed));
      expect(moved.refresh_token).toMatch(HANDLE);
      const left = moved.refresh_token_expires_in as number;
      expect(left).toBeGreaterThanOrEqual(170 * DAY_S);
      expect(left).toBeLessThanOrEqual(174 * DAY_S);
      await refreshed(door, moved.refresh_token as string);
      // Sealed without its login's time: a handle all the same, with no end to tell.
      const older = await nodeCipher.encrypt(door.spotify.issueRefreshToken());
      remember(older);
      const unknown = await expectTokens(await refresh(door, older));
      expect(unknown.refresh_token).toMatch(HANDLE);
      expect(unknown).not.toHaveProperty('refresh_token_expires_in');
    },
  },
  {
    name: 'serves /revoke to POST and /me to DELETE only, with 405 and Allow',
    smoke: false,
    on: ['handles'],
    async run(door) {
      const get = await door.send('/revoke');
      await expectError(get, 405, 'method_not_allowed');
      expect(get.headers.get('allow')).toBe('POST');
      const post = await door.send('/me', form({ token: 'x' }));
      await expectError(post, 405, 'method_not_allowed');
      expect(post.headers.get('allow')).toBe('DELETE');
    },
  },
  {
    name: 'rotates the handle: a retry within the grace period gets the same successor, a use after it ends the session',
    smoke: true,
    on: ['rotating'],
    async run(door) {
      const { handle: first } = await login(door);
      const second = await refreshed(door, first);
      expect(second).not.toBe(first);
      // The app lost the answer and retries with the handle it still has.
      expect(await refreshed(door, first)).toBe(second);
      const third = await refreshed(door, second);
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 100));
      // A copy of `second` used after its successor: someone else holds the session. It ends for both.
      await expectError(await refresh(door, second), 400, 'invalid_grant');
      await expectEnded(door, third);
    },
  },
  {
    name: 'gives two refreshes racing with one handle the same successor, and revokes through a replaced handle',
    smoke: false,
    on: ['rotating'],
    async run(door) {
      const { handle } = await login(door);
      const [a, b] = await Promise.all([refresh(door, handle), refresh(door, handle)]);
      const [first, second] = [await expectTokens(a), await expectTokens(b)];
      expect(first.refresh_token).toBe(second.refresh_token);
      const next = await refreshed(door, first.refresh_token as string);
      // The replaced handle (within or past its grace) still names the session: revoking it ends the session.
      expect((await door.send('/revoke', form({ token: first.refresh_token as string }))).status).toBe(200);
      await expectEnded(door, next);
    },
  },
];

export const sessionCasesFor = (kind: SessionDoorKind, smokeOnly = false) =>
  sessionCases.filter((c) => c.on.includes(kind) && (!smokeOnly || c.smoke));
