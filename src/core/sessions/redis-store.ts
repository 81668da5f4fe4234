// The Redis session store: every call one Lua script (one command), so that instances sharing a Redis see each
// change at once and a refresh costs one round trip. It imports no Redis client: it is given a way to send a command.
import type { FoundSession, SessionStore } from './store.js';

export interface RedisSessionStoreOptions {
  /**
   * Sends one command and resolves to its reply: `(args) => client.sendCommand(args)` with node-redis,
   * `(args) => client.call(...args)` with ioredis.
   */
  sendCommand: (args: string[]) => Promise<unknown>;
  /** Prefix of every key. Default `'spotify-token-swap:session:'`. */
  prefix?: string | undefined;
}

// Keys, under the prefix: `s:<id>` a session (a hash), `h:<key>` the session id a handle's key names (the current
// handle's and the previous one's), `u:<user id>` the ids of a user's sessions. A session's id is the key of its first
// handle. Everything expires six months after the login; scripts read keys they build, so not on Redis Cluster.

/** Ends session `id`: its hash, its handles' keys, its place in its user's set. 1 if it was there. */
const FINISH = `
local function finish(p, id)
  local s = p .. 's:' .. id
  local f = redis.call('HMGET', s, 'userId', 'current', 'previous')
  if not f[1] then return 0 end
  redis.call('DEL', s, p .. 'h:' .. f[2])
  if f[3] then redis.call('DEL', p .. 'h:' .. f[3]) end
  redis.call('SREM', p .. 'u:' .. f[1], id)
  return 1
end
`;

const CREATE = `
local p, id, at = ARGV[1], ARGV[2], ARGV[7]
local s, u = p .. 's:' .. id, p .. 'u:' .. ARGV[4]
redis.call('HSET', s, 'token', ARGV[3], 'userId', ARGV[4], 'loginAt', ARGV[5], 'lastUsedAt', ARGV[6], 'current', id)
redis.call('PEXPIREAT', s, at)
redis.call('SET', p .. 'h:' .. id, id, 'PXAT', at)
redis.call('SADD', u, id)
if redis.call('PTTL', u) < tonumber(at) - tonumber(ARGV[6]) then redis.call('PEXPIREAT', u, at) end
return 1
`;

const FIND = `
local p, key = ARGV[1], ARGV[2]
local id = redis.call('GET', p .. 'h:' .. key)
if not id then return false end
local s = p .. 's:' .. id
local f = redis.call('HMGET', s, 'token', 'userId', 'loginAt', 'current', 'previous', 'successor', 'retiredAt')
if not f[1] or (f[4] ~= key and f[5] ~= key) then return false end
redis.call('HSET', s, 'lastUsedAt', ARGV[3])
return f
`;

const UPDATE = `
local p, key, token, next = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local id = redis.call('GET', p .. 'h:' .. key)
if not id then return 0 end
local s = p .. 's:' .. id
local f = redis.call('HMGET', s, 'current', 'previous')
if not f[1] then return 0 end
if next ~= '' then
  local left = redis.call('PTTL', s)
  if f[1] ~= key or left < 1 then return 0 end
  if f[2] then redis.call('DEL', p .. 'h:' .. f[2]) end
  redis.call('SET', p .. 'h:' .. next, id, 'PX', left)
  redis.call('HSET', s, 'current', next, 'previous', key, 'successor', ARGV[5], 'retiredAt', ARGV[6])
elseif f[1] ~= key and f[2] ~= key then
  return 0
end
if token ~= '' then redis.call('HSET', s, 'token', token) end
return 1
`;

const END = `${FINISH}
local p = ARGV[1]
local id = redis.call('GET', p .. 'h:' .. ARGV[2])
if not id then return 0 end
return finish(p, id)
`;

const END_USER = `${FINISH}
local p = ARGV[1]
local u = p .. 'u:' .. ARGV[2]
local n = 0
for _, id in ipairs(redis.call('SMEMBERS', u)) do n = n + finish(p, id) end
redis.call('DEL', u)
return n
`;

/** A reply's bulk string (node-redis may give a Buffer), or undefined for nil. */
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : value instanceof Uint8Array ? new TextDecoder().decode(value) : undefined;

/** The session a FIND reply describes, seen through handle `key`. */
function foundOf(reply: unknown, key: string, now: number): FoundSession | undefined {
  if (!Array.isArray(reply)) return undefined;
  const [token, userId, loginAt, current, , successor, retiredAt] = reply.map(text);
  const session = {
    token: token!,
    userId: userId!,
    ...(loginAt ? { loginAt: Number(loginAt) } : {}),
    lastUsedAt: now,
  };
  if (current === key) return { session };
  return { session, retired: { successor: successor!, at: Number(retiredAt) } };
}

/** Sessions in Redis, shared by every instance that sends its commands there. Needs Redis 6.2 or later. */
export function redisSessionStore(options: RedisSessionStoreOptions): SessionStore {
  if (typeof options !== 'object' || options === null || typeof options.sendCommand !== 'function') {
    throw new TypeError(
      'redisSessionStore: pass { sendCommand: (args) => client.sendCommand(args) } (node-redis) or ' +
        '{ sendCommand: (args) => client.call(...args) } (ioredis)',
    );
  }
  const { sendCommand } = options;
  const prefix = options.prefix ?? 'spotify-token-swap:session:';
  if (typeof prefix !== 'string') throw new TypeError('redisSessionStore: prefix must be a string');
  const run = (script: string, ...args: string[]) => sendCommand(['EVAL', script, '0', prefix, ...args]);

  return {
    async create(key, session, expiresAt) {
      await run(
        CREATE,
        key,
        session.token,
        session.userId,
        session.loginAt === undefined ? '' : String(session.loginAt),
        String(session.lastUsedAt),
        String(Math.ceil(expiresAt)),
      );
    },
    async find(key, now) {
      return foundOf(await run(FIND, key, String(now)), key, now);
    },
    async update(key, { token, rotate }) {
      const args = [key, token ?? '', rotate?.key ?? '', rotate?.successor ?? '', String(rotate?.at ?? '')];
      return Number(await run(UPDATE, ...args)) === 1;
    },
    async end(key) {
      return Number(await run(END, key)) === 1;
    },
    async endUser(userId) {
      return Number(await run(END_USER, userId));
    },
  };
}
