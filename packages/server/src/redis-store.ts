// The server's Redis: connected at start-up (refusing the start on a REDIS_URL that proves wrong, starting without it
// when Redis does not answer), shared by the rate limit's store (failing open) and the session store.
import { connect } from 'node:net';
import type { Store } from 'express-rate-limit';
import type { Logger as PinoLogger } from 'pino';
import type * as RedisStoreModule from 'rate-limit-redis';
import type * as RedisModule from 'redis';
import { ConfigError } from './config.js';
import { FailOpenStore } from './fail-open-store.js';

/** How long start-up waits for Redis before starting without it. */
const STARTUP_WAIT_MS = 3_000;

/**
 * Whether an error seen while connecting means REDIS_URL itself is wrong, as a refusal naming REDIS_URL; undefined for
 * "cannot be reached now". Any reply of Redis's to the connection's set-up (AUTH, HELLO, SELECT) proves that the URL
 * reached a Redis that refuses it: `replyError` is the client's class for those. Only Redis's first, fixed word is
 * quoted; the URL and its password never are.
 */
function refusalOf(error: unknown, replyError: abstract new (...args: never[]) => Error): ConfigError | undefined {
  if (error instanceof replyError) {
    const word = /^[A-Z]+/.exec(error.message)?.[0] ?? 'ERR';
    if (/\bDB index\b/i.test(error.message)) {
      return new ConfigError(
        'REDIS_URL: that Redis has no database of the number in its path (redis://host:6379/<number>): use one ' +
          'from 0 to its databases setting, 16 by default',
      );
    }
    if (['WRONGPASS', 'NOAUTH', 'NOPERM'].includes(word) || /\b(AUTH|password)\b/i.test(error.message)) {
      return new ConfigError(
        `REDIS_URL: Redis refused this server's credentials (${word}): check the user name and password in REDIS_URL`,
      );
    }
    return new ConfigError(
      `REDIS_URL: Redis refused this server's connection (${word}): check the user, password and database in REDIS_URL`,
    );
  }
  const message = String((error as Error | null)?.message ?? '');
  if (/Unknown RESP type|Protocol error/i.test(message)) {
    return new ConfigError('REDIS_URL: the server at that address does not speak the Redis protocol');
  }
  return undefined;
}

/**
 * Whether a plain-text Redis answers at the address of a rediss:// URL: a TLS handshake with one never completes (it
 * waits for a command line), which would otherwise pass for "cannot be reached".
 */
function plainRedisAt(url: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(Number(url.port || 6379), url.hostname.replace(/^\[|\]$/g, ''));
    const done = (plain: boolean) => {
      socket.destroy();
      resolve(plain);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    // A Redis answers +PONG, or -NOAUTH when it wants a password; a TLS server answers with an alert, or nothing.
    socket.once('data', (chunk: Buffer) => done(chunk[0] === 0x2b || chunk[0] === 0x2d));
  });
}

/** What firstContact needs of a node-redis client. */
interface Connecting {
  connect(): Promise<unknown>;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  off(event: 'error', listener: (error: unknown) => void): unknown;
}

/** Connects, and says how it went: ready, unreachable for now, or a refusal. It never waits past STARTUP_WAIT_MS. */
function firstContact(
  client: Connecting,
  refusal: (error: unknown) => ConfigError | undefined,
): Promise<'ready' | 'unreachable' | ConfigError> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: 'ready' | 'unreachable' | ConfigError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.off('error', onError);
      resolve(outcome);
    };
    const onError = (error: unknown) => settle(refusal(error) ?? 'unreachable');
    const timer = setTimeout(() => settle('unreachable'), STARTUP_WAIT_MS);
    client.on('error', onError);
    client.connect().then(
      () => settle('ready'),
      (error: unknown) => settle(refusal(error) ?? 'unreachable'),
    );
  });
}

/** The server's one connection to Redis, shared by the rate limit and the session store. */
export interface SharedRedis {
  sendCommand(args: string[]): Promise<unknown>;
  /** Whether it answered when the server started. */
  readonly reachedAtStart: boolean;
  /** Whether it is connected now. */
  ready(): boolean;
  close(): Promise<void>;
}

/**
 * Connects to REDIS_URL (redis is an optional peer dependency, loaded only then): refuses the start on a URL that
 * proves wrong, and starts without Redis when it does not answer, reconnecting in the background.
 */
export async function connectRedis(url: string): Promise<SharedRedis> {
  let redis: typeof RedisModule;
  try {
    redis = await import('redis');
  } catch {
    throw new ConfigError('REDIS_URL needs the redis package: npm install redis');
  }
  const client = redis.createClient({
    url,
    // Fail fast while disconnected instead of queueing commands until Redis returns.
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000) },
  });
  // Without a listener an 'error' event would crash the process; the stores log what matters.
  client.on('error', () => {});
  let contact = await firstContact(client, (error) => refusalOf(error, redis.ErrorReply));
  const parsed = new URL(url);
  if (contact === 'unreachable' && parsed.protocol === 'rediss:' && (await plainRedisAt(parsed))) {
    contact = new ConfigError(
      'REDIS_URL: rediss:// asks for TLS, but a plain-text Redis answers at that address: use redis://, or turn ' +
        'TLS on in Redis',
    );
  }
  if (contact instanceof ConfigError) {
    client.destroy();
    throw contact;
  }
  return {
    sendCommand: (args) => client.sendCommand(args),
    reachedAtStart: contact === 'ready',
    ready: () => client.isReady,
    close: async () => {
      client.destroy();
      return Promise.resolve();
    },
  };
}

/** The rate limit's store on the shared Redis (rate-limit-redis, an optional peer dependency), failing open. */
export async function redisRateLimitStore(redis: SharedRedis, log: PinoLogger): Promise<Store> {
  let storeModule: typeof RedisStoreModule;
  try {
    storeModule = await import('rate-limit-redis');
  } catch {
    throw new ConfigError(
      'REDIS_URL needs the rate-limit-redis package for the rate limit: npm install rate-limit-redis',
    );
  }
  if (!redis.reachedAtStart) {
    log.error(
      { event: 'rate_limit_store', outcome: 'unavailable' },
      'Redis at REDIS_URL cannot be reached: requests pass unlimited until it answers',
    );
  }
  const store = new storeModule.RedisStore({
    prefix: 'spotify-token-swap:rl:',
    sendCommand: (...args: string[]) => redis.sendCommand(args) as Promise<never>,
  });
  return new FailOpenStore(store, log, redis.reachedAtStart);
}
