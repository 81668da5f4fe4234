// The in-memory session store: one process's Maps, for tests, the demo and a single instance. Sessions end with the
// process; instances behind a load balancer need a shared store (Redis).
import type { FoundSession, SessionChange, SessionStore, StoredSession } from './store.js';

export interface MemorySessionStoreOptions {
  /**
   * Sessions kept at most; past it the least recently used one ends, so that a flood of logins (the demo's mock
   * codes are free) keeps memory flat. Default `100000`.
   */
  maxSessions?: number | undefined;
}

interface Kept {
  session: StoredSession;
  expiresAt: number;
  /** The key of the handle that names it now. */
  current: string;
  /** The handle rotation replaced last, kept for its grace period and then for reuse detection. */
  previous?: { key: string; successor: string; at: number } | undefined;
}

export function memorySessionStore(options: MemorySessionStoreOptions = {}): SessionStore {
  const max = options.maxSessions ?? 100_000;
  if (!Number.isInteger(max) || max < 1) {
    throw new TypeError('memorySessionStore: maxSessions must be a whole number, 1 or more (default 100000)');
  }
  // By id (the key of a session's first handle), least recently used first.
  const sessions = new Map<string, Kept>();
  // Handle key → session id, for the current and the previous handle of every session.
  const handles = new Map<string, string>();
  const users = new Map<string, Set<string>>();

  function drop(id: string): boolean {
    const kept = sessions.get(id);
    if (kept === undefined) return false;
    sessions.delete(id);
    handles.delete(kept.current);
    if (kept.previous !== undefined) handles.delete(kept.previous.key);
    const ids = users.get(kept.session.userId);
    ids?.delete(id);
    if (ids?.size === 0) users.delete(kept.session.userId);
    return true;
  }

  /** The live session a key names, by id; an expired one is dropped on the way. */
  function lookup(key: string, now: number): [string, Kept] | undefined {
    const id = handles.get(key);
    const kept = id === undefined ? undefined : sessions.get(id);
    if (kept === undefined) return undefined;
    if (now >= kept.expiresAt) {
      drop(id!);
      return undefined;
    }
    return [id!, kept];
  }

  return {
    create(key, session, expiresAt) {
      while (sessions.size >= max) drop(sessions.keys().next().value!);
      sessions.set(key, { session: { ...session }, expiresAt, current: key });
      handles.set(key, key);
      const ids = users.get(session.userId) ?? new Set();
      ids.add(key);
      users.set(session.userId, ids);
    },

    find(key, now): FoundSession | undefined {
      const found = lookup(key, now);
      if (found === undefined) return undefined;
      const [id, kept] = found;
      kept.session.lastUsedAt = now;
      sessions.delete(id);
      sessions.set(id, kept);
      const session = { ...kept.session };
      if (key === kept.current) return { session };
      const { successor, at } = kept.previous!;
      return { session, retired: { successor, at } };
    },

    update(key, { token, rotate }: SessionChange) {
      const found = lookup(key, Date.now());
      if (found === undefined) return false;
      const [id, kept] = found;
      if (rotate !== undefined) {
        if (kept.current !== key) return false;
        if (kept.previous !== undefined) handles.delete(kept.previous.key);
        kept.previous = { key, successor: rotate.successor, at: rotate.at };
        kept.current = rotate.key;
        handles.set(rotate.key, id);
      }
      if (token !== undefined) kept.session.token = token;
      return true;
    },

    end(key) {
      const id = handles.get(key);
      return id !== undefined && drop(id);
    },

    endUser(userId) {
      return [...(users.get(userId) ?? [])].filter(drop).length;
    },
  };
}
