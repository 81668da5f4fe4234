// The shared door cases on the standalone server's bin, its routes at the root, with CORS_ORIGINS set and its own rate
// limit off (the cases send more than a minute's worth); its log lines join the suite's leak check.
import { ALLOWED_ORIGIN, casesFor } from '../../../test/doors/cases.js';
import { rawSend } from '../../../test/doors/raw-send.js';
import { REDIRECT_URI, SECRETS } from '../../../test/helpers/harness.js';
import { sharedMockSpotify } from '../../../test/helpers/mock.js';
import { startBin, type BinProcess } from '../../../test/helpers/processes.js';
import { logLines } from '../../../test/helpers/secrets.js';

const spotify = sharedMockSpotify();
let bin: BinProcess;

beforeAll(async () => {
  bin = await startBin({
    SPOTIFY_CLIENT_ID: spotify.clientId,
    SPOTIFY_CLIENT_SECRET: spotify.clientSecret,
    SPOTIFY_REDIRECT_URI: REDIRECT_URI,
    SPOTIFY_ACCOUNTS_URL: spotify.url,
    SPOTIFY_TIMEOUT_MS: '2000',
    TOKEN_ENCRYPTION_SECRETS: SECRETS.join(','),
    CORS_ORIGINS: ALLOWED_ORIGIN,
    RATE_LIMIT_PER_MINUTE: '0',
    CLIENT_TOKEN: '1',
  });
});

afterAll(async () => {
  await bin.stop();
  logLines.push(...bin.stdout().split('\n'));
});

describe("the standalone server's bin", () => {
  for (const doorCase of casesFor(['cors', 'streamedBody', 'clientToken'])) {
    it(doorCase.name, () => doorCase.run({ spotify, send: (path, init) => rawSend(bin.url, path, init) }));
  }
});
