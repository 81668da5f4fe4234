// Reading a Node request's body (form or JSON, UTF-8, 16 kB at most) into fields, unless the host app's parser did.
import type { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { serverError } from './core/errors.js';
import {
  BODY_LIMIT_BYTES,
  FORM_TYPE,
  JSON_TYPE,
  checkedFields,
  contentType,
  identityEncoding,
  parseBody,
  payloadTooLarge,
  truncatedBody,
  unsupportedEncoding,
  unsupportedMediaType,
  type Fields,
} from './core/fields.js';

/** A request as Express, Connect or node:http hands it over; a host app's body parser may have set `body`. */
export type BodyRequest = IncomingMessage & { body?: unknown };

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

/**
 * A Node request's whole body as UTF-8, or undefined the moment it passes `limit` bytes (the rest is left unread).
 * Rejects when the request ends before its body is complete. The router and the mock Spotify both read with it.
 */
export function readCappedBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (settle: () => void) => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort);
      settle();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(() => resolve(undefined));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(() => resolve(Buffer.concat(chunks, size).toString('utf8')));
    const onAbort = () => finish(() => reject(new Error('The request body ended before it was complete')));
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onAbort);
  });
}

/** The whole body as UTF-8, refused the moment it passes the limit. */
async function readText(req: IncomingMessage): Promise<string> {
  let text: string | undefined;
  try {
    text = await readCappedBody(req, BODY_LIMIT_BYTES);
  } catch {
    throw truncatedBody();
  }
  if (text === undefined) throw payloadTooLarge();
  return text;
}

// node:querystring is faster than URLSearchParams here, and makes a field given twice an array just the same.
const parseForm = (text: string) => parseQuery(text, '&', '=', { maxKeys: 0 });

/**
 * The request's fields. Form and JSON bodies are read here unless the host app's parser already read them;
 * a request with no body has no fields; anything else is a 415, 413 or 400.
 */
export async function readFields(req: BodyRequest): Promise<Fields> {
  const { type, utf8 } = contentType(req.headers['content-type']);
  const known = type === FORM_TYPE || type === JSON_TYPE;
  if (alreadyRead(req)) {
    if (!known && type !== '') throw unsupportedMediaType();
    return checkedFields(req.body ?? {});
  }
  if (known) {
    if (!utf8 || !identityEncoding(req.headers['content-encoding'])) throw unsupportedEncoding();
    if (declaredLength(req) > BODY_LIMIT_BYTES) throw payloadTooLarge();
    if (req.readableDidRead)
      throw serverError('The request body was consumed before the token router could read it', 'body_consumed');
    return parseBody(type, await readText(req), parseForm);
  }
  if (type === '' && declaredLength(req) === 0) return {};
  throw unsupportedMediaType();
}
