// The check page's login: a fresh state and PKCE verifier per attempt, kept in an HttpOnly cookie that only the
// callback reads, so that a callback this browser did not start is refused.
import { createHash, randomBytes } from 'node:crypto';
import { equalStrings } from '../../equal-strings.js';

const COOKIE = 'check_login';
/** As long as Spotify's consent may take a person; a code is good for minutes after that. */
const COOKIE_MAX_AGE_SECONDS = 600;

export interface LoginAttempt {
  state: string;
  verifier: string;
}

export function newAttempt(): LoginAttempt {
  // 32 bytes of state; a 64-character verifier, inside RFC 7636's 43 to 128.
  return { state: randomBytes(32).toString('base64url'), verifier: randomBytes(48).toString('base64url') };
}

export function challengeOf(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/**
 * Lax, not Strict: Spotify sends the browser back with a cross-site navigation, on which a Strict cookie is left out.
 * The path keeps it off every route but the check page's.
 */
export function attemptCookie(attempt: LoginAttempt | undefined, path: string, secure: boolean): string {
  const value = attempt === undefined ? '' : `${attempt.state}.${attempt.verifier}`;
  const age = attempt === undefined ? 0 : COOKIE_MAX_AGE_SECONDS;
  return `${COOKIE}=${value}; Path=${path}; Max-Age=${age}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** The attempt whose state matches the one Spotify sent back, or undefined. */
export function matchingAttempt(cookieHeader: string | undefined, state: unknown): LoginAttempt | undefined {
  if (typeof state !== 'string' || state === '') return undefined;
  const pair = (cookieHeader ?? '')
    .split(';')
    .map((item) => item.trim())
    .find((item) => item.startsWith(`${COOKIE}=`));
  const [kept, verifier] = (pair?.slice(COOKIE.length + 1) ?? '').split('.');
  if (kept === undefined || verifier === undefined || kept === '' || verifier === '') return undefined;
  return equalStrings(kept, state) ? { state: kept, verifier } : undefined;
}
