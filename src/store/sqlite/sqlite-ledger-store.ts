/**
 * The ledger in the embedded SQLite file. A batch is one immediate transaction: an entry whose request id is booked
 * is skipped with its accruals. Triggers refuse any update, delete or second insert of a row (so INSERT OR REPLACE
 * too). With WAL and `synchronous = NORMAL`, a committed batch survives the process being killed.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import {
  decodeCursor,
  encodeCursor,
  pageSize,
  type AgreementTotal,
  type LedgerAccrual,
  type LedgerEntry,
  type LedgerPage,
  type LedgerQuery,
  type LedgerStore,
  type StatementGrouping,
  type StatementRow,
} from '../ledger-store.ts';
import { inTransaction } from './sqlite-writes.ts';

const columns =
  'request_id, at, tenant, key_id, model, endpoint, stream, provider, channel, upstream_model, status, error_code, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, estimated, cost_micros, charged_micros, currency, latency_ms, route';

const groupColumn: Record<Exclude<StatementGrouping, 'party'>, string> = {
  provider: 'provider',
  channel: 'channel',
  tenant: 'tenant',
  key: 'key_id',
  model: 'model',
};

const sums = `COUNT(*) AS requests, SUM(e.input_tokens) AS input, SUM(e.cached_input_tokens) AS cached, SUM(e.cache_write_tokens) AS cache_write,
  SUM(e.output_tokens) AS output, SUM(e.reasoning_tokens) AS reasoning, SUM(e.cost_micros) AS cost, SUM(e.charged_micros) AS charged`;

type Row = Record<string, SQLInputValue>;

export class SqliteLedgerStore implements LedgerStore {
  readonly #database: DatabaseSync;
  readonly #ownsDatabase: boolean;
  readonly #isBooked: StatementSync;
  readonly #insertEntry: StatementSync;
  readonly #insertAccrual: StatementSync;
  readonly #accrualsOf: StatementSync;

  /** `ownsDatabase`: close the database with the store (tests); otherwise whoever opened it closes it. */
  constructor(database: DatabaseSync, ownsDatabase = false) {
    this.#database = database;
    this.#ownsDatabase = ownsDatabase;
    this.#isBooked = database.prepare('SELECT 1 FROM ledger_entries WHERE request_id = ?');
    this.#insertEntry = database.prepare(`INSERT INTO ledger_entries (${columns}) VALUES (${columns.split(',').map(() => '?').join(', ')})`);
    this.#insertAccrual = database.prepare('INSERT INTO ledger_accruals (request_id, agreement, party, micros, cap_reached, at) VALUES (?, ?, ?, ?, ?, ?)');
    // A page's accruals in one query (the ids as one JSON array), not one query per entry.
    this.#accrualsOf = database.prepare(
      'SELECT request_id, agreement, party, micros, cap_reached FROM ledger_accruals WHERE request_id IN (SELECT value FROM json_each(?)) ORDER BY request_id, agreement',
    );
  }

  async append(entries: readonly LedgerEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    return inTransaction(this.#database, () => {
      let booked = 0;
      for (const entry of entries) {
        // Looked up rather than left to OR IGNORE, which would also drop, silently, an entry breaking a NOT NULL rule
        // (and the schema refuses a second insert of a booked id).
        if (this.#isBooked.get(entry.requestId) !== undefined) continue;
        this.#insertEntry.run(
          entry.requestId,
          entry.at,
          entry.tenant ?? null,
          entry.keyId ?? null,
          entry.model,
          entry.endpoint,
          entry.stream ? 1 : 0,
          entry.provider ?? null,
          entry.channel ?? null,
          entry.upstreamModel ?? null,
          entry.status,
          entry.errorCode ?? null,
          entry.inputTokens,
          entry.cachedInputTokens,
          entry.cacheWriteTokens,
          entry.outputTokens,
          entry.reasoningTokens,
          entry.estimated ? 1 : 0,
          entry.costMicros,
          entry.chargedMicros,
          entry.currency,
          entry.latencyMs,
          entry.route ?? null,
        );
        booked++;
        for (const accrual of entry.accruals) this.#insertAccrual.run(entry.requestId, accrual.agreement, accrual.party, accrual.micros, accrual.capReached === true ? 1 : 0, entry.at);
      }
      return booked;
    });
  }

  async entries(query: LedgerQuery): Promise<LedgerPage> {
    const conditions: string[] = [];
    const values: SQLInputValue[] = [];
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && after === undefined) return { entries: [], next: undefined };
    if (after !== undefined) {
      // A row value seeks the (at, request_id) index straight to the cursor, where the OR form scanned from the start.
      conditions.push('(at, request_id) > (?, ?)');
      values.push(after.at, after.requestId);
    }
    // Past the cursor `from` holds anyway, and left in, SQLite would seek by it instead (every page from the start).
    if (query.fromMs !== undefined && (after === undefined || after.at < query.fromMs)) conditions.push('at >= ?') && values.push(query.fromMs);
    if (query.toMs !== undefined) conditions.push('at < ?') && values.push(query.toMs);
    if (query.requestId !== undefined) conditions.push('request_id = ?') && values.push(query.requestId);
    const size = pageSize(query.limit);
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const rows = this.#database.prepare(`SELECT ${columns} FROM ledger_entries ${where} ORDER BY at, request_id LIMIT ?`).all(...values, size + 1) as Row[];
    const page = rows.slice(0, size);
    const accruals = new Map<string, LedgerAccrual[]>();
    for (const accrual of this.#accrualsOf.all(JSON.stringify(page.map((row) => row.request_id))) as Row[]) {
      const requestId = String(accrual.request_id);
      let list = accruals.get(requestId);
      if (list === undefined) accruals.set(requestId, (list = []));
      list.push({
        agreement: String(accrual.agreement),
        party: String(accrual.party),
        micros: Number(accrual.micros),
        ...(accrual.cap_reached === 1 ? { capReached: true as const } : {}),
      });
    }
    const entries = page.map((row) => entryOf(row, accruals.get(String(row.request_id)) ?? []));
    return { entries, next: rows.length > size ? encodeCursor(entries[entries.length - 1]) : undefined };
  }

  async statement(fromMs: number, toMs: number, by: StatementGrouping): Promise<readonly StatementRow[]> {
    if (by === 'party') {
      const rows = this.#database
        .prepare(
          `SELECT a.party AS grp, ${sums}, SUM(a.micros) AS accrued
           FROM (SELECT request_id, party, SUM(micros) AS micros FROM ledger_accruals WHERE at >= ? AND at < ? GROUP BY request_id, party) a
           JOIN ledger_entries e ON e.request_id = a.request_id
           GROUP BY a.party ORDER BY a.party`,
        )
        .all(fromMs, toMs) as Row[];
      return rows.map(statementRow);
    }
    const column = groupColumn[by];
    // Two passes, entries then accruals (an accrual's time is its entry's), a third faster than one LEFT JOIN of both.
    const rows = this.#database
      .prepare(`SELECT COALESCE(e.${column}, '') AS grp, ${sums} FROM ledger_entries e WHERE e.at >= ? AND e.at < ? GROUP BY grp ORDER BY grp`)
      .all(fromMs, toMs) as Row[];
    const accrued = this.#database
      .prepare(
        `SELECT COALESCE(e.${column}, '') AS grp, SUM(a.micros) AS accrued
         FROM ledger_accruals a JOIN ledger_entries e ON e.request_id = a.request_id WHERE a.at >= ? AND a.at < ? GROUP BY grp`,
      )
      .all(fromMs, toMs) as Row[];
    const accruedBy = new Map(accrued.map((row) => [String(row.grp), row.accrued]));
    return rows.map((row) => statementRow({ ...row, accrued: accruedBy.get(String(row.grp)) ?? 0 }));
  }

  async agreementTotals(fromMs = Number.MIN_SAFE_INTEGER, toMs = Number.MAX_SAFE_INTEGER): Promise<readonly AgreementTotal[]> {
    const rows = this.#database
      .prepare(
        `SELECT agreement, MIN(party) AS party, SUM(micros) AS micros, COUNT(*) AS entries, MAX(at) AS last_at, MIN(CASE WHEN cap_reached = 1 THEN at END) AS cap_at
         FROM ledger_accruals WHERE at >= ? AND at < ? GROUP BY agreement ORDER BY agreement`,
      )
      .all(fromMs, toMs) as Row[];
    return rows.map((row) => ({
      agreement: String(row.agreement),
      party: String(row.party),
      micros: Number(row.micros),
      entries: Number(row.entries),
      lastAt: Number(row.last_at),
      capReachedAt: row.cap_at === null ? undefined : Number(row.cap_at),
    }));
  }

  async close(): Promise<void> {
    if (this.#ownsDatabase && this.#database.isOpen) this.#database.close();
  }
}

function entryOf(row: Row, accruals: LedgerAccrual[]): LedgerEntry {
  return {
    requestId: String(row.request_id),
    at: Number(row.at),
    tenant: optionalText(row.tenant),
    keyId: optionalText(row.key_id),
    model: String(row.model),
    endpoint: String(row.endpoint),
    stream: row.stream === 1,
    provider: optionalText(row.provider),
    channel: optionalText(row.channel),
    upstreamModel: optionalText(row.upstream_model),
    status: Number(row.status),
    errorCode: optionalText(row.error_code),
    inputTokens: Number(row.input_tokens),
    cachedInputTokens: Number(row.cached_input_tokens),
    cacheWriteTokens: Number(row.cache_write_tokens),
    outputTokens: Number(row.output_tokens),
    reasoningTokens: Number(row.reasoning_tokens),
    estimated: row.estimated === 1,
    costMicros: Number(row.cost_micros),
    chargedMicros: Number(row.charged_micros),
    currency: String(row.currency),
    latencyMs: Number(row.latency_ms),
    route: optionalText(row.route),
    accruals,
  };
}

function optionalText(value: SQLInputValue): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

function statementRow(row: Row): StatementRow {
  return {
    group: String(row.grp),
    requests: Number(row.requests),
    inputTokens: Number(row.input),
    cachedInputTokens: Number(row.cached),
    cacheWriteTokens: Number(row.cache_write),
    outputTokens: Number(row.output),
    reasoningTokens: Number(row.reasoning),
    costMicros: Number(row.cost),
    chargedMicros: Number(row.charged),
    accruedMicros: Number(row.accrued),
  };
}
