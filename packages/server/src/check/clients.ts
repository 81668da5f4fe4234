// The clients the check page knows, written once: the set-up page's table of settings and the callback page's verdicts
// (check.js) both come from this list. What each client needs is docs/CONTRACT.md §2.
import { escapeHtml } from 'spotify-token-swap/internal';

/** How check.js judges an answer for the client; the rules themselves are in check.js. */
export type ClientRules =
  'ios-sdk' | 'net7' | 'net5' | 'react-native' | 'expo' | 'expo-spotify-sdk' | 'flutter' | 'flutter-web';

interface Client {
  name: string;
  rules: ClientRules;
  /** The client's settings, as HTML. */
  settings: string;
  /** Which of the server's addresses it takes. */
  takes: 'swap and refresh' | 'exchange';
}

export const CLIENTS: readonly Client[] = [
  {
    name: 'Spotify iOS SDK',
    rules: 'ios-sdk',
    settings: '<code>SPTConfiguration.tokenSwapURL</code><br /><code>tokenRefreshURL</code>',
    takes: 'swap and refresh',
  },
  {
    name: 'SpotifyAPI-NET 7',
    rules: 'net7',
    settings: '<code>TokenSwapTokenRequest</code><br /><code>TokenSwapRefreshRequest</code>',
    takes: 'swap and refresh',
  },
  { name: 'SpotifyAPI-NET 5', rules: 'net5', settings: '<code>TokenSwapAuth</code> exchange URL', takes: 'exchange' },
  {
    name: 'React Native (react-native-spotify-remote)',
    rules: 'react-native',
    settings: '<code>tokenSwapURL</code><br /><code>tokenRefreshURL</code>',
    takes: 'swap and refresh',
  },
  {
    name: 'Expo (expo-auth-session)',
    rules: 'expo',
    settings:
      'post <code>code</code>, <code>code_verifier</code>, <code>redirect_uri</code><br />post <code>refresh_token</code>',
    takes: 'swap and refresh',
  },
  {
    name: 'expo-spotify-sdk',
    rules: 'expo-spotify-sdk',
    settings: '<code>tokenSwapURL</code><br /><code>tokenRefreshURL</code>',
    takes: 'swap and refresh',
  },
  {
    name: 'Flutter spotify_sdk (Android, iOS)',
    rules: 'flutter',
    settings: 'the app posts the code <code>getSwapToken</code> hands it, as Expo',
    takes: 'swap and refresh',
  },
  {
    name: 'Flutter spotify_sdk (web)',
    rules: 'flutter-web',
    settings:
      "the plugin posts from the browser: <code>CORS_ORIGINS</code> with the page's origin, its redirect URI in " +
      '<code>SPOTIFY_ALLOWED_REDIRECT_URIS</code>',
    takes: 'swap and refresh',
  },
];

/** The set-up page's rows: each client, its settings, and this server's addresses for them. */
export function clientRows(urls: { swap: string; refresh: string; exchange: string; legacy: string }): string {
  return CLIENTS.map(({ name, settings, takes }) => {
    const value =
      takes === 'exchange'
        ? `<code>${escapeHtml(urls.exchange)}</code><br /><span id="legacy">${escapeHtml(urls.legacy)}</span>`
        : `<code>${escapeHtml(urls.swap)}</code><br /><code>${escapeHtml(urls.refresh)}</code>`;
    return `<tr><td>${escapeHtml(name)}</td><td>${settings}</td><td>${value}</td></tr>`;
  }).join('\n');
}

/** What check.js needs of the list: each client's name and rules, as JSON for a data attribute. */
export const clientsJson = JSON.stringify(CLIENTS.map(({ name, rules }) => ({ name, rules })));
