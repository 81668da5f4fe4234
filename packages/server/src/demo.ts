// Demo mode: the embedded mock Spotify, a demo code and refresh token, and a curl walk-through that works as printed.
import { randomBytes } from 'node:crypto';
import { aesGcmCipher, type RefreshTokenCipher } from 'spotify-token-swap';
import { createMockSpotify, type MockSpotify } from 'spotify-token-swap/testing';

export const DEMO_REDIRECT_URI = 'spotify-token-swap-demo://callback';

export interface Demo {
  spotify: MockSpotify;
  cipher: RefreshTokenCipher;
  /** The walk-through for a server listening at `url`, whose check page is at `checkUrl`. */
  /** The curl walk-through; with `handles`, how to log out too. */
  walkthrough(url: string, checkUrl: string, handles: boolean): Promise<string>;
}

/**
 * Starts the demo's mock Spotify, with `redirectUris` registered as an app's would be: its /authorize sends codes
 * nowhere else.
 */
export async function startDemo(
  cipher: RefreshTokenCipher | undefined,
  redirectUris: readonly string[],
): Promise<Demo> {
  // A demo may run for weeks: the mock keeps none of the requests (and Authorization headers) it sees.
  const spotify = await createMockSpotify({ keepRequests: 0, redirectUris: [DEMO_REDIRECT_URI, ...redirectUris] });
  // No secret was configured: a throwaway one, so tokens sealed in this run open only in this run.
  const demoCipher = cipher ?? aesGcmCipher(randomBytes(32).toString('base64url'));
  return {
    spotify,
    cipher: demoCipher,
    async walkthrough(url, checkUrl, handles) {
      const code = spotify.issueCode({ redirectUri: DEMO_REDIRECT_URI });
      const sealed = await demoCipher.encrypt(spotify.issueRefreshToken());
      return [
        '',
        `Open ${checkUrl} to log in through the mock Spotify and see the swap and refresh answers.`,
        '',
        'spotify-token-swap is running in demo mode: SPOTIFY_CLIENT_ID is not set, so a mock Spotify on',
        `${spotify.url} plays Spotify's part. Or try it with curl:`,
        '',
        '  # Swap an authorization code for tokens (a code works once: run it twice to see invalid_grant)',
        `  curl -s -X POST ${url}/swap -d code=${code}`,
        '',
        '  # Refresh with a sealed refresh token, as an app would after a swap',
        `  curl -s -X POST ${url}/refresh -d refresh_token=${sealed}`,
        '',
        ...(handles
          ? [
              '  # REFRESH_TOKENS=handles: the answers above carry a refresh handle (rh_...). Log out with it, then',
              '  # refresh with it to see invalid_grant',
              `  curl -s -X POST ${url}/revoke -d token=<the rh_... refresh_token>`,
              '',
            ]
          : []),
        '  # The health check',
        `  curl -s ${url}/healthz`,
        '',
        'Set SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET, SPOTIFY_REDIRECT_URI and TOKEN_ENCRYPTION_SECRETS to serve',
        'real Spotify. The README lists every variable.',
        '',
      ].join('\n');
    },
  };
}
