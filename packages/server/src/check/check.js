// The check page's script: swaps the code through this server's POST /swap as an app would, shows the answer and
// whether each client takes it, and refreshes on demand. Tokens live in this script's memory only: never in the URL,
// in browser storage or on the page, which shows their length alone (a screenshot of it is safe to share).

const login = document.getElementById('login');
if (login !== null && login.dataset.code !== '') void check(login);

async function check(element) {
  const { code, verifier, redirectUri, legacy, clients, sessions } = element.dataset;
  element.remove();
  // The code is spent by the swap below; it should not stay in the address bar or the history either.
  history.replaceState(null, '', location.pathname);
  const swap = await post('../swap', { code, code_verifier: verifier, redirect_uri: redirectUri });
  if (!succeeded(swap)) return outcome('error', `The swap failed: ${summary(swap)}`, advice(swap));
  outcome(
    'ok',
    `Swapped: POST /swap answered ${swap.status}`,
    'This server swapped the code with Spotify, as it will for your app.',
  );
  document.getElementById('swap').hidden = false;
  showFields(document.querySelector('#fields tbody'), swap);
  showClients(JSON.parse(clients), swap, legacy === 'on');
  void showProfile(swap.body.access_token);

  let refreshToken = swap.body.refresh_token;
  document.getElementById('refresh').addEventListener('click', async () => {
    const refreshed = await post('../refresh', { refresh_token: refreshToken });
    document.getElementById('refreshed').hidden = false;
    showFields(document.querySelector('#refresh-fields tbody'), refreshed);
    const said = document.getElementById('refresh-outcome');
    if (!succeeded(refreshed)) {
      said.className = 'error';
      said.textContent = `The refresh failed: ${summary(refreshed)}. ${advice(refreshed)}`;
      return;
    }
    const changed = refreshed.body.refresh_token !== refreshToken;
    refreshToken = refreshed.body.refresh_token;
    said.className = 'ok';
    said.textContent =
      `POST /refresh answered ${refreshed.status}: a new access token, ${expiry(refreshed.body.expires_in)}. ` +
      (changed
        ? 'The refresh token changed: an app must store the new one (Spotify rotated it, or this server sealed it ' +
          'under its current secret).'
        : 'The refresh token did not change: an app keeps the one it has.');
  });
  if (sessions === 'on') offerLogout(() => refreshToken);
}

/**
 * Log out, as an app would (REFRESH_TOKENS=handles): POST /revoke with the handle, then the refresh that proves the
 * session is over.
 */
function offerLogout(handle) {
  const button = document.getElementById('logout');
  button.hidden = false;
  button.addEventListener('click', async () => {
    const revoked = await post('../revoke', { token: handle(), token_type_hint: 'refresh_token' });
    const after = await post('../refresh', { refresh_token: handle() });
    const said = document.getElementById('logout-outcome');
    said.hidden = false;
    if (revoked.status !== 200 || after.status !== 400) {
      said.className = 'error';
      said.textContent = `Log out did not end the session: POST /revoke answered ${summary(revoked)}, then POST /refresh ${summary(after)}.`;
      return;
    }
    button.disabled = true;
    document.getElementById('refresh').disabled = true;
    said.className = 'ok';
    said.textContent =
      `Logged out: POST /revoke answered 200, and a refresh with the same handle now answers ${summary(after)}, on ` +
      "every instance. Spotify's access token still works until it expires (up to an hour); only " +
      'spotify.com/account/apps removes the app at Spotify.';
  });
}

/** A POST of form fields, as apps send them, and its answer, whatever it is. */
async function post(path, fields, headers = {}) {
  try {
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields),
      cache: 'no-store',
    });
    const text = await res.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      retryAfter: res.headers.get('retry-after'),
      body: typeof body === 'object' && body !== null ? body : undefined,
    };
  } catch {
    return { status: 0, type: '', retryAfter: null, body: undefined };
  }
}

const succeeded = (answer) => answer.status >= 200 && answer.status < 300 && answer.body !== undefined;
const isJson = (answer) => /^application\/json\b/i.test(answer.type);
const present = (value) => typeof value === 'string' && value !== '';

function summary(answer) {
  if (answer.status === 0) return 'this server could not be reached';
  const error = answer.body?.error;
  return typeof error === 'string' ? `${answer.status} ${error}` : `${answer.status}`;
}

function expiry(expiresIn) {
  const at = new Date(Date.now() + Number(expiresIn) * 1000);
  return `expires in ${expiresIn} s, at ${at.toLocaleTimeString([], { hour12: false })}`;
}

/** When the login ends (Spotify's six months), from `refresh_token_expires_in`. */
function loginEnd(seconds) {
  const at = new Date(Date.now() + Number(seconds) * 1000);
  return `the login ends in ${Math.floor(Number(seconds) / 86_400)} days, on ${at.toLocaleDateString()}: then only a new login helps`;
}

/** What to fix, for the errors people meet while setting up. */
function advice(answer) {
  const error = answer.body?.error;
  const description = String(answer.body?.error_description ?? '');
  if (answer.status === 429) {
    const wait = answer.retryAfter === null ? 'a little' : `${answer.retryAfter} seconds`;
    return `Too many requests: wait ${wait} and start again. This server allows RATE_LIMIT_PER_MINUTE requests a minute from one address, and Spotify has limits of its own.`;
  }
  if (error === 'invalid_grant' && /redirect uri/i.test(description)) {
    return 'Redirect URI mismatch: the swap must send the redirect URI used at /authorize, byte for byte. For your app, SPOTIFY_REDIRECT_URI must be exactly what the app sends to /authorize, or the app must send it as redirect_uri and it must be in SPOTIFY_ALLOWED_REDIRECT_URIS.';
  }
  if (error === 'invalid_grant' && /code/i.test(description)) {
    return 'A code works once, for a few minutes: start again from the check page.';
  }
  if (error === 'invalid_grant') return 'The refresh token is no longer good: the user must log in again.';
  if (error === 'invalid_client') {
    return 'Spotify refused the client: copy SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET again from the dashboard and restart the server.';
  }
  if (error === 'invalid_request' && /redirect_uri/.test(description)) {
    return "This server does not take the check page's redirect URI: open the page at the address in PUBLIC_URL, or set PUBLIC_URL to the address you opened it at.";
  }
  if (answer.status === 502)
    return `Spotify answered something this server could not use, or could not be reached: ${description}`;
  if (answer.status === 504) return 'Spotify did not answer in time (SPOTIFY_TIMEOUT_MS): try again.';
  if (answer.status === 0) return 'Is the server still running?';
  return description;
}

function row(tbody, cells, className) {
  const tr = tbody.insertRow();
  cells.forEach((text, index) => {
    const td = tr.insertCell();
    td.textContent = text;
    if (index === 1 && className !== undefined) td.className = className;
  });
}

function showFields(tbody, answer) {
  tbody.replaceChildren();
  row(tbody, ['Content-Type', answer.type]);
  for (const [name, value] of Object.entries(answer.body ?? {})) {
    if (name === 'access_token' || name === 'refresh_token') {
      row(tbody, [name, present(value) ? `present, ${value.length} characters (not shown)` : JSON.stringify(value)]);
    } else if (name === 'expires_in') {
      row(tbody, [name, `${JSON.stringify(value)} (${typeof value}): ${expiry(value)}`]);
    } else if (name === 'refresh_token_expires_in') {
      row(tbody, [name, `${JSON.stringify(value)}: ${loginEnd(value)}`]);
    } else {
      row(tbody, [name, typeof value === 'string' ? value : JSON.stringify(value)]);
    }
  }
}

/** Each client's needs, from docs/CONTRACT.md §2, by the rules the server named it with: none means it takes the answer. */
function needs(rules, answer, legacy) {
  const body = answer.body;
  const missing = [];
  const integer = Number.isInteger(body.expires_in) || /^\d+$/.test(String(body.expires_in));
  switch (rules) {
    case 'net7':
      if (!isJson(answer)) missing.push('Content-Type application/json: it reads nothing else');
      if (!present(body.access_token)) missing.push('access_token');
      if (!integer) missing.push('expires_in a whole number');
      break;
    case 'net5':
      if (!legacy) missing.push("this server's exchange URL: set LEGACY_EXCHANGE=1");
      if (!present(body.access_token) || 'error' in body) missing.push('access_token and no error');
      if (!present(body.token_type)) missing.push('token_type');
      if (!Number.isFinite(Number(body.expires_in))) missing.push('expires_in a number');
      break;
    case 'react-native':
      if (!present(body.refresh_token)) missing.push('refresh_token: react-native-spotify-remote drops the session');
      if (typeof body.expires_in !== 'number') missing.push('expires_in a JSON number: react-native-spotify fails');
      break;
    case 'expo-spotify-sdk':
      if (!present(body.access_token)) missing.push('access_token');
      if (!Number.isInteger(body.expires_in)) missing.push('expires_in a whole JSON number: its iOS side fails');
      break;
    case 'flutter-web':
      if (!present(body.refresh_token)) missing.push('refresh_token in the answer: the plugin requires it');
      if (!Number.isInteger(body.expires_in)) missing.push('expires_in a whole JSON number: the plugin casts it');
      break;
    default:
      if (!present(body.access_token)) missing.push('access_token');
      if (!present(body.refresh_token)) missing.push('refresh_token');
      if (typeof body.expires_in !== 'number') missing.push('expires_in a JSON number');
  }
  return missing;
}

/** The clients the server listed (src/check/clients.ts), each with whether it takes the answer. */
function showClients(clients, answer, legacy) {
  const tbody = document.querySelector('#clients tbody');
  for (const { name, rules } of clients) {
    const missing = needs(rules, answer, legacy);
    row(
      tbody,
      [
        name,
        missing.length === 0 ? 'yes' : 'no',
        missing.length === 0 ? 'has all it needs' : `needs ${missing.join('; ')}`,
      ],
      missing.length === 0 ? 'yes' : 'no',
    );
  }
}

async function showProfile(accessToken) {
  const said = document.getElementById('profile');
  const answer = await post('me', {}, { authorization: `Bearer ${accessToken}` });
  if (!succeeded(answer)) {
    said.textContent = `GET /v1/me with the new access token failed: ${String(answer.body?.error_description ?? summary(answer))}`;
    said.className = 'error';
    return;
  }
  const { display_name: name, id, product } = answer.body;
  said.textContent = `Logged in as ${name ?? id} (${id})${product === undefined ? '' : `, ${product}`}: the access token works.`;
}

function outcome(className, headline, text) {
  document.getElementById('outcome').className = className;
  document.getElementById('headline').textContent = headline;
  document.getElementById('advice').textContent = text;
}
