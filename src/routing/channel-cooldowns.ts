/**
 * Channels that asked not to be called for a while (a 429 or 503 with `retry-after`). Routing tries them last, after
 * every channel that is not cooling down; execution waits out the cooldown when nothing else is left. In-process state
 * for now; shared state (Redis) comes with scale-out behind the same methods.
 */
import type { ChannelConfig } from '../config/types.ts';

export class ChannelCooldowns {
  // Keyed by the channel's configuration object: channels are created once at start-up and never copied.
  readonly #until = new Map<ChannelConfig, number>();

  /** Marks the channel as cooling down until `until` (a `performance.now()` time); a later time wins. */
  coolDown(channel: ChannelConfig, until: number): void {
    const current = this.#until.get(channel);
    if (current === undefined || until > current) this.#until.set(channel, until);
  }

  /** Milliseconds the channel still cools down at `now`; 0 when it does not. */
  remainingMs(channel: ChannelConfig, now: number): number {
    if (this.#until.size === 0) return 0;
    const until = this.#until.get(channel);
    if (until === undefined) return 0;
    if (until <= now) {
      this.#until.delete(channel);
      return 0;
    }
    return until - now;
  }

  /** Forgets every cooldown. */
  clear(): void {
    this.#until.clear();
  }

  get size(): number {
    return this.#until.size;
  }
}
