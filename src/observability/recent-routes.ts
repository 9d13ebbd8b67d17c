/**
 * The routes of the most recent requests, in a fixed-size ring (no growth, no shifting): what `GET /admin/routes`
 * answers. Every request keeps its compact route (the `x-interchange-route` value); the full trace, with reasons in
 * words, is kept only for requests where something happened (a channel passed over, an attempt failed, an error,
 * a stream that failed after it started), so that the common case allocates one small entry.
 */
import type { RouteTraceRecord } from '../routing/index.ts';

export interface RecentRoute {
  readonly requestId: string;
  /** Epoch milliseconds. */
  readonly at: number;
  readonly model: string;
  readonly status: number;
  /** The error code when the request failed, also after a stream had started (status 200, `upstream_stream_error`). */
  readonly error: string | undefined;
  /** The compact route, as sent in `x-interchange-route`. */
  readonly route: string;
  readonly trace: RouteTraceRecord | undefined;
  /** The caller's key (its id, never the secret) and tenant, when keys are on. */
  readonly keyId?: string;
  readonly tenant?: string;
}

export class RecentRoutes {
  readonly #ring: Array<RecentRoute | undefined>;
  #next = 0;

  constructor(capacity: number) {
    this.#ring = new Array(capacity);
  }

  add(entry: RecentRoute): void {
    if (this.#ring.length === 0) return;
    this.#ring[this.#next] = entry;
    this.#next = (this.#next + 1) % this.#ring.length;
  }

  /** Newest first, at most `limit`. */
  list(limit: number): RecentRoute[] {
    const result: RecentRoute[] = [];
    for (let step = 1; step <= this.#ring.length && result.length < limit; step++) {
      const entry = this.#ring[(this.#next - step + this.#ring.length) % this.#ring.length];
      if (entry === undefined) break;
      result.push(entry);
    }
    return result;
  }

  find(requestId: string): RecentRoute | undefined {
    return this.#ring.find((entry) => entry?.requestId === requestId);
  }
}
