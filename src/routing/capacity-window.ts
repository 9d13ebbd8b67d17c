/**
 * Capacity windows: the tokens and requests per minute the operator reserved on a channel (its share of an upstream
 * quota). A channel whose window would overflow with this request declines it. Rolling 60 s windows in 60 one-second
 * buckets: constant memory per channel. In-process state; a shared implementation (Redis) comes with scale-out behind
 * `CapacityReader` and the same `record` call.
 *
 * Accounting: the executor records the plan's `estimatedTokens` when it dispatches an attempt, and may correct the
 * estimate with the real usage afterwards (`record(actual - estimated, now, 0)`).
 */
import { RollingWindow } from './rolling-window.ts';
import type { CapacityLimit, CapacityReader, ChannelCapacity, RouteChannel } from './routing-types.ts';

export interface CapacityWindowOptions {
  /** Default 60,000. */
  readonly windowMs?: number;
  /** Default 60. */
  readonly buckets?: number;
}

export class CapacityWindow {
  readonly tpm: number | undefined;
  readonly rpm: number | undefined;
  /** first: tokens, second: requests. */
  readonly #window: RollingWindow;

  constructor(limits: Partial<ChannelCapacity>, options: CapacityWindowOptions = {}) {
    this.tpm = limits.tpm;
    this.rpm = limits.rpm;
    this.#window = new RollingWindow(options.windowMs ?? 60_000, options.buckets ?? 60);
  }

  /** The limit one more request of `tokens` would exceed (tokens first), or undefined when it fits. */
  wouldExceed(tokens: number, now: number): CapacityLimit | undefined {
    if (this.tpm !== undefined && this.#window.first(now) + tokens > this.tpm) return 'tpm';
    if (this.rpm !== undefined && this.#window.second(now) + 1 > this.rpm) return 'rpm';
    return undefined;
  }

  /** Counts `tokens` and `requests` (default one) at `now`. Negative values correct an earlier estimate. */
  record(tokens: number, now: number, requests = 1): void {
    this.#window.add(tokens, requests, now);
  }

  tokens(now: number): number {
    return this.#window.first(now);
  }

  requests(now: number): number {
    return this.#window.second(now);
  }
}

/** One window per channel with a declared capacity, created on first use. */
export class CapacityWindows implements CapacityReader {
  readonly #windows = new Map<string, CapacityWindow>();
  readonly #options: CapacityWindowOptions;

  constructor(options: CapacityWindowOptions = {}) {
    this.#options = options;
  }

  /** The channel's window; undefined when it declares no capacity. */
  /** Empties every window. */
  clear(): void {
    this.#windows.clear();
  }

  windowFor(channel: RouteChannel): CapacityWindow | undefined {
    if (channel.capacity === undefined) return undefined;
    let window = this.#windows.get(channel.id);
    if (window === undefined) {
      window = new CapacityWindow(channel.capacity, this.#options);
      this.#windows.set(channel.id, window);
    }
    return window;
  }

  wouldExceed(channel: RouteChannel, tokens: number, now: number): CapacityLimit | undefined {
    if (channel.capacity === undefined) return undefined;
    return this.windowFor(channel)!.wouldExceed(tokens, now);
  }

  record(channel: RouteChannel, tokens: number, now: number, requests = 1): void {
    this.windowFor(channel)?.record(tokens, now, requests);
  }
}
