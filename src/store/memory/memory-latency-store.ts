/**
 * `LatencyStore` in process memory: time to first token per channel as an exponentially weighted moving average, for
 * `lowest-latency`. The executor observes an attempt's first token (or whole non-streamed response), and the elapsed
 * time when an attempt times out, so a slow channel's average rises. Constant memory per key.
 */
import type { LatencyStore } from '../state-stores.ts';

export const defaultLatencyAlpha = 0.3;

export class MemoryLatencyStore implements LatencyStore {
  readonly alpha: number;
  readonly #averages = new Map<string, number>();

  constructor(alpha = defaultLatencyAlpha) {
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError('alpha must be in (0, 1].');
    this.alpha = alpha;
  }

  observe(key: string, milliseconds: number): void {
    if (!(milliseconds >= 0)) return;
    const average = this.#averages.get(key);
    this.#averages.set(key, average === undefined ? milliseconds : average + this.alpha * (milliseconds - average));
  }

  averageMs(key: string): number | undefined {
    return this.#averages.get(key);
  }

  clear(): void {
    this.#averages.clear();
  }
}
