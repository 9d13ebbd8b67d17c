/**
 * The `LedgerStore` contract, for any implementation. `make` builds a fresh, empty store. Expected statements are
 * summed here from the entries written, so an implementation is held to the entries, not to another implementation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeCursor,
  statementGroupings,
  type AgreementTotal,
  type LedgerAccrual,
  type LedgerEntry,
  type LedgerQuery,
  type LedgerStore,
  type StatementGrouping,
  type StatementRow,
} from '../ledger-store.ts';

/** An entry with every optional field unset and no accruals; `fields` overrides. */
export function ledgerEntry(requestId: string, at: number, fields: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    requestId,
    at,
    tenant: undefined,
    keyId: undefined,
    model: 'gpt-4o-mini',
    endpoint: 'chat',
    stream: false,
    provider: undefined,
    channel: undefined,
    upstreamModel: undefined,
    status: 200,
    errorCode: undefined,
    inputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    estimated: false,
    costMicros: 0,
    chargedMicros: 0,
    currency: 'USD',
    latencyMs: 0,
    route: undefined,
    accruals: [],
    ...fields,
  };
}

const everyField: LedgerEntry = {
  requestId: 'req-full',
  at: 1_767_225_600_123,
  tenant: 'acme',
  keyId: 'key_01',
  model: 'gpt-4o',
  endpoint: 'chat',
  stream: true,
  provider: 'azure-eastus',
  channel: 'azure-eastus/gpt-4o-prod',
  upstreamModel: 'gpt-4o-prod',
  status: 502,
  errorCode: 'upstream_error',
  inputTokens: 1_200,
  cachedInputTokens: 1_000,
  cacheWriteTokens: 64,
  outputTokens: 300,
  reasoningTokens: 120,
  estimated: true,
  // The largest exact integer a number holds: money must not lose a micro-unit on the way through.
  costMicros: Number.MAX_SAFE_INTEGER,
  chargedMicros: 4_500_001,
  currency: 'EUR',
  latencyMs: 123.25,
  route: 'azure-eastus/gpt-4o-prod;policy=ordered',
  accruals: [
    { agreement: 'a-share', party: 'Microsoft', micros: 900_000, capReached: true },
    { agreement: 'b-share', party: 'Reseller', micros: 1 },
  ],
};

async function allPages(store: LedgerStore, query: Omit<LedgerQuery, 'cursor'>, maximumPages: number): Promise<{ pages: LedgerEntry[][]; cursors: (string | undefined)[] }> {
  const pages: LedgerEntry[][] = [];
  const cursors: (string | undefined)[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.entries({ ...query, cursor });
    pages.push([...page.entries]);
    cursors.push(page.next);
    cursor = page.next;
  } while (cursor !== undefined && pages.length < maximumPages);
  return { pages, cursors };
}

/** Deterministic entries over `[0, 10_000)` plus two just outside, exercising every grouping. */
function statementEntries(): LedgerEntry[] {
  const tenants = ['acme', 'beta', undefined];
  const providers = ['azure', 'bedrock', undefined];
  const models = ['gpt-4o', 'claude', 'gemini'];
  const entries: LedgerEntry[] = [];
  for (let index = 0; index < 60; index++) {
    const tenant = tenants[index % 3];
    const provider = providers[(index >> 1) % 3];
    const accruals: LedgerAccrual[] = [];
    // Two agreements of the same party on one entry, a second party, and entries with none.
    if (index % 4 !== 3) accruals.push({ agreement: 'share-a', party: 'Partner', micros: 1_000 + index });
    if (index % 5 === 0) accruals.push({ agreement: 'share-b', party: 'Partner', micros: 7 * index + 1 });
    if (index % 3 === 1) accruals.push({ agreement: 'share-c', party: 'Other', micros: 11, ...(index === 31 ? { capReached: true as const } : {}) });
    entries.push(
      ledgerEntry(`r${String(index).padStart(3, '0')}`, index * 160, {
        tenant,
        keyId: tenant === undefined ? undefined : `${tenant}-key-${index % 2}`,
        model: models[index % 3],
        provider,
        channel: provider === undefined ? undefined : `${provider}/${models[index % 3]}`,
        upstreamModel: provider === undefined ? undefined : models[index % 3],
        status: index % 7 === 0 ? 429 : 200,
        inputTokens: 100 + index,
        cachedInputTokens: index % 4,
        cacheWriteTokens: index % 2,
        outputTokens: 10 * index,
        reasoningTokens: index % 6,
        costMicros: 1_000 * index + 3,
        chargedMicros: 1_250 * index + 5,
        accruals,
      }),
    );
  }
  entries.push(ledgerEntry('before', -1, { costMicros: 999, accruals: [{ agreement: 'share-a', party: 'Partner', micros: 5 }] }));
  entries.push(ledgerEntry('at-end', 10_000, { costMicros: 999, accruals: [{ agreement: 'share-a', party: 'Partner', micros: 5 }] }));
  return entries;
}

/** The statement as the contract defines it, summed from the entries. */
export function expectedStatement(entries: readonly LedgerEntry[], fromMs: number, toMs: number, by: StatementGrouping): StatementRow[] {
  const rows = new Map<string, { -readonly [K in keyof StatementRow]: StatementRow[K] }>();
  const add = (group: string, entry: LedgerEntry, accrued: number) => {
    const row = rows.get(group) ?? { group, requests: 0, inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0, costMicros: 0, chargedMicros: 0, accruedMicros: 0 };
    rows.set(group, row);
    row.requests += 1;
    row.inputTokens += entry.inputTokens;
    row.cachedInputTokens += entry.cachedInputTokens;
    row.cacheWriteTokens += entry.cacheWriteTokens;
    row.outputTokens += entry.outputTokens;
    row.reasoningTokens += entry.reasoningTokens;
    row.costMicros += entry.costMicros;
    row.chargedMicros += entry.chargedMicros;
    row.accruedMicros += accrued;
  };
  for (const entry of entries) {
    if (entry.at < fromMs || entry.at >= toMs) continue;
    if (by === 'party') {
      for (const party of new Set(entry.accruals.map((accrual) => accrual.party))) {
        add(party, entry, entry.accruals.filter((accrual) => accrual.party === party).reduce((sum, accrual) => sum + accrual.micros, 0));
      }
      continue;
    }
    const group = { provider: entry.provider, channel: entry.channel, tenant: entry.tenant, key: entry.keyId, model: entry.model }[by] ?? '';
    add(group, entry, entry.accruals.reduce((sum, accrual) => sum + accrual.micros, 0));
  }
  return [...rows.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}

export function ledgerStoreConformance(name: string, make: () => LedgerStore): void {
  describe(`LedgerStore conformance: ${name}`, () => {
    it('an empty ledger has no entries, no statement rows and no agreement totals', async () => {
      const store = make();
      assert.deepEqual(await store.entries({}), { entries: [], next: undefined });
      for (const by of statementGroupings) assert.deepEqual(await store.statement(0, Number.MAX_SAFE_INTEGER, by), [], by);
      assert.deepEqual(await store.agreementTotals(), []);
      assert.equal(await store.append([]), 0);
      await store.close();
    });

    it('every field round-trips: set, unset optionals, accruals with and without capReached (read back by agreement name)', async () => {
      const store = make();
      const bare = ledgerEntry('req-bare', 1_767_225_600_124);
      const reversed = { ...everyField, accruals: [...everyField.accruals].reverse() };
      assert.equal(await store.append([reversed, bare]), 2);
      const { entries, next } = await store.entries({});
      assert.equal(next, undefined);
      assert.deepEqual(entries, [everyField, bare]);
      assert.equal('capReached' in entries[0].accruals[1], false, 'an accrual under its cap has no capReached');
      assert.deepEqual(await store.entries({ requestId: 'req-full' }), { entries: [everyField], next: undefined });
      await store.close();
    });

    it('books a request id once: twice in a batch and again in a later batch; append counts what it newly booked', async () => {
      const store = make();
      const first = ledgerEntry('same', 1_000, { costMicros: 10, accruals: [{ agreement: 'share', party: 'P', micros: 3 }] });
      const again = ledgerEntry('same', 2_000, { costMicros: 99, accruals: [{ agreement: 'share', party: 'P', micros: 50 }, { agreement: 'other', party: 'Q', micros: 8 }] });
      const other = ledgerEntry('other', 1_500, { costMicros: 1, accruals: [{ agreement: 'share', party: 'P', micros: 4 }] });
      assert.equal(await store.append([first, again, other]), 2);
      assert.equal(await store.append([again, ledgerEntry('third', 3_000)]), 1);
      assert.equal(await store.append([first, other]), 0);
      const { entries } = await store.entries({});
      assert.deepEqual(entries, [first, other, ledgerEntry('third', 3_000)], 'the first write of an id stands');
      assert.deepEqual(await store.agreementTotals(), [{ agreement: 'share', party: 'P', micros: 7, entries: 2, lastAt: 1_500, capReachedAt: undefined }]);
      assert.deepEqual(
        (await store.statement(0, 10_000, 'model')).map((row) => [row.requests, row.costMicros, row.accruedMicros]),
        [[3, 11, 7]],
      );
      await store.close();
    });

    it('entries: [from, to): an entry exactly at from is in, one exactly at to is out; by request id', async () => {
      const store = make();
      await store.append([999, 1_000, 1_999, 2_000].map((at) => ledgerEntry(`at-${at}`, at)));
      const ids = async (query: LedgerQuery) => (await store.entries(query)).entries.map((entry) => entry.requestId);
      assert.deepEqual(await ids({ fromMs: 1_000, toMs: 2_000 }), ['at-1000', 'at-1999']);
      assert.deepEqual(await ids({ fromMs: 1_000 }), ['at-1000', 'at-1999', 'at-2000']);
      assert.deepEqual(await ids({ toMs: 1_000 }), ['at-999']);
      assert.deepEqual(await ids({ fromMs: 1_001, toMs: 1_999 }), []);
      assert.deepEqual(await ids({ requestId: 'at-1999' }), ['at-1999']);
      assert.deepEqual(await ids({ requestId: 'at-1999', toMs: 1_999 }), [], 'the range still applies');
      assert.deepEqual(await ids({ requestId: 'nope' }), []);
      await store.close();
    });

    it('pages by time then request id with the cursor: across equal times every entry exactly once; no empty last page', async () => {
      const store = make();
      const written = [
        ...Array.from({ length: 17 }, (_, index) => ledgerEntry(`same-${String.fromCharCode(113 - index)}`, 5_000)),
        ledgerEntry('early', 4_999),
        ledgerEntry('late-b', 5_001),
        ledgerEntry('late-a', 5_001),
        ledgerEntry('last', 6_000),
      ];
      await store.append(written);
      const expected = written.map((entry) => `${entry.at} ${entry.requestId}`).sort();
      for (const limit of [1, 6, 7, 21, 22]) {
        const { pages, cursors } = await allPages(store, { limit }, 100);
        assert.deepEqual(pages.flat().map((entry) => `${entry.at} ${entry.requestId}`), expected, `limit ${limit}`);
        assert.equal(pages.length, Math.ceil(21 / limit), `limit ${limit}: pages`);
        assert.ok(pages.every((page) => page.length > 0 && page.length <= limit), `limit ${limit}: page sizes`);
        assert.equal(cursors.at(-1), undefined, `limit ${limit}: the last page has no cursor`);
      }
      // A cursor keeps its query's range and request id.
      const first = await store.entries({ fromMs: 5_000, toMs: 5_001, limit: 10 });
      assert.equal(first.entries.length, 10);
      const second = await store.entries({ fromMs: 5_000, toMs: 5_001, limit: 10, cursor: first.next });
      assert.deepEqual(second.entries.map((entry) => entry.requestId), ['same-k', 'same-l', 'same-m', 'same-n', 'same-o', 'same-p', 'same-q']);
      assert.equal(second.next, undefined);
      await store.close();
    });

    it('a cursor the store did not make gives an empty page', async () => {
      const store = make();
      await store.append([ledgerEntry('a', 1), ledgerEntry('b', 2)]);
      const forged = [
        'not a cursor',
        '',
        Buffer.from('[1,2,3]').toString('base64url'),
        Buffer.from('["1","a"]').toString('base64url'),
        Buffer.from('[1.5,"a"]').toString('base64url'),
        Buffer.from('{"at":1}').toString('base64url'),
      ];
      for (const cursor of forged) assert.deepEqual(await store.entries({ cursor }), { entries: [], next: undefined }, JSON.stringify(cursor));
      assert.deepEqual((await store.entries({ cursor: encodeCursor({ at: 1, requestId: 'a' }) })).entries.map((entry) => entry.requestId), ['b']);
      await store.close();
    });

    it('page size: 100 by default, a limit of 1000 is honoured, 1001 gives 1000, below 1 gives 1', async () => {
      const store = make();
      const written = Array.from({ length: 1_002 }, (_, index) => ledgerEntry(`e${String(index).padStart(4, '0')}`, index));
      assert.equal(await store.append(written), 1_002);
      const sizes = async (query: LedgerQuery) => {
        const page = await store.entries(query);
        return [page.entries.length, page.next !== undefined];
      };
      assert.deepEqual(await sizes({}), [100, true]);
      assert.deepEqual(await sizes({ limit: 999 }), [999, true]);
      assert.deepEqual(await sizes({ limit: 1_000 }), [1_000, true]);
      assert.deepEqual(await sizes({ limit: 1_001 }), [1_000, true]);
      assert.deepEqual(await sizes({ limit: 1_002 }), [1_000, true]);
      assert.deepEqual(await sizes({ limit: 1 }), [1, true]);
      assert.deepEqual(await sizes({ limit: 0 }), [1, true]);
      assert.deepEqual(await sizes({ limit: 2.5 }), [2, true]);
      assert.deepEqual(await sizes({ limit: Number.NaN }), [100, true]);
      // The edge of the last page: 1000 left is one full page without a cursor; 1001 left is a page and a cursor.
      assert.deepEqual(await sizes({ fromMs: 2, limit: 1_000 }), [1_000, false]);
      assert.deepEqual(await sizes({ fromMs: 1, limit: 1_000 }), [1_000, true]);
      await store.close();
    });

    it('statement by every grouping: the sums of the entries in [from, to), groups ascending, no group as ""', async () => {
      const store = make();
      const entries = statementEntries();
      // Written in several batches, out of time order.
      await store.append(entries.slice(40));
      await store.append(entries.slice(0, 20).reverse());
      await store.append(entries.slice(20, 40));
      for (const by of statementGroupings) {
        assert.deepEqual(await store.statement(0, 10_000, by), expectedStatement(entries, 0, 10_000, by), by);
        assert.deepEqual(await store.statement(160, 9_440, by), expectedStatement(entries, 160, 9_440, by), `${by}, part of the range`);
        assert.deepEqual(await store.statement(5, 6, by), [], `${by}, an empty range`);
      }
      const byParty = await store.statement(0, 10_000, 'party');
      assert.deepEqual(byParty.map((row) => row.group), ['Other', 'Partner']);
      // r000 accrues to share-a and share-b, both Partner's: one request, both amounts.
      const first = await store.statement(0, 1, 'party');
      assert.deepEqual(first, [{ ...expectedStatement(entries, 0, 1, 'model')[0], group: 'Partner', accruedMicros: 1_000 + 1 }]);
      assert.equal(first[0].requests, 1);
      const byTenant = await store.statement(0, 10_000, 'tenant');
      assert.deepEqual(byTenant.map((row) => row.group), ['', 'acme', 'beta']);
      assert.deepEqual((await store.statement(0, 10_000, 'provider')).map((row) => row.group), ['', 'azure', 'bedrock']);
      assert.deepEqual((await store.statement(0, 10_000, 'key')).map((row) => row.group), ['', 'acme-key-0', 'acme-key-1', 'beta-key-0', 'beta-key-1']);
      await store.close();
    });

    it('agreement totals over the whole ledger and over a range; capReachedAt is the time of the accrual that reached the cap', async () => {
      const store = make();
      const entries = statementEntries();
      await store.append(entries);
      const expected = (fromMs: number, toMs: number): AgreementTotal[] => {
        const totals = new Map<string, { -readonly [K in keyof AgreementTotal]: AgreementTotal[K] }>();
        for (const entry of entries) {
          if (entry.at < fromMs || entry.at >= toMs) continue;
          for (const accrual of entry.accruals) {
            const total = totals.get(accrual.agreement) ?? { agreement: accrual.agreement, party: accrual.party, micros: 0, entries: 0, lastAt: entry.at, capReachedAt: undefined };
            totals.set(accrual.agreement, total);
            total.micros += accrual.micros;
            total.entries += 1;
            total.lastAt = Math.max(total.lastAt, entry.at);
            if (accrual.capReached === true) total.capReachedAt = entry.at;
          }
        }
        return [...totals.values()].sort((a, b) => (a.agreement < b.agreement ? -1 : 1));
      };
      const whole = await store.agreementTotals();
      assert.deepEqual(whole, expected(-Infinity, Infinity));
      assert.deepEqual(
        whole.map((total) => [total.agreement, total.capReachedAt]),
        [
          ['share-a', undefined],
          ['share-b', undefined],
          ['share-c', 31 * 160],
        ],
      );
      assert.deepEqual(whole[0].lastAt, 10_000, 'the entry at the end of the statement range is in the whole ledger');
      assert.deepEqual(await store.agreementTotals(0, 10_000), expected(0, 10_000));
      assert.deepEqual(await store.agreementTotals(31 * 160, 31 * 160 + 1), expected(31 * 160, 31 * 160 + 1), 'the range holds the capping entry alone');
      assert.equal((await store.agreementTotals(31 * 160 + 1, 10_000)).find((total) => total.agreement === 'share-c')?.capReachedAt, undefined, 'a range after the cap was reached');
      assert.deepEqual(await store.agreementTotals(20_000, 30_000), []);
      await store.close();
    });
  });
}
