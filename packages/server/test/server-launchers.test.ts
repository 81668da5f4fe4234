// The standalone server started the way hosts start it by mistake: through `npm start` or `npx`, which end on
// SIGTERM without passing it on. The server must notice, answer what it has in flight, free its port and exit. The
// same through npx, from the packed package, is in package.test.ts.
import { fileURLToPath } from 'node:url';
import { drainsWhenItsLauncherIsSignalled } from '../../../test/helpers/processes.js';
import { sharedMockSpotify } from '../../../test/helpers/mock.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const spotify = sharedMockSpotify();

it(
  'npm start: drains and exits when npm, signalled, leaves it behind',
  () => drainsWhenItsLauncherIsSignalled(spotify, 'npm', ['start', '--silent'], root),
  30_000,
);
