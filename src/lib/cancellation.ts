/**
 * A cheap, single-shot cancellation signal for the hot path (an AbortController per request costs an EventTarget).
 * Imports nothing.
 */
export class Cancellation {
  #reason: Error | undefined = undefined;
  #listeners: Array<(reason: Error) => void> | undefined = undefined;

  get cancelled(): boolean {
    return this.#reason !== undefined;
  }

  get reason(): Error | undefined {
    return this.#reason;
  }

  /** Calls the listener once on cancel (at once if already cancelled); returns a function that removes it. */
  listen(listener: (reason: Error) => void): () => void {
    if (this.#reason !== undefined) {
      listener(this.#reason);
      return noop;
    }
    (this.#listeners ??= []).push(listener);
    return () => {
      const listeners = this.#listeners;
      if (listeners === undefined) return;
      const index = listeners.indexOf(listener);
      if (index !== -1) listeners.splice(index, 1);
    };
  }

  cancel(reason: Error): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners === undefined) return;
    for (const listener of listeners) listener(reason);
  }
}

function noop(): void {}
