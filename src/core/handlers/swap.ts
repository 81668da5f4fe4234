// POST /swap: an authorization code (and PKCE verifier) exchanged with Spotify for tokens, the refresh token sealed.
import { optionalString, requiredString, type Fields } from '../fields.js';
import { badGateway, invalidRequest } from '../errors.js';
import type { TokenSwapConfig } from '../options.js';
import type { SpotifyClient, TokenAnswer, UpstreamTrace } from '../spotify.js';
import type { Sessions } from './sessions.js';
import { keepsLoginTime, loginEndsIn, sealRefreshToken } from './seal.js';

/** RFC 7636 §4.1: 43 to 128 unreserved characters. Checked here so a malformed one never costs a Spotify call. */
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export function swapHandler(config: TokenSwapConfig, spotify: SpotifyClient, sessions: Sessions | undefined) {
  return async function swap(fields: Fields, trace: UpstreamTrace): Promise<TokenAnswer> {
    const code = requiredString(fields, 'code');
    const requested = optionalString(fields, 'redirect_uri');
    if (requested !== undefined && !config.redirectUris.has(requested)) {
      throw invalidRequest('redirect_uri is not one this server allows', 'redirect_uri_not_allowed');
    }
    const codeVerifier = optionalString(fields, 'code_verifier');
    if (codeVerifier !== undefined && !CODE_VERIFIER.test(codeVerifier)) {
      throw invalidRequest(
        'code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, "-", ".", "_" or "~"',
        'pkce_verifier_malformed',
      );
    }
    const tokens = await spotify.exchangeCode(
      { code, redirectUri: requested ?? config.redirectUri, codeVerifier },
      trace,
    );
    // Every client stores the swap's refresh token; some drop the session without one.
    if (tokens.refresh_token === undefined)
      throw badGateway('Spotify answered the swap without a refresh token', 'spotify_bad_answer');
    const loginAt = Date.now();
    if (sessions !== undefined)
      return sessions.start({ ...tokens, refresh_token: tokens.refresh_token }, loginAt, false);
    const sealed = await sealRefreshToken(config.cipher, { refreshToken: tokens.refresh_token, loginAt }, false);
    return {
      ...tokens,
      refresh_token: sealed,
      ...(keepsLoginTime(config.cipher) ? { refresh_token_expires_in: loginEndsIn(loginAt) } : {}),
    };
  };
}
