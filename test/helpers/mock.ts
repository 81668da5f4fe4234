// One mock Spotify for a whole test file: started before its tests, its faults cleared after each, closed after the
// last, with the secrets it saw remembered for the leak check.
import { createMockSpotify, type MockSpotify, type MockSpotifyOptions } from '../../src/testing/index.js';
import { remember, rememberForm } from './secrets.js';

/** The file's mock; use it in tests and hooks, not while the file loads (it starts in a beforeAll). */
export function sharedMockSpotify(options?: MockSpotifyOptions): MockSpotify {
  let spotify: MockSpotify | undefined;
  beforeAll(async () => {
    spotify = await createMockSpotify(options);
    remember(spotify.clientSecret);
  });
  afterEach(() => spotify?.clearFaults());
  afterAll(async () => {
    for (const { form } of spotify?.requests ?? []) rememberForm(form);
    await spotify?.close();
  });
  return new Proxy({} as MockSpotify, {
    get(_target, key) {
      if (spotify === undefined) throw new Error('the mock Spotify starts in beforeAll: use it inside a test or hook');
      return Reflect.get(spotify, key) as unknown;
    },
  });
}
