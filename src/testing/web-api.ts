// The mock's Web API: GET /v1/me answers a made-up profile for the access tokens the token endpoint issued.
import type { IncomingMessage } from 'node:http';
import { remember } from './bounded.js';
import type { Answer } from './token-endpoint.js';

/** The access tokens remembered at once; past it the oldest are forgotten, so a long demo's memory stays flat. */
export const MAX_ACCESS_TOKENS = 10_000;

interface AccessTokenRecord {
  scope: string;
  user: string;
  expiresAt: number;
}

/** Spotify's Web API error shape, which differs from the accounts service's OAuth one. */
const webApiError = (status: number, message: string): Answer => ({ status, body: { error: { status, message } } });

/** The listener a token belongs to (`mock-listener` unless the code named another); scopes decide the rest. */
function profile(scope: string, user: string): Record<string, unknown> {
  const scopes = new Set(scope.split(' '));
  return {
    id: user,
    display_name: user === 'mock-listener' ? 'Mock Listener' : user,
    type: 'user',
    uri: `spotify:user:${user}`,
    ...(scopes.has('user-read-private') ? { country: 'SE', product: 'premium' } : {}),
    ...(scopes.has('user-read-email') ? { email: 'listener@example.com' } : {}),
  };
}

export function webApi() {
  const accessTokens = new Map<string, AccessTokenRecord>();

  return {
    remember: (accessToken: string, scope: string, expiresIn: number, user: string): void =>
      remember(accessTokens, MAX_ACCESS_TOKENS, accessToken, {
        scope,
        user,
        expiresAt: Date.now() + expiresIn * 1000,
      }),

    /** The answer to GET /v1/me. */
    me(req: IncomingMessage): Answer {
      const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (match === null) return webApiError(401, 'No token provided');
      const record = accessTokens.get(match[1]!);
      if (record === undefined) return webApiError(401, 'Invalid access token');
      if (Date.now() >= record.expiresAt) return webApiError(401, 'The access token expired');
      return { status: 200, body: profile(record.scope, record.user) };
    },
  };
}
