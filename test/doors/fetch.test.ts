// The shared door cases on the Fetch handler, called directly on Node under a base path.
import { casesFor } from './cases.js';
import { FETCH_DOOR_OPTIONS, fetchDoorFor } from './fetch-door.js';
import { sharedMockSpotify } from '../helpers/mock.js';

const spotify = sharedMockSpotify();

describe('the Fetch handler on Node', () => {
  for (const doorCase of casesFor([...FETCH_DOOR_OPTIONS, 'streamedBody'])) {
    it(doorCase.name, () => {
      const handle = fetchDoorFor(spotify, { basePath: '/spotify' });
      return doorCase.run({
        spotify,
        send: (path, init) => handle(new Request(`http://door.test/spotify${path}`, init)),
      });
    });
  }
});
