// Runs in every test file: after its last test, no log line written by any harness may hold a remembered secret.
import { leaksSoFar } from './helpers/secrets.js';

afterAll(() => {
  expect(leaksSoFar()).toEqual([]);
});
