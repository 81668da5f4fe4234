// Reading a Fetch API Request's body (form or JSON, UTF-8, 16 kB at most) into fields, by the rules every door shares.
import { serverError } from '../core/errors.js';
import * as fields from '../core/fields.js';
import { declaresMoreThan, readCapped } from './read-capped.js';

async function readText(request: Request): Promise<string> {
  let text: string | undefined;
  try {
    text = await readCapped(request.body, fields.BODY_LIMIT_BYTES);
  } catch {
    throw fields.truncatedBody();
  }
  if (text === undefined) throw fields.payloadTooLarge();
  return text;
}

/** The request's fields: a form or JSON body, read here; no body, no fields; anything else a 415, 413 or 400. */
export async function requestFields(request: Request): Promise<fields.Fields> {
  const { type, utf8 } = fields.contentType(request.headers.get('content-type'));
  if (type === fields.FORM_TYPE || type === fields.JSON_TYPE) {
    if (!utf8 || !fields.identityEncoding(request.headers.get('content-encoding'))) throw fields.unsupportedEncoding();
    if (declaresMoreThan(request.headers, fields.BODY_LIMIT_BYTES)) throw fields.payloadTooLarge();
    if (request.bodyUsed)
      throw serverError('The request body was consumed before the token handler could read it', 'body_consumed');
    return fields.parseBody(type, await readText(request), fields.formFields);
  }
  // No type and no body, as the router sees it: some runtimes hand an empty stream rather than null for a POST that
  // declares no length (curl -X POST) or a length of 0.
  const length = request.headers.get('content-length');
  const chunked = request.headers.get('transfer-encoding') !== null;
  if (type === '' && (request.body === null || length === '0' || (length === null && !chunked))) return {};
  throw fields.unsupportedMediaType();
}
