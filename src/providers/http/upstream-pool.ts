/**
 * One keep-alive undici Pool per upstream origin, created at start-up and shared by every request to that origin.
 *
 * undici queues dispatches past `connections` without bound and without a time limit, so a burst would wait inside
 * the gateway for minutes. The pool therefore counts its calls: at most `connections` run, at most `queue.max` more
 * wait (FIFO) for at most `queue.timeoutMs`, and the rest are refused at once with `UpstreamSaturatedError` (which
 * becomes a retryable 503 `upstream_saturated`: the next channel is tried). A call that finds a free slot costs one
 * counter increment; only a waiting call allocates.
 */
import { Pool } from 'undici';
import type { Cancellation } from '../../lib/cancellation.ts';

export interface UpstreamQueueOptions {
  /** Calls that may wait for a connection once all are busy; 0 refuses at once. */
  readonly max: number;
  /** The longest a call waits for a connection. */
  readonly timeoutMs: number;
}

export interface UpstreamPoolOptions {
  /** Keep-alive connections to the origin. */
  readonly connections: number;
  /** Defaults to `defaultUpstreamQueue`. */
  readonly queue?: UpstreamQueueOptions;
}

export const defaultUpstreamQueue: UpstreamQueueOptions = Object.freeze({ max: 256, timeoutMs: 1_000 });

/** A call refused because every connection is busy and the wait queue is full, or its wait ran out. */
export class UpstreamSaturatedError extends Error {
  readonly code = 'ERR_UPSTREAM_SATURATED';
}

/** A call waiting for a connection: a list node, so the queue allocates nothing besides it. */
interface Waiter {
  readonly start: () => void;
  readonly refuse: (error: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  stopListening: (() => void) | undefined;
  next: Waiter | undefined;
  previous: Waiter | undefined;
}

export class UpstreamPool extends Pool {
  readonly connections: number;
  readonly maxQueue: number;
  readonly queueTimeoutMs: number;
  #running = 0;
  #waiting = 0;
  #first: Waiter | undefined = undefined;
  #last: Waiter | undefined = undefined;
  // Made once: a burst refuses thousands of calls, each should cost no more than the answer.
  readonly #queueFull: UpstreamSaturatedError;
  readonly #waitedTooLong: UpstreamSaturatedError;

  constructor(origin: string, options: UpstreamPoolOptions) {
    super(origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      // Per-request timeouts are set on each dispatch; these are the pool's ceilings.
      headersTimeout: 600_000,
      bodyTimeout: 600_000,
    });
    const queue = options.queue ?? defaultUpstreamQueue;
    this.connections = options.connections;
    this.maxQueue = queue.max;
    this.queueTimeoutMs = queue.timeoutMs;
    this.#queueFull = new UpstreamSaturatedError(
      this.maxQueue === 0 ? `all ${this.connections} connections are busy` : `all ${this.connections} connections are busy and ${this.maxQueue} calls already wait for one`,
    );
    this.#waitedTooLong = new UpstreamSaturatedError(`all ${this.connections} connections stayed busy for ${this.queueTimeoutMs} ms`);
  }

  /** Calls running (each holds a connection or is opening one). */
  get running(): number {
    return this.#running;
  }

  /** Calls waiting for a connection. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Takes a slot if one is free. Every successful take is paired with one `release`. */
  tryAcquire(): boolean {
    if (this.#running >= this.connections) return false;
    this.#running++;
    return true;
  }

  /**
   * After `tryAcquire` failed: waits for a slot (then `start` runs holding it), or calls `refuse` with an
   * `UpstreamSaturatedError` (queue full, or the wait ran out) or the cancellation's reason.
   */
  wait(cancellation: Cancellation, start: () => void, refuse: (error: Error) => void): void {
    if (this.#waiting >= this.maxQueue || this.queueTimeoutMs <= 0) {
      refuse(this.#queueFull);
      return;
    }
    const waiter: Waiter = { start, refuse, timer: undefined, stopListening: undefined, next: undefined, previous: this.#last };
    if (this.#last === undefined) this.#first = waiter;
    else this.#last.next = waiter;
    this.#last = waiter;
    this.#waiting++;
    waiter.timer = setTimeout(() => {
      if (this.#unlink(waiter)) refuse(this.#waitedTooLong);
    }, this.queueTimeoutMs);
    waiter.stopListening = cancellation.listen((reason) => {
      if (this.#unlink(waiter)) refuse(reason);
    });
  }

  /** Gives a slot back: to the longest waiting call, if any. */
  release(): void {
    const waiter = this.#first;
    if (waiter === undefined) {
      this.#running--;
      return;
    }
    this.#unlink(waiter);
    waiter.start();
  }

  /** Takes a waiter off the queue; false when it already was (started, refused or cancelled). */
  #unlink(waiter: Waiter): boolean {
    const { previous, next } = waiter;
    if (previous !== undefined) previous.next = next;
    else if (this.#first === waiter) this.#first = next;
    else return false;
    clearTimeout(waiter.timer);
    waiter.stopListening?.();
    if (next !== undefined) next.previous = previous;
    else this.#last = previous;
    waiter.next = undefined;
    waiter.previous = undefined;
    this.#waiting--;
    return true;
  }
}

export function createUpstreamPool(origin: string, options: UpstreamPoolOptions): UpstreamPool {
  return new UpstreamPool(origin, options);
}
