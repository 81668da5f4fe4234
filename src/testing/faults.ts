// The faults the mock serves in place of (or before) a real answer: checked when queued, picked per request, served.
import type { ServerResponse } from 'node:http';
import { nearest, rejectUnknownKeys } from '../core/unknown-keys.js';
import { drainedOrClosed, send } from './http.js';
import type { FaultOptions, MockFault, MockRequest } from './types.js';

/** Each fault's fields, `type` first. */
const FAULT_KEYS: Readonly<Record<MockFault['type'], readonly string[]>> = {
  latency: ['type', 'ms', 'then'],
  status: ['type', 'status', 'body', 'headers'],
  rateLimit: ['type', 'retryAfter'],
  reset: ['type'],
  nonJson: ['type', 'status'],
  largeBody: ['type', 'bytes'],
  hang: ['type'],
};

/** A fault the mock can serve, or a TypeError saying what is wrong with it: a typo must not pass a test silently. */
export function checkFault(fault: unknown): void {
  if (typeof fault !== 'object' || fault === null) throw new TypeError('fail: pass a fault such as { type: "reset" }');
  const { type } = fault as { type?: unknown };
  const types = Object.keys(FAULT_KEYS);
  if (typeof type !== 'string' || !Object.hasOwn(FAULT_KEYS, type)) {
    const guess = typeof type === 'string' ? nearest(type, types) : undefined;
    throw new TypeError(
      `fail: ${JSON.stringify(type)} is not a fault type: ${guess === undefined ? `use one of ${types.join(', ')}` : `did you mean ${guess}?`}`,
    );
  }
  rejectUnknownKeys(`fail({ type: '${type}' })`, fault, FAULT_KEYS[type as MockFault['type']]);
  const field = (fault as Record<string, unknown>)[
    type === 'latency' ? 'ms' : type === 'largeBody' ? 'bytes' : 'status'
  ];
  if (type === 'latency' && !(typeof field === 'number' && field >= 0)) {
    throw new TypeError("fail({ type: 'latency' }): ms must be a number of milliseconds, 0 or more");
  }
  if (type === 'largeBody' && !(Number.isInteger(field) && (field as number) > 0)) {
    throw new TypeError("fail({ type: 'largeBody' }): bytes must be a whole number above 0");
  }
  if (type === 'status' && !(Number.isInteger(field) && (field as number) >= 100 && (field as number) <= 599)) {
    throw new TypeError("fail({ type: 'status' }): status must be an HTTP status from 100 to 599");
  }
  if (
    type === 'nonJson' &&
    field !== undefined &&
    !(Number.isInteger(field) && (field as number) >= 100 && (field as number) <= 599)
  ) {
    throw new TypeError("fail({ type: 'nonJson' }): status must be an HTTP status from 100 to 599");
  }
  const then = (fault as { then?: unknown }).then;
  if (type === 'latency' && then !== undefined) checkFault(then);
}

/** The queue of faults `fail()` set up, tried in order for each request to the token endpoint. */
export function faultQueue() {
  const faults: { fault: MockFault; left: number; probability: number }[] = [];
  return {
    add(fault: MockFault, faultOptions: FaultOptions = {}): void {
      checkFault(fault);
      rejectUnknownKeys('fail', faultOptions, ['times', 'probability']);
      const { times = 1, probability = 1 } = faultOptions;
      if (!(times > 0)) throw new RangeError('fail(): times must be a positive number or Infinity');
      if (!(probability > 0 && probability <= 1))
        throw new RangeError('fail(): probability must be above 0 and at most 1');
      faults.push({ fault, left: times, probability });
    },
    clear(): void {
      faults.length = 0;
    },
    next(): MockFault | undefined {
      const index = faults.findIndex((entry) => entry.probability >= 1 || Math.random() < entry.probability);
      const entry = faults[index];
      if (entry === undefined) return undefined;
      entry.left -= 1;
      if (entry.left <= 0) faults.splice(index, 1);
      return entry.fault;
    },
  };
}

/** Serves a fault; returns what was answered, or undefined when the real answer should follow. */
export async function serveFault(
  fault: MockFault,
  res: ServerResponse,
  later: (ms: number) => Promise<void>,
): Promise<MockRequest['answer'] | undefined> {
  switch (fault.type) {
    case 'latency':
      await later(fault.ms);
      return fault.then === undefined ? undefined : serveFault(fault.then, res, later);
    case 'status':
      res.writeHead(fault.status, fault.headers ?? {});
      res.end(fault.body ?? '');
      return fault.status;
    case 'rateLimit': {
      const headers: Record<string, string> =
        fault.retryAfter === undefined ? {} : { 'Retry-After': String(fault.retryAfter) };
      send(res, 429, '', headers);
      return 429;
    }
    case 'reset':
      res.socket?.destroy();
      return 'reset';
    case 'nonJson': {
      const status = fault.status ?? 200;
      res.writeHead(status, { 'Content-Type': 'text/html' });
      res.end('<html><body>Upstream error</body></html>');
      return status;
    }
    case 'largeBody': {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': fault.bytes });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let left = fault.bytes;
      while (left > 0 && !res.destroyed) {
        const piece = chunk.subarray(0, Math.min(left, chunk.length));
        left -= piece.length;
        if (!res.write(piece)) await drainedOrClosed(res);
      }
      res.end();
      return 200;
    }
    case 'hang':
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"access_token":');
      return 'hang';
  }
}
