import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commitment } from '../../test/support/agreements.ts';
import { ledgerEntry } from '../store/conformance/ledger-store-conformance.ts';
import { MemoryLedgerStore } from '../store/memory/memory-ledger-store.ts';
import { CommitmentBook } from './commitments.ts';

const day = (text: string) => Date.parse(`${text}T00:00:00Z`);

describe('CommitmentBook', () => {
  // 1,000,000 micro-units over the 10 days 2026-01-01..10: the pace grows by 100,000 a day.
  const term = commitment({ from: '2026-01-01', until: '2026-01-10', amountMicros: 1_000_000 });

  it('is behind its pace while it spent less than the amount times the share of the term gone by; at the pace it is not', async () => {
    const book = new CommitmentBook(day('2025-12-01'));
    await book.load([term], undefined);
    const midway = day('2026-01-06'); // 5 of 10 days: the pace is 500,000
    book.spend('azure', day('2026-01-02'), 499_999);
    assert.equal(book.spent(term), 499_999);
    assert.equal(book.behindPace(term, midway), true);
    book.spend('azure', day('2026-01-03'), 1);
    assert.equal(book.behindPace(term, midway), false, 'exactly at the pace');
    assert.equal(book.behindPace(term, midway + 1), true, 'one millisecond later the pace moved past it');
  });

  it('prefers nothing before its first day or from the day after its last', async () => {
    const book = new CommitmentBook(day('2025-12-01'));
    await book.load([term], undefined);
    assert.equal(book.behindPace(term, day('2026-01-01') - 1), false);
    assert.equal(book.behindPace(term, day('2026-01-01') + 1), true, 'in force from 00:00 UTC of its first day');
    assert.equal(book.behindPace(term, day('2026-01-11') - 1), true, 'and through its last day');
    assert.equal(book.behindPace(term, day('2026-01-11')), false);
  });

  it("counts only its provider's spend on the days of its term", async () => {
    const book = new CommitmentBook(day('2025-12-01'));
    await book.load([term], undefined);
    book.spend('azure', day('2025-12-31'), 7);
    book.spend('azure', day('2026-01-10') + 86_399_999, 11);
    book.spend('azure', day('2026-01-11'), 13);
    book.spend('bedrock', day('2026-01-05'), 17);
    assert.equal(book.spent(term), 11);
  });

  it('adds what the ledger booked in the term before the process started to what it spent since', async () => {
    const ledger = new MemoryLedgerStore();
    await ledger.append([
      ledgerEntry('r0', day('2026-01-02'), { provider: 'azure', costMicros: 300 }),
      ledgerEntry('r1', day('2026-01-03'), { provider: 'bedrock', costMicros: 50 }),
      ledgerEntry('r2', day('2025-12-31'), { provider: 'azure', costMicros: 70 }),
    ]);
    const startedAt = day('2026-01-04');
    const book = new CommitmentBook(startedAt);
    assert.equal(book.spent(term), undefined, 'unknown until read');
    assert.equal(book.behindPace(term, startedAt), false, 'and so it prefers nothing');
    await book.load([term], ledger);
    book.spend('azure', startedAt + 5, 20);
    // Booked by this process after it started: counted once, from memory, although the ledger has it too.
    await ledger.append([ledgerEntry('r3', startedAt + 5, { provider: 'azure', costMicros: 20 })]);
    assert.equal(book.spent(term), 320);
    const again = new CommitmentBook(startedAt);
    await again.load([term], ledger);
    assert.equal(again.spent(term), 300, 'a second book started at the same instant reads only what came before it');
  });

  it('reads each term once, whatever else changes (the amount, the preference)', async () => {
    let reads = 0;
    const ledger = new MemoryLedgerStore();
    const counting = Object.assign(Object.create(ledger) as MemoryLedgerStore, {
      statement: (...args: Parameters<MemoryLedgerStore['statement']>) => {
        reads++;
        return ledger.statement(...args);
      },
    });
    const book = new CommitmentBook(day('2026-02-01'));
    await Promise.all([book.load([term], counting), book.load([term], counting)]);
    await book.load([{ ...term, amountMicros: 5, prefer: true }], counting);
    assert.equal(reads, 1);
    await book.load([commitment({ from: '2026-01-01', until: '2026-01-31' })], counting);
    assert.equal(reads, 2, 'a new term is read');
  });
});
