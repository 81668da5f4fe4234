// POST /refresh: a sealed refresh token opened, refreshed with Spotify, and the rotated one (if any) sealed.
import { requiredString, type Fields } from '../body.js';
import type { TokenSwapConfig } from '../options.js';
import type { SpotifyClient, TokenAnswer, UpstreamTrace } from '../spotify.js';
import { openRefreshToken, sealRefreshToken } from './seal.js';

export function refreshHandler(config: TokenSwapConfig, spotify: SpotifyClient) {
  return async function refresh(fields: Fields, trace: UpstreamTrace): Promise<TokenAnswer> {
    const sealed = requiredString(fields, 'refresh_token');
    const refreshToken = await openRefreshToken(config.cipher, sealed);
    const tokens = await spotify.refresh(refreshToken, trace);
    // Spotify may rotate the token; when it does not, the one sent stays valid and goes back as it came,
    // so that no client ever stores null (CONTRACT.md §3 rule 4).
    const next =
      tokens.refresh_token === undefined ? sealed : await sealRefreshToken(config.cipher, tokens.refresh_token);
    return { ...tokens, refresh_token: next };
  };
}
