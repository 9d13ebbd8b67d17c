import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LedgerEntry, LedgerStore } from '../store/ledger-store.ts';
import { MemoryLedgerStore } from '../store/memory/memory-ledger-store.ts';
import { openSqlite } from '../store/sqlite/sqlite-database.ts';
import { SqliteLedgerStore } from '../store/sqlite/sqlite-ledger-store.ts';
import { LedgerWriter } from './ledger-writer.ts';

function entry(requestId: string, at = 1_000): LedgerEntry {
  return {
    requestId,
    at,
    tenant: 'ten_1',
    keyId: 'key_1',
    model: 'gpt-4o',
    endpoint: 'chat_completions',
    stream: false,
    provider: 'azure',
    channel: 'azure/gpt-4o',
    upstreamModel: 'gpt-4o',
    status: 200,
    errorCode: undefined,
    inputTokens: 10,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 5,
    reasoningTokens: 0,
    estimated: false,
    costMicros: 75,
    chargedMicros: 75,
    currency: 'USD',
    latencyMs: 12.5,
    route: undefined,
    accruals: [],
  };
}

/** Counts the batches a store is handed, and fails the first `failures` of them (a full disk, a locked file). */
class CountingStore extends MemoryLedgerStore {
  batches: number[] = [];
  failures: number;
  constructor(failures = 0) {
    super();
    this.failures = failures;
  }
  override async append(entries: readonly LedgerEntry[]): Promise<number> {
    this.batches.push(entries.length);
    if (this.failures > 0) {
      this.failures--;
      throw new Error('disk full');
    }
    return super.append(entries);
  }
}

const quiet = { error() {} };

describe('LedgerWriter', () => {
  it('commits every entry recorded in one turn as one batch, and resolves each only once it is stored', async () => {
    const { database } = openSqlite(':memory:');
    const store: LedgerStore = new SqliteLedgerStore(database, true);
    const writer = new LedgerWriter(store, quiet);
    const settled = ['a', 'b', 'c'].map((id) =>
      writer.record(entry(id)).then(async () => (await store.entries({ requestId: id })).entries.length),
    );
    assert.deepEqual(await Promise.all(settled), [1, 1, 1]);
    await store.close();
  });

  it('makes one batch per turn', async () => {
    const store = new CountingStore();
    const writer = new LedgerWriter(store, quiet);
    await Promise.all([writer.record(entry('a')), writer.record(entry('b'))]);
    await writer.record(entry('c'));
    assert.deepEqual(store.batches, [2, 1]);
  });

  it('after a failed write, resolves the waiting entries, counts the failure and writes them with the next batch', async () => {
    const store = new CountingStore(1);
    let failures = 0;
    const writer = new LedgerWriter(store, quiet, () => failures++);
    await writer.record(entry('a'));
    assert.equal(failures, 1);
    assert.equal((await store.entries({})).entries.length, 0);
    await writer.record(entry('b'));
    assert.deepEqual((await store.entries({})).entries.map((booked) => booked.requestId), ['a', 'b']);
    assert.deepEqual(store.batches, [1, 2]);
  });

  it('flush writes what is pending and what failed before', async () => {
    const store = new CountingStore(1);
    const writer = new LedgerWriter(store, quiet);
    await writer.record(entry('a'));
    await writer.flush();
    assert.deepEqual((await store.entries({})).entries.map((booked) => booked.requestId), ['a']);
  });
});
