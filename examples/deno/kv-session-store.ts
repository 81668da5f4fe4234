// A session store on Deno KV, for `sessions: { store }` on Deno and Deno Deploy, where every instance sees the same
// KV. Run with --unstable-kv. Each change is one atomic operation that checks what it read, retried on a conflict.
import type { FoundSession, SessionChange, SessionStore, StoredSession } from 'spotify-token-swap/fetch';

interface Record extends StoredSession {
  /** The key of the handle that names the session now, and of the one rotation replaced last. */
  current: string;
  previous?: { key: string; successor: string; at: number };
  expiresAt: number;
}

const ATTEMPTS = 5;

export function kvSessionStore(kv: Deno.Kv, prefix = 'spotify-token-swap'): SessionStore {
  const sessionKey = (id: string) => [prefix, 's', id];
  const handleKey = (key: string) => [prefix, 'h', key];
  const userKey = (userId: string, id: string) => [prefix, 'u', userId, id];
  const left = (record: { expiresAt: number }) => Math.max(1, record.expiresAt - Date.now());

  /** The session a handle's key names: its id, its record and the record's versionstamp. */
  async function lookup(key: string) {
    const id = (await kv.get<string>(handleKey(key))).value;
    if (id === null) return undefined;
    const entry = await kv.get<Record>(sessionKey(id));
    const record = entry.value;
    if (record === null || (record.current !== key && record.previous?.key !== key)) return undefined;
    return { id, record, entry };
  }

  /** Ends session `id` as one atomic operation, unless it changed meanwhile (then tried again). */
  async function finish(id: string): Promise<boolean> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const entry = await kv.get<Record>(sessionKey(id));
      const record = entry.value;
      if (record === null) return false;
      const op = kv.atomic().check(entry).delete(sessionKey(id)).delete(handleKey(record.current));
      if (record.previous !== undefined) op.delete(handleKey(record.previous.key));
      if ((await op.delete(userKey(record.userId, id)).commit()).ok) return true;
    }
    throw new Error('the session store is busy: retry later');
  }

  return {
    async create(key, session, expiresAt) {
      const record: Record = { ...session, current: key, expiresAt };
      const expireIn = left(record);
      const result = await kv
        .atomic()
        .set(sessionKey(key), record, { expireIn })
        .set(handleKey(key), key, { expireIn })
        .set(userKey(session.userId, key), true, { expireIn })
        .commit();
      if (!result.ok) throw new Error('the session was not stored');
    },

    async find(key, now): Promise<FoundSession | undefined> {
      const found = await lookup(key);
      if (found === undefined) return undefined;
      const { id, record, entry } = found;
      // The last use is worth one write, not a retry.
      await kv
        .atomic()
        .check(entry)
        .set(sessionKey(id), { ...record, lastUsedAt: now }, { expireIn: left(record) })
        .commit();
      const { current: _current, previous, expiresAt: _expiresAt, ...session } = record;
      if (record.current === key) return { session: { ...session, lastUsedAt: now } };
      return {
        session: { ...session, lastUsedAt: now },
        retired: { successor: previous!.successor, at: previous!.at },
      };
    },

    async update(key, { token, rotate }: SessionChange) {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const found = await lookup(key);
        if (found === undefined) return false;
        const { id, record, entry } = found;
        const next: Record = { ...record, ...(token === undefined ? {} : { token }) };
        const op = kv.atomic().check(entry);
        if (rotate !== undefined) {
          if (record.current !== key) return false;
          if (record.previous !== undefined) op.delete(handleKey(record.previous.key));
          next.previous = { key, successor: rotate.successor, at: rotate.at };
          next.current = rotate.key;
          op.set(handleKey(rotate.key), id, { expireIn: left(record) });
        }
        if ((await op.set(sessionKey(id), next, { expireIn: left(record) }).commit()).ok) return true;
      }
      throw new Error('the session store is busy: retry later');
    },

    async end(key) {
      const id = (await kv.get<string>(handleKey(key))).value;
      return id !== null && finish(id);
    },

    async endUser(userId) {
      let ended = 0;
      for await (const entry of kv.list({ prefix: [prefix, 'u', userId] })) {
        if (await finish(entry.key.at(-1) as string)) ended += 1;
      }
      return ended;
    },
  };
}
