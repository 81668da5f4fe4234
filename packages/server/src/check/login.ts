// The check page's login: a fresh state and PKCE verifier per attempt, kept in an HttpOnly cookie that only the
// callback reads, and signed with a key made at start-up, so that a callback this browser did not start (or a cookie
// another page of the same host planted for a login of its own) is refused.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { equalStrings } from 'spotify-token-swap/internal';

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

export interface LoginCookie {
  /** The Set-Cookie value that keeps `attempt`, or (undefined) spends the one kept. */
  set(attempt: LoginAttempt | undefined): string;
  /** The attempt this browser's cookie keeps, when it is genuine and its state is the one Spotify sent back. */
  match(cookieHeader: string | undefined, state: unknown): LoginAttempt | undefined;
}

/**
 * The login cookie of a check page at `path`. Over HTTPS it is `__Host-` prefixed, which browsers accept only from a
 * secure origin with Path=/ and no Domain: no sibling subdomain or plain-http page can set one. Cookies ignore ports,
 * so another server on the same host could still set the plain one: the value carries an HMAC of the attempt under a
 * key this process made, which nobody else holds. Lax, not Strict: Spotify sends the browser back with a cross-site
 * navigation, on which a Strict cookie is left out.
 */
export function loginCookie(path: string, secure: boolean): LoginCookie {
  const key = randomBytes(32);
  const name = secure ? '__Host-check_login' : 'check_login';
  const attributes = `Path=${secure ? '/' : path}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  const mac = ({ state, verifier }: LoginAttempt) =>
    createHmac('sha256', key).update(`${state}.${verifier}`).digest('base64url');
  return {
    set(attempt) {
      const value = attempt === undefined ? '' : `${attempt.state}.${attempt.verifier}.${mac(attempt)}`;
      return `${name}=${value}; Max-Age=${attempt === undefined ? 0 : COOKIE_MAX_AGE_SECONDS}; ${attributes}`;
    },
    match(cookieHeader, state) {
      if (typeof state !== 'string' || state === '') return undefined;
      const pair = (cookieHeader ?? '')
        .split(';')
        .map((item) => item.trim())
        .find((item) => item.startsWith(`${name}=`));
      const [kept, verifier, signature, ...rest] = (pair?.slice(name.length + 1) ?? '').split('.');
      if (kept === undefined || verifier === undefined || signature === undefined || rest.length > 0) return undefined;
      const attempt = { state: kept, verifier };
      return equalStrings(signature, mac(attempt)) && equalStrings(kept, state) ? attempt : undefined;
    },
  };
}
