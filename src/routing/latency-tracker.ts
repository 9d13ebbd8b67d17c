/**
 * Time to first token per channel as an exponentially weighted moving average, for `lowest-latency`. The executor
 * calls `observe` when an attempt's first token (or whole non-streamed response) arrives, and with the elapsed time
 * when an attempt times out, so a slow channel's average rises. A channel not yet observed has no average; the
 * policy ranks it first (optimistically) so that it gets measured.
 *
 * Keyed by channel id: models sharing an upstream target share its average. Constant memory per channel.
 */
import type { LatencyReader, RouteChannel } from './routing-types.ts';

export class LatencyTracker implements LatencyReader {
  /** Weight of the newest observation, in (0, 1]. */
  readonly alpha: number;
  readonly #averages = new Map<string, number>();

  constructor(alpha = 0.3) {
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError('alpha must be in (0, 1].');
    this.alpha = alpha;
  }

  observe(channel: RouteChannel, firstTokenMs: number): void {
    if (!(firstTokenMs >= 0)) return;
    const average = this.#averages.get(channel.id);
    this.#averages.set(channel.id, average === undefined ? firstTokenMs : average + this.alpha * (firstTokenMs - average));
  }

  averageMs(channel: RouteChannel): number | undefined {
    return this.#averages.get(channel.id);
  }
}
