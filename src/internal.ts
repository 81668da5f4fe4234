// spotify-token-swap/internal: what this repository's standalone server package (spotify-token-swap-server) uses of
// the library beyond its public API. It makes no promise of stability: the server depends on this exact version.
export { NOT_FOUND, RATE_LIMITED_DESCRIPTION, errorBody, serverError } from './core/errors.js';
export type { ErrorBody, TokenSwapReason } from './core/errors.js';
export { originFix } from './core/cors.js';
export { readCapped } from './core/fetch-transport.js';
export { DEFAULT_ACCOUNTS_URL, DEFAULT_TIMEOUT_MS, serviceUrlProblem } from './core/options.js';
export { pathOf } from './core/paths.js';
export { redirectUriProblems } from './core/redirect-uri-lint.js';
export { errorCode, parseUrl } from './core/values.js';
export { equalStrings } from './equal-strings.js';
export { escapeHtml } from './html.js';
export { sendJson } from './node/http.js';
export { MAX_CONNECTIONS } from './node/spotify.js';
