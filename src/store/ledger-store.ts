/**
 * The agreements ledger: one immutable entry per request that reached an upstream (or was refused by a budget), keyed
 * by request id so a retried write books nothing twice. Money is integer micro-units of the entry's currency; token
 * counts are whole tokens. The embedded store (SQLite) and the in-memory one (tests) implement it; PostgreSQL joins
 * them for scale-out.
 *
 * Asynchronous like the identity store: the gateway writes through a group-commit writer (`src/metering/`), never
 * per request on its own, and reads only at start-up (agreement totals) and for statements.
 */

/** What one entry adds to one agreement (a revenue share). */
export interface LedgerAccrual {
  readonly agreement: string;
  readonly party: string;
  readonly micros: number;
  /** This entry brought the agreement to its cap (it accrued only up to it). */
  readonly capReached?: true;
}

export interface LedgerEntry {
  readonly requestId: string;
  /** Epoch milliseconds when the request finished upstream. */
  readonly at: number;
  readonly tenant: string | undefined;
  readonly keyId: string | undefined;
  /** The public model name. */
  readonly model: string;
  readonly endpoint: string;
  readonly stream: boolean;
  readonly provider: string | undefined;
  /** The channel's id (`provider/upstream-model`). */
  readonly channel: string | undefined;
  readonly upstreamModel: string | undefined;
  /** What the client saw (200 for a stream that started, even if it later failed). */
  readonly status: number;
  readonly errorCode: string | undefined;
  /** Every prompt token, cached or not. */
  readonly inputTokens: number;
  readonly cachedInputTokens: number;
  readonly cacheWriteTokens: number;
  /** Every generated token, reasoning included. */
  readonly outputTokens: number;
  readonly reasoningTokens: number;
  /** Counted by the gateway's tokenizer because the upstream reported none. */
  readonly estimated: boolean;
  /** What the upstream charges, at the channel's price in force at `at`. */
  readonly costMicros: number;
  /** What the tenant is charged. */
  readonly chargedMicros: number;
  readonly currency: string;
  readonly latencyMs: number;
  /** The route trace's header form: how the request was routed. */
  readonly route: string | undefined;
  /** By agreement name (what is read back, whatever order they were written in). */
  readonly accruals: readonly LedgerAccrual[];
}

export interface LedgerQuery {
  /** Epoch ms, inclusive. */
  readonly fromMs?: number;
  /** Epoch ms, exclusive. */
  readonly toMs?: number;
  readonly requestId?: string;
  /** From a previous page's `next`. */
  readonly cursor?: string;
  /** At most this many entries (default 100, at most 1000). */
  readonly limit?: number;
}

export interface LedgerPage {
  readonly entries: readonly LedgerEntry[];
  /** The cursor of the next page; undefined on the last. */
  readonly next: string | undefined;
}

export const statementGroupings = ['party', 'provider', 'channel', 'tenant', 'key', 'model'] as const;
export type StatementGrouping = (typeof statementGroupings)[number];

/** The sums of one group of entries. With `party`, the entries with an accrual to that party. */
export interface StatementRow {
  /** The group's value; '' for entries without one (no tenant, no key, no provider). */
  readonly group: string;
  readonly requests: number;
  readonly inputTokens: number;
  readonly cachedInputTokens: number;
  readonly cacheWriteTokens: number;
  readonly outputTokens: number;
  readonly reasoningTokens: number;
  readonly costMicros: number;
  readonly chargedMicros: number;
  /** With `party`: what the entries accrued to it; otherwise every accrual of the group's entries. */
  readonly accruedMicros: number;
}

/** One agreement's accruals (over the whole ledger at start-up, so caps hold across restarts; or over a period). */
export interface AgreementTotal {
  readonly agreement: string;
  readonly party: string;
  readonly micros: number;
  /** Entries that accrued to it. */
  readonly entries: number;
  /** Epoch ms of its latest accrual. */
  readonly lastAt: number;
  /** Epoch ms of the entry that reached its cap; undefined while under it. */
  readonly capReachedAt: number | undefined;
}

export interface LedgerStore {
  /**
   * Writes entries in one transaction; an entry whose request id is already booked is skipped (with its accruals).
   * Resolves with the number newly booked, once they are durable against the process dying.
   */
  append(entries: readonly LedgerEntry[]): Promise<number>;
  /** Entries by time then request id, a page at a time. */
  entries(query: LedgerQuery): Promise<LedgerPage>;
  /** Sums per group over `[fromMs, toMs)`, groups in ascending order. */
  statement(fromMs: number, toMs: number, by: StatementGrouping): Promise<readonly StatementRow[]>;
  /** Every agreement's accruals, over `[fromMs, toMs)` or, without them, the whole ledger; by agreement name. */
  agreementTotals(fromMs?: number, toMs?: number): Promise<readonly AgreementTotal[]>;
  close(): Promise<void>;
}

export const defaultPageSize = 100;
export const maximumPageSize = 1000;

/** Cursors are opaque to clients: the last entry's time and request id. */
export function encodeCursor(entry: Pick<LedgerEntry, 'at' | 'requestId'>): string {
  return Buffer.from(JSON.stringify([entry.at, entry.requestId])).toString('base64url');
}

/** Undefined for a cursor this store did not make. */
export function decodeCursor(cursor: string): { at: number; requestId: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') return { at: value[0], requestId: value[1] };
  } catch {}
  return undefined;
}

export function pageSize(limit: number | undefined): number {
  // NaN would pass through Math.min and max; a fraction would reach SQL's LIMIT.
  if (limit === undefined || Number.isNaN(limit)) return defaultPageSize;
  return Math.max(1, Math.min(maximumPageSize, Math.floor(limit)));
}
