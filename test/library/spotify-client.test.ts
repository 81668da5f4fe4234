// The core's Spotify client with a scripted transport: the retry policy, the deadline and how each answer maps to
// ours, as pure policy, with no network. The same behaviour end to end, against the mock, is in upstream-failures.
import { OAuthError } from '../../src/core/errors.js';
import { createSpotifyClient, type Attempt, type Transport, type UpstreamTrace } from '../../src/core/spotify.js';

const tokens = (extra: Record<string, unknown> = {}): Attempt => ({
  kind: 'answer',
  status: 200,
  retryAfter: undefined,
  body: JSON.stringify({
    access_token: 'a',
    token_type: 'Bearer',
    scope: '',
    expires_in: 3600,
    refresh_token: 'r',
    ...extra,
  }),
});
const status = (code: number, body = '', retryAfter?: string): Attempt => ({
  kind: 'answer',
  status: code,
  retryAfter,
  body,
});

/** A transport that answers with the outcomes given, in order, and remembers what it was sent. */
function scripted(...outcomes: Attempt[]) {
  const sent: { form: Readonly<Record<string, string>>; headers: Readonly<Record<string, string>> }[] = [];
  const transport: Transport = (form, headers) => {
    sent.push({ form, headers });
    return Promise.resolve(outcomes[Math.min(sent.length - 1, outcomes.length - 1)]!);
  };
  return { transport, sent };
}

const client = (transport: Transport, timeoutMs = 2_000) =>
  createSpotifyClient({ clientId: 'client-ü', clientSecret: 'secret', timeoutMs }, transport, () =>
    Promise.resolve({ kind: 'unreachable', neverSent: true }),
  );
const grant = { code: 'the-code', redirectUri: 'app://cb', codeVerifier: undefined };

async function failure(call: Promise<unknown>): Promise<OAuthError> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    return error as OAuthError;
  }
  throw new Error('the call succeeded');
}

describe('the retry policy', () => {
  it('retries a swap only when the transport proves the request never left', async () => {
    const never = scripted({ kind: 'unreachable', neverSent: true }, tokens());
    const trace: UpstreamTrace = { attempts: 0 };
    await client(never.transport).exchangeCode(grant, trace);
    expect(trace.attempts).toBe(2);

    for (const outcome of [{ kind: 'unreachable', neverSent: false } as const, status(503), status(429, '', '0')]) {
      const once = scripted(outcome, tokens());
      await failure(client(once.transport).exchangeCode(grant, { attempts: 0 }));
      expect(once.sent).toHaveLength(1);
    }
  });

  it('retries a refresh on 5xx, 429 and connection failures, three calls at most', async () => {
    const recovers = scripted(status(503), { kind: 'unreachable', neverSent: false }, tokens());
    const trace: UpstreamTrace = { attempts: 0 };
    expect((await client(recovers.transport).refresh('r', trace)).access_token).toBe('a');
    expect(trace).toEqual({ attempts: 3, status: 200 });

    const down = scripted(status(503));
    expect((await failure(client(down.transport).refresh('r', { attempts: 0 }))).code).toBe('bad_gateway');
    expect(down.sent).toHaveLength(3);
  });

  it('never retries a 4xx, and waits for a Retry-After only when it fits the deadline', async () => {
    const refused = scripted(status(400, JSON.stringify({ error: 'invalid_grant' })));
    await failure(client(refused.transport).refresh('r', { attempts: 0 }));
    expect(refused.sent).toHaveLength(1);

    const tooLong = scripted(status(429, '', '30'), tokens());
    const limited = await failure(client(tooLong.transport, 2_000).refresh('r', { attempts: 0 }));
    expect({ status: limited.status, retryAfter: limited.headers['retry-after'] }).toEqual({
      status: 429,
      retryAfter: '30',
    });
    expect(tooLong.sent).toHaveLength(1);
  });

  it('answers 504 when the deadline passes', async () => {
    const slow = scripted({ kind: 'timeout' });
    expect((await failure(client(slow.transport, 50).refresh('r', { attempts: 0 }))).status).toBe(504);
  });
});

describe("how Spotify's answers map to ours", () => {
  it('reads expires_in as whole seconds, and refuses a lifetime that is not one', async () => {
    const decimal = scripted(tokens({ expires_in: '3600.0' }));
    expect((await client(decimal.transport).refresh('r', { attempts: 0 })).expires_in).toBe(3600);
    for (const expires_in of [-1, 'soon', 604_801]) {
      const absurd = scripted(tokens({ expires_in }));
      expect((await failure(client(absurd.transport).refresh('r', { attempts: 0 }))).reason).toBe('spotify_bad_answer');
    }
  });

  it.each([
    [
      'a known refusal',
      400,
      'refresh_token_revoked',
      status(400, JSON.stringify({ error: 'invalid_grant', error_description: 'Refresh token revoked' })),
    ],
    [
      'a 401 with a known description',
      401,
      'bad_client_credentials',
      status(401, JSON.stringify({ error: 'invalid_client', error_description: 'Invalid client' })),
    ],
    [
      'an unknown description',
      400,
      'spotify_refused',
      status(400, JSON.stringify({ error: 'invalid_grant', error_description: 'something else' })),
    ],
    [
      'an error code RFC 6749 does not have',
      502,
      'spotify_bad_answer',
      status(400, JSON.stringify({ error: 'not_an_rfc_code' })),
    ],
    ['a 404', 502, 'spotify_bad_answer', status(404, JSON.stringify({ error: 'invalid_request' }))],
    ['a 5xx page', 502, 'spotify_error', status(500, '<html>')],
    ['an oversized answer', 502, 'spotify_bad_answer', { kind: 'oversized' } as const],
  ])('%s is answered %i (%s)', async (_name, expected, reason, outcome) => {
    const answer = scripted(outcome);
    const error = await failure(client(answer.transport).refresh('r', { attempts: 0 }));
    expect({ status: error.status, reason: error.reason }).toEqual({ status: expected, reason });
  });

  it('sends the form grant with the credentials as UTF-8 Basic auth', async () => {
    const call = scripted(tokens());
    await client(call.transport).exchangeCode({ ...grant, codeVerifier: 'v'.repeat(43) }, { attempts: 0 });
    expect(call.sent[0]).toEqual({
      form: {
        grant_type: 'authorization_code',
        code: 'the-code',
        redirect_uri: 'app://cb',
        code_verifier: 'v'.repeat(43),
      },
      headers: expect.objectContaining({
        authorization: `Basic ${Buffer.from('client-ü:secret', 'utf8').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      }),
    });
  });
});
