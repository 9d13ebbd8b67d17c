/**
 * Group commit for the ledger: every entry settled in one turn of the event loop is written in one transaction on the
 * next, and each settle waits for its batch, so a response is not finished before its entry is durable and the store
 * sees one commit per turn rather than one per request. A failed write is logged and retried with the next batch (the
 * entries stay in memory); the waiting responses go out meanwhile: the client paid upstream already.
 */
import type { LedgerEntry, LedgerStore } from '../store/ledger-store.ts';

export interface LedgerWriterLogger {
  error(fields: object, message: string): void;
}

/** Entries kept for a retry after failed writes, at most; past it the oldest are dropped (and logged). */
const MAX_UNWRITTEN = 100_000;

export class LedgerWriter {
  readonly #store: LedgerStore;
  readonly #logger: LedgerWriterLogger;
  readonly #onFailure: () => void;
  #pending: LedgerEntry[] = [];
  /** The settles waiting for the pending entries' batch. */
  #waiters: Array<() => void> = [];
  #unwritten: LedgerEntry[] = [];
  #scheduled = false;
  #writing: Promise<void> | undefined;

  constructor(store: LedgerStore, logger: LedgerWriterLogger, onFailure: () => void = () => {}) {
    this.#store = store;
    this.#logger = logger;
    this.#onFailure = onFailure;
  }

  /** Resolves once the entry's batch was committed (or its write failed and was logged). */
  record(entry: LedgerEntry): Promise<void> {
    this.#pending.push(entry);
    const written = new Promise<void>((resolve) => this.#waiters.push(resolve));
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => void this.#flush());
    }
    return written;
  }

  /** Writes whatever is pending (and retries what failed before); resolves when done. */
  async flush(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
    await this.#flush();
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    if (this.#writing !== undefined) {
      // One write at a time; what arrived meanwhile goes in the next.
      await this.#writing;
      if (this.#pending.length === 0 || this.#scheduled) return;
    }
    const batch = this.#unwritten.length === 0 ? this.#pending : this.#unwritten.concat(this.#pending);
    const waiters = this.#waiters;
    this.#pending = [];
    this.#waiters = [];
    this.#unwritten = [];
    if (batch.length === 0) return;
    this.#writing = this.#store.append(batch).then(
      () => undefined,
      (error: unknown) => {
        this.#onFailure();
        this.#unwritten = batch.length > MAX_UNWRITTEN ? batch.slice(batch.length - MAX_UNWRITTEN) : batch;
        this.#logger.error({ err: error, entries: batch.length, dropped: Math.max(0, batch.length - MAX_UNWRITTEN) }, 'ledger write failed; retrying with the next batch');
      },
    );
    await this.#writing;
    this.#writing = undefined;
    for (const resolve of waiters) resolve();
  }
}
