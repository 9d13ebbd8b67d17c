/**
 * The ledger in memory, for tests and `store: { kind: memory }`: the same contract as SQLite, gone with the process,
 * and bounded: past `capacity` entries the oldest booked is dropped (a gateway on the memory store runs for days).
 * Entries are kept as given (the writer never changes one after booking it); reads hand out copies.
 */
import {
  decodeCursor,
  encodeCursor,
  pageSize,
  type AgreementTotal,
  type LedgerEntry,
  type LedgerPage,
  type LedgerQuery,
  type LedgerStore,
  type StatementGrouping,
  type StatementRow,
} from '../ledger-store.ts';

export class MemoryLedgerStore implements LedgerStore {
  readonly #byId = new Map<string, LedgerEntry>();
  readonly #capacity: number;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  async append(entries: readonly LedgerEntry[]): Promise<number> {
    let booked = 0;
    for (const entry of entries) {
      if (this.#byId.has(entry.requestId)) continue;
      // As SQLite reads them back: by agreement name.
      const accruals = entry.accruals.length < 2 ? entry.accruals : entry.accruals.toSorted((a, b) => (a.agreement < b.agreement ? -1 : a.agreement > b.agreement ? 1 : 0));
      this.#byId.set(entry.requestId, accruals === entry.accruals ? entry : { ...entry, accruals });
      if (this.#byId.size > this.#capacity) this.#byId.delete(this.#byId.keys().next().value!);
      booked++;
    }
    return booked;
  }

  async entries(query: LedgerQuery): Promise<LedgerPage> {
    let after: { at: number; requestId: string } | undefined;
    if (query.cursor !== undefined) {
      after = decodeCursor(query.cursor);
      if (after === undefined) return { entries: [], next: undefined };
    }
    const matching = this.#sorted().filter(
      (entry) =>
        (query.fromMs === undefined || entry.at >= query.fromMs) &&
        (query.toMs === undefined || entry.at < query.toMs) &&
        (query.requestId === undefined || entry.requestId === query.requestId) &&
        (after === undefined || entry.at > after.at || (entry.at === after.at && entry.requestId > after.requestId)),
    );
    const size = pageSize(query.limit);
    const entries = matching.slice(0, size).map((entry) => structuredClone(entry));
    return { entries, next: matching.length > size ? encodeCursor(entries[entries.length - 1]) : undefined };
  }

  async statement(fromMs: number, toMs: number, by: StatementGrouping): Promise<readonly StatementRow[]> {
    const groups = new Map<string, { -readonly [K in keyof StatementRow]: StatementRow[K] }>();
    const add = (group: string, entry: LedgerEntry, accrued: number) => {
      let row = groups.get(group);
      if (row === undefined) {
        row = { group, requests: 0, inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0, costMicros: 0, chargedMicros: 0, accruedMicros: 0 };
        groups.set(group, row);
      }
      row.requests++;
      row.inputTokens += entry.inputTokens;
      row.cachedInputTokens += entry.cachedInputTokens;
      row.cacheWriteTokens += entry.cacheWriteTokens;
      row.outputTokens += entry.outputTokens;
      row.reasoningTokens += entry.reasoningTokens;
      row.costMicros += entry.costMicros;
      row.chargedMicros += entry.chargedMicros;
      row.accruedMicros += accrued;
    };
    for (const entry of this.#byId.values()) {
      if (entry.at < fromMs || entry.at >= toMs) continue;
      if (by === 'party') {
        const byParty = new Map<string, number>();
        for (const accrual of entry.accruals) byParty.set(accrual.party, (byParty.get(accrual.party) ?? 0) + accrual.micros);
        for (const [party, micros] of byParty) add(party, entry, micros);
        continue;
      }
      const accrued = entry.accruals.reduce((sum, accrual) => sum + accrual.micros, 0);
      add(groupOf(entry, by) ?? '', entry, accrued);
    }
    return [...groups.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  }

  async agreementTotals(fromMs = Number.MIN_SAFE_INTEGER, toMs = Number.MAX_SAFE_INTEGER): Promise<readonly AgreementTotal[]> {
    const totals = new Map<string, { party: string; micros: number; entries: number; lastAt: number; capReachedAt: number | undefined }>();
    for (const entry of this.#byId.values()) {
      if (entry.at < fromMs || entry.at >= toMs) continue;
      for (const accrual of entry.accruals) {
        let total = totals.get(accrual.agreement);
        if (total === undefined) {
          total = { party: accrual.party, micros: 0, entries: 0, lastAt: entry.at, capReachedAt: undefined };
          totals.set(accrual.agreement, total);
        }
        total.micros += accrual.micros;
        total.entries++;
        total.lastAt = Math.max(total.lastAt, entry.at);
        if (accrual.capReached === true) total.capReachedAt = Math.min(total.capReachedAt ?? entry.at, entry.at);
      }
    }
    return [...totals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([agreement, total]) => ({ agreement, ...total }));
  }

  async close(): Promise<void> {}

  #sorted(): LedgerEntry[] {
    return [...this.#byId.values()].sort((a, b) => a.at - b.at || (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0));
  }
}

function groupOf(entry: LedgerEntry, by: Exclude<StatementGrouping, 'party'>): string | undefined {
  switch (by) {
    case 'provider':
      return entry.provider;
    case 'channel':
      return entry.channel;
    case 'tenant':
      return entry.tenant;
    case 'key':
      return entry.keyId;
    case 'model':
      return entry.model;
  }
}
