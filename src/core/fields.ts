// The body rules every door shares: the limit, the two media types, their refusals, and reading a request's fields.
import { OAuthError, invalidRequest, serverError } from './errors.js';
import { isRecord } from './values.js';

export type Fields = Readonly<Record<string, unknown>>;

/** A token request is well under 1 kB; this leaves room for any client's extra fields. */
export const BODY_LIMIT_BYTES = 16 * 1024;
export const JSON_TYPE = 'application/json';
export const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * Answered before the body is read when its declared length is over the limit, and as soon as it passes the limit
 * otherwise. The connection is closed with the answer where the door can say so, so nothing more of the body is read.
 */
export const payloadTooLarge = () =>
  new OAuthError(
    413,
    'payload_too_large',
    `The request body is limited to ${BODY_LIMIT_BYTES / 1024} kB`,
    'body_too_large',
    {},
    true,
  );

export const unsupportedMediaType = () =>
  new OAuthError(
    415,
    'unsupported_media_type',
    `Send the body as ${FORM_TYPE} or ${JSON_TYPE}`,
    'body_type_unsupported',
  );
export const unsupportedEncoding = () =>
  new OAuthError(415, 'unsupported_media_type', 'Send the body uncompressed, in UTF-8', 'body_encoding_unsupported');
export const truncatedBody = () => invalidRequest('The request body ended before it was complete', 'body_truncated');
/**
 * A body that stalls is answered when the request's deadline (`timeoutMs`) passes, and the rest of it is not read: a
 * token request is well under 1 kB, and a client that takes seconds to send one holds a connection for nothing.
 */
export const bodyTimedOut = () =>
  new OAuthError(408, 'invalid_request', 'The request body did not arrive in time', 'request_timeout', {}, true);

/** The media type of a Content-Type header, lower case, and whether its charset (if any) is UTF-8. */
export function contentType(header: string | undefined): { type: string; utf8: boolean } {
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

/** Whether a Content-Encoding header leaves the body as it is. */
export function identityEncoding(header: string | undefined): boolean {
  return header === undefined || header.toLowerCase() === 'identity';
}

/** One part of a form, decoded; a malformed escape is refused by decodeURIComponent, and read as URLSearchParams does. */
function formPart(text: string): string {
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return new URLSearchParams(`x=${text}`).get('x')!;
  }
}

/** A form body as fields; a field given twice becomes an array, which no field of ours accepts (see optionalString). */
export function formFields(text: string): Record<string, unknown> {
  // No prototype: a field named __proto__ is a field like any other.
  const fields = Object.create(null) as Record<string, unknown>;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = formPart(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : formPart(pair.slice(equals + 1));
    const seen = fields[name];
    fields[name] = seen === undefined ? value : Array.isArray(seen) ? [...(seen as string[]), value] : [seen, value];
  }
  return fields;
}

/** A body of a known media type as fields. A byte order mark before it is no part of it, whichever the door. */
export function parseBody(type: string, text: string): Fields {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body === '') return {};
  if (type === FORM_TYPE) return formFields(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body) as unknown;
  } catch {
    throw invalidRequest('The request body is not valid JSON', 'body_malformed');
  }
  return checkedFields(parsed);
}

/** A parsed body (ours, or a host's parser's) is a record of fields, or a 400. A raw parser's Buffer is not one. */
export function checkedFields(body: unknown): Fields {
  if (!isRecord(body) || ArrayBuffer.isView(body))
    throw invalidRequest('The request body must be a JSON object or a form', 'body_malformed');
  return body;
}

/** A string field; a missing, null or empty one is `undefined` (an empty field is a missing one, for every client). */
export function optionalString(fields: Fields, name: string): string | undefined {
  const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalidRequest(`${name} must be a single string`, 'field_malformed');
  return value;
}

export function requiredString(fields: Fields, name: string): string {
  const value = optionalString(fields, name);
  if (value === undefined) throw invalidRequest(`${name} is required`, 'field_missing');
  return value;
}

/** What the body rules need of a request, whichever door it came through. */
export interface BodySource {
  /** A header's value by its lower-case name; undefined when absent. */
  header(name: string): string | undefined;
  /**
   * The body as UTF-8 text, or undefined the moment it passes `limit` bytes. Rejects when it ends before it is whole,
   * and with `bodyTimedOut()` once `deadlineMs` has passed, when what is left of it is no longer read.
   */
  readBody(limit: number, deadlineMs: number): Promise<string | undefined>;
  /**
   * What a host's body parser made of the body, when it read all of it before the door could (Express's `req.body`);
   * undefined when the body is still unread.
   */
  parsedBody(): unknown;
  /** True when someone began to read the body and left it unfinished: nobody can read it whole any more. */
  bodyTaken(): boolean;
}

/** True when the headers promise no body: no Transfer-Encoding, and no Content-Length or one of 0. */
function noBody(request: BodySource): boolean {
  const length = request.header('content-length');
  return request.header('transfer-encoding') === undefined && (length === undefined || Number(length) === 0);
}

async function readText(request: BodySource, deadlineMs: number): Promise<string> {
  let text: string | undefined;
  try {
    text = await request.readBody(BODY_LIMIT_BYTES, deadlineMs);
  } catch (thrown) {
    throw thrown instanceof OAuthError ? thrown : truncatedBody();
  }
  if (text === undefined) throw payloadTooLarge();
  return text;
}

/**
 * The request's fields, by the rules every door shares: a form or JSON body in UTF-8 of 16 kB at most, read here
 * unless a host's parser read it first, within `deadlineMs`; a request with no body has no fields; anything else is a
 * 415, 413, 408 or 400.
 */
export async function readFields(request: BodySource, deadlineMs: number): Promise<Fields> {
  const { type, utf8 } = contentType(request.header('content-type'));
  const known = type === FORM_TYPE || type === JSON_TYPE;
  const parsed = request.parsedBody();
  if (parsed !== undefined) {
    if (!known && type !== '') throw unsupportedMediaType();
    return checkedFields(parsed);
  }
  if (known) {
    if (!utf8 || !identityEncoding(request.header('content-encoding'))) throw unsupportedEncoding();
    if (Number(request.header('content-length')) > BODY_LIMIT_BYTES) throw payloadTooLarge();
    if (request.bodyTaken()) {
      throw serverError('The request body was consumed before the token server could read it', 'body_consumed');
    }
    return parseBody(type, await readText(request, deadlineMs));
  }
  if (type === '' && noBody(request)) return {};
  throw unsupportedMediaType();
}
