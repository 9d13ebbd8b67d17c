/**
 * Two running sums over a rolling time window, kept in a fixed ring of buckets: memory is constant whatever the
 * traffic, and nothing is allocated after construction. With `buckets` buckets of `windowMs / buckets` each, a value
 * recorded at t counts until the bucket holding t is reused, i.e. for between `windowMs - bucketMs` and `windowMs`.
 *
 * Times are epoch milliseconds; a time earlier than the latest seen (a clock step back) is treated as the latest.
 * Negative adds (corrections) take off at most what the window holds, and reads never go below zero; the totals stay
 * the exact sums of the buckets, so an over-correction cannot leave phantom usage once its bucket rolls out.
 */
export function validateWindow(windowMs: number, buckets: number): void {
  if (!(windowMs > 0) || !Number.isInteger(buckets) || buckets < 1) throw new RangeError('A rolling window needs a positive length and at least one bucket.');
}

export class RollingWindow {
  readonly windowMs: number;
  readonly bucketMs: number;
  readonly #first: Float64Array;
  readonly #second: Float64Array;
  #latest = Number.NEGATIVE_INFINITY;
  #firstTotal = 0;
  #secondTotal = 0;

  constructor(windowMs: number, buckets: number) {
    validateWindow(windowMs, buckets);
    this.windowMs = windowMs;
    this.bucketMs = windowMs / buckets;
    this.#first = new Float64Array(buckets);
    this.#second = new Float64Array(buckets);
  }

  /** Drops buckets that fell out of the window at `now`; returns the current bucket's slot. */
  #advance(now: number): number {
    const buckets = this.#first.length;
    let bucket = Math.floor(now / this.bucketMs);
    if (bucket < this.#latest) bucket = this.#latest;
    if (bucket !== this.#latest) {
      if (this.#latest === Number.NEGATIVE_INFINITY || bucket - this.#latest >= buckets) {
        this.#first.fill(0);
        this.#second.fill(0);
        this.#firstTotal = 0;
        this.#secondTotal = 0;
      } else {
        for (let stale = this.#latest + 1; stale <= bucket; stale++) {
          const slot = stale % buckets;
          this.#firstTotal -= this.#first[slot];
          this.#secondTotal -= this.#second[slot];
          this.#first[slot] = 0;
          this.#second[slot] = 0;
        }
      }
      this.#latest = bucket;
    }
    return bucket % buckets;
  }

  add(first: number, second: number, now: number): void {
    const slot = this.#advance(now);
    // A total can be negative for a while (a correction outlives the bucket it corrected): it holds nothing then.
    const firstHeld = this.#firstTotal > 0 ? this.#firstTotal : 0;
    const secondHeld = this.#secondTotal > 0 ? this.#secondTotal : 0;
    const firstAdded = first < -firstHeld ? -firstHeld : first;
    const secondAdded = second < -secondHeld ? -secondHeld : second;
    this.#first[slot] += firstAdded;
    this.#second[slot] += secondAdded;
    this.#firstTotal += firstAdded;
    this.#secondTotal += secondAdded;
  }

  first(now: number): number {
    this.#advance(now);
    return this.#firstTotal > 0 ? this.#firstTotal : 0;
  }

  second(now: number): number {
    this.#advance(now);
    return this.#secondTotal > 0 ? this.#secondTotal : 0;
  }

  clear(): void {
    this.#first.fill(0);
    this.#second.fill(0);
    this.#firstTotal = 0;
    this.#secondTotal = 0;
    this.#latest = Number.NEGATIVE_INFINITY;
  }
}
