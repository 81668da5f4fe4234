// Refresh handles (the `sessions` option): the app holds an opaque handle, the store keeps the session. A swap starts
// one; a refresh uses it (and, with rotation, moves it to a new handle); /revoke, DELETE /me, Spotify's invalid_grant
// and a reused handle end it. A store that fails is a 503: an outage logs nobody out.
import { OAuthError, invalidGrant, temporarilyUnavailable } from '../errors.js';
import { optionalString, requiredString, type Fields } from '../fields.js';
import type { TokenSwapConfig } from '../options.js';
import type { DoorRequest } from '../route.js';
import { handleKey, isHandle, newHandle } from '../sessions/handles.js';
import type { SessionStore } from '../sessions/store.js';
import type { SpotifyClient, TokenAnswer, TokenSet, UpstreamTrace } from '../spotify.js';
import { invalidToken } from '../web-api.js';
import { loginEnd, loginEndsIn, openRefreshToken, sealRefreshToken } from './seal.js';

/** The resolved `sessions` option. */
export interface SessionsConfig {
  readonly store: SessionStore;
  /** A new handle on every refresh. */
  readonly rotate: boolean;
  /** How long a rotated handle still gets its successor (a client's retry), in ms. */
  readonly graceMs: number;
}

/** A store call; whatever it throws is for a moment, as far as anyone can tell: never a missing session. */
async function stored<T>(call: () => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (thrown) {
    throw temporarilyUnavailable(
      thrown,
      'The session store cannot be reached right now: retry later',
      'store_unavailable',
    );
  }
}

const noSession = () =>
  invalidGrant('The refresh token names no session: it was revoked, ended or never issued', 'session_unknown');

/** A token answer that carries a handle, and when its login ends when that is known. */
function withHandle(tokens: TokenSet, handle: string, loginAt: number | undefined): TokenAnswer {
  return {
    ...tokens,
    refresh_token: handle,
    ...(loginAt === undefined ? {} : { refresh_token_expires_in: loginEndsIn(loginAt) }),
  };
}

const BEARER = /^Bearer +(\S+) *$/i;

export type Sessions = ReturnType<typeof sessionKeeper>;

export function sessionKeeper(config: TokenSwapConfig, sessions: SessionsConfig, spotify: SpotifyClient) {
  const { store, rotate, graceMs } = sessions;
  const { cipher } = config;
  const seal = (refreshToken: string, retry: boolean) => sealRefreshToken(cipher, { refreshToken }, retry);
  const open = async (sealed: string) => (await openRefreshToken(cipher, sealed)).refreshToken;

  /**
   * Files a new session for Spotify's tokens and answers with its handle. `retry` says whether the client can
   * retry (a refresh moving a sealed token over can; a swap, whose code is spent, cannot).
   */
  async function start(
    tokens: TokenSet & { refresh_token: string },
    loginAt: number | undefined,
    retry: boolean,
  ): Promise<TokenAnswer> {
    const userId = await spotify.userId(tokens.access_token);
    const token = await seal(tokens.refresh_token, retry);
    const handle = newHandle();
    const key = await handleKey(handle);
    const now = Date.now();
    await stored(() => store.create(key, { token, userId, loginAt, lastUsedAt: now }, loginEnd(loginAt ?? now)));
    return withHandle(tokens, handle, loginAt);
  }

  /** Spotify's refresh; its invalid_grant ends the session, unless another refresh changed its token meanwhile. */
  async function spotifyRefresh(key: string, sealed: string, trace: UpstreamTrace): Promise<TokenSet> {
    try {
      return await spotify.refresh(await open(sealed), trace);
    } catch (error) {
      if (error instanceof OAuthError && error.code === 'invalid_grant') {
        try {
          const now = await store.find(key, Date.now());
          if (now?.session.token === sealed) await store.end(key);
        } catch {
          // The next refresh meets the same answer and tries again.
        }
      }
      throw error;
    }
  }

  /** Rotation: the session moves to a new handle, or, when another refresh moved it first, that one's successor. */
  async function rotated(key: string, token: string | undefined): Promise<string> {
    const successor = newHandle();
    const change = {
      token,
      rotate: { key: await handleKey(successor), successor: await seal(successor, true), at: Date.now() },
    };
    if (await stored(() => store.update(key, change))) return successor;
    const found = await stored(() => store.find(key, Date.now()));
    if (found?.retired === undefined) throw noSession();
    if (token !== undefined) await stored(() => store.update(key, { token }));
    return open(found.retired.successor);
  }

  /** POST /refresh with a handle. */
  async function refresh(handle: string, trace: UpstreamTrace): Promise<TokenAnswer> {
    const key = await handleKey(handle);
    const found = await stored(() => store.find(key, Date.now()));
    if (found === undefined) throw noSession();
    const { session, retired } = found;
    if (retired !== undefined && Date.now() - retired.at > graceMs) {
      // Two holders of one handle: one of them is not the app. Neither keeps the session.
      await stored(() => store.end(key));
      throw invalidGrant(
        'The refresh token was replaced and then used again: the session has ended, log in again',
        'refresh_token_reused',
      );
    }
    const tokens = await spotifyRefresh(key, session.token, trace);
    const token = tokens.refresh_token === undefined ? undefined : await seal(tokens.refresh_token, true);
    let next = handle;
    if (retired !== undefined) {
      // A retry of a rotation within the grace period: the same successor as before.
      next = await open(retired.successor);
      if (token !== undefined) await stored(() => store.update(key, { token }));
    } else if (rotate) {
      next = await rotated(key, token);
    } else if (token !== undefined) {
      await stored(() => store.update(key, { token }));
    }
    return withHandle(tokens, next, session.loginAt);
  }

  /** POST /refresh with a sealed token, as an app holds from before handles were on: it leaves with a handle. */
  async function moveOver(sealed: string, trace: UpstreamTrace): Promise<TokenAnswer> {
    const { refreshToken, loginAt } = await openRefreshToken(cipher, sealed);
    const tokens = await spotify.refresh(refreshToken, trace);
    return start({ ...tokens, refresh_token: tokens.refresh_token ?? refreshToken }, loginAt, true);
  }

  return {
    start,
    refresh: (token: string, trace: UpstreamTrace) =>
      isHandle(token) ? refresh(token, trace) : moveOver(token, trace),

    /** POST /revoke (RFC 7009): 200 whether or not the token named a session, which is then gone everywhere. */
    async revoke(fields: Fields): Promise<object> {
      const token = requiredString(fields, 'token');
      // A hint only: a handle is looked up whatever it says (RFC 7009 §2.1).
      optionalString(fields, 'token_type_hint');
      if (isHandle(token)) {
        const key = await handleKey(token);
        await stored(() => store.end(key));
      }
      return {};
    },

    /** DELETE /me: every session of the user whose Spotify access token this is. */
    async deleteMe(request: DoorRequest, trace: UpstreamTrace): Promise<{ deleted: number }> {
      const accessToken = BEARER.exec(request.header('authorization') ?? '')?.[1];
      if (accessToken === undefined) {
        throw invalidToken('Send Authorization: Bearer <a Spotify access token of the user>');
      }
      const userId = await spotify.userId(accessToken, trace);
      return { deleted: await stored(() => store.endUser(userId)) };
    },
  };
}
