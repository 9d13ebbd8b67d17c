/**
 * Channels that asked not to be called for a while (a 429 or 503 with `retry-after`), by channel id
 * (`provider/upstreamModel`, shared by every model that uses the channel). Routing tries them last; execution waits
 * one out only when nothing else is left. In-process state for now; shared state (Redis) comes with scale-out behind
 * the same methods.
 */
import type { CooldownReader, RouteChannel } from './routing-types.ts';

export class ChannelCooldowns implements CooldownReader {
  readonly #until = new Map<string, number>();

  /** Marks the channel as cooling down until `until` (epoch milliseconds); a later time wins. */
  coolDown(channel: Pick<RouteChannel, 'id'>, until: number): void {
    const current = this.#until.get(channel.id);
    if (current === undefined || until > current) this.#until.set(channel.id, until);
  }

  /** Milliseconds the channel still cools down at `now`; 0 when it does not. */
  remainingMs(channel: Pick<RouteChannel, 'id'>, now: number): number {
    if (this.#until.size === 0) return 0;
    const until = this.#until.get(channel.id);
    if (until === undefined) return 0;
    if (until <= now) {
      this.#until.delete(channel.id);
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
