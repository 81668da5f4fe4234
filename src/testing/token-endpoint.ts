// The mock's token endpoint, POST /api/token: client authentication, single-use codes bound to a redirect URI and a
// PKCE challenge, refresh tokens with optional rotation and revocation, and Spotify's OAuth error answers.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { equalStrings } from '../equal-strings.js';
import { rejectUnknownKeys } from '../core/unknown-keys.js';
import { remember } from './bounded.js';
import type { IssueCodeOptions } from './types.js';

export const DEFAULT_SCOPE = 'user-read-email user-read-private';
/**
 * The codes and the refresh tokens remembered at once; past it the oldest are forgotten, so that a demo that runs for
 * weeks (or is flooded) keeps its memory flat. Codes that expired this long ago are forgotten as new ones come.
 */
export const MAX_CODES = 10_000;
export const MAX_REFRESH_TOKENS = 10_000;
const FORGET_EXPIRED_CODES_AFTER_MS = 600_000;

export const DEFAULT_USER = 'mock-listener';

interface CodeRecord {
  redirectUri: string;
  scope: string;
  user: string;
  challenge: { value: string; method: 'S256' | 'plain' } | undefined;
  expiresAt: number;
}

interface TokenRecord {
  scope: string;
  user: string;
  revoked: boolean;
}

export interface Answer {
  status: number;
  body: object;
}

const ISSUE_CODE_KEYS = [
  'redirectUri',
  'scope',
  'codeChallenge',
  'codeChallengeMethod',
  'ttlMs',
  'user',
] as const satisfies readonly (keyof IssueCodeOptions)[];
const token = (bytes = 48) => randomBytes(bytes).toString('base64url');
const oauthError = (status: number, error: string, description: string): Answer => ({
  status,
  body: { error, error_description: description },
});

export interface TokenEndpointOptions {
  clientId: string;
  clientSecret: string;
  codeTtlMs: number;
  expiresIn: number;
  rotate: boolean;
  /** Told of every access token issued, so the Web API can accept it. */
  onAccessToken: (accessToken: string, scope: string, expiresIn: number, user: string) => void;
}

/** The token endpoint's state (codes and refresh tokens) and its answers. */
export function tokenEndpoint({
  clientId,
  clientSecret,
  codeTtlMs,
  expiresIn,
  rotate,
  onAccessToken,
}: TokenEndpointOptions) {
  const codes = new Map<string, CodeRecord>();
  const refreshTokens = new Map<string, TokenRecord>();

  function issueCode(codeOptions: IssueCodeOptions): string {
    if (typeof codeOptions !== 'object' || codeOptions === null) {
      throw new TypeError('issueCode: pass { redirectUri }, the redirect URI the code is bound to');
    }
    rejectUnknownKeys('issueCode', codeOptions, ISSUE_CODE_KEYS);
    if (typeof codeOptions.redirectUri !== 'string' || codeOptions.redirectUri === '') {
      throw new TypeError(
        'issueCode: redirectUri is required: the redirect URI the code is bound to (the one your router sends Spotify)',
      );
    }
    return issueBoundCode(codeOptions);
  }

  function issueBoundCode({
    redirectUri,
    scope = DEFAULT_SCOPE,
    codeChallenge,
    codeChallengeMethod = 'S256',
    ttlMs = codeTtlMs,
    user = DEFAULT_USER,
  }: IssueCodeOptions): string {
    const code = token(96);
    const now = Date.now();
    for (const [old, record] of codes) {
      if (record.expiresAt + FORGET_EXPIRED_CODES_AFTER_MS > now) break;
      codes.delete(old);
    }
    remember(codes, MAX_CODES, code, {
      redirectUri,
      scope,
      user,
      challenge: codeChallenge === undefined ? undefined : { value: codeChallenge, method: codeChallengeMethod },
      expiresAt: now + ttlMs,
    });
    return code;
  }

  function issueRefreshToken(scope: string, user: string): string {
    const value = token();
    remember(refreshTokens, MAX_REFRESH_TOKENS, value, { scope, user, revoked: false });
    return value;
  }

  function tokens({ scope, user }: { scope: string; user: string }, refreshToken: string | undefined): Answer {
    const accessToken = token();
    onAccessToken(accessToken, scope, expiresIn, user);
    const body: Record<string, unknown> = {
      access_token: accessToken,
      token_type: 'Bearer',
      scope,
      expires_in: expiresIn,
    };
    if (refreshToken !== undefined) body.refresh_token = refreshToken;
    return { status: 200, body };
  }

  function authenticate(req: IncomingMessage): Answer | undefined {
    const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (match === null) return oauthError(400, 'invalid_client', 'Invalid client');
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const id = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    if (colon < 0 || !equalStrings(id, clientId)) return oauthError(400, 'invalid_client', 'Invalid client');
    if (!equalStrings(secret, clientSecret)) return oauthError(400, 'invalid_client', 'Invalid client secret');
    return undefined;
  }

  function swap(form: Record<string, string>): Answer {
    const code = form.code ?? '';
    if (code === '') return oauthError(400, 'invalid_request', 'code must be supplied');
    const record = codes.get(code);
    // A code is good for one attempt, successful or not.
    codes.delete(code);
    if (record === undefined) return oauthError(400, 'invalid_grant', 'Invalid authorization code');
    if (Date.now() > record.expiresAt) return oauthError(400, 'invalid_grant', 'Authorization code expired');
    if (form.redirect_uri !== record.redirectUri) return oauthError(400, 'invalid_grant', 'Invalid redirect URI');
    if (record.challenge !== undefined) {
      const verifier = form.code_verifier ?? '';
      if (verifier === '') return oauthError(400, 'invalid_request', 'code_verifier required');
      const derived =
        record.challenge.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (!equalStrings(derived, record.challenge.value)) {
        return oauthError(400, 'invalid_grant', 'code_verifier was incorrect');
      }
    }
    return tokens(record, issueRefreshToken(record.scope, record.user));
  }

  function refresh(form: Record<string, string>): Answer {
    const presented = form.refresh_token ?? '';
    if (presented === '') return oauthError(400, 'invalid_request', 'refresh_token must be supplied');
    const record = refreshTokens.get(presented);
    if (record === undefined) return oauthError(400, 'invalid_grant', 'Invalid refresh token');
    // A token in use is remembered afresh: the bound forgets the tokens nobody uses, first.
    refreshTokens.delete(presented);
    refreshTokens.set(presented, record);
    if (record.revoked) return oauthError(400, 'invalid_grant', 'Refresh token revoked');
    if (!rotate) return tokens(record, undefined);
    record.revoked = true;
    return tokens(record, issueRefreshToken(record.scope, record.user));
  }

  /** The answer to one POST /api/token with these form fields. */
  function answer(req: IncomingMessage, form: Record<string, string>): Answer {
    const unauthenticated = authenticate(req);
    if (unauthenticated !== undefined) return unauthenticated;
    switch (form.grant_type) {
      case undefined:
      case '':
        return oauthError(400, 'unsupported_grant_type', 'grant_type parameter is missing');
      case 'authorization_code':
        return swap(form);
      case 'refresh_token':
        return refresh(form);
      case 'client_credentials':
        // An app-only token: no user, so no scope and no refresh token, as Spotify answers it.
        return { status: 200, body: { access_token: token(), token_type: 'Bearer', expires_in: expiresIn } };
      default:
        return oauthError(400, 'unsupported_grant_type', 'grant_type parameter is invalid');
    }
  }

  return {
    issueCode,
    issueRefreshToken,
    revoke(refreshToken: string): void {
      const record = refreshTokens.get(refreshToken);
      if (record !== undefined) record.revoked = true;
    },
    answer,
  };
}
