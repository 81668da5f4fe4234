// What every door shares about request bodies: the limit, the two media types, their refusals, and reading fields.
import { OAuthError, invalidRequest } from './errors.js';
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
    { Connection: 'close' },
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

/** The media type of a Content-Type header, lower case, and whether its charset (if any) is UTF-8. */
export function contentType(header: string | null | undefined): { type: string; utf8: boolean } {
  if (header === undefined || header === null) return { type: '', utf8: true };
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
export function identityEncoding(header: string | null | undefined): boolean {
  return header === undefined || header === null || header.toLowerCase() === 'identity';
}

/** A form body as fields; a field given twice becomes an array, which no field of ours accepts (see optionalString). */
export function formFields(text: string): Record<string, unknown> {
  // No prototype: a field named __proto__ is a field like any other.
  const fields = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of new URLSearchParams(text)) {
    const seen: unknown = Object.hasOwn(fields, name) ? fields[name] : undefined;
    fields[name] = seen === undefined ? value : Array.isArray(seen) ? [...(seen as string[]), value] : [seen, value];
  }
  return fields;
}

/** A body of a known media type as fields: `parseForm` reads forms (node:querystring on Node, formFields elsewhere). */
export function parseBody(type: string, text: string, parseForm: (text: string) => unknown): Fields {
  if (text === '') return {};
  let body: unknown;
  if (type === FORM_TYPE) {
    body = parseForm(text);
  } else {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      throw invalidRequest('The request body is not valid JSON', 'body_malformed');
    }
  }
  return checkedFields(body);
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
