// CORS for browser clients (Flutter's spotify_sdk on the web, a single-page app): the option, the preflight's
// answer, and the headers an answer to a listed origin carries.
import type { Answer } from './answer.js';
import { parseUrl } from './values.js';

export interface CorsOptions {
  /** The origins a browser may call from, each as browsers send it (`https://app.example`); `'*'` for any. */
  origins: readonly string[];
}

/** The resolved option: which origins are allowed, or every one. */
export interface Cors {
  readonly any: boolean;
  readonly origins: ReadonlySet<string>;
}

/** How long a browser may keep a preflight's answer, in seconds. */
const PREFLIGHT_MAX_AGE = '600';
/** What a token request's browser client may send beyond the safelisted headers: a JSON body, a bearer token. */
const ALLOWED_HEADERS = 'Content-Type, Authorization';

/** What is wrong with an origin as a browser sends it, as the fix: undefined when it is one. */
export function originFix(origin: string): string | undefined {
  const url = parseUrl(origin);
  if (url !== undefined && /^https?:$/.test(url.protocol) && url.origin === origin) return undefined;
  const hint = url === undefined ? `https://${origin.replace(/\/+$/, '')}` : url.origin;
  return `write ${hint} (scheme, host and port, no path or trailing slash)`;
}

/** The Access-Control-Allow-Origin an answer to `origin` carries, or undefined when it is not allowed. */
function allowed(cors: Cors, origin: string): string | undefined {
  if (cors.any) return '*';
  return cors.origins.has(origin) ? origin : undefined;
}

/** Adds what a browser at `origin` needs to read the answer. An answer that depends on the origin says so. */
export function withCors(cors: Cors, origin: string | undefined, answer: Answer): Answer {
  if (!cors.any) answer.headers.vary = 'Origin';
  const allow = origin === undefined ? undefined : allowed(cors, origin);
  if (allow !== undefined) answer.headers['access-control-allow-origin'] = allow;
  return answer;
}

/** The answer to a preflight: 204, and the methods and headers allowed when the origin is. */
export function preflightAnswer(cors: Cors, origin: string, methods: readonly string[]): Answer {
  const headers: Record<string, string> = {};
  if (allowed(cors, origin) !== undefined) {
    headers['access-control-allow-methods'] = methods.join(', ');
    headers['access-control-allow-headers'] = ALLOWED_HEADERS;
    headers['access-control-max-age'] = PREFLIGHT_MAX_AGE;
  }
  return withCors(cors, origin, { status: 204, headers });
}
