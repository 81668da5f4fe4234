// Running the rateLimit hook's middlewares, and turning any error answer they write into the documented JSON.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  DEFAULT_RETRY_AFTER_SECONDS,
  RATE_LIMITED_DESCRIPTION,
  codeForStatus,
  errorBody,
  retryAfterSeconds,
} from './core/errors.js';
import type { Middleware } from './options.js';
import { sendJson } from './respond.js';

/**
 * A hook that answers by itself (express-rate-limit's 429, an IP filter's 403) writes its own body and type;
 * clients need the documented `{error, error_description}` JSON and an integer Retry-After instead. The hook's
 * status and other headers (RateLimit-*) are kept.
 */
function rewriteErrorAnswer(res: ServerResponse): void {
  const status = res.statusCode;
  const code = codeForStatus(status);
  const headers: Record<string, string> = {};
  if (status === 429) {
    headers['Retry-After'] = String(retryAfterSeconds(res.getHeader('retry-after')) ?? DEFAULT_RETRY_AFTER_SECONDS);
  }
  res.removeHeader('ETag');
  const description = status === 429 ? RATE_LIMITED_DESCRIPTION : 'The request was refused';
  sendJson(res, status, errorBody(code, description), headers);
}

/**
 * Runs one Connect/Express middleware. Resolves true when it calls `next()`, false when it answered the request
 * itself (or the client went away); rejects when it throws, rejects or calls `next(error)`.
 */
export function runMiddleware(middleware: Middleware, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  return new Promise((resolve, reject) => {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was, and called with apply(res)
    const originalEnd = res.end;
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      res.end = originalEnd;
      res.off('close', onClose);
      finish();
    };
    const onClose = (): void => settle(() => resolve(false));
    res.once('close', onClose);

    res.end = function end(this: ServerResponse, ...args: unknown[]) {
      settle(() => resolve(false));
      if (!res.headersSent && res.statusCode >= 400) {
        rewriteErrorAnswer(res);
        return res;
      }
      return (originalEnd as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['end'];

    const fail = (error: unknown): void =>
      settle(() => reject(error instanceof Error ? error : new Error('A rateLimit hook failed')));
    const next = (error?: unknown): void =>
      error === undefined || error === null ? settle(() => resolve(true)) : fail(error);
    try {
      const result = middleware(req, res, next);
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  });
}
