import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RevenueShareAgreement } from '../config/types.ts';
import { accrue, AccrualTotals, type AccrualBasis } from './accruals.ts';
import { revenueShare as aShare } from '../../test/support/agreements.ts';

const day = (text: string) => Date.parse(`${text}T00:00:00Z`);

/** The articles' share: until the end of 2030. */
const revenueShare = (overrides: Partial<RevenueShareAgreement> = {}): RevenueShareAgreement =>
  aShare({ until: '2030-12-31', endsAtMs: day('2031-01-01'), ...overrides });

function basis(overrides: Partial<AccrualBasis> = {}): AccrualBasis {
  return {
    atMs: day('2027-03-01'),
    model: 'gpt-4o',
    provider: 'aws',
    upstreamModel: 'openai.gpt-4o',
    tenantId: 'ten_1',
    tenantName: 'acme',
    costMicros: 800_000,
    chargedMicros: 1_000_000,
    ...overrides,
  };
}

describe('revenue-share accruals', () => {
  it('accrues on the last day in force and not from 00:00 UTC the next day', () => {
    const shares = [revenueShare()];
    const totals = new AccrualTotals();
    assert.deepEqual(accrue(shares, totals, basis({ atMs: day('2031-01-01') - 1 })), [{ agreement: 'msft-share', party: 'Microsoft', micros: 200_000 }]);
    assert.deepEqual(accrue(shares, totals, basis({ atMs: day('2031-01-01') })), []);
  });

  it('starts at 00:00 UTC of its first day', () => {
    const shares = [revenueShare({ from: '2027-01-01', startsAtMs: day('2027-01-01') })];
    assert.deepEqual(accrue(shares, new AccrualTotals(), basis({ atMs: day('2027-01-01') - 1 })), []);
    assert.equal(accrue(shares, new AccrualTotals(), basis({ atMs: day('2027-01-01') }))[0].micros, 200_000);
  });

  it('takes its percent of revenue (what the tenant was charged) or of cost', () => {
    assert.equal(accrue([revenueShare()], new AccrualTotals(), basis())[0].micros, 200_000);
    assert.equal(accrue([revenueShare({ basis: 'cost' })], new AccrualTotals(), basis())[0].micros, 160_000);
  });

  it('accrues a request that crosses the cap only up to it, flags it, and nothing after', () => {
    const shares = [revenueShare({ capMicros: 500_000 })];
    const totals = new AccrualTotals();
    assert.deepEqual(accrue(shares, totals, basis()), [{ agreement: 'msft-share', party: 'Microsoft', micros: 200_000 }]);
    assert.deepEqual(accrue(shares, totals, basis()), [{ agreement: 'msft-share', party: 'Microsoft', micros: 200_000 }]);
    assert.deepEqual(accrue(shares, totals, basis()), [{ agreement: 'msft-share', party: 'Microsoft', micros: 100_000, capReached: true }]);
    assert.deepEqual(accrue(shares, totals, basis()), []);
    assert.equal(totals.get('msft-share'), 500_000);
  });

  it('flags the request that lands exactly on the cap; one micro-unit under it is not the cap', () => {
    const exact = new AccrualTotals();
    assert.deepEqual(accrue([revenueShare({ capMicros: 200_000 })], exact, basis()), [{ agreement: 'msft-share', party: 'Microsoft', micros: 200_000, capReached: true }]);
    const under = new AccrualTotals();
    assert.deepEqual(accrue([revenueShare({ capMicros: 200_001 })], under, basis()), [{ agreement: 'msft-share', party: 'Microsoft', micros: 200_000 }]);
  });

  it('resumes from the totals the ledger holds (a restart keeps the cap)', () => {
    const totals = AccrualTotals.from([{ agreement: 'msft-share', party: 'Microsoft', micros: 450_000, entries: 3, lastAt: 0, capReachedAt: undefined }]);
    assert.deepEqual(accrue([revenueShare({ capMicros: 500_000 })], totals, basis()), [{ agreement: 'msft-share', party: 'Microsoft', micros: 50_000, capReached: true }]);
  });

  it('applies only to the channels, models and tenants it names (tenants by id or name)', () => {
    const onAws = revenueShare({ channels: [{ provider: 'aws' }] });
    const onAzure = revenueShare({ name: 'azure-only', channels: [{ provider: 'azure', model: 'gpt-4o' }] });
    assert.deepEqual(accrue([onAws, onAzure], new AccrualTotals(), basis()).map((accrual) => accrual.agreement), ['msft-share']);
    assert.deepEqual(accrue([revenueShare({ models: ['gpt-4o-mini'] })], new AccrualTotals(), basis()), []);
    assert.equal(accrue([revenueShare({ tenants: ['acme'] })], new AccrualTotals(), basis()).length, 1);
    assert.equal(accrue([revenueShare({ tenants: ['ten_1'] })], new AccrualTotals(), basis()).length, 1);
    assert.equal(accrue([revenueShare({ tenants: ['other'] })], new AccrualTotals(), basis()).length, 0);
    assert.equal(accrue([revenueShare({ tenants: ['acme'] })], new AccrualTotals(), basis({ tenantId: undefined, tenantName: undefined })).length, 0);
  });

  it('books nothing for a share of 0 micro-units', () => {
    assert.deepEqual(accrue([revenueShare()], new AccrualTotals(), basis({ chargedMicros: 2 })), []);
  });
});
