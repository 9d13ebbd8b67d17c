/** What only the SQLite ledger promises beyond the conformance suite: rows no statement can change, and a file that keeps them. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ledgerEntry } from '../conformance/ledger-store-conformance.ts';
import type { LedgerEntry } from '../ledger-store.ts';
import { openSqlite } from './sqlite-database.ts';
import { SqliteLedgerStore } from './sqlite-ledger-store.ts';

const booked = ledgerEntry('req-1', 1_000, { tenant: 'acme', costMicros: 42, chargedMicros: 50, accruals: [{ agreement: 'share', party: 'P', micros: 10, capReached: true }] });

describe('SqliteLedgerStore', () => {
  it('refuses any UPDATE, DELETE or INSERT OR REPLACE of an entry or an accrual, and the rows stay as booked', async () => {
    const { database } = openSqlite(':memory:');
    const store = new SqliteLedgerStore(database, true);
    await store.append([booked]);
    for (const sql of [
      "UPDATE ledger_entries SET cost_micros = 0 WHERE request_id = 'req-1'",
      "UPDATE ledger_entries SET cost_micros = cost_micros",
      "DELETE FROM ledger_entries WHERE request_id = 'req-1'",
      'DELETE FROM ledger_entries',
      "UPDATE ledger_accruals SET micros = 0 WHERE request_id = 'req-1'",
      'DELETE FROM ledger_accruals',
      "INSERT OR REPLACE INTO ledger_accruals (request_id, agreement, party, micros, cap_reached, at) VALUES ('req-1', 'share', 'P', 0, 0, 1000)",
      "INSERT OR REPLACE INTO ledger_entries (request_id, at, model, endpoint, stream, status, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, estimated, cost_micros, charged_micros, currency, latency_ms) VALUES ('req-1', 1, 'm', 'chat', 0, 200, 0, 0, 0, 0, 0, 0, 0, 0, 'USD', 0)",
    ]) {
      assert.throws(() => database.exec(sql), /ledger entries are immutable/, sql);
    }
    assert.deepEqual((await store.entries({})).entries, [booked]);
    await store.close();
  });

  it('an entry the schema refuses fails its whole batch instead of being skipped as if already booked', async () => {
    const { database } = openSqlite(':memory:');
    const store = new SqliteLedgerStore(database, true);
    const broken = { ...ledgerEntry('req-2', 2_000), model: null } as unknown as LedgerEntry;
    await assert.rejects(store.append([booked, broken]), /NOT NULL constraint failed: ledger_entries.model/);
    assert.deepEqual((await store.entries({})).entries, [], 'nothing of the batch is booked');
    assert.equal(await store.append([booked]), 1);
    await store.close();
  });

  it('keeps its entries in the file across close and reopen, still booking each request id once', async (t) => {
    const directory = await mkdtemp(join(tmpdir(), 'interchange-ledger-'));
    t.after(() => rm(directory, { recursive: true, force: true }));
    const file = join(directory, 'nested', 'gateway.db');
    const second = ledgerEntry('req-2', 2_000, { model: 'claude', latencyMs: 1.5 });
    const first = new SqliteLedgerStore(openSqlite(file).database, true);
    assert.equal(await first.append([booked, second]), 2);
    await first.close();

    const reopened = new SqliteLedgerStore(openSqlite(file).database, true);
    assert.deepEqual((await reopened.entries({})).entries, [booked, second]);
    assert.equal(await reopened.append([second, booked]), 0);
    assert.deepEqual(await reopened.agreementTotals(), [{ agreement: 'share', party: 'P', micros: 10, entries: 1, lastAt: 1_000, capReachedAt: 1_000 }]);
    await reopened.close();
  });
});
