// spotify-token-swap/testing: the mock Spotify, for this package's tests and for the tests of any backend that mounts it.
export { createMockSpotify } from './mock-spotify.js';
export type {
  FaultOptions,
  IssueCodeOptions,
  MockConnections,
  MockFault,
  MockRequest,
  MockSpotify,
  MockSpotifyOptions,
} from './types.js';
