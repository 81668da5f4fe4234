// The Fetch handler as the shared cases need it built: CORS for the allowed origin, and a rateLimit hook that refuses
// a request with an x-refuse header (a verdict is how a Fetch hook refuses, whatever style is named).
import { aesGcmCipher, tokenSwapHandler, type TokenSwapHandlerOptions } from '../../src/fetch/index.js';
import type { MockSpotify } from '../../src/testing/index.js';
import { SECRETS, mockSpotifyOptions } from '../helpers/harness.js';
import { spyLogger } from '../helpers/secrets.js';
import { ALLOWED_ORIGIN, type DoorOption } from './cases.js';

export const FETCH_DOOR_OPTIONS: readonly DoorOption[] = ['cors', 'refusingHook', 'clientToken'];

export function fetchDoorFor(spotify: MockSpotify, extra: Partial<TokenSwapHandlerOptions> = {}) {
  return tokenSwapHandler({
    ...mockSpotifyOptions(spotify),
    cors: { origins: [ALLOWED_ORIGIN] },
    clientToken: true,
    hooks: {
      refreshTokenCipher: aesGcmCipher(SECRETS),
      logger: spyLogger,
      rateLimit: (request) => (request.headers.has('x-refuse') ? { allowed: false, retryAfterSeconds: 2.5 } : true),
    },
    ...extra,
  });
}
