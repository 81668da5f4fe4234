// The session store hook: what a store keeps for a session, and the five calls the core makes of it. A store sees
// hashes of handles and sealed Spotify tokens only: it can lose nothing a client could use.

/** One session, as a store keeps it. */
export interface StoredSession {
  /** Spotify's refresh token, sealed by the refresh-token cipher. */
  token: string;
  /** The Spotify user id (`/v1/me`), so that `DELETE /me` finds every session of a user. */
  userId: string;
  /** When the user logged in (ms); absent for a session moved over from a sealed token of format version 1. */
  loginAt?: number | undefined;
  /** When a refresh last used the session (ms). */
  lastUsedAt: number;
}

/** What a handle's key named: its session, and, for a handle that rotation replaced, when and by what. */
export interface FoundSession {
  session: StoredSession;
  /** Set when the handle is one that rotation replaced. */
  retired?: { successor: string; at: number } | undefined;
}

/** What a refresh changes of a session. */
export interface SessionChange {
  /** Spotify's new refresh token, sealed. */
  token?: string | undefined;
  /**
   * Rotation: `key` now names the session; the handle that was used is kept as retired, with its successor handle
   * (sealed) and `at`, so that a retry within the grace period gets the same successor.
   */
  rotate?: { key: string; successor: string; at: number } | undefined;
}

/**
 * Where sessions live: `memorySessionStore()` in one process, `redisSessionStore()` for instances that share one,
 * or your own. Every call may return a promise; a call that throws or rejects is answered
 * `503 temporarily_unavailable`, never as a missing session: an outage must log nobody out. `key` is always a
 * SHA-256 of a handle, never the handle.
 */
export interface SessionStore {
  /** Keeps a new session under `key` until `expiresAt` (ms), six months after the login. */
  create(key: string, session: StoredSession, expiresAt: number): Promise<void> | void;
  /** The session `key` names, current or retired, having set its `lastUsedAt` to `now`; undefined for none. */
  find(key: string, now: number): Promise<FoundSession | undefined> | FoundSession | undefined;
  /**
   * Applies a refresh's change to the session `key` names. With `rotate`, only while `key` is its current handle:
   * false when it is not (another refresh rotated it first) or the session is gone.
   */
  update(key: string, change: SessionChange): Promise<boolean> | boolean;
  /** Ends the session `key` names, current or retired; whether there was one. */
  end(key: string): Promise<boolean> | boolean;
  /** Ends every session of a user; how many there were. */
  endUser(userId: string): Promise<number> | number;
}

/** The methods a store must have, checked when the router is built. */
export const STORE_METHODS = ['create', 'find', 'update', 'end', 'endUser'] as const;
