// The check page's "logged in as": Spotify's GET /v1/me asked from the server, so that the page loads and connects
// only to its own origin, and only the profile's name, id and plan travel back.
const TIMEOUT_MS = 5_000;
const MAX_BYTES = 64 * 1024;

export interface ProfileAnswer {
  status: number;
  body: Record<string, string>;
}

async function cappedText(res: Response): Promise<string | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of (res.body ?? []) as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const badGateway = (description: string): ProfileAnswer => ({
  status: 502,
  body: { error: 'bad_gateway', error_description: description },
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
    profile = JSON.parse((await cappedText(res)) ?? '');
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
