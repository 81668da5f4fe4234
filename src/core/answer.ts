// What the core answers, whichever door carries it: a status, its headers and a JSON text, or a redirect; and how an
// error becomes one.
import type { OAuthError, TokenSwapReason } from './errors.js';

/**
 * One answer, ready to write: every header it needs but Content-Length, which each door sets as its host wants.
 * `close` asks the door to close the connection after it (a body over the limit is left unread).
 */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  /** JSON text; absent for a redirect and a preflight. */
  body?: string;
  close?: boolean;
}

/** What the log says of a refusal or failure: the error code answered, and why. */
export interface Failure {
  code: string;
  reason: TokenSwapReason;
}

/** Answers of a token server are not cached (RFC 6749 §5.1), errors included. */
export function jsonAnswer(status: number, body: object, headers?: Readonly<Record<string, string>>): Answer {
  return {
    status,
    headers: {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      pragma: 'no-cache',
    },
    body: JSON.stringify(body),
  };
}

/** The legacy browser legs' answer: a 303 to `location`. */
export function redirectAnswer(location: string): Answer {
  return { status: 303, headers: { location, 'cache-control': 'no-store' } };
}

/** An error's answer: its status, its JSON body and its headers (Allow, Retry-After). */
export function errorAnswer(error: OAuthError): Answer {
  const answer = jsonAnswer(error.status, error.body, error.headers);
  if (error.close) answer.close = true;
  return answer;
}
