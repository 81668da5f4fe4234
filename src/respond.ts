// Writing answers with plain Node response calls, so the router works under Express 4 and 5, Connect and node:http.
import type { ServerResponse } from 'node:http';
import type { OAuthError } from './core/errors.js';

/** True once nothing more may be written: someone (a hook, a timeout) already answered, or the client left. */
export function answered(res: ServerResponse): boolean {
  return res.headersSent || res.writableEnded || res.destroyed;
}

/**
 * Answers `status` with `body` as JSON. Token answers must not be cached (RFC 6749 §5.1), and neither
 * should errors about them, so every answer carries `Cache-Control: no-store`.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (answered(res)) return;
  const payload = JSON.stringify(body);
  // One writeHead instead of a setHeader per header: the answer is written on every request. Headers a hook set
  // earlier (RateLimit-*) are merged in by Node.
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
  });
  res.end(payload);
}

export function sendError(res: ServerResponse, error: OAuthError): void {
  sendJson(res, error.status, error.body, error.headers);
}
