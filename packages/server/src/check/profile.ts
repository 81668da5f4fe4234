// The check page's "logged in as": Spotify's GET /v1/me asked from the server, so that the page loads and connects
// only to its own origin, and only the profile's name, id and plan travel back.
import { errorBody } from 'spotify-token-swap/internal';
import { readCapped } from 'spotify-token-swap/internal';

const TIMEOUT_MS = 5_000;
const MAX_BYTES = 64 * 1024;

export interface ProfileAnswer {
  status: number;
  body: object;
}

const badGateway = (description: string): ProfileAnswer => ({
  status: 502,
  body: errorBody('bad_gateway', description),
});

export async function fetchProfile(apiUrl: string, accessToken: string): Promise<ProfileAnswer> {
  let res: Response;
  try {
    res = await fetch(new URL(`${apiUrl.replace(/\/+$/, '')}/v1/me`), {
      headers: { authorization: `Bearer ${accessToken}` },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    return badGateway("Spotify's /v1/me could not be reached in time");
  }
  let profile: unknown;
  try {
    profile = JSON.parse((await readCapped(res.body, MAX_BYTES)) ?? '');
  } catch {
    profile = undefined;
  }
  if (!res.ok) return badGateway(`Spotify's /v1/me answered ${res.status}`);
  if (typeof profile !== 'object' || profile === null) return badGateway("Spotify's /v1/me answered no profile");
  const body: Record<string, string> = {};
  for (const key of ['id', 'display_name', 'product'] as const) {
    const value = (profile as Record<string, unknown>)[key];
    if (typeof value === 'string') body[key] = value;
  }
  return { status: 200, body };
}
