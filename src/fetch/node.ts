// spotify-token-swap/fetch on Node (its `node` export condition: Vercel and Netlify functions, Next.js on Node,
// Lambda): the same handler and cipher, sealing with node:crypto and calling Spotify through the router's connection
// pool, which cost far less CPU per request there than WebCrypto and fetch.
import { fetchDoor, type TokenSwapHandler, type TokenSwapHandlerOptions } from './handler.js';
import { nodeTransport } from '../node/spotify.js';

export * from './index.js';
export { aesGcmCipher } from '../node/cipher.js';

export function tokenSwapHandler(options: TokenSwapHandlerOptions): TokenSwapHandler {
  return fetchDoor(options, nodeTransport);
}
