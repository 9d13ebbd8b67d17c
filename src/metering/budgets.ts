/**
 * Budgets: how much a key, a team, a tenant (charged prices) or a provider (upstream cost) may spend per period.
 *
 * Spend lives in memory, loaded from the ledger at start-up for the current period and updated as the metering stage
 * settles each request. A hard budget is enforced before the upstream call: the request reserves its largest likely
 * charge (the prompt's token estimate plus its output limit, at the price in force of the model's first channel, with
 * the tenant's markup) and is refused with 429 `budget_exceeded` when spend plus reservations in flight plus its own
 * would pass the amount; when it is over, the reservation is given back and the actual charge stays. So concurrent
 * requests overshoot a hard budget only by what their actual charges exceed their reservations: nothing when each
 * sets `max_tokens`, the prompt estimate is not below the upstream's count and the serving channel is no dearer than
 * the first. A soft budget refuses nothing: passing it is logged once per period, counted in
 * `interchange_budget_exceeded_total` and recorded in the admin audit log. Provider budgets are soft only (which
 * provider serves is known after routing).
 */
import type { BudgetConfig, BudgetPeriod } from '../config/types.ts';

/** What a budget scope needs to know of a request: the fields of the caller's key (a `Caller` is one). */
export interface Spender {
  readonly keyId: string | undefined;
  readonly team: string | undefined;
  readonly tenantId: string | undefined;
  readonly tenantName: string | undefined;
}

export function budgetApplies(budget: BudgetConfig, spender: Spender, provider: string | undefined): boolean {
  switch (budget.scope) {
    case 'key':
      return spender.keyId === budget.match;
    case 'team':
      return spender.team === budget.match;
    case 'tenant':
      return spender.tenantId === budget.match || spender.tenantName === budget.match;
    case 'provider':
      return provider === budget.match;
  }
}

/** The period containing `atMs`: `[start, end)` in epoch ms, UTC. */
export function periodOf(period: BudgetPeriod, atMs: number): { start: number; end: number } {
  if (period.kind === 'day') {
    const start = Math.floor(atMs / 86_400_000) * 86_400_000;
    return { start, end: start + 86_400_000 };
  }
  if (period.kind === 'month') {
    const date = new Date(atMs);
    const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    return { start, end: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) };
  }
  const index = Math.floor((atMs - period.startsAtMs) / period.lengthMs);
  const start = period.startsAtMs + index * period.lengthMs;
  return { start, end: start + period.lengthMs };
}

interface Account {
  periodStart: number;
  periodEnd: number;
  spent: number;
  reserved: number;
  /** A soft budget's crossing was reported for this period. */
  reported: boolean;
}

export interface BudgetRefusal {
  readonly budget: BudgetConfig;
  readonly spentMicros: number;
  readonly reservedMicros: number;
  readonly periodEnd: number;
}

/** Spend per budget for its current period; one book per process, kept across configuration reloads. */
export class BudgetBook {
  readonly #accounts = new Map<string, Account>();

  /** Sets what the ledger says `budget` spent in the period containing `atMs` (start-up). */
  load(budget: BudgetConfig, spentMicros: number, atMs: number): void {
    const account = this.#account(budget, atMs);
    account.spent = spentMicros;
    account.reported = spentMicros > budget.amountMicros;
  }

  spent(budget: BudgetConfig, atMs: number): number {
    return this.#account(budget, atMs).spent;
  }

  /**
   * Reserves `micros` on every hard budget in `budgets`, all or none: the first that cannot take it is returned (and
   * nothing is held); undefined when every one took it.
   */
  reserve(budgets: readonly BudgetConfig[], micros: number, atMs: number): BudgetRefusal | undefined {
    for (const budget of budgets) {
      const account = this.#account(budget, atMs);
      if (account.spent + account.reserved + micros > budget.amountMicros) {
        return { budget, spentMicros: account.spent, reservedMicros: account.reserved, periodEnd: account.periodEnd };
      }
    }
    for (const budget of budgets) this.#account(budget, atMs).reserved += micros;
    return undefined;
  }

  release(budgets: readonly BudgetConfig[], micros: number, atMs: number): void {
    for (const budget of budgets) {
      const account = this.#account(budget, atMs);
      account.reserved = Math.max(0, account.reserved - micros);
    }
  }

  /** Adds an actual charge; true when it took the budget past its amount for the first time this period. */
  spend(budget: BudgetConfig, micros: number, atMs: number): boolean {
    const account = this.#account(budget, atMs);
    account.spent += micros;
    if (account.reported || account.spent <= budget.amountMicros) return false;
    account.reported = true;
    return true;
  }

  #account(budget: BudgetConfig, atMs: number): Account {
    let account = this.#accounts.get(budget.name);
    if (account === undefined || atMs >= account.periodEnd || atMs < account.periodStart) {
      const { start, end } = periodOf(budget.period, atMs);
      // A new period starts from nothing spent; reservations in flight carry over.
      account = { periodStart: start, periodEnd: end, spent: 0, reserved: account?.reserved ?? 0, reported: false };
      this.#accounts.set(budget.name, account);
    }
    return account;
  }
}
