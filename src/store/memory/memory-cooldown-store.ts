/**
 * `CooldownStore` in process memory: the time until which each channel asked not to be called (a 429 or 503 with
 * `retry-after`). A channel's key is shared by every model that uses it. Expired entries are dropped when read.
 */
import type { CooldownStore } from '../state-stores.ts';

export class MemoryCooldownStore implements CooldownStore {
  readonly #until = new Map<string, number>();

  coolDown(key: string, until: number): void {
    const current = this.#until.get(key);
    if (current === undefined || until > current) this.#until.set(key, until);
  }

  remainingMs(key: string, now: number): number {
    // Nothing cooling down is the common case: skip the lookup.
    if (this.#until.size === 0) return 0;
    const until = this.#until.get(key);
    if (until === undefined) return 0;
    if (until <= now) {
      this.#until.delete(key);
      return 0;
    }
    return until - now;
  }

  clear(): void {
    this.#until.clear();
  }

  /** Keys cooling down or not yet read since they expired (memory tests). */
  get size(): number {
    return this.#until.size;
  }
}
