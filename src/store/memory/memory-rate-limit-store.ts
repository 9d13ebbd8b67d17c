/**
 * Rate limits in memory. Each bucket keeps what it holds (`level`, in requests or tokens) and when that was true; it
 * drains at `limit / windowMs` per millisecond. This is GCRA kept in the units of the limit rather than in time, so
 * sums at the same instant are exact integers (a request that fits exactly is admitted) and a changed limit applies to
 * what is already held.
 */
import type { BucketState, RateBucket, RateLimitStore, RateRefusal } from '../rate-limit-store.ts';

interface Bucket {
  level: number;
  at: number;
}

export class MemoryRateLimitStore implements RateLimitStore {
  readonly windowMs: number;
  /** A bucket not here is empty (full capacity left). */
  readonly #buckets = new Map<string, Bucket>();
  readonly #slots = new Map<string, number>();

  constructor(windowMs = 60_000) {
    this.windowMs = windowMs;
  }

  take(buckets: readonly RateBucket[], now: number): RateRefusal | undefined {
    for (let index = 0; index < buckets.length; index++) {
      const { key, limit, cost } = buckets[index];
      if (cost > limit) return { index, retryAfterMs: Infinity };
      const excess = this.#level(key, limit, now) + cost - limit;
      if (excess > 0) return { index, retryAfterMs: Math.ceil((excess * this.windowMs) / limit) };
    }
    for (const { key, limit, cost } of buckets) this.#set(key, this.#level(key, limit, now) + cost, now);
    return undefined;
  }

  adjust(key: string, limit: number, delta: number, now: number): void {
    if (delta === 0) return;
    this.#set(key, Math.max(0, this.#level(key, limit, now) + delta), now);
  }

  state(key: string, limit: number, now: number): BucketState {
    const level = this.#level(key, limit, now);
    if (level === 0) {
      this.#buckets.delete(key);
      return { remaining: limit, resetMs: 0 };
    }
    return { remaining: Math.max(0, Math.floor(limit - level)), resetMs: Math.ceil((level * this.windowMs) / limit) };
  }

  acquire(key: string, max: number): boolean {
    const held = this.#slots.get(key) ?? 0;
    if (held >= max) return false;
    this.#slots.set(key, held + 1);
    return true;
  }

  release(key: string): void {
    const held = this.#slots.get(key) ?? 0;
    if (held <= 1) this.#slots.delete(key);
    else this.#slots.set(key, held - 1);
  }

  held(key: string): number {
    return this.#slots.get(key) ?? 0;
  }

  clear(): void {
    this.#buckets.clear();
    this.#slots.clear();
  }

  /** What the bucket holds at `now`; a clock that stepped back counts as the latest time seen. */
  #level(key: string, limit: number, now: number): number {
    const bucket = this.#buckets.get(key);
    if (bucket === undefined || now <= bucket.at) return bucket?.level ?? 0;
    return Math.max(0, bucket.level - ((now - bucket.at) * limit) / this.windowMs);
  }

  #set(key: string, level: number, now: number): void {
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) this.#buckets.set(key, { level, at: now });
    else {
      bucket.level = level;
      bucket.at = Math.max(bucket.at, now);
    }
  }
}
