// Reading a request body (form or JSON, 16 kB at most) into fields, and reading string fields out of it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import bodyParser from 'body-parser';
import { OAuthError, invalidRequest, serverError } from './errors.js';
import type { Middleware } from './hooks.js';

export type Fields = Readonly<Record<string, unknown>>;

/** A request as Express, Connect or node:http hands it over; a host app's body parser may have set `body`. */
export type BodyRequest = IncomingMessage & { body?: unknown };

const BODY_LIMIT = '16kb';
const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

// Made once: the type check is ours (below), so the parsers accept whatever they are handed. No client
// compresses a token request, so compressed bodies are refused rather than inflated. A Map, not an object
// literal: the key comes from a header, and `Content-Type: __proto__` must find nothing.
const parsers = new Map<string, Middleware>([
  [JSON_TYPE, bodyParser.json({ limit: BODY_LIMIT, strict: true, inflate: false, type: () => true })],
  [
    FORM_TYPE,
    bodyParser.urlencoded({
      limit: BODY_LIMIT,
      extended: false,
      parameterLimit: 100,
      inflate: false,
      type: () => true,
    }),
  ],
]);

function mediaType(req: IncomingMessage): string {
  const header = req.headers['content-type'];
  return header === undefined ? '' : (header.split(';', 1)[0] ?? '').trim().toLowerCase();
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length.trim() !== '0');
}

/** The same test body-parser makes: the stream was read to its end, so a host's parser got there first. */
function alreadyRead(req: IncomingMessage): boolean {
  return req.readableEnded || (req.complete && !req.readable);
}

const unsupportedMediaType = () =>
  new OAuthError(415, 'unsupported_media_type', `Send the body as ${FORM_TYPE} or ${JSON_TYPE}`);

/** body-parser's error types, as the documented errors. */
function fromParserError(error: unknown): OAuthError {
  const type = (error as { type?: unknown } | null)?.type;
  switch (type) {
    case 'entity.too.large':
    case 'parameters.too.many':
      return new OAuthError(413, 'payload_too_large', `The request body is limited to ${BODY_LIMIT}`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new OAuthError(415, 'unsupported_media_type', 'Send the body uncompressed, in UTF-8');
    case 'stream.not.readable':
      return serverError('The request body was consumed before the token router could read it');
    default:
      return invalidRequest('The request body could not be parsed');
  }
}

function runParser(parser: Middleware, req: BodyRequest, res: ServerResponse): Promise<unknown> {
  return new Promise((resolve, reject) => {
    parser(req, res, (error?: unknown) => (error === undefined ? resolve(req.body) : reject(fromParserError(error))));
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/**
 * The request's fields. Form and JSON bodies are read here unless the host app's parser already read them;
 * a request with no body has no fields; anything else is a 415, 413 or 400.
 */
export async function readFields(req: BodyRequest, res: ServerResponse): Promise<Fields> {
  const type = mediaType(req);
  const parser = parsers.get(type);
  let body: unknown;
  if (alreadyRead(req)) {
    if (parser === undefined && type !== '') throw unsupportedMediaType();
    body = req.body ?? {};
  } else if (parser !== undefined) {
    body = (await runParser(parser, req, res)) ?? {};
  } else if (type === '' && !hasBody(req)) {
    body = {};
  } else {
    throw unsupportedMediaType();
  }
  if (!isRecord(body)) throw invalidRequest('The request body must be a JSON object or a form');
  return body;
}

/** A string field; a missing, null or empty one is `undefined` (CONTRACT.md §3 rule 1). */
export function optionalString(fields: Fields, name: string): string | undefined {
  const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalidRequest(`${name} must be a single string`);
  return value;
}

export function requiredString(fields: Fields, name: string): string {
  const value = optionalString(fields, name);
  if (value === undefined) throw invalidRequest(`${name} is required`);
  return value;
}
