// spotify-token-swap/lambda: a Fetch API handler as an AWS Lambda handler for payload format 2.0 (Function URLs and
// HTTP APIs). Small and dependency-free: the event becomes a Request, the Response becomes the result.
import { jsonAnswer } from '../core/answer.js';
import { errorBody } from '../core/errors.js';

/** What Lambda hands a function behind a Function URL or an HTTP API (payload format 2.0); the fields read here. */
export interface LambdaHttpEvent {
  rawPath: string;
  rawQueryString?: string | undefined;
  /** Lower-case names; a header sent more than once arrives with its values joined by commas. */
  headers?: Readonly<Record<string, string | undefined>> | undefined;
  /** The Cookie header's cookies, one an entry. */
  cookies?: readonly string[] | undefined;
  body?: string | undefined;
  isBase64Encoded?: boolean | undefined;
  requestContext: { domainName?: string | undefined; http: { method: string } };
}

/** What the function answers Lambda with. */
export interface LambdaHttpResult {
  statusCode: number;
  headers: Record<string, string>;
  /** Set-Cookie values, one an entry: Lambda sends each as a header of its own. */
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

export type LambdaHttpHandler = (event: LambdaHttpEvent) => Promise<LambdaHttpResult>;

/** Answers Lambda can carry as text; anything else goes back base64-encoded. */
const TEXT = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript)|[^;]*\+json)/i;

function bytesOf(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

function base64Of(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** A domain name and nothing else: what the URL is built on may not bring a path or a query of its own. */
const DOMAIN = /^[a-z\d.-]+(:\d+)?$/i;

/** The event as the Request it stands for; throws for an event that stands for none. */
export function requestOf(event: LambdaHttpEvent): Request {
  const method = event.requestContext.http.method.toUpperCase();
  if (!event.rawPath.startsWith('/')) throw new TypeError('rawPath');
  // The function's own domain: a Host header is the client's to write.
  const domain = event.requestContext.domainName;
  const host = domain !== undefined && DOMAIN.test(domain) ? domain : 'lambda.invalid';
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name, value);
  if (event.cookies !== undefined && event.cookies.length > 0) headers.set('cookie', event.cookies.join('; '));
  const init: RequestInit = { method, headers };
  if (method !== 'GET' && method !== 'HEAD' && event.body !== undefined) {
    init.body = event.isBase64Encoded ? bytesOf(event.body) : event.body;
  }
  return new Request(`https://${host}${event.rawPath}${query}`, init);
}

/** The Response as Lambda's result: headers joined, Set-Cookie as cookies, a body that is not text in base64. */
export async function resultOf(response: Response): Promise<LambdaHttpResult> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  const text = TEXT.test(response.headers.get('content-type') ?? 'text/plain');
  const bytes = new Uint8Array(await response.arrayBuffer());
  return {
    statusCode: response.status,
    headers,
    ...(cookies.length > 0 && { cookies }),
    body: text ? new TextDecoder().decode(bytes) : base64Of(bytes),
    isBase64Encoded: !text,
  };
}

const UNREADABLE = errorBody(
  'invalid_request',
  'The event is not an HTTP request of payload format 2.0 (Function URLs, HTTP APIs) that could be read',
);
/** What an API Gateway REST API (or an HTTP API set to 1.0) sends: this adapter reads 2.0 only, and says so. */
const PAYLOAD_1 = errorBody(
  'invalid_request',
  'The event is of payload format 1.0 (a REST API, or an HTTP API set to 1.0): set the payload format version to 2.0',
);

/**
 * What an event that cannot be read as an HTTP request gets: the documented JSON, never a rejection, and nothing of
 * the event in it.
 */
function unreadable(event: unknown): LambdaHttpResult {
  const payload1 = typeof event === 'object' && event !== null && 'httpMethod' in event;
  const { status, headers, body } = jsonAnswer(400, payload1 ? PAYLOAD_1 : UNREADABLE);
  return { statusCode: status, headers, body: body!, isBase64Encoded: false };
}

/**
 * A Lambda handler for Function URLs and HTTP APIs (payload format 2.0) that serves `handler`, such as the one
 * `tokenSwapHandler()` from `spotify-token-swap/fetch` returns.
 */
export function lambdaHandler(handler: (request: Request) => Promise<Response>): LambdaHttpHandler {
  if (typeof handler !== 'function') {
    throw new TypeError('lambdaHandler(handler) needs a Fetch handler, such as tokenSwapHandler({...})');
  }
  return async (event) => {
    let request: Request;
    try {
      request = requestOf(event);
    } catch {
      return unreadable(event);
    }
    return resultOf(await handler(request));
  };
}
