// The rate-limit contract every door shares: a verdict (let the request on, or refuse it and say how long to wait),
// and what the core makes of it: the documented 429 with an integer Retry-After.
import {
  DEFAULT_RETRY_AFTER_SECONDS,
  OAuthError,
  RATE_LIMITED_DESCRIPTION,
  codeForStatus,
  retryAfterSeconds,
  serverError,
  tooManyRequests,
} from './errors.js';
import { isRecord } from './values.js';

/**
 * What a rateLimit hook decides for one request: `true` (or `{ allowed: true }`) lets it through; `false` refuses
 * it with the documented 429, and `{ allowed: false, retryAfterSeconds }` says how long the client should wait.
 */
export type RateLimitVerdict = boolean | { allowed: boolean; retryAfterSeconds?: number | undefined };

/** A hook that wrote an answer of its own that is no refusal (a CORS middleware's preflight, say): its status. */
export interface HookAnswered {
  answered: number | undefined;
}

/** What the core makes of a hook: undefined lets the request on; an error refuses it; or the hook answered. */
export type HookDecision = undefined | OAuthError | HookAnswered;

const limited = (seconds: number | undefined) =>
  tooManyRequests(seconds ?? DEFAULT_RETRY_AFTER_SECONDS, RATE_LIMITED_DESCRIPTION, 'rate_limited');

/** Whether a value is a verdict at all: how the router tells a verdict function's answer from a middleware's. */
export function isVerdict(value: unknown): value is RateLimitVerdict {
  return typeof value === 'boolean' || (isRecord(value) && typeof value.allowed === 'boolean');
}

/** A verdict as the core's decision. Anything that is not a verdict is a failing hook. */
export function decisionOf(verdict: unknown): HookDecision {
  if (!isVerdict(verdict)) {
    return serverError('The rateLimit hook returned neither a boolean nor { allowed }', 'hook_failed');
  }
  if (verdict === true) return undefined;
  if (verdict === false) return limited(undefined);
  if (verdict.allowed) return undefined;
  const wait = verdict.retryAfterSeconds;
  // Read as a Retry-After header is: whole seconds, rounded up, at most a day.
  return limited(typeof wait === 'number' && wait >= 0 ? retryAfterSeconds(wait) : undefined);
}

/**
 * A refusal a middleware wrote itself (express-rate-limit's 429, an IP filter's 403), as the documented error: its
 * status kept, and for a 429 its Retry-After read as whole seconds.
 */
export function middlewareRefusal(status: number, retryAfter: string | number | string[] | undefined): OAuthError {
  if (status === 429) return limited(retryAfterSeconds(retryAfter));
  return new OAuthError(status, codeForStatus(status), 'The request was refused', 'hook_refused');
}
