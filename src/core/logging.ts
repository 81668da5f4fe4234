// The logger hook: its shape, the silent default, and the one structured event written per request.
import type { TokenSwapReason } from './errors.js';

/** Which route answered. The legacy ones exist only with `legacyExchange`. */
export type TokenSwapRoute =
  | 'swap'
  | 'refresh'
  | 'client_token'
  | 'revoke'
  | 'delete_me'
  | 'legacy_authorize'
  | 'legacy_callback'
  | 'legacy_exchange';

/**
 * What the client got: `success` for 2xx and 3xx (logged at info), `rejected` for 4xx (warn), `failed` for 5xx
 * (error), and `abandoned` (warn) when its connection closed before any answer was sent: it left, or the server cut
 * it off (a request timeout answers 408 itself). A swap abandoned after Spotify answered 200 has used up its code.
 */
export type TokenSwapOutcome = 'success' | 'rejected' | 'failed' | 'abandoned';

/**
 * The one event logged per request. Every field is a fixed word or a number: no secret, code or token
 * can reach a log line through it.
 */
export interface TokenSwapEvent {
  msg: string;
  event: TokenSwapRoute;
  outcome: TokenSwapOutcome;
  /** The status this server answered; absent when the request was abandoned before an answer was sent. */
  status?: number;
  /** The error code answered, when the answer was an error. */
  error?: string;
  /** Why, when the answer was an error: a fixed word, finer than the code (`redirect_uri_mismatch`, say). */
  reason?: TokenSwapReason;
  /** Spotify's status on the last call, when Spotify answered at all (an abandoned request's too). */
  upstreamStatus?: number;
  /** Calls made to Spotify for this request (retries included). */
  upstreamAttempts?: number;
  /** Time from the request reaching the router to the answer, in milliseconds. */
  durationMs: number;
}

/**
 * Said once, when a router or handler is built, of a redirect URI Spotify will refuse or that is easily got wrong
 * (Spotify compares them byte for byte). A redirect URI is no secret.
 */
export interface TokenSwapWarning {
  msg: string;
  event: 'redirect_uri';
  redirectUri: string;
}

/**
 * Anything with pino's, winston's, bunyan's or console's `info`, `warn` and `error` methods. Each is called
 * with one object, as `logger.info(event)`, and may return anything. `warn` also takes the build-time warnings.
 */
export interface Logger {
  info(event: TokenSwapEvent): unknown;
  warn(event: TokenSwapEvent | TokenSwapWarning): unknown;
  error(event: TokenSwapEvent): unknown;
  debug?(event: TokenSwapEvent): unknown;
}

const ignore = (): void => {};

/** The default: logs nothing, costs nothing. */
export const silentLogger: Logger = Object.freeze({ info: ignore, warn: ignore, error: ignore, debug: ignore });

export function outcomeOf(status: number): TokenSwapOutcome {
  return status >= 500 ? 'failed' : status >= 400 ? 'rejected' : 'success';
}

const levels = { success: 'info', rejected: 'warn', failed: 'error', abandoned: 'warn' } as const;

/** Writes the event at the level its outcome calls for. A throwing logger must not break an answer. */
export function logEvent(logger: Logger, event: TokenSwapEvent): void {
  try {
    const result = logger[levels[event.outcome]](event);
    if (result instanceof Promise) result.catch(ignore);
  } catch {
    // Logging is best effort; the client already has its answer.
  }
}
