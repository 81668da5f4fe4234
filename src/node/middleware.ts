// The router's rateLimit hook: Connect/Express middleware (express-rate-limit, an IP filter) or a verdict function,
// run on the Node request and read as the core's decision, whatever the middleware does to answer.
import type { IncomingMessage } from 'node:http';
import { ServerResponse } from 'node:http';
import { isVerdict, decisionOf, middlewareRefusal, type HookDecision } from '../core/rate-limit.js';
import { isRecord } from '../core/values.js';

/**
 * A rateLimit hook as the router takes it: Connect/Express middleware such as express-rate-limit's, or a function that
 * returns a verdict (`true`, `false`, `{ allowed, retryAfterSeconds }`, or a promise of one). Written on node:http's
 * types (as a method, so that Express's narrower request and response types are accepted too), so that the package's
 * declarations need no Express types installed.
 */
export type Middleware = {
  middleware(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): unknown;
}['middleware'];

/** The three calls a middleware answers with, whichever helper it goes through (res.send, res.json, res.sendStatus). */
const WRITES = ['writeHead', 'write', 'end'] as const;
type Write = (typeof WRITES)[number];
type Call = (this: ServerResponse, ...args: unknown[]) => unknown;

/** Headers of a middleware's own body: the core's answer has its own. */
const BODY_HEADERS = ['content-type', 'content-length', 'transfer-encoding', 'content-encoding', 'etag'];

/** A middleware at work on a response: how to end its wait, the calls the response had before, and its refusal. */
interface HookRun {
  /** Ends the wait with `decision`; a refusal keeps the stand-ins in place until the core's answer is written. */
  settle(decision: HookDecision): void;
  /** Puts the response's own calls back. */
  restore(): void;
  originals: Record<Write, Call>;
  /** Set once the middleware refused: what it writes after that goes nowhere, its refusal is the core's to answer. */
  refused: boolean;
}

/** The middleware at work on each response, while it works, and after it refused until the answer is written. */
const runs = new WeakMap<ServerResponse, HookRun>();

const ignore = (): void => {};

/**
 * Called before the core's answer is written: a response a middleware refused gets its own calls back. What that
 * middleware writes later meets an ended response, whose error then goes to a listener rather than crashing.
 */
export function releaseResponse(res: ServerResponse): void {
  const run = runs.get(res);
  if (run === undefined) return;
  run.restore();
  res.on('error', ignore);
}

/** A response's three calls, by name. */
const callsOf = (res: ServerResponse) => res as unknown as Record<Write, Call>;
const prototypeCalls = callsOf(ServerResponse.prototype as ServerResponse);

/** The call a response has when no middleware is at work on it: its own, or the prototype's. */
function current(res: ServerResponse, name: Write, standIn: Call): Call {
  const own = callsOf(res)[name];
  return own === standIn ? prototypeCalls[name] : own;
}

/**
 * A middleware that starts to answer: a refusal (4xx, 5xx) becomes the core's documented JSON, with the middleware's
 * status and its headers but those of its body; any other answer (a CORS preflight's 204) goes out as it wrote it.
 */
function answering(res: ServerResponse, run: HookRun, name: Write, args: unknown[]): unknown {
  if (run.refused || res.statusCode >= 400) {
    if (!run.refused) {
      run.refused = true;
      for (const header of BODY_HEADERS) res.removeHeader(header);
      run.settle(middlewareRefusal(res.statusCode, res.getHeader('retry-after')));
    }
    return name === 'write' ? true : res;
  }
  const original = run.originals[name];
  run.settle({ answered: res.statusCode });
  return original.apply(res, args);
}

// One stand-in for each call, shared by every response (V8 handles that far better on Node's own objects than a
// closure made for each), finding its middleware's state in `runs`. A stand-in kept past its middleware calls on.
function writeHeadDuringHook(this: ServerResponse, ...args: unknown[]): unknown {
  const run = runs.get(this);
  if (run === undefined) return current(this, 'writeHead', writeHeadDuringHook).apply(this, args);
  if (run.refused) return this;
  const [status, ...rest] = args;
  if (typeof status === 'number') this.statusCode = status;
  // writeHead(status, [reason], headers): its headers are kept as if set one by one.
  const headers = rest.find((arg) => isRecord(arg) || Array.isArray(arg));
  if (isRecord(headers)) {
    for (const [name, value] of Object.entries(headers)) this.setHeader(name, value as string | string[]);
  } else if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) this.setHeader(String(headers[i]), String(headers[i + 1]));
  }
  if (this.statusCode < 400) return answering(this, run, 'writeHead', args);
  return this;
}

function writeDuringHook(this: ServerResponse, ...args: unknown[]): unknown {
  const run = runs.get(this);
  if (run === undefined) return current(this, 'write', writeDuringHook).apply(this, args);
  return answering(this, run, 'write', args);
}

function endDuringHook(this: ServerResponse, ...args: unknown[]): unknown {
  const run = runs.get(this);
  if (run === undefined) return current(this, 'end', endDuringHook).apply(this, args);
  return answering(this, run, 'end', args);
}

const STAND_INS: Record<Write, Call> = { writeHead: writeHeadDuringHook, write: writeDuringHook, end: endDuringHook };

/**
 * Runs one hook and reads what it decided: `next()` lets the request on, a verdict it returns is read as a verdict,
 * an answer it writes is a refusal (or, below 400, its own answer), and a client that leaves ends the wait. Rejects
 * when it throws, rejects or calls `next(error)`.
 */
function runHook(hook: Middleware, req: IncomingMessage, res: ServerResponse): Promise<HookDecision> {
  return new Promise((resolve, reject) => {
    const originals = {} as Record<Write, Call>;
    // Usually each call is the prototype's; then the response gets its own shape back by deleting the stand-in.
    const own = {} as Record<Write, boolean>;
    const calls = callsOf(res);
    for (const name of WRITES) {
      originals[name] = calls[name];
      own[name] = Object.hasOwn(res, name);
    }
    let settled = false;
    const restore = (): void => {
      for (let i = WRITES.length - 1; i >= 0; i--) {
        const name = WRITES[i]!;
        if (own[name]) calls[name] = originals[name];
        else delete (calls as Partial<Record<Write, Call>>)[name];
      }
      runs.delete(res);
    };
    const finish = (done: () => void): void => {
      if (settled) return;
      settled = true;
      if (!run.refused) restore();
      res.off('close', onClose);
      done();
    };
    const settle = (decision: HookDecision): void => finish(() => resolve(decision));
    const fail = (error: unknown): void =>
      finish(() => reject(error instanceof Error ? error : new Error('A rateLimit hook failed')));
    const onClose = (): void => settle({ answered: undefined });
    res.once('close', onClose);
    const run: HookRun = { settle, restore, originals, refused: false };
    runs.set(res, run);
    for (const name of WRITES) calls[name] = STAND_INS[name];

    const next = (error?: unknown): void => (error === undefined || error === null ? settle(undefined) : fail(error));
    const returned = (value: unknown): void => {
      if (isVerdict(value)) settle(decisionOf(value));
    };
    try {
      const result = hook(req, res, next);
      if (result instanceof Promise) result.then(returned, fail);
      else returned(result);
    } catch (error) {
      fail(error);
    }
  });
}

/** The hooks as one decision: each in order, until one does not let the request on. */
export function hooksDecision(
  hooks: readonly Middleware[],
): (req: IncomingMessage, res: ServerResponse) => Promise<HookDecision> {
  return async (req, res) => {
    for (const hook of hooks) {
      const decision = await runHook(hook, req, res);
      if (decision !== undefined) return decision;
    }
    return undefined;
  };
}
