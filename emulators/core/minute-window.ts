/**
 * A rolling 60-second log of requests, each with a weight (tokens; 0 when only requests are counted): what the
 * emulators' per-model and per-deployment quotas (RPM, TPM) are measured against. Entries leave the window as time
 * passes; the arrays are compacted now and then so memory stays proportional to the window's contents.
 */
export const WINDOW_MS = 60_000;

export class MinuteWindow {
  #times: number[] = [];
  #weights: number[] = [];
  #head = 0;
  #weight = 0;

  /** Requests in the window at `now`. */
  count(now: number): number {
    this.#evict(now);
    return this.#times.length - this.#head;
  }

  /** Total weight in the window as of the last `count`. */
  get weight(): number {
    return this.#weight;
  }

  /** Milliseconds until the oldest request leaves the window (so one more fits under a request limit). */
  untilOldestLeaves(now: number): number {
    return Math.max(1, this.#times[this.#head] + WINDOW_MS - now);
  }

  /** Milliseconds until enough weight has left the window for `extra` more to fit under `limit` (the whole window when never). */
  untilWeightFits(now: number, extra: number, limit: number): number {
    let left = this.#weight;
    for (let index = this.#head; index < this.#times.length; index++) {
      left -= this.#weights[index];
      if (left + extra <= limit) return Math.max(1, this.#times[index] + WINDOW_MS - now);
    }
    return WINDOW_MS;
  }

  record(now: number, weight = 0): void {
    this.#times.push(now);
    this.#weights.push(weight);
    this.#weight += weight;
  }

  reset(): void {
    this.#times = [];
    this.#weights = [];
    this.#head = 0;
    this.#weight = 0;
  }

  #evict(now: number): void {
    const times = this.#times;
    const cutoff = now - WINDOW_MS;
    let head = this.#head;
    while (head < times.length && times[head] <= cutoff) {
      this.#weight -= this.#weights[head];
      head++;
    }
    if (head > 1024 && head * 2 > times.length) {
      this.#times = times.slice(head);
      this.#weights = this.#weights.slice(head);
      head = 0;
    }
    this.#head = head;
  }
}
