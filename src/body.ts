// Reading a request body (form or JSON, UTF-8, 16 kB at most) into fields, and reading string fields out of it.
import type { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { OAuthError, invalidRequest, serverError } from './errors.js';

export type Fields = Readonly<Record<string, unknown>>;

/** A request as Express, Connect or node:http hands it over; a host app's body parser may have set `body`. */
export type BodyRequest = IncomingMessage & { body?: unknown };

/** A token request is well under 1 kB; this leaves room for any client's extra fields. */
export const BODY_LIMIT_BYTES = 16 * 1024;
const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * Answered before the body is read when its declared length is over the limit, and as soon as it passes the limit
 * otherwise. The connection is closed with the answer, so nothing more of the body is read.
 */
export const payloadTooLarge = () =>
  new OAuthError(413, 'payload_too_large', `The request body is limited to ${BODY_LIMIT_BYTES / 1024} kB`, {
    Connection: 'close',
  });

const unsupportedMediaType = () =>
  new OAuthError(415, 'unsupported_media_type', `Send the body as ${FORM_TYPE} or ${JSON_TYPE}`);
const unsupportedEncoding = () => new OAuthError(415, 'unsupported_media_type', 'Send the body uncompressed, in UTF-8');

/** The media type, lower case, and whether its charset (if any) is UTF-8. */
function contentType(req: IncomingMessage): { type: string; utf8: boolean } {
  const header = req.headers['content-type'];
  if (header === undefined) return { type: '', utf8: true };
  // What nearly every client sends, exactly: no parameters to read.
  if (header === FORM_TYPE || header === JSON_TYPE) return { type: header, utf8: true };
  const [type = '', ...parameters] = header.split(';');
  const charset = parameters
    .map((parameter) => parameter.trim().toLowerCase())
    .find((parameter) => parameter.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"(.*)"$/, '$1');
  return { type: type.trim().toLowerCase(), utf8: charset === undefined || charset === 'utf-8' || charset === 'utf8' };
}

/** The declared length, -1 for a chunked body, 0 for none. */
function declaredLength(req: IncomingMessage): number {
  if (req.headers['transfer-encoding'] !== undefined) return -1;
  const length = req.headers['content-length'];
  return length === undefined ? 0 : Number(length);
}

/** The same test body-parser makes: the stream was read to its end, so a host's parser got there first. */
function alreadyRead(req: IncomingMessage): boolean {
  return req.readableEnded || (req.complete && !req.readable);
}

/** The whole body as UTF-8, refused the moment it passes the limit. */
function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (settle: () => void) => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort);
      settle();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) finish(() => reject(payloadTooLarge()));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(() => resolve(Buffer.concat(chunks, size).toString('utf8')));
    const onAbort = () => finish(() => reject(invalidRequest('The request body ended before it was complete')));
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onAbort);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

function parse(type: string, text: string): unknown {
  if (text === '') return {};
  // A field given twice becomes an array, which no field of ours accepts: see optionalString.
  if (type === FORM_TYPE) return parseQuery(text, '&', '=', { maxKeys: 0 });
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidRequest('The request body is not valid JSON');
  }
}

/**
 * The request's fields. Form and JSON bodies are read here unless the host app's parser already read them;
 * a request with no body has no fields; anything else is a 415, 413 or 400.
 */
export async function readFields(req: BodyRequest): Promise<Fields> {
  const { type, utf8 } = contentType(req);
  const known = type === FORM_TYPE || type === JSON_TYPE;
  let body: unknown;
  if (alreadyRead(req)) {
    if (!known && type !== '') throw unsupportedMediaType();
    body = req.body ?? {};
  } else if (known) {
    const encoding = req.headers['content-encoding'];
    if (!utf8 || (encoding !== undefined && encoding.toLowerCase() !== 'identity')) throw unsupportedEncoding();
    if (declaredLength(req) > BODY_LIMIT_BYTES) throw payloadTooLarge();
    if (req.readableDidRead) throw serverError('The request body was consumed before the token router could read it');
    body = parse(type, await readText(req));
  } else if (type === '' && declaredLength(req) === 0) {
    body = {};
  } else {
    throw unsupportedMediaType();
  }
  if (!isRecord(body)) throw invalidRequest('The request body must be a JSON object or a form');
  return body;
}

/** A string field; a missing, null or empty one is `undefined` (an empty field is a missing one, for every client). */
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
