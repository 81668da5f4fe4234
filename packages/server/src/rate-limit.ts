// The server's rate limit: express-rate-limit per client IP, in memory or shared through Redis, failing open.
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Logger as PinoLogger } from 'pino';
import { RATE_LIMITED_DESCRIPTION, errorBody } from 'spotify-token-swap/internal';
import { errorCode } from 'spotify-token-swap/internal';
import { sendJson } from 'spotify-token-swap/internal';
import { redisRateLimitStore, type SharedRedis } from './redis-store.js';

const WINDOW_MS = 60_000;
const TOO_MANY_REQUESTS = errorBody('too_many_requests', RATE_LIMITED_DESCRIPTION);

/**
 * express-rate-limit's own warnings and errors, as one JSON event each: its code (ERR_ERL_*) and nothing of its
 * message or stack, which can quote a client's X-Forwarded-For or a store's connection details.
 */
export function rateLimitLogger(log: PinoLogger): { warn(...args: unknown[]): void; error(...args: unknown[]): void } {
  const event = (error: unknown) => {
    const code = errorCode(error);
    return {
      event: 'rate_limit',
      code: code !== undefined && /^ERR_ERL_[A-Z_]+$/.test(code) ? code : ((error as Error | null)?.name ?? 'Error'),
    };
  };
  return {
    warn: (error) => log.warn(event(error), 'express-rate-limit warned'),
    error: (error) => log.error(event(error), 'express-rate-limit failed'),
  };
}

export interface RateLimiter {
  middleware: RequestHandler;
  /** True while a shared store cannot be reached and requests pass unlimited. */
  degraded(): boolean;
}

/** The one key of every request whose client address is no IP address. */
const UNREADABLE_ADDRESS = 'unreadable-address';

/**
 * The key a request is counted under: its client's address (an IPv6 client by its /56, as express-rate-limit counts
 * one), or for an address that is no IP, one key they all share, said once in the log: no spelling buys a fresh limit.
 */
function keyOf(addressOf: (req: IncomingMessage) => string | undefined, log: PinoLogger) {
  let warned = false;
  return (request: IncomingMessage): string => {
    const address = addressOf(request);
    if (address !== undefined) return ipKeyGenerator(address);
    if (!warned) {
      warned = true;
      log.warn(
        { event: 'rate_limit', reason: 'address_unreadable' },
        'a client address is no IP address (as X-Forwarded-For or the socket gave it): every such request shares ' +
          'one rate limit',
      );
    }
    return UNREADABLE_ADDRESS;
  };
}

/**
 * The rateLimit hook: `perMinute` requests per client per minute, the client read by `addressOf`, shared through
 * Redis when `redisUrl` is set.
 */
export async function createRateLimiter(
  perMinute: number,
  redis: SharedRedis | undefined,
  log: PinoLogger,
  addressOf: (req: IncomingMessage) => string | undefined,
): Promise<RateLimiter> {
  const store = redis === undefined ? undefined : await redisRateLimitStore(redis, log);
  const middleware = rateLimit({
    windowMs: WINDOW_MS,
    limit: perMinute,
    // RateLimit and RateLimit-Policy (draft 7): what a client needs to pace itself. Draft 8 adds a hash of the
    // client's key to every answer, and the legacy X-RateLimit-* headers repeat the same numbers.
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    passOnStoreError: true,
    // The documented JSON, written with plain Node calls: the server is not an Express app (the check page is, and
    // gets the same answer). Retry-After is already set.
    handler: (_req, res) => sendJson(res, 429, TOO_MANY_REQUESTS),
    keyGenerator: keyOf(addressOf, log),
    // Both read Express's `trust proxy` setting, which only the check page has: the server checks TRUST_PROXY itself
    // (never `true`) and says once when a request came through a proxy it does not trust.
    validate: { trustProxy: false, xForwardedForHeader: false },
    logger: rateLimitLogger(log),
    ...(store === undefined ? {} : { store }),
  });
  return { middleware, degraded: () => redis !== undefined && !redis.ready() };
}
