// The check page's login: a fresh state and PKCE verifier per attempt, kept in an HttpOnly cookie that only the
// callback reads, and signed with a key made at start-up, so that a callback this browser did not start (or a cookie
// another page of the same host planted for a login of its own) is refused. The server also keeps each state it handed
// out until its callback spends it or it expires, whatever the browser keeps: no callback works twice, or late.
// The states live in this process: behind several instances, the login must come back to the one that started it.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { equalStrings } from 'spotify-token-swap/internal';

/** As long as Spotify's consent may take a person; a code is good for minutes after that. */
const ATTEMPT_SECONDS = 600;
/** Logins started and not yet back: past this many, the oldest is forgotten (a page for one person at a time). */
const MAX_PENDING = 100;

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
  /** The Set-Cookie value that keeps `attempt` (and the server keeps its state), or (undefined) clears the cookie. */
  set(attempt: LoginAttempt | undefined): string;
  /**
   * The attempt this browser's cookie keeps, when it is genuine, its state is the one Spotify sent back, and that
   * state is still pending here. The state is spent either way.
   */
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
  /** Each pending state, by when it expires: in the order they were handed out. */
  const pending = new Map<string, number>();
  const keep = (state: string) => {
    const now = Date.now();
    for (const [kept, expires] of pending) {
      if (expires > now && pending.size < MAX_PENDING) break;
      pending.delete(kept);
    }
    pending.set(state, now + ATTEMPT_SECONDS * 1000);
  };
  /** Whether `state` was pending, and still in time; it is not any more. */
  const spend = (state: string) => {
    const expires = pending.get(state);
    pending.delete(state);
    return expires !== undefined && expires > Date.now();
  };
  const name = secure ? '__Host-check_login' : 'check_login';
  const attributes = `Path=${secure ? '/' : path}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  const mac = ({ state, verifier }: LoginAttempt) =>
    createHmac('sha256', key).update(`${state}.${verifier}`).digest('base64url');
  return {
    set(attempt) {
      if (attempt !== undefined) keep(attempt.state);
      const value = attempt === undefined ? '' : `${attempt.state}.${attempt.verifier}.${mac(attempt)}`;
      return `${name}=${value}; Max-Age=${attempt === undefined ? 0 : ATTEMPT_SECONDS}; ${attributes}`;
    },
    match(cookieHeader, state) {
      if (typeof state !== 'string' || state === '' || !spend(state)) return undefined;
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
