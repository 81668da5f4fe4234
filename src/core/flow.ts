// One request's way through the core, whichever door it came through: its path and method, a CORS preflight, the
// rate-limit verdict, the body and the handler, the answer, and the one log event. A door only translates.
import { errorAnswer, jsonAnswer, type Answer, type Failure } from './answer.js';
import { preflightAnswer, withCors } from './cors.js';
import { OAuthError, methodNotAllowed, toOAuthError } from './errors.js';
import { clientTokenHandler } from './handlers/client-token.js';
import { legacyRoutes } from './handlers/legacy.js';
import { refreshHandler } from './handlers/refresh.js';
import { sessionKeeper, type Sessions } from './handlers/sessions.js';
import { swapHandler } from './handlers/swap.js';
import {
  logEvent,
  outcomeOf,
  silentLogger,
  type Logger,
  type TokenSwapEvent,
  type TokenSwapRoute,
  type TokenSwapWarning,
} from './logging.js';
import type { TokenSwapConfig } from './options.js';
import { pathOf } from './paths.js';
import type { HookDecision } from './rate-limit.js';
import { redirectUriProblems } from './redirect-uri-lint.js';
import { postRoute, type DoorRequest, type Route } from './route.js';
import type { SpotifyClient, UpstreamTrace } from './spotify.js';

/** A request as a door hands it over, with the one thing only the door can do: send the answer. */
export interface Exchange extends DoorRequest {
  /** Sends the answer; gives the status the client got, or undefined when nothing could be sent (it left). */
  respond(answer: Answer): number | undefined;
}

/** What a door adds to the shared configuration. */
export interface DoorOptions<R extends Exchange> {
  /** Where the routes sit: `/spotify` puts the swap at `/spotify/swap`. `''` for the root. */
  basePath: string;
  /** The door's rateLimit hook, as a decision. Its throw or rejection is a failing hook. */
  rateLimit: ((request: R) => HookDecision | Promise<HookDecision>) | undefined;
}

/** The routes of one path, the `Allow` its 405 names, and the event a request no route took is logged as. */
export interface PathRoutes {
  readonly routes: readonly Route[];
  readonly allow: readonly string[];
  readonly event: TokenSwapRoute;
}

export interface TokenFlow<R extends Exchange> {
  /** The routes a request target names, or undefined when it names none of them. */
  match(target: string): PathRoutes | undefined;
  /** Serves one request on its path: answers it through `request.respond`, and logs it. Never rejects. */
  serve(path: PathRoutes, request: R): Promise<void>;
}

function tokenRoutes(config: TokenSwapConfig, spotify: SpotifyClient): Route[] {
  const sessions = config.sessions === undefined ? undefined : sessionKeeper(config, config.sessions, spotify);
  const swap = swapHandler(config, spotify, sessions);
  const refresh = refreshHandler(config, spotify, sessions);
  return [
    postRoute('/swap', 'swap', config.timeoutMs, swap),
    postRoute('/refresh', 'refresh', config.timeoutMs, refresh),
    ...(config.clientToken
      ? [postRoute('/client-token', 'client_token', config.timeoutMs, clientTokenHandler(spotify))]
      : []),
    ...(sessions === undefined ? [] : sessionRoutes(sessions, config.timeoutMs)),
    ...legacyRoutes(config, swap, refresh),
  ];
}

/** With sessions on: `POST /revoke` (RFC 7009) and `DELETE /me`. */
function sessionRoutes(sessions: Sessions, deadlineMs: number): Route[] {
  return [
    postRoute('/revoke', 'revoke', deadlineMs, (fields) => sessions.revoke(fields)),
    {
      method: 'DELETE',
      path: '/me',
      event: 'delete_me',
      handle: async (request, trace) => jsonAnswer(200, await sessions.deleteMe(request, trace)),
    },
  ];
}

function pathRoutes(routes: readonly Route[]): PathRoutes {
  // HEAD is GET without the body.
  const allow = routes.flatMap((route) => (route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]));
  // A path is named for what it is posted to: SpotifyAPI-NET 5.x's URL is its exchange, whatever the browser GETs.
  const event = (routes.find((route) => route.method === 'POST') ?? routes[0]!).event;
  return { routes, allow, event };
}

/** The routes by the path every door matches them on. The legacy exchange, `/`, is the base path itself. */
function routesByPath(routes: readonly Route[], basePath: string): Map<string, PathRoutes> {
  const grouped = new Map<string, Route[]>();
  for (const route of routes) {
    const path = pathOf(basePath + route.path)!;
    grouped.set(path, [...(grouped.get(path) ?? []), route]);
  }
  return new Map([...grouped].map(([path, group]) => [path, pathRoutes(group)]));
}

/** Says once, when a door is built, what would make the first login fail: Spotify compares redirect URIs exactly. */
function lintRedirectUris(config: TokenSwapConfig): void {
  if (config.logger === silentLogger) return;
  for (const redirectUri of config.redirectUris) {
    for (const problem of redirectUriProblems(redirectUri)) {
      try {
        const warning: TokenSwapWarning = {
          msg: `redirect URI ${redirectUri} ${problem}`,
          event: 'redirect_uri',
          redirectUri,
        };
        config.logger.warn(warning);
      } catch {
        // Logging is best effort.
      }
    }
  }
}

/**
 * Logs the one event of a request: what the client got (`status`, or undefined when it got nothing), the error code
 * answered and why, and what the calls to Spotify came to. The silent logger costs nothing.
 */
function logRequest(
  logger: Logger,
  name: TokenSwapRoute,
  started: number,
  status: number | undefined,
  failure: Failure | undefined,
  trace: UpstreamTrace,
): void {
  if (logger === silentLogger) return;
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

/** The flow of one door: its routes built once, from the shared configuration and the door's own options. */
export function tokenFlow<R extends Exchange>(
  config: TokenSwapConfig,
  spotify: SpotifyClient,
  door: DoorOptions<R>,
): TokenFlow<R> {
  const { rateLimit } = door;
  const { cors } = config;
  const paths = routesByPath(tokenRoutes(config, spotify), door.basePath);
  lintRedirectUris(config);

  /** The rate-limit hook's decision; a hook that throws or rejects is a failing hook, answered 500. */
  async function decide(request: R): Promise<HookDecision> {
    try {
      return await rateLimit!(request);
    } catch (thrown) {
      return toOAuthError(thrown, 'hook_failed');
    }
  }

  return {
    match: (target) => {
      const path = pathOf(target);
      return path === undefined ? undefined : paths.get(path);
    },

    async serve(path, request) {
      const started = performance.now();
      const trace: UpstreamTrace = { attempts: 0 };
      const route = routeFor(path, request.method);
      const origin = cors === undefined ? undefined : request.header('origin');
      let answer: Answer | undefined;
      let failure: Failure | undefined;
      let status: number | undefined;
      if (origin !== undefined && request.method === 'OPTIONS' && request.header('access-control-request-method')) {
        answer = preflightAnswer(cors!, origin, path.allow);
      } else {
        try {
          const decision = rateLimit === undefined ? undefined : await decide(request);
          if (decision instanceof OAuthError) throw decision;
          if (decision !== undefined) {
            status = decision.answered;
          } else {
            if (route === undefined) throw methodNotAllowed(path.allow);
            answer = await route.handle(request, trace);
          }
        } catch (thrown) {
          const error = toOAuthError(thrown);
          failure = { code: error.code, reason: error.reason };
          answer = errorAnswer(error);
        }
        if (cors !== undefined && answer !== undefined) withCors(cors, origin, answer);
      }
      if (answer !== undefined) status = respond(request, answer);
      logRequest(config.logger, route?.event ?? path.event, started, status, failure, trace);
    },
  };
}

/**
 * Sends the answer through the door. A host's own writer that throws (a wrapped `res.end`) loses the answer, not the
 * process: the request is logged as one whose client got nothing.
 */
function respond(request: Exchange, answer: Answer): number | undefined {
  try {
    return request.respond(answer);
  } catch {
    return undefined;
  }
}

/** The route serving `method` (HEAD as GET), if any. */
function routeFor(path: PathRoutes, method: string): Route | undefined {
  const wanted = method === 'HEAD' ? 'GET' : method;
  return path.routes.find((route) => route.method === wanted);
}
