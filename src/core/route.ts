// What a route is (its path, method and handler), and what the core asks of a request, whichever door it came through.
import type { Answer } from './answer.js';
import { jsonAnswer } from './answer.js';
import { readFields, type BodySource, type Fields } from './fields.js';
import type { TokenSwapRoute } from './logging.js';
import type { UpstreamTrace } from './spotify.js';

/**
 * A request as a door hands it to the core: each door makes one of its host's request, and reads nothing of it
 * before the core asks.
 */
export interface DoorRequest extends BodySource {
  /** The method, upper case as the client sent it. */
  readonly method: string;
  /** The request target: a path with its query (`/swap?a=1`), or an absolute URL (a Fetch API `request.url`). */
  readonly target: string;
}

/** One method on one path. Several routes may share a path; the others' methods make up its `Allow`. */
export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  event: TokenSwapRoute;
  handle(request: DoorRequest, trace: UpstreamTrace): Promise<Answer>;
}

/** A POST route whose handler reads the body's fields (within `deadlineMs`) and answers 200 with JSON. */
export function postRoute(
  path: string,
  event: TokenSwapRoute,
  deadlineMs: number,
  handler: (fields: Fields, trace: UpstreamTrace) => Promise<object>,
): Route {
  return {
    method: 'POST',
    path,
    event,
    handle: async (request, trace) => jsonAnswer(200, await handler(await readFields(request, deadlineMs), trace)),
  };
}
