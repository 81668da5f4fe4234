// A shared rate-limit store that fails open: while it is down, requests pass unlimited, and each change between
// working and failing is logged once.
import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';
import type { Logger as PinoLogger } from 'pino';

/** A Redis that takes longer than this is as good as gone: the request goes through unlimited. */
const STORE_TIMEOUT_MS = 250;

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('rate limit store timed out')), STORE_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Wraps a shared store so that its failures let requests through (a token server that cannot reach Redis should
 * keep logging users in), logs each change between working and failing once, and starts the store afresh after a
 * failure, since a store whose start-up failed (scripts never loaded) would otherwise never recover.
 */
export class FailOpenStore implements Store {
  private options: Options | undefined;
  private restart = false;

  /** `healthy` false: the store is known to be down already, and that was logged. */
  constructor(
    private readonly inner: Store,
    private readonly log: PinoLogger,
    private healthy = true,
  ) {}

  init(options: Options): void {
    this.options = options;
    this.restart = true;
  }

  private failed(error: unknown): void {
    this.restart = true;
    if (!this.healthy) return;
    this.healthy = false;
    // The error's name only: a client's message could quote its connection URL, password included.
    this.log.warn(
      { event: 'rate_limit_store', outcome: 'failed', error: (error as Error | undefined)?.name ?? 'Error' },
      'rate limit store unavailable: requests pass unlimited until it is back',
    );
  }

  private recovered(): void {
    if (this.healthy) return;
    this.healthy = true;
    this.log.info({ event: 'rate_limit_store', outcome: 'recovered' }, 'rate limit store is back');
  }

  private async call<T>(operation: () => Promise<T> | T, fallback: T): Promise<T> {
    try {
      if (this.restart && this.options !== undefined) {
        await withTimeout(Promise.resolve(this.inner.init?.(this.options)));
        this.restart = false;
      }
      const result = await withTimeout(Promise.resolve(operation()));
      this.recovered();
      return result;
    } catch (error) {
      this.failed(error);
      return fallback;
    }
  }

  increment(key: string): Promise<IncrementResponse> {
    return this.call(() => this.inner.increment(key), { totalHits: 0, resetTime: undefined });
  }

  get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return this.call(() => this.inner.get?.(key), undefined);
  }

  decrement(key: string): Promise<void> {
    return this.call(() => this.inner.decrement(key), undefined);
  }

  resetKey(key: string): Promise<void> {
    return this.call(() => this.inner.resetKey(key), undefined);
  }
}
