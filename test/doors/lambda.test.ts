// The shared door cases through the Lambda adapter, as Function URL events (payload format 2.0) whose raw path is
// the path as the client wrote it.
import { lambdaHandler } from '../../src/lambda/index.js';
import { casesFor } from './cases.js';
import { FETCH_DOOR_OPTIONS, fetchDoorFor } from './fetch-door.js';
import { functionUrlEvent, responseOf } from '../helpers/lambda-events.js';
import { sharedMockSpotify } from '../helpers/mock.js';

const spotify = sharedMockSpotify();

describe('the Fetch handler through Function URL events', () => {
  for (const doorCase of casesFor(FETCH_DOOR_OPTIONS)) {
    it(doorCase.name, () => {
      const handler = lambdaHandler(fetchDoorFor(spotify));
      return doorCase.run({
        spotify,
        send: async (path, init) => responseOf(await handler(functionUrlEvent(path, init))),
      });
    });
  }
});
