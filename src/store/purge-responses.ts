/**
 * Deletes expired stored responses in the background. Reads already treat an expired response as absent, so a purge
 * only gives the space back: it runs on an unref'd interval (it never keeps the process alive), in batches of
 * `purgeBatch` with a turn of the event loop between them (a batch is synchronous on SQLite), and a run is bounded in
 * batches and in time; what is left waits for the next run. A failure is logged, never thrown: the next run tries again.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ResponseStore } from './response-store.ts';

export const purgeBatch = 1_000;

export interface PurgeLimits {
  /** Batches in one run. */
  readonly maxBatches: number;
  /** No batch starts once a run has taken this long. */
  readonly budgetMs: number;
}

export const defaultPurgeLimits: PurgeLimits = { maxBatches: 100, budgetMs: 1_000 };

/** Logger-like: the gateway's pino logger fits. */
export interface PurgeLogger {
  warn(fields: object, message: string): void;
}

/**
 * One run: batches of `purgeBatch` until one comes back short, at most `maxBatches` and none started past `budgetMs`
 * (the first always runs). `clock` gives epoch ms, both what has expired and how long the run took. `stopped` is asked
 * between batches. Resolves to how many were deleted.
 */
export async function purgeExpiredResponses(store: ResponseStore, clock: () => number, limits: PurgeLimits = defaultPurgeLimits, stopped: () => boolean = () => false): Promise<number> {
  const started = clock();
  let total = 0;
  for (let batch = 0; batch < limits.maxBatches; batch++) {
    const now = clock();
    if (batch > 0 && (now - started >= limits.budgetMs || stopped())) break;
    const deleted = await store.purgeExpired(now, purgeBatch);
    total += deleted;
    if (deleted < purgeBatch) break;
    await nextTurn();
  }
  return total;
}

export interface ResponsePurgeOptions {
  readonly intervalMs: number;
  readonly clock?: () => number;
  readonly limits?: PurgeLimits;
}

export interface ResponsePurge {
  /** No run starts after this; resolves once a run in progress has stopped (before its store is closed). */
  stop(): Promise<void>;
}

/** Starts purging every `intervalMs`, the first run one interval from now; a run still going when the next is due skips it. */
export function startResponsePurge(store: ResponseStore, logger: PurgeLogger, options: ResponsePurgeOptions): ResponsePurge {
  const clock = options.clock ?? Date.now;
  const limits = options.limits ?? defaultPurgeLimits;
  let stopped = false;
  let running: Promise<void> | undefined;
  const isStopped = () => stopped;
  const timer = setInterval(() => {
    if (running !== undefined) return;
    running = purgeExpiredResponses(store, clock, limits, isStopped).then(
      () => {
        running = undefined;
      },
      (error: unknown) => {
        running = undefined;
        logger.warn({ err: error }, 'could not purge expired stored responses; the next run tries again');
      },
    );
  }, options.intervalMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      return running ?? Promise.resolve();
    },
  };
}
