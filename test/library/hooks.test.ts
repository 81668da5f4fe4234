// The rateLimit and logger hooks: order, rewritten error answers, failing hooks, and one event per request.
import { once } from 'node:events';
import { connect } from 'node:net';
import { jest } from '@jest/globals';
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { TokenSwapEvent } from '../../src/index.js';
import { startHarness, type Harness, type Overrides } from '../helpers/harness.js';
import { findLeaks, spyLogger } from '../helpers/secrets.js';

async function withHarness(overrides: Overrides, run: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startHarness(overrides);
  try {
    await run(h);
  } finally {
    await h.close();
  }
}

describe('hooks.rateLimit', () => {
  it('express-rate-limit: over the limit is 429 too_many_requests JSON with an integer Retry-After, Spotify untouched', () =>
    withHarness({ hooks: { rateLimit: rateLimit({ windowMs: 60_000, limit: 2 }) } }, async (h) => {
      expect((await h.http.post('/spotify/swap').type('form').send({ code: h.code() })).status).toBe(200);
      expect((await h.http.post('/spotify/swap').type('form').send({ code: h.code() })).status).toBe(200);
      const limited = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
      expect(limited.status).toBe(429);
      expect(limited.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(limited.body).toEqual({ error: 'too_many_requests', error_description: expect.any(String) });
      expect(limited.headers['retry-after']).toMatch(/^\d+$/);
      expect(h.spotify.requests).toHaveLength(2);
    }));

  it('runs an array of middlewares in order, before the handler', () => {
    const seen: string[] = [];
    const mark =
      (name: string): RequestHandler =>
      (_req, _res, next) => {
        seen.push(name);
        next();
      };
    return withHarness({ hooks: { rateLimit: [mark('first'), mark('second')] } }, async (h) => {
      const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
      expect(res.status).toBe(200);
      expect(seen).toEqual(['first', 'second']);
    });
  });

  it("keeps a host's own res.end (compression, say) for the answer, whether the hook passes or refuses", () => {
    const ended: number[] = [];
    const passes = (limit: number): RequestHandler => {
      let seen = 0;
      return (_req, res, next) => (++seen > limit ? void res.status(429).send('slow down') : next());
    };
    return withHarness(
      {
        hooks: { rateLimit: passes(1) },
        before: (app) =>
          app.use((_req, res, next) => {
            const end = res.end;
            res.end = function (this: typeof res, ...args: unknown[]) {
              ended.push(this.statusCode);
              return (end as (...a: unknown[]) => typeof res).apply(this, args);
            } as typeof res.end;
            next();
          }),
      },
      async (h) => {
        expect((await h.http.post('/spotify/swap').type('form').send({ code: h.code() })).status).toBe(200);
        const limited = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
        expect(limited.body).toEqual({ error: 'too_many_requests', error_description: expect.any(String) });
        expect(ended).toEqual([200, 429]);
      },
    );
  });

  it('a res.end a hook kept and calls after passing the request on ends nothing twice', () => {
    let late: Promise<unknown> | undefined;
    const keeps: RequestHandler = (_req, res, next) => {
      const end = res.end;
      next();
      late = new Promise((resolve, reject) => {
        res.once('finish', () =>
          setImmediate(() => {
            try {
              resolve((end as () => unknown).call(res));
            } catch (error) {
              reject(error instanceof Error ? error : new Error('end failed'));
            }
          }),
        );
      });
    };
    return withHarness({ hooks: { rateLimit: keeps } }, async (h) => {
      const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
      expect(res.status).toBe(200);
      await expect(late).resolves.toBeDefined();
    });
  });

  it('a hook that answers on its own in text has its answer rewritten to the documented JSON, headers kept', () => {
    const deny: RequestHandler = (_req, res) => {
      res.setHeader('X-Denied-By', 'ip-filter');
      res.status(403).send('Forbidden');
    };
    return withHarness({ hooks: { rateLimit: deny } }, async (h) => {
      const res = await h.http.post('/spotify/refresh').type('form').send({ refresh_token: 'anything-at-all' });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: 'access_denied', error_description: expect.any(String) });
      expect(res.headers['x-denied-by']).toBe('ip-filter');
    });
  });

  it.each([
    [
      'throws',
      (() => {
        throw new Error('boom');
      }) as RequestHandler,
    ],
    ['rejects', (async () => Promise.reject(new Error('boom'))) as RequestHandler],
    ['calls next(error)', ((_req, _res, next) => next(new Error('boom'))) as RequestHandler],
  ])('a hook that %s gives 500 server_error, and the router keeps serving', (_name, hook) => {
    let calls = 0;
    const onceBroken: RequestHandler = (req, res, next) => (calls++ === 0 ? hook(req, res, next) : next());
    return withHarness({ hooks: { rateLimit: onceBroken } }, async (h) => {
      const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: 'server_error', error_description: expect.any(String) });
      expect(res.text).not.toContain('boom');
      expect((await h.http.post('/spotify/swap').type('form').send({ code: h.code() })).status).toBe(200);
    });
  });
});

describe('hooks.logger', () => {
  const events: { level: string; event: TokenSwapEvent }[] = [];
  const capture = (level: string) => (event: TokenSwapEvent) => {
    events.push({ level, event });
    spyLogger.info(event);
  };
  const logger = { info: capture('info'), warn: capture('warn'), error: capture('error') };
  beforeEach(() => {
    events.length = 0;
  });

  it('gets one event per request, at info, warn or error by outcome, with only fixed words and numbers', () =>
    withHarness({ hooks: { logger }, timeoutMs: 500 }, async (h) => {
      await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
      await h.http.post('/spotify/swap').type('form').send({});
      h.spotify.fail({ type: 'status', status: 503 }, { times: Infinity });
      const { sealed } = await h.sealedRefreshToken();
      await h.http.post('/spotify/refresh').type('form').send({ refresh_token: sealed });

      expect(events.map((e) => [e.level, e.event.event, e.event.status, e.event.error, e.event.reason])).toEqual([
        ['info', 'swap', 200, undefined, undefined],
        ['warn', 'swap', 400, 'invalid_request', 'field_missing'],
        ['error', 'refresh', 502, 'bad_gateway', 'spotify_error'],
      ]);
      const [ok, , failed] = events.map((e) => e.event);
      expect(ok).toMatchObject({
        outcome: 'success',
        upstreamStatus: 200,
        upstreamAttempts: 1,
        durationMs: expect.any(Number),
      });
      expect(failed).toMatchObject({ outcome: 'failed', upstreamStatus: 503, upstreamAttempts: 3 });
      const allowed = [
        'msg',
        'event',
        'outcome',
        'status',
        'error',
        'reason',
        'upstreamStatus',
        'upstreamAttempts',
        'durationMs',
      ];
      for (const { event } of events) {
        for (const key of Object.keys(event)) expect(allowed).toContain(key);
        expect(event.msg).toMatch(/^spotify-token-swap [a-z_]+ answered \d{3}$/);
      }
    }));

  it("names why a swap or refresh was refused with a fixed word, from Spotify's known descriptions or its own", () =>
    withHarness({ hooks: { logger } }, async (h) => {
      const swap = (fields: Record<string, string>) => h.http.post('/spotify/swap').type('form').send(fields);
      const used = h.code();
      await swap({ code: used });
      await swap({ code: used });
      await swap({ code: h.code({ redirectUri: 'myapp://other' }) });
      await swap({ code: h.code({ ttlMs: -1 }) });
      await swap({ code: h.code({ codeChallenge: 'c'.repeat(43) }) });
      await swap({ code: h.code(), redirect_uri: 'https://elsewhere.example/cb' });
      const { plain, sealed } = await h.sealedRefreshToken();
      h.spotify.revoke(plain);
      await h.http.post('/spotify/refresh').type('form').send({ refresh_token: sealed });
      await h.http
        .post('/spotify/refresh')
        .type('form')
        .send({ refresh_token: `${sealed}x` });
      await h.http.post('/spotify/refresh').type('form').send({ refresh_token: 'null' });
      await h.http.post('/spotify/swap').type('text').send('code=x');
      await h.http.get('/spotify/swap');
      expect(events.map((e) => e.event.reason)).toEqual([
        undefined,
        'code_used_or_unknown',
        'redirect_uri_mismatch',
        'code_expired',
        'pkce_verifier_missing',
        'redirect_uri_not_allowed',
        'refresh_token_revoked',
        'sealed_token_invalid',
        'refresh_token_lost',
        'body_type_unsupported',
        'method_not_allowed',
      ]);
    }));

  describe('a client that leaves before the answer is logged as abandoned, with no status it never got', () => {
    async function rawRequest(h: Harness, form: string, declared = form.length) {
      const socket = connect(Number(new URL(h.url).port), '127.0.0.1');
      await once(socket, 'connect');
      socket.write(
        'POST /spotify/swap HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
          `Content-Length: ${declared}\r\n\r\n${form}`,
      );
      return socket;
    }
    async function oneEvent(): Promise<TokenSwapEvent> {
      for (let i = 0; i < 200 && events.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(events).toHaveLength(1);
      return events[0]!.event;
    }

    it('halfway through its body', () =>
      withHarness({ hooks: { logger } }, async (h) => {
        const socket = await rawRequest(h, 'code=abc', 100);
        await new Promise((resolve) => setTimeout(resolve, 50));
        socket.destroy();
        const event = await oneEvent();
        expect(event).toEqual({
          msg: expect.stringMatching(/^spotify-token-swap swap abandoned/),
          event: 'swap',
          outcome: 'abandoned',
          durationMs: expect.any(Number),
        });
        expect(events[0]!.level).toBe('warn');
      }));

    it('while Spotify works: what Spotify answered meanwhile is reported', () =>
      withHarness({ hooks: { logger } }, async (h) => {
        h.spotify.fail({ type: 'latency', ms: 300 });
        const socket = await rawRequest(h, `code=${h.code()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        socket.destroy();
        const event = await oneEvent();
        expect(event).toMatchObject({ event: 'swap', outcome: 'abandoned', upstreamStatus: 200, upstreamAttempts: 1 });
        expect(event).not.toHaveProperty('status');
        expect(event).not.toHaveProperty('error');
      }));

    it("when a host's own writer throws: the answer is lost, not the process", () =>
      withHarness(
        {
          hooks: { logger },
          before: (app) =>
            app.use((_req, res, next) => {
              res.writeHead = () => {
                throw new Error('a broken compression layer');
              };
              next();
            }),
        },
        async (h) => {
          const socket = await rawRequest(h, 'code=');
          const event = await oneEvent();
          socket.destroy();
          expect(event).toMatchObject({ event: 'swap', outcome: 'abandoned' });
        },
      ));
  });

  it('a logger that throws does not break the answer', () =>
    withHarness(
      {
        hooks: {
          logger: {
            info: () => {
              throw new Error('disk full');
            },
            warn: () => {},
            error: () => {},
          },
        },
      },
      async (h) => {
        expect((await h.http.post('/spotify/swap').type('form').send({ code: h.code() })).status).toBe(200);
      },
    ));

  it('is silent by default: nothing reaches the console', () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
      jest.spyOn(console, method).mockImplementation(() => {}),
    );
    return withHarness({ hooks: { logger: undefined } }, async (h) => {
      await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
      await h.http.post('/spotify/swap').type('form').send({});
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    }).finally(() => spies.forEach((spy) => spy.mockRestore()));
  });
});

describe('the leak check over the whole suite', () => {
  it('finds a secret in a log line, without repeating it or any other', () => {
    const leaks = findLeaks(
      ['{"event":"swap"}', '{"note":"sk-0123456789 and tok-987654321"}'],
      ['sk-0123456789', 'tok-987654321'],
    );
    expect(leaks).toEqual(['{"note":"<secret> and <secret>"}']);
  });
});
