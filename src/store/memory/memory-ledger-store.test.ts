import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ledgerEntry } from '../conformance/ledger-store-conformance.ts';
import { MemoryLedgerStore } from './memory-ledger-store.ts';

it('the memory ledger keeps at most its capacity: at it nothing is dropped, one more drops the oldest booked', async () => {
  const store = new MemoryLedgerStore(3);
  await store.append([1, 2, 3].map((n) => ledgerEntry(`r${n}`, n)));
  assert.deepEqual((await store.entries({})).entries.map((entry) => entry.requestId), ['r1', 'r2', 'r3']);
  await store.append([ledgerEntry('r4', 4)]);
  assert.deepEqual((await store.entries({})).entries.map((entry) => entry.requestId), ['r2', 'r3', 'r4']);
});
