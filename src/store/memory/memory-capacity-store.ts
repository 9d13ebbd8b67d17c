/**
 * `CapacityStore` in process memory: one rolling window of tokens and requests per key, created on the first record
 * (the executor records only channels that declare a capacity). Constant memory per key: 60 one-second buckets by
 * default.
 */
import type { CapacityStore, WindowOptions } from '../state-stores.ts';
import { RollingWindow, validateWindow } from './rolling-window.ts';

export const defaultCapacityWindow: WindowOptions = Object.freeze({ windowMs: 60_000, buckets: 60 });

export class MemoryCapacityStore implements CapacityStore {
  readonly windowMs: number;
  readonly buckets: number;
  /** first: tokens, second: requests. */
  readonly #windows = new Map<string, RollingWindow>();

  constructor(options: WindowOptions = defaultCapacityWindow) {
    // Rejected here rather than on the first record.
    validateWindow(options.windowMs, options.buckets);
    this.windowMs = options.windowMs;
    this.buckets = options.buckets;
  }

  tokens(key: string, now: number): number {
    return this.#windows.get(key)?.first(now) ?? 0;
  }

  requests(key: string, now: number): number {
    return this.#windows.get(key)?.second(now) ?? 0;
  }

  record(key: string, tokens: number, requests: number, now: number): void {
    let window = this.#windows.get(key);
    if (window === undefined) {
      window = new RollingWindow(this.windowMs, this.buckets);
      this.#windows.set(key, window);
    }
    window.add(tokens, requests, now);
  }

  clear(): void {
    this.#windows.clear();
  }

  /** Keys holding a window (memory tests). */
  get size(): number {
    return this.#windows.size;
  }
}
