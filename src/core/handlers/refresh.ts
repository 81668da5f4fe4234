// POST /refresh: a sealed refresh token opened, refreshed with Spotify, and the rotated one (if any) sealed; with
// sessions on, the session keeper's.
import { requiredString, type Fields } from '../fields.js';
import { invalidGrant } from '../errors.js';
import type { TokenSwapConfig } from '../options.js';
import type { SpotifyClient, TokenAnswer, UpstreamTrace } from '../spotify.js';
import type { Sessions } from './sessions.js';
import { isCurrent, loginEndsIn, openRefreshToken, sealRefreshToken } from './seal.js';

const LOST = new Set(['null', '(null)', 'undefined', 'nil']);

export function refreshHandler(config: TokenSwapConfig, spotify: SpotifyClient, sessions: Sessions | undefined) {
  return async function refresh(fields: Fields, trace: UpstreamTrace): Promise<TokenAnswer> {
    const sealed = requiredString(fields, 'refresh_token');
    // What some iOS SDK versions send once they have lost the token: no server could refresh it.
    if (LOST.has(sealed)) {
      throw invalidGrant(
        'The app lost its refresh token (it sent null): the user must log in again',
        'refresh_token_lost',
      );
    }
    if (sessions !== undefined) return sessions.refresh(sealed, trace);
    const { refreshToken, loginAt } = await openRefreshToken(config.cipher, sealed);
    const tokens = await spotify.refresh(refreshToken, trace);
    // Spotify may rotate the token; when it does not, the one sent stays valid and goes back as it came, so that
    // no client ever stores null, unless it was sealed with a key that is being retired: then it is sealed afresh.
    // Either way the login's time goes with it: a refresh does not move the end of a login.
    let next: string;
    if (tokens.refresh_token !== undefined) {
      next = await sealRefreshToken(config.cipher, { refreshToken: tokens.refresh_token, loginAt }, true);
    } else if (await isCurrent(config.cipher, sealed)) {
      next = sealed;
    } else {
      next = await sealRefreshToken(config.cipher, { refreshToken, loginAt }, true);
    }
    return {
      ...tokens,
      refresh_token: next,
      ...(loginAt === undefined ? {} : { refresh_token_expires_in: loginEndsIn(loginAt) }),
    };
  };
}
