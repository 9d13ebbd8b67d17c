import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommitmentAgreement, LicenceAgreement, RevenueShareAgreement } from '../config/types.ts';
import { ledgerEntry } from '../store/conformance/ledger-store-conformance.ts';
import { MemoryLedgerStore } from '../store/memory/memory-ledger-store.ts';
import { commitment as commitmentOf, revenueShare } from '../../test/support/agreements.ts';
import { basisPointsOf, formatBasisPoints, formatMicros, formatMoney } from './format-money.ts';
import {
  buildStatement,
  csvField,
  entryJson,
  parseLedgerTime,
  resolveRange,
  resolveStatementPeriod,
  statementCsv,
  statementJson,
  statementText,
  type StatementConfig,
} from './statement.ts';

const day = (text: string) => Date.parse(`${text}T00:00:00Z`);

describe('money and shares from integers', () => {
  it('prints micro-units with six decimals, exactly, up to the largest safe integer', () => {
    assert.equal(formatMicros(0), '0.000000');
    assert.equal(formatMicros(1), '0.000001');
    assert.equal(formatMicros(-1), '-0.000001');
    assert.equal(formatMicros(999_999), '0.999999');
    assert.equal(formatMicros(1_000_000), '1.000000');
    assert.equal(formatMicros(12_345_678), '12.345678');
    assert.equal(formatMicros(-12_345_678), '-12.345678');
    assert.equal(formatMicros(Number.MAX_SAFE_INTEGER), '9007199254.740991');
    assert.equal(formatMoney(12_345_678, 'USD'), '12.345678 USD');
    assert.throws(() => formatMicros(1.5), RangeError);
    assert.throws(() => formatMicros(Number.MAX_SAFE_INTEGER + 1), RangeError);
  });

  it('shares in basis points, rounded down: a cap one micro-unit short is 99.99%, never 100.00%', () => {
    assert.equal(basisPointsOf(999_999, 1_000_000), 9_999);
    assert.equal(basisPointsOf(1_000_000, 1_000_000), 10_000);
    assert.equal(basisPointsOf(1_000_001, 1_000_000), 10_000);
    assert.equal(basisPointsOf(1, 3), 3_333);
    assert.equal(basisPointsOf(0, 5), 0);
    assert.equal(basisPointsOf(5, 0), 10_000);
    // 2^53 − 1 times 10000 is past a float's exact integers.
    assert.equal(basisPointsOf(Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER), 9_999);
    assert.equal(formatBasisPoints(0), '0.00%');
    assert.equal(formatBasisPoints(5), '0.05%');
    assert.equal(formatBasisPoints(2_000), '20.00%');
    assert.equal(formatBasisPoints(9_999), '99.99%');
    assert.equal(formatBasisPoints(10_000), '100.00%');
  });
});

describe('statement periods', () => {
  it('reads a day as 00:00 UTC and an ISO time (UTC without an offset); refuses days and hours that do not exist', () => {
    assert.equal(parseLedgerTime('2026-03-01'), day('2026-03-01'));
    assert.equal(parseLedgerTime(' 2028-02-29 '), day('2028-02-29'));
    assert.equal(parseLedgerTime('2026-03-01T12:00:00Z'), day('2026-03-01') + 12 * 3_600_000);
    assert.equal(parseLedgerTime('2026-03-01T12:00'), day('2026-03-01') + 12 * 3_600_000);
    assert.equal(parseLedgerTime('2026-03-01T12:00:00+02:00'), day('2026-03-01') + 10 * 3_600_000);
    assert.equal(parseLedgerTime('2026-03-01T23:59:59.999Z'), day('2026-03-02') - 1);
    assert.deepEqual(parseLedgerTime('2026-02-29'), { problem: 'invalid day "2026-02-29": there is no such day' });
    assert.deepEqual(parseLedgerTime('2026-02-30T00:00:00Z'), { problem: 'invalid day "2026-02-30T00:00:00Z": there is no such day' });
    assert.deepEqual(parseLedgerTime('2026-03-01T24:00:00Z'), { problem: 'invalid time "2026-03-01T24:00:00Z": hours are 00 to 23, minutes and seconds 00 to 59' });
    assert.deepEqual(parseLedgerTime('1969-12-31'), { problem: 'invalid day "1969-12-31": must be in 1970 or later' });
    for (const text of ['yesterday', '2026-3-1', '2026-03-01 12:00', '2026-03-01T12', '1772366400000', '2026-03-01T12:00:00.1234Z', '']) {
      assert.deepEqual(parseLedgerTime(text), { problem: `invalid time "${text}"; expected a day YYYY-MM-DD (00:00 UTC) or an ISO 8601 time such as 2026-03-01T12:00:00Z` }, text);
    }
    assert.deepEqual(parseLedgerTime(`x${'y'.repeat(100)}\u0007`), { problem: `invalid time "x${'y'.repeat(63)}…"; expected a day YYYY-MM-DD (00:00 UTC) or an ISO 8601 time such as 2026-03-01T12:00:00Z` }, 'cut short');
    assert.deepEqual(parseLedgerTime('bell\u0007'), { problem: 'invalid time "bell\\u0007"; expected a day YYYY-MM-DD (00:00 UTC) or an ISO 8601 time such as 2026-03-01T12:00:00Z' }, 'escaped');
  });

  it('defaults: from the first day of the current UTC month to now, by model; a period must not be empty', () => {
    const now = Date.parse('2026-03-15T10:20:30.456Z');
    assert.deepEqual(resolveStatementPeriod({}, now), { fromMs: day('2026-03-01'), toMs: now, by: 'model' });
    assert.deepEqual(resolveStatementPeriod({ from: '2026-01-01', to: '2026-02-01', by: 'party' }, now), { fromMs: day('2026-01-01'), toMs: day('2026-02-01'), by: 'party' });
    assert.deepEqual(resolveStatementPeriod({ from: '2026-03-15T10:20:30.455Z' }, now), { fromMs: now - 1, toMs: now, by: 'model' });
    assert.deepEqual(resolveStatementPeriod({ from: '2026-03-15T10:20:30.456Z' }, now), {
      parameter: 'from',
      message: 'the period is empty: from (2026-03-15T10:20:30.456Z) must be before to (2026-03-15T10:20:30.456Z), which is excluded',
    });
    assert.equal((resolveStatementPeriod({ from: '2026-02-01', to: '2026-02-01' }, now) as { parameter: string }).parameter, 'to');
    assert.deepEqual(resolveStatementPeriod({ by: 'tenants' }, now), { parameter: 'by', message: 'unknown grouping "tenants"; expected one of party, provider, channel, tenant, key, model; did you mean "tenant"?' });
    assert.deepEqual(resolveStatementPeriod({ by: 'everything' }, now), { parameter: 'by', message: 'unknown grouping "everything"; expected one of party, provider, channel, tenant, key, model' });
    assert.deepEqual(resolveStatementPeriod({ to: 'soon' }, now), { parameter: 'to', message: 'invalid time "soon"; expected a day YYYY-MM-DD (00:00 UTC) or an ISO 8601 time such as 2026-03-01T12:00:00Z' });
    assert.deepEqual(resolveRange({}), { fromMs: undefined, toMs: undefined });
    assert.deepEqual(resolveRange({ to: '2026-01-02' }), { fromMs: undefined, toMs: day('2026-01-02') });
  });
});

const share = (name: string, party: string, capMicros: number | undefined): RevenueShareAgreement => revenueShare({ name, party, capMicros });

const commitment: CommitmentAgreement = commitmentOf({ until: '2026-03-31' });

const licence = { name: 'lic', kind: 'licence', party: 'Microsoft' } as LicenceAgreement;

const config: StatementConfig = {
  agreements: [licence, share('ms-share', 'Microsoft', 100), share('ms-extra', 'Microsoft', undefined), commitment, share('idle', 'Nobody', 50)],
  metering: { currency: 'EUR', ledger: true, markupBasisPoints: 0, tenantMarkupBasisPoints: new Map(), budgets: [] },
};

/** February 2026 is the period; one entry before it (January, in the commitment), one at its end (March). */
async function ledger(): Promise<MemoryLedgerStore> {
  const store = new MemoryLedgerStore();
  await store.append([
    ledgerEntry('jan', day('2026-01-10'), { provider: 'azure', model: 'gpt-4o', costMicros: 300_000, chargedMicros: 360_000, accruals: [{ agreement: 'ms-share', party: 'Microsoft', micros: 40 }] }),
    ledgerEntry('feb-1', day('2026-02-01'), {
      tenant: 'acme',
      provider: 'azure',
      model: 'gpt-4o',
      inputTokens: 10,
      cachedInputTokens: 4,
      cacheWriteTokens: 1,
      outputTokens: 5,
      reasoningTokens: 2,
      costMicros: 100_000,
      chargedMicros: 150_000,
      accruals: [
        { agreement: 'ms-share', party: 'Microsoft', micros: 60, capReached: true },
        { agreement: 'ms-extra', party: 'Microsoft', micros: 7 },
      ],
    }),
    ledgerEntry('feb-2', day('2026-02-14') + 1, { provider: 'bedrock', model: 'claude', inputTokens: 3, outputTokens: 1, costMicros: 50_000, chargedMicros: 40_000, accruals: [{ agreement: 'gone', party: 'Former', micros: 9 }] }),
    ledgerEntry('feb-3', day('2026-03-01') - 1, { tenant: 'a,"b"', model: 'claude', costMicros: 1, chargedMicros: 2 }),
    ledgerEntry('mar', day('2026-03-01'), { provider: 'azure', model: 'gpt-4o', costMicros: 200_000, chargedMicros: 200_000, accruals: [{ agreement: 'ms-extra', party: 'Microsoft', micros: 1 }] }),
  ]);
  return store;
}

const february = { fromMs: day('2026-02-01'), toMs: day('2026-03-01') };

describe('buildStatement', () => {
  it('lines with margin, totals over every entry once (by party too), in the metering currency', async () => {
    const store = await ledger();
    const byModel = await buildStatement(store, config, { ...february, by: 'model' });
    assert.equal(byModel.currency, 'EUR');
    assert.deepEqual(
      byModel.lines.map((line) => [line.group, line.requests, line.costMicros, line.chargedMicros, line.marginMicros, line.accruedMicros]),
      [
        ['claude', 2, 50_001, 40_002, -9_999, 9],
        ['gpt-4o', 1, 100_000, 150_000, 50_000, 67],
      ],
    );
    assert.deepEqual(byModel.totals, { requests: 3, inputTokens: 13, cachedInputTokens: 4, cacheWriteTokens: 1, outputTokens: 6, reasoningTokens: 2, costMicros: 150_001, chargedMicros: 190_002, accruedMicros: 76, marginMicros: 40_001 });

    const byParty = await buildStatement(store, config, { ...february, by: 'party' });
    assert.deepEqual(
      byParty.lines.map((line) => [line.group, line.requests, line.costMicros, line.accruedMicros]),
      [
        ['Former', 1, 50_000, 9],
        ['Microsoft', 1, 100_000, 67],
      ],
    );
    assert.deepEqual(byParty.totals, byModel.totals, 'the entry without accruals is in the totals; the one with two of Microsoft\'s is once');
    const byTenant = await buildStatement(store, config, { ...february, by: 'tenant' });
    assert.deepEqual(byTenant.lines.map((line) => line.group), ['', 'a,"b"', 'acme']);
  });

  it('revenue shares: owed in the period, accrued to date against the cap, the day it was reached; agreements no longer configured', async () => {
    const report = await buildStatement(await ledger(), config, { ...february, by: 'party' });
    assert.deepEqual(report.revenueShares, [
      { agreement: 'ms-share', party: 'Microsoft', configured: true, percentBasisPoints: 2_000, basis: 'revenue', owedMicros: 60, entries: 1, accruedMicros: 100, capMicros: 100, capUsedBasisPoints: 10_000, capReachedAt: day('2026-02-01') },
      { agreement: 'ms-extra', party: 'Microsoft', configured: true, percentBasisPoints: 2_000, basis: 'revenue', owedMicros: 7, entries: 1, accruedMicros: 8, capMicros: undefined, capUsedBasisPoints: undefined, capReachedAt: undefined },
      { agreement: 'idle', party: 'Nobody', configured: true, percentBasisPoints: 2_000, basis: 'revenue', owedMicros: 0, entries: 0, accruedMicros: 0, capMicros: 50, capUsedBasisPoints: 0, capReachedAt: undefined },
      { agreement: 'gone', party: 'Former', configured: false, percentBasisPoints: undefined, basis: undefined, owedMicros: 9, entries: 1, accruedMicros: 9, capMicros: undefined, capUsedBasisPoints: undefined, capReachedAt: undefined },
    ]);
  });

  it('commitments: spend with the provider over the whole window, progress, remaining and days left from the statement\'s end', async () => {
    const store = await ledger();
    const report = await buildStatement(store, config, { ...february, by: 'model' });
    // January and February with azure; March's entry too (the window runs to the end of March).
    assert.deepEqual(report.commitments, [
      { agreement: 'azure-commit', party: 'Microsoft', provider: 'azure', from: '2026-01-01', until: '2026-03-31', amountMicros: 1_000_000, spendMicros: 600_000, progressBasisPoints: 6_000, remainingMicros: 400_000, daysLeft: 31 },
    ]);
    const daysLeft = async (toMs: number) => (await buildStatement(store, config, { fromMs: day('2026-01-01'), toMs, by: 'model' })).commitments[0].daysLeft;
    assert.equal(await daysLeft(day('2026-04-01')), 0);
    assert.equal(await daysLeft(day('2026-04-01') + 1), 0);
    assert.equal(await daysLeft(day('2026-04-01') - 1), 1);
    assert.equal(await daysLeft(day('2026-03-31')), 1);
    assert.equal(await daysLeft(day('2026-03-31') - 1), 2);
    await store.append([ledgerEntry('big', day('2026-03-30'), { provider: 'azure', costMicros: 900_000 })]);
    const met = (await buildStatement(store, config, { ...february, by: 'model' })).commitments[0];
    assert.deepEqual([met.spendMicros, met.progressBasisPoints, met.remainingMicros], [1_500_000, 10_000, 0]);
  });
});

describe('renderings', () => {
  it('JSON: micro-units as integers beside exact formatted amounts, times in ISO, the cap day', async () => {
    const json = statementJson(await buildStatement(await ledger(), config, { ...february, by: 'model' })) as any;
    assert.deepEqual(Object.keys(json), ['object', 'from', 'to', 'by', 'currency', 'rows', 'totals', 'revenue_shares', 'commitments']);
    assert.equal(json.from, '2026-02-01T00:00:00.000Z');
    assert.equal(json.to, '2026-03-01T00:00:00.000Z');
    assert.deepEqual(json.rows[0], {
      group: 'claude',
      requests: 2,
      input_tokens: 3,
      cached_input_tokens: 0,
      cache_write_tokens: 0,
      output_tokens: 1,
      reasoning_tokens: 0,
      cost_micros: 50_001,
      cost: '0.050001 EUR',
      revenue_micros: 40_002,
      revenue: '0.040002 EUR',
      margin_micros: -9_999,
      margin: '-0.009999 EUR',
      accrued_micros: 9,
      accrued: '0.000009 EUR',
    });
    assert.equal(json.totals.cost, '0.150001 EUR');
    assert.deepEqual(json.revenue_shares[0], {
      agreement: 'ms-share',
      party: 'Microsoft',
      configured: true,
      percent: '20.00%',
      basis: 'revenue',
      owed_micros: 60,
      owed: '0.000060 EUR',
      entries: 1,
      accrued_micros: 100,
      accrued: '0.000100 EUR',
      cap_micros: 100,
      cap: '0.000100 EUR',
      cap_used_basis_points: 10_000,
      cap_used: '100.00%',
      cap_reached_at: '2026-02-01T00:00:00.000Z',
      cap_reached_on: '2026-02-01',
    });
    assert.deepEqual(json.revenue_shares[1].cap_reached_on, null);
    assert.deepEqual(json.commitments[0], {
      agreement: 'azure-commit',
      party: 'Microsoft',
      provider: 'azure',
      from: '2026-01-01',
      until: '2026-03-31',
      amount_micros: 1_000_000,
      amount: '1.000000 EUR',
      spend_micros: 600_000,
      spend: '0.600000 EUR',
      progress_basis_points: 6_000,
      progress: '60.00%',
      remaining_micros: 400_000,
      remaining: '0.400000 EUR',
      days_left: 31,
    });
  });

  it('CSV: one header row, a row per group, RFC 4180 quoting and CRLF line ends', async () => {
    const csv = statementCsv(await buildStatement(await ledger(), config, { ...february, by: 'tenant' }));
    assert.equal(
      csv,
      'tenant,requests,input_tokens,cached_input_tokens,cache_write_tokens,output_tokens,reasoning_tokens,cost,revenue,margin,accrued,currency\r\n' +
        ',1,3,0,0,1,0,0.050000,0.040000,-0.010000,0.000009,EUR\r\n' +
        '"a,""b""",1,0,0,0,0,0,0.000001,0.000002,0.000001,0.000000,EUR\r\n' +
        'acme,1,10,4,1,5,2,0.100000,0.150000,0.050000,0.000067,EUR\r\n',
    );
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('cr\r'), '"cr\r"');
    assert.equal(csvField('"'), '""""');
  });

  it('text: the lines and the total, then revenue shares and commitments, numbers aligned right', async () => {
    const text = statementText(await buildStatement(await ledger(), config, { ...february, by: 'provider' }));
    assert.equal(
      text,
      [
        'Ledger statement by provider, 2026-02-01T00:00:00.000Z to 2026-03-01T00:00:00.000Z (excluded); amounts in EUR',
        '',
        'provider  requests  input  cached  cache write  output  reasoning      cost   revenue     margin   accrued',
        '(none)           1      0       0            0       0          0  0.000001  0.000002   0.000001  0.000000',
        'azure            1     10       4            1       5          2  0.100000  0.150000   0.050000  0.000067',
        'bedrock          1      3       0            0       1          0  0.050000  0.040000  -0.010000  0.000009',
        'total            3     13       4            1       6          2  0.150001  0.190002   0.040001  0.000076',
        '',
        'Revenue shares',
        'agreement              party       share  basis        owed  entries  accrued to date       cap  cap used  cap reached',
        'ms-share               Microsoft  20.00%  revenue  0.000060        1         0.000100  0.000100   100.00%  2026-02-01',
        'ms-extra               Microsoft  20.00%  revenue  0.000007        1         0.000008         -         -  -',
        'idle                   Nobody     20.00%  revenue  0.000000        0         0.000000  0.000050     0.00%  -',
        'gone (not configured)  Former          -  -        0.000009        1         0.000009         -         -  -',
        '',
        'Commitments (spend over the whole commitment)',
        'agreement     party      provider  from        until          spend    amount  progress  remaining  days left',
        'azure-commit  Microsoft  azure     2026-01-01  2026-03-31  0.600000  1.000000    60.00%   0.400000         31',
        '',
      ].join('\n'),
    );
  });

  it('an entry as JSON: every field, unset ones as null, accruals with cap_reached', () => {
    const entry = ledgerEntry('r1', day('2026-02-01') + 5, { tenant: 'acme', accruals: [{ agreement: 'a', party: 'P', micros: 3, capReached: true }, { agreement: 'b', party: 'P', micros: 1 }] });
    assert.deepEqual(entryJson(entry), {
      request_id: 'r1',
      at: '2026-02-01T00:00:00.005Z',
      tenant: 'acme',
      key_id: null,
      model: 'gpt-4o-mini',
      endpoint: 'chat',
      stream: false,
      provider: null,
      channel: null,
      upstream_model: null,
      status: 200,
      error_code: null,
      input_tokens: 0,
      cached_input_tokens: 0,
      cache_write_tokens: 0,
      output_tokens: 0,
      reasoning_tokens: 0,
      estimated: false,
      cost_micros: 0,
      charged_micros: 0,
      currency: 'USD',
      latency_ms: 0,
      route: null,
      accruals: [
        { agreement: 'a', party: 'P', micros: 3, cap_reached: true },
        { agreement: 'b', party: 'P', micros: 1, cap_reached: false },
      ],
    });
  });
});
