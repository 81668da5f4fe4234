// The answers the server gives itself, beside the token routes' (which the router logs): the health check, the 404,
// a 503 while busy, and the JSON for a request Node could not read or that did not arrive in time. Each has its one
// log line, in the shape of the router's, with `event: 'server'` and, for an error, its reason.
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import {
  NOT_FOUND,
  errorBody,
  errorCode,
  sendJson,
  type ErrorBody,
  type TokenSwapReason,
} from 'spotify-token-swap/internal';

/** Why the server answered an error itself: the router's reasons, and these of its own. */
export type ServerReason =
  | TokenSwapReason
  /** Past MAX_IN_FLIGHT. */
  | 'server_busy'
  /** Node could not read the request: no HTTP, or a header it refuses. */
  | 'request_malformed'
  /** The headers passed Node's limit. */
  | 'headers_too_large'
  /** A connection sent more requests than it read answers, and was closed. */
  | 'connection_flood'
  /** The health check while the server drains. */
  | 'draining';

const BUSY = errorBody('temporarily_unavailable', 'The server is busy: retry later');
/** Seconds a client is told to wait when the server is busy. */
const BUSY_RETRY_AFTER_SECONDS = 1;

export interface OwnAnswers {
  /** GET /healthz: logged at debug, draining or not, since probes come every few seconds. */
  health(res: ServerResponse, status: number, body: object): void;
  /** The JSON 404; for a path that ends in one of the routes under another prefix, it says where the route is. */
  notFound(res: ServerResponse, path?: string): void;
  busy(res: ServerResponse): void;
  /** Answers on the raw socket what Node could not hand over as a request, or the connection is closed. */
  clientError(error: unknown, socket: Duplex): void;
  /** A connection closed for holding too many requests unanswered (admission's MAX_HELD). */
  flooded(): void;
}

/** `routes`: the token routes at the server's root, which apps are often pointed at under a prefix. */
export function ownAnswers(log: Logger, routes: readonly string[]): OwnAnswers {
  const line = (status: number, body?: ErrorBody, reason?: ServerReason, probe = false) => {
    log[probe ? 'debug' : status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info'](
      {
        event: 'server',
        outcome: status >= 500 ? 'failed' : status >= 400 ? 'rejected' : 'success',
        status,
        ...(body === undefined ? {} : { error: body.error }),
        ...(reason === undefined ? {} : { reason }),
      },
      `spotify-token-swap server answered ${status}`,
    );
  };

  return {
    health(res, status, body) {
      sendJson(res, status, body);
      line(status, undefined, status === 503 ? 'draining' : undefined, true);
    },
    notFound(res, path) {
      const body = notFoundBody(path, routes);
      sendJson(res, 404, body);
      line(404, body, 'not_found');
    },
    busy(res) {
      sendJson(res, 503, BUSY, { 'Retry-After': String(BUSY_RETRY_AFTER_SECONDS) });
      line(503, BUSY, 'server_busy');
    },
    clientError(error, socket) {
      const answer = clientErrorAnswer(errorCode(error));
      // Node's rule: a connection that was reset, or whose answer is already under way, can only be closed.
      const pending = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (answer === undefined || !socket.writable || pending?.headersSent === true) {
        socket.destroy();
        return;
      }
      const [status, statusText, body, reason] = answer;
      const text = JSON.stringify(body);
      socket.end(
        `HTTP/1.1 ${status} ${statusText}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(text)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${text}`,
      );
      // What the client does not read within a second is not waited for.
      setTimeout(() => socket.destroy(), 1_000).unref();
      line(status, body, reason);
    },
    flooded() {
      log.warn(
        { event: 'server', outcome: 'rejected', reason: 'connection_flood' },
        'closed a connection that sent more requests than it read answers',
      );
    },
  };
}

/** The 404 for `path`: one that ends in a route at this server's root (`/spotify/swap`) says where the route is. */
function notFoundBody(path: string | undefined, routes: readonly string[]): ErrorBody {
  const route = path === undefined ? undefined : routes.find((one) => path.endsWith(one));
  if (route === undefined) return NOT_FOUND;
  return errorBody('not_found', `No such route: this server's routes are at its root: POST ${route}`);
}

type ClientErrorAnswer = [number, string, ErrorBody, ServerReason];

const TIMEOUT: ClientErrorAnswer = [
  408,
  'Request Timeout',
  errorBody('invalid_request', 'The request did not arrive in time'),
  'request_timeout',
];
const TOO_LARGE: ClientErrorAnswer = [
  431,
  'Request Header Fields Too Large',
  errorBody('invalid_request', 'The request headers are too large'),
  'headers_too_large',
];
const MALFORMED: ClientErrorAnswer = [
  400,
  'Bad Request',
  errorBody('invalid_request', 'The request is not HTTP this server can read'),
  'request_malformed',
];

/** What Node's `clientError` of a code is answered with, or undefined when the connection is gone. */
function clientErrorAnswer(code: string | undefined): ClientErrorAnswer | undefined {
  if (code === 'ECONNRESET' || code === 'EPIPE') return undefined;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return TIMEOUT;
  if (code === 'HPE_HEADER_OVERFLOW') return TOO_LARGE;
  return MALFORMED;
}
