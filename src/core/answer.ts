// One request on one path, whichever door it came through: the method chosen, the handler run, any failure made
// the documented error, and the log event built from what the client got.
import { methodNotAllowed, toOAuthError, type OAuthError, type TokenSwapReason } from './errors.js';
import { logEvent, outcomeOf, silentLogger, type Logger, type TokenSwapEvent, type TokenSwapRoute } from './logging.js';
import type { Reply, Route, RouteRequest } from './route.js';
import type { UpstreamTrace } from './spotify.js';

/** A reply, or an error's: status, JSON body and headers (Retry-After, Allow, Connection). */
export type Answer = Reply | { status: number; body: object; headers: Readonly<Record<string, string>> };

/** What the log says of a refusal or failure: the error code answered, and why. */
export interface Failure {
  code: string;
  reason: TokenSwapReason;
}

/** An error as its answer and what the log says of it. */
export function failed(error: OAuthError): { answer: Answer; failure: Failure } {
  return {
    answer: { status: error.status, body: error.body, headers: error.headers },
    failure: { code: error.code, reason: error.reason },
  };
}

/** The routes of one path, the `Allow` its 405 names, and the event a request no route took is logged as. */
export interface PathRoutes {
  readonly routes: readonly Route[];
  readonly allow: readonly string[];
  readonly event: TokenSwapRoute;
}

export function pathRoutes(routes: readonly Route[]): PathRoutes {
  // HEAD is GET without the body.
  const allow = routes.flatMap((route) => (route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]));
  // A path is named for what it is posted to: SpotifyAPI-NET 5.x's URL is its exchange, whatever the browser GETs.
  const event = (routes.find((route) => route.method === 'POST') ?? routes[0]!).event;
  return { routes, allow, event };
}

/** The route serving `method` (HEAD as GET), if any. */
export function routeFor(path: PathRoutes, method: string | undefined): Route | undefined {
  const wanted = method === 'HEAD' ? 'GET' : method;
  return path.routes.find((route) => route.method === wanted);
}

/** Runs the route's handler. Never rejects: a failure is answered as its documented error, with its code. */
export async function answer(
  path: PathRoutes,
  route: Route | undefined,
  request: RouteRequest,
  trace: UpstreamTrace,
): Promise<{ answer: Answer; failure?: Failure }> {
  try {
    if (route === undefined) throw methodNotAllowed(path.allow);
    return { answer: await route.handle(request, trace) };
  } catch (thrown) {
    return failed(toOAuthError(thrown));
  }
}

/**
 * Logs the one event of a request: what the client got (`status`, or undefined when it got nothing), the error code
 * answered and why, and what the calls to Spotify came to. The silent logger costs nothing.
 */
export function logRequest(
  logger: Logger,
  path: PathRoutes,
  route: Route | undefined,
  started: number,
  status: number | undefined,
  failure: Failure | undefined,
  trace: UpstreamTrace,
): void {
  if (logger === silentLogger) return;
  const name = route?.event ?? path.event;
  const durationMs = Math.round(performance.now() - started);
  // Only what reached the client is reported as answered: a status nobody received is not logged as one.
  const event: TokenSwapEvent =
    status !== undefined
      ? {
          msg: `spotify-token-swap ${name} answered ${status}`,
          event: name,
          outcome: outcomeOf(status),
          status,
          durationMs,
        }
      : {
          msg: `spotify-token-swap ${name} abandoned: the connection closed before the answer`,
          event: name,
          outcome: 'abandoned',
          durationMs,
        };
  if (failure !== undefined && status !== undefined) {
    event.error = failure.code;
    event.reason = failure.reason;
  }
  if (trace.status !== undefined) event.upstreamStatus = trace.status;
  if (trace.attempts > 0) event.upstreamAttempts = trace.attempts;
  logEvent(logger, event);
}
