/**
 * A generated month of traffic in the embedded SQLite ledger (over 100,000 entries: several tenants, keys, models,
 * providers, channels and statuses, some entries without a tenant or a provider, accruals to three revenue shares of
 * two parties, one of which reaches its cap mid-month). Every grouping's statement equals, to the micro-unit, the sums
 * computed here from the generated entries; its totals equal the sum of the entries read back a page at a time. The
 * time of each statement is reported (t.diagnostic).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { CommitmentAgreement, RevenueShareAgreement } from '../../src/config/types.ts';
import { buildStatement, type StatementConfig } from '../../src/metering/statement.ts';
import { expectedStatement, ledgerEntry } from '../../src/store/conformance/ledger-store-conformance.ts';
import { statementGroupings, type LedgerAccrual, type LedgerEntry } from '../../src/store/ledger-store.ts';
import { openSqlite } from '../../src/store/sqlite/sqlite-database.ts';
import { SqliteLedgerStore } from '../../src/store/sqlite/sqlite-ledger-store.ts';
import { seededRandom } from '../../src/routing/seeded-random.ts';
import { commitment as commitmentOf, revenueShare } from '../support/agreements.ts';

const march = Date.parse('2026-03-01T00:00:00Z');
const april = Date.parse('2026-04-01T00:00:00Z');
const count = 100_800;
const anthropicCap = 4_000_000;

const share = (name: string, party: string, percentBasisPoints: number, basis: 'revenue' | 'cost', capMicros: number | undefined): RevenueShareAgreement =>
  revenueShare({ name, party, percentBasisPoints, basis, capMicros });

const commitment: CommitmentAgreement = commitmentOf({ provider: 'azure-eastus', amountMicros: 5_000_000_000, from: '2026-03-01', until: '2026-03-31' });

const config: StatementConfig = {
  agreements: [share('ms-share', 'Microsoft', 2_000, 'revenue', undefined), share('ms-bonus', 'Microsoft', 500, 'cost', undefined), share('anthropic-share', 'Anthropic', 1_000, 'revenue', anthropicCap), commitment],
  metering: { currency: 'USD', ledger: true, markupBasisPoints: 2_500, tenantMarkupBasisPoints: new Map(), budgets: [] },
};

const channels = [
  { provider: 'azure-eastus', upstream: 'gpt-4o-prod', model: 'gpt-4o' },
  { provider: 'azure-eastus', upstream: 'gpt-4o-mini', model: 'gpt-4o-mini' },
  { provider: 'openai', upstream: 'gpt-4o', model: 'gpt-4o' },
  { provider: 'bedrock', upstream: 'anthropic.claude-sonnet', model: 'claude-sonnet' },
  { provider: 'vertex', upstream: 'gemini-2.5-pro', model: 'gemini-pro' },
];
const tenants = ['acme', 'beta', 'gamma', 'delta', undefined];
const statuses = [200, 200, 200, 200, 200, 200, 200, 200, 429, 500, 502];

/** The month, in time order (several entries share a millisecond), and one entry just outside it on each side. */
function generateMonth(): { entries: LedgerEntry[]; capReachedAt: number } {
  const next = seededRandom(15);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)];
  const entries: LedgerEntry[] = [ledgerEntry('before-march', march - 1, { costMicros: 12_345, chargedMicros: 15_000, provider: 'azure-eastus', accruals: [{ agreement: 'ms-share', party: 'Microsoft', micros: 3_000 }] })];
  let anthropicAccrued = 0;
  let capReachedAt = -1;
  const step = (april - march) / count;
  for (let index = 0; index < count; index++) {
    // Every third entry shares the millisecond of the one before it.
    const at = march + Math.floor((index % 3 === 2 ? index - 1 : index) * step);
    const tenant = pick(tenants);
    const channel = pick(channels);
    // A request refused before any upstream (a budget) has no provider and costs nothing.
    const refused = next() < 0.03;
    const status = refused ? 429 : pick(statuses);
    const inputTokens = Math.floor(next() * 4_000);
    const outputTokens = status === 200 ? Math.floor(next() * 1_500) : 0;
    const costMicros = refused ? 0 : Math.floor(next() * 60_000);
    const chargedMicros = costMicros + Math.floor((costMicros * 2_500) / 10_000);
    const accruals: LedgerAccrual[] = [];
    if (!refused && channel.provider === 'azure-eastus') {
      accruals.push({ agreement: 'ms-share', party: 'Microsoft', micros: Math.floor((chargedMicros * 2_000) / 10_000) });
      if (tenant === 'acme') accruals.push({ agreement: 'ms-bonus', party: 'Microsoft', micros: Math.floor((costMicros * 500) / 10_000) });
    }
    if (!refused && channel.provider === 'bedrock' && anthropicAccrued < anthropicCap) {
      const due = Math.floor((chargedMicros * 1_000) / 10_000);
      const micros = Math.min(due, anthropicCap - anthropicAccrued);
      anthropicAccrued += micros;
      const reached = anthropicAccrued === anthropicCap;
      if (reached) capReachedAt = at;
      accruals.push({ agreement: 'anthropic-share', party: 'Anthropic', micros, ...(reached ? { capReached: true as const } : {}) });
    }
    entries.push(
      ledgerEntry(`req-${index.toString(36).padStart(5, '0')}`, at, {
        tenant,
        keyId: tenant === undefined ? undefined : `${tenant}-key-${Math.floor(next() * 3)}`,
        model: channel.model,
        stream: next() < 0.5,
        provider: refused ? undefined : channel.provider,
        channel: refused ? undefined : `${channel.provider}/${channel.upstream}`,
        upstreamModel: refused ? undefined : channel.upstream,
        status,
        errorCode: status === 200 ? undefined : status === 429 ? 'rate_limit_exceeded' : 'upstream_unavailable',
        inputTokens,
        cachedInputTokens: Math.floor(inputTokens * next() * 0.5),
        cacheWriteTokens: channel.provider === 'bedrock' ? Math.floor(next() * 200) : 0,
        outputTokens,
        reasoningTokens: Math.floor(outputTokens * next() * 0.3),
        estimated: next() < 0.01,
        costMicros,
        chargedMicros,
        latencyMs: Math.floor(next() * 2_000),
        accruals,
      }),
    );
  }
  entries.push(ledgerEntry('at-april', april, { costMicros: 54_321, chargedMicros: 60_000, provider: 'bedrock', accruals: [{ agreement: 'ms-share', party: 'Microsoft', micros: 7_000 }] }));
  return { entries, capReachedAt };
}

describe('a month of traffic in the SQLite ledger', () => {
  let directory: string;
  let store: SqliteLedgerStore;
  let entries: LedgerEntry[];
  let inMarch: LedgerEntry[];
  let capReachedAt: number;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'interchange-ledger-month-'));
    store = new SqliteLedgerStore(openSqlite(join(directory, 'ledger.db')).database, true);
    ({ entries, capReachedAt } = generateMonth());
    inMarch = entries.filter((entry) => entry.at >= march && entry.at < april);
    let booked = 0;
    for (let start = 0; start < entries.length; start += 5_000) booked += await store.append(entries.slice(start, start + 5_000));
    assert.equal(booked, entries.length);
  });
  after(async () => {
    await store?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('is the month asked for: over 100,000 entries, every kind of group, and a cap reached mid-month', () => {
    assert.ok(inMarch.length >= 100_000, `${inMarch.length} entries`);
    assert.equal(new Set(inMarch.map((entry) => entry.at)).size < inMarch.length, true, 'some entries share a millisecond');
    assert.ok(inMarch.some((entry) => entry.tenant === undefined) && inMarch.some((entry) => entry.provider === undefined));
    assert.ok(inMarch.some((entry) => entry.accruals.filter((accrual) => accrual.party === 'Microsoft').length === 2), 'an entry with two agreements of one party');
    assert.ok(capReachedAt > march + 86_400_000 && capReachedAt < april - 86_400_000, `the cap is reached on ${new Date(capReachedAt).toISOString()}`);
  });

  for (const by of statementGroupings) {
    it(`by ${by}: every row and the totals equal the sums of the entries, to the micro-unit`, async (t) => {
      const started = performance.now();
      const report = await buildStatement(store, config, { fromMs: march, toMs: april, by });
      const elapsed = performance.now() - started;
      t.diagnostic(`statement by ${by} over ${inMarch.length} entries: ${elapsed.toFixed(0)} ms`);
      const expected = expectedStatement(inMarch, march, april, by).map((row) => ({ ...row, marginMicros: row.chargedMicros - row.costMicros }));
      assert.deepEqual(report.lines, expected);
      const sum = (field: (entry: LedgerEntry) => number) => inMarch.reduce((total, entry) => total + field(entry), 0);
      assert.deepEqual(report.totals, {
        requests: inMarch.length,
        inputTokens: sum((entry) => entry.inputTokens),
        cachedInputTokens: sum((entry) => entry.cachedInputTokens),
        cacheWriteTokens: sum((entry) => entry.cacheWriteTokens),
        outputTokens: sum((entry) => entry.outputTokens),
        reasoningTokens: sum((entry) => entry.reasoningTokens),
        costMicros: sum((entry) => entry.costMicros),
        chargedMicros: sum((entry) => entry.chargedMicros),
        accruedMicros: sum((entry) => entry.accruals.reduce((total, accrual) => total + accrual.micros, 0)),
        marginMicros: sum((entry) => entry.chargedMicros - entry.costMicros),
      });
      if (by !== 'party') {
        for (const field of ['requests', 'costMicros', 'chargedMicros', 'accruedMicros'] as const) {
          assert.equal(
            report.lines.reduce((total, line) => total + line[field], 0),
            report.totals[field],
            `the rows add up to the totals: ${field}`,
          );
        }
      }
    });
  }

  it('revenue shares and the commitment: owed per agreement, the cap and the day it was reached, the spend', async (t) => {
    const started = performance.now();
    const report = await buildStatement(store, config, { fromMs: march, toMs: april, by: 'party' });
    t.diagnostic(`statement by party with agreements: ${(performance.now() - started).toFixed(0)} ms`);
    const accrued = (agreement: string, list: readonly LedgerEntry[]) =>
      list.reduce((total, entry) => total + entry.accruals.filter((accrual) => accrual.agreement === agreement).reduce((sum, accrual) => sum + accrual.micros, 0), 0);
    assert.deepEqual(
      report.revenueShares.map((line) => [line.agreement, line.owedMicros, line.accruedMicros, line.capUsedBasisPoints, line.capReachedAt]),
      [
        ['ms-share', accrued('ms-share', inMarch), accrued('ms-share', entries), undefined, undefined],
        ['ms-bonus', accrued('ms-bonus', inMarch), accrued('ms-bonus', entries), undefined, undefined],
        ['anthropic-share', anthropicCap, anthropicCap, 10_000, capReachedAt],
      ],
    );
    assert.equal(
      report.lines.find((line) => line.group === 'Microsoft')?.accruedMicros,
      accrued('ms-share', inMarch) + accrued('ms-bonus', inMarch),
    );
    const azure = inMarch.filter((entry) => entry.provider === 'azure-eastus').reduce((total, entry) => total + entry.costMicros, 0);
    assert.deepEqual(
      report.commitments.map((line) => [line.spendMicros, line.remainingMicros, line.daysLeft]),
      [[azure, Math.max(0, commitment.amountMicros - azure), 0]],
    );
  });

  it('the totals reconcile with the entries read back a page at a time', async (t) => {
    const report = await buildStatement(store, config, { fromMs: march, toMs: april, by: 'model' });
    const started = performance.now();
    let cursor: string | undefined;
    let pages = 0;
    const seen = new Set<string>();
    const sums = { costMicros: 0, chargedMicros: 0, accruedMicros: 0 };
    do {
      const page = await store.entries({ fromMs: march, toMs: april, cursor, limit: 1_000 });
      for (const entry of page.entries) {
        seen.add(entry.requestId);
        sums.costMicros += entry.costMicros;
        sums.chargedMicros += entry.chargedMicros;
        sums.accruedMicros += entry.accruals.reduce((total, accrual) => total + accrual.micros, 0);
      }
      cursor = page.next;
      pages++;
    } while (cursor !== undefined && pages < 1_000);
    t.diagnostic(`${seen.size} entries read in ${pages} pages: ${(performance.now() - started).toFixed(0)} ms`);
    assert.equal(seen.size, inMarch.length);
    assert.deepEqual(sums, { costMicros: report.totals.costMicros, chargedMicros: report.totals.chargedMicros, accruedMicros: report.totals.accruedMicros });
  });
});
