/**
 * Rate limits per key and per tenant: requests and tokens per minute, and streams open at once. Synchronous, like
 * routing's state (`state-stores.ts`, same hot-path contract): the in-memory implementation answers from its own
 * state; a shared (Redis) one answers from a script run atomically on the server.
 *
 * Minute limits use GCRA (the generic cell rate algorithm): a bucket of `limit` per `windowMs` that refills
 * continuously, `limit / windowMs` per millisecond, and may be spent at once (the burst is the whole limit). So a
 * 600-RPM key may send 600 requests at once and then 10 per second; over any span `t` it is admitted at most
 * `limit × (1 + t / windowMs)`. Exact: no sampling, no fixed windows.
 */

/** One limit a request must pass: `cost` taken from the bucket `key` that holds `limit` per window. */
export interface RateBucket {
  readonly key: string;
  readonly limit: number;
  readonly cost: number;
}

export interface RateRefusal {
  /** Which bucket refused (its index in the list given). */
  readonly index: number;
  /** When that bucket will hold the cost again; Infinity when the cost exceeds its whole limit. */
  readonly retryAfterMs: number;
}

export interface BucketState {
  /** What may be taken now. */
  readonly remaining: number;
  /** Milliseconds until the bucket is full again. */
  readonly resetMs: number;
}

export interface RateLimitStore {
  readonly windowMs: number;
  /** Takes each bucket's cost from every bucket, or from none when one cannot pay: the first that cannot is returned. */
  take(buckets: readonly RateBucket[], now: number): RateRefusal | undefined;
  /**
   * Settles a reservation once the real cost is known: a positive `delta` takes more (the bucket may go into debt,
   * which delays later requests), a negative one gives back (never past full).
   */
  adjust(key: string, limit: number, delta: number, now: number): void;
  state(key: string, limit: number, now: number): BucketState;
  /** Takes one of `max` slots of `key` (streams open at once); false when all are taken. */
  acquire(key: string, max: number): boolean;
  release(key: string): void;
  /** Slots of `key` taken now. */
  held(key: string): number;
  clear(): void;
}
