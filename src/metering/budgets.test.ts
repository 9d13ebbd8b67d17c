import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BudgetConfig } from '../config/types.ts';
import { budgetApplies, BudgetBook, periodOf } from './budgets.ts';

const at = (text: string) => Date.parse(text);

function budget(overrides: Partial<BudgetConfig> = {}): BudgetConfig {
  return { name: 'acme-month', scope: 'tenant', match: 'acme', amountMicros: 1_000, period: { kind: 'month' }, hard: true, decline: false, ...overrides };
}

describe('budget periods', () => {
  it('a day runs from 00:00 UTC to the next 00:00 UTC', () => {
    assert.deepEqual(periodOf({ kind: 'day' }, at('2026-12-03T23:59:59.999Z')), { start: at('2026-12-03T00:00:00Z'), end: at('2026-12-04T00:00:00Z') });
    assert.equal(periodOf({ kind: 'day' }, at('2026-12-04T00:00:00Z')).start, at('2026-12-04T00:00:00Z'));
  });

  it('a month runs from the first to the first of the next, across a year', () => {
    assert.deepEqual(periodOf({ kind: 'month' }, at('2026-12-31T23:59:59.999Z')), { start: at('2026-12-01T00:00:00Z'), end: at('2027-01-01T00:00:00Z') });
    assert.equal(periodOf({ kind: 'month' }, at('2027-01-01T00:00:00Z')).start, at('2027-01-01T00:00:00Z'));
  });

  it('a window repeats from its start', () => {
    const week = { kind: 'window' as const, lengthMs: 7 * 86_400_000, startsAtMs: at('2026-12-01T00:00:00Z') };
    assert.deepEqual(periodOf(week, at('2026-12-08T00:00:00Z') - 1), { start: at('2026-12-01T00:00:00Z'), end: at('2026-12-08T00:00:00Z') });
    assert.equal(periodOf(week, at('2026-12-08T00:00:00Z')).start, at('2026-12-08T00:00:00Z'));
  });
});

describe('BudgetBook', () => {
  const now = at('2026-12-03T12:00:00Z');

  it('takes a reservation that lands exactly on the amount and refuses one micro-unit more', () => {
    const book = new BudgetBook();
    const acme = budget();
    book.load(acme, 600, now);
    assert.equal(book.reserve([acme], 400, now), undefined);
    const refused = book.reserve([acme], 1, now);
    assert.equal(refused?.budget.name, 'acme-month');
    assert.equal(refused?.spentMicros, 600);
    assert.equal(refused?.reservedMicros, 400);
    assert.equal(refused?.periodEnd, at('2027-01-01T00:00:00Z'));
  });

  it('reserves on all budgets or none', () => {
    const book = new BudgetBook();
    const roomy = budget({ name: 'roomy', amountMicros: 10_000 });
    const tight = budget({ name: 'tight', amountMicros: 100 });
    assert.equal(book.reserve([roomy, tight], 101, now)?.budget.name, 'tight');
    assert.equal(book.reserve([roomy], 10_000, now), undefined, 'the refused reservation held nothing on roomy');
  });

  it('gives a reservation back and keeps the actual charge', () => {
    const book = new BudgetBook();
    const acme = budget();
    assert.equal(book.reserve([acme], 900, now), undefined);
    book.spend(acme, 300, now);
    book.release([acme], 900, now);
    assert.equal(book.spent(acme, now), 300);
    assert.equal(book.reserve([acme], 700, now), undefined);
    assert.notEqual(book.reserve([acme], 1, now), undefined);
  });

  it('reports a budget passed once per period: not on reaching it, on passing it', () => {
    const book = new BudgetBook();
    const soft = budget({ hard: false });
    assert.equal(book.spend(soft, 1_000, now), false, 'exactly the amount is not past it');
    assert.equal(book.spend(soft, 1, now), true);
    assert.equal(book.spend(soft, 500, now), false);
    const nextMonth = at('2027-01-01T00:00:00Z');
    assert.equal(book.spent(soft, nextMonth), 0, 'a new period starts from nothing');
    assert.equal(book.spend(soft, 1_001, nextMonth), true);
  });

  it('carries reservations in flight into a new period', () => {
    const book = new BudgetBook();
    const daily = budget({ period: { kind: 'day' } });
    assert.equal(book.reserve([daily], 800, at('2026-12-03T23:59:59Z')), undefined);
    assert.notEqual(book.reserve([daily], 201, at('2026-12-04T00:00:01Z')), undefined);
  });
});

describe('budgetApplies', () => {
  const spender = { keyId: 'key_1', team: 'ml', tenantId: 'ten_1', tenantName: 'acme' };
  it('matches a key by id, a team by name, a tenant by id or name, a provider by name', () => {
    assert.ok(budgetApplies(budget({ scope: 'key', match: 'key_1' }), spender, undefined));
    assert.ok(!budgetApplies(budget({ scope: 'key', match: 'key_2' }), spender, undefined));
    assert.ok(budgetApplies(budget({ scope: 'team', match: 'ml' }), spender, undefined));
    assert.ok(budgetApplies(budget({ scope: 'tenant', match: 'ten_1' }), spender, undefined));
    assert.ok(budgetApplies(budget({ scope: 'tenant', match: 'acme' }), spender, undefined));
    assert.ok(budgetApplies(budget({ scope: 'provider', match: 'aws' }), spender, 'aws'));
    assert.ok(!budgetApplies(budget({ scope: 'provider', match: 'aws' }), spender, 'azure'));
  });
});
