// POST /client-token: an app-only access token (Spotify's client credentials grant), for calls that need no user.
// One call to Spotify per token lifetime however many clients ask: the token is kept until shortly before it ends,
// and a call under way is shared by every request that comes meanwhile.
import type { SpotifyClient, UpstreamTrace } from '../spotify.js';

/** What a client gets: the token and how long it has left. */
export interface ClientTokenAnswer {
  access_token: string;
  token_type: string;
  expires_in: number;
}

/** A token is handed out only while it has this long left (or half its lifetime, for a short one). */
const MIN_LEFT_MS = 5 * 60_000;

interface Kept {
  accessToken: string;
  tokenType: string;
  expiresAt: number;
  /** When it stops being handed out. */
  renewAt: number;
}

export function clientTokenHandler(spotify: SpotifyClient) {
  let kept: Kept | undefined;
  let pending: Promise<Kept> | undefined;

  async function fetchToken(trace: UpstreamTrace): Promise<Kept> {
    const askedAt = Date.now();
    const tokens = await spotify.clientCredentials(trace);
    const lifetime = tokens.expires_in * 1000;
    // Counted from the call, not the answer: the token is never thought to live longer than it does.
    const expiresAt = askedAt + lifetime;
    return {
      accessToken: tokens.access_token,
      tokenType: tokens.token_type,
      expiresAt,
      renewAt: expiresAt - Math.min(MIN_LEFT_MS, lifetime / 2),
    };
  }

  return async function clientToken(_fields: unknown, trace: UpstreamTrace): Promise<ClientTokenAnswer> {
    if (kept === undefined || Date.now() >= kept.renewAt) {
      // A failed call is not kept: the next request asks again.
      pending ??= fetchToken(trace).finally(() => (pending = undefined));
      kept = await pending;
    }
    return {
      access_token: kept.accessToken,
      token_type: kept.tokenType,
      expires_in: Math.max(0, Math.floor((kept.expiresAt - Date.now()) / 1000)),
    };
  };
}
