// Node's side of a request: its body read within a cap, and an answer written with plain response calls, so that the
// router works under Express 4 and 5, Connect and node:http. The mock Spotify reads bodies with it too.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Answer } from '../core/answer.js';
import { jsonAnswer } from '../core/answer.js';
import { bodyTimedOut } from '../core/fields.js';

/**
 * A Node request's whole body as UTF-8, or undefined the moment it passes `limit` bytes (the rest is left unread).
 * Rejects when the request ends before its body is complete, and with `bodyTimedOut()` when it is not complete within
 * `deadlineMs` (when given).
 */
export function readCappedBody(req: IncomingMessage, limit: number, deadlineMs?: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort);
      settle();
    };
    const timer =
      deadlineMs === undefined ? undefined : setTimeout(() => finish(() => reject(bodyTimedOut())), deadlineMs);
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

/** True once nothing more may be written: someone (a hook, a timeout) already answered, or the client left. */
function answered(res: ServerResponse): boolean {
  return res.headersSent || res.writableEnded || res.destroyed;
}

/**
 * Writes the core's answer in one writeHead (headers a hook set earlier, such as RateLimit-*, are merged in by Node),
 * unless the response was answered already. Gives the status the client got, or undefined when it got none.
 */
export function writeAnswer(res: ServerResponse, answer: Answer): number | undefined {
  if (!answered(res)) {
    const { headers, body } = answer;
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    else if (answer.status !== 204) headers['content-length'] = '0';
    if (answer.close === true) headers.connection = 'close';
    res.writeHead(answer.status, headers);
    res.end(body);
  }
  return res.headersSent ? res.statusCode : undefined;
}

/** Answers `status` with `body` as JSON: the standalone server's own answers (health, 404, 503). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: object,
  headers?: Readonly<Record<string, string>>,
): void {
  writeAnswer(res, jsonAnswer(status, body, headers));
}
