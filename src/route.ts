// What a route is: its path, methods and handler, and the reply a handler gives (JSON, or a redirect).
import { readFields, type BodyRequest, type Fields } from './body.js';
import type { TokenSwapRoute } from './logging.js';
import type { UpstreamTrace } from './spotify.js';

/** What a handler answers: JSON, or (legacy browser legs only) a redirect. */
export type Reply = { status: number; body: object } | { status: number; location: string };

/** One method on one path. Several routes may share a path; the others' methods make up its `Allow`. */
export interface Route {
  method: 'GET' | 'POST';
  path: string;
  event: TokenSwapRoute;
  handle(req: BodyRequest, trace: UpstreamTrace): Promise<Reply>;
}

/** A POST route whose handler reads the body's fields and answers 200 with JSON. */
export function postRoute(
  path: string,
  event: TokenSwapRoute,
  handler: (fields: Fields, trace: UpstreamTrace) => Promise<object>,
): Route {
  return {
    method: 'POST',
    path,
    event,
    handle: async (req, trace) => ({ status: 200, body: await handler(await readFields(req), trace) }),
  };
}
