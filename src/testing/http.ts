// Reading the mock's requests and writing its answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readCappedBody } from '../node/http.js';

const MAX_BODY_BYTES = 64 * 1024;

/** The request's body; a body past the limit ends the connection, as a server that will not read it would. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const text = await readCappedBody(req, MAX_BODY_BYTES);
  if (text === undefined) {
    req.destroy();
    throw new Error('body too large');
  }
  return text;
}

/** A request's form fields; a body that is not a form has none. */
export function parseForm(req: IncomingMessage, text: string): Record<string, string> {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return {};
  return Object.fromEntries(new URLSearchParams(text));
}

export function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** Resolves when `res` can take more, or is gone. */
export function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}
