// What a route is: its path, method and handler; what a handler sees of a request; the reply it gives.
import type { Fields } from './fields.js';
import type { TokenSwapRoute } from './logging.js';
import type { UpstreamTrace } from './spotify.js';

/** What a handler answers: JSON, or (legacy browser legs only) a redirect. */
export type Reply = { status: number; body: object } | { status: number; location: string };

/** What a handler may ask of a request, whichever door it came through. Each is read only when asked for. */
export interface RouteRequest {
  /** The query string's parameters. */
  query(): URLSearchParams;
  /** The body's fields (form or JSON); rejects with the documented 4xx for a body that cannot be read. */
  fields(): Promise<Fields>;
}

/** One method on one path. Several routes may share a path; the others' methods make up its `Allow`. */
export interface Route {
  method: 'GET' | 'POST';
  path: string;
  event: TokenSwapRoute;
  handle(request: RouteRequest, trace: UpstreamTrace): Promise<Reply>;
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
    handle: async (request, trace) => ({ status: 200, body: await handler(await request.fields(), trace) }),
  };
}
