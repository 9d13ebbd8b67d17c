/**
 * The API requests being served, for a graceful shutdown: how many (from the first byte of the body read to the end of
 * the response), and the scopes of those past their body, which the drain deadline cancels. A scope is its own list
 * node, so keeping the list costs no allocation per request.
 */
import type { ServerResponse } from 'node:http';
import type { Cancellation } from '../lib/cancellation.ts';

/** What the list needs of a request's scope. */
export interface InFlightScope {
  readonly response: ServerResponse;
  readonly cancellation: Cancellation;
  /** @internal the list's links */
  previous: InFlightScope | undefined;
  /** @internal */
  next: InFlightScope | undefined;
}

export class InFlight {
  #count = 0;
  #first: InFlightScope | undefined = undefined;
  #waiter: { readonly atMost: number; readonly resolve: () => void } | undefined = undefined;
  #cutReason: Error | undefined = undefined;

  get count(): number {
    return this.#count;
  }

  /** Set once the gateway ends the requests still running: a connection that closes now was closed by the gateway. */
  get cutReason(): Error | undefined {
    return this.#cutReason;
  }

  enter(): void {
    this.#count++;
  }

  leave(): void {
    this.#count--;
    const waiter = this.#waiter;
    if (waiter !== undefined && this.#count <= waiter.atMost) {
      this.#waiter = undefined;
      waiter.resolve();
    }
  }

  add(scope: InFlightScope): void {
    const first = this.#first;
    scope.next = first;
    if (first !== undefined) first.previous = scope;
    this.#first = scope;
  }

  remove(scope: InFlightScope): void {
    const { previous, next } = scope;
    if (previous !== undefined) previous.next = next;
    else if (this.#first === scope) this.#first = next;
    else return;
    if (next !== undefined) next.previous = previous;
    scope.previous = undefined;
    scope.next = undefined;
  }

  /** Answers not yet started close their connection: a shutdown has begun. */
  closeConnectionsAfterResponse(): void {
    for (let scope = this.#first; scope !== undefined; scope = scope.next) {
      if (!scope.response.headersSent) scope.response.shouldKeepAlive = false;
    }
  }

  /**
   * Cancels every open scope with `reason`. Returns how many requests were in flight, and how many of them were
   * cancelled (the others were still reading their body).
   */
  cut(reason: Error): { readonly inFlight: number; readonly cancelled: number } {
    this.#cutReason = reason;
    const scopes: InFlightScope[] = [];
    for (let scope = this.#first; scope !== undefined; scope = scope.next) scopes.push(scope);
    // Cancelling unwinds a request, which removes its scope from the list: walk a copy.
    for (const scope of scopes) scope.cancellation.cancel(reason);
    return { inFlight: this.#count, cancelled: scopes.length };
  }

  /** Resolves once at most `atMost` requests are in flight (one waiter at a time: the shutdown). */
  until(atMost: number): Promise<void> {
    if (this.#count <= atMost) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiter = { atMost, resolve };
    });
  }
}
