/**
 * A provider's budget as a routing decline rule: once what the provider cost this period reaches its amount, its
 * channels decline (the primary "chooses not to") and the route passes them over, recorded in the trace as
 * `declined=<budget name>`, until the period ends. Reads the in-memory budget book; no I/O.
 */
import type { BudgetConfig, ChannelSelector, GatewayConfig } from '../config/types.ts';
import type { DeclineRule, RouteChannel, RouteInput } from '../routing/index.ts';
import type { BudgetBook } from './budgets.ts';

class SpentBudget implements DeclineRule {
  readonly name: string;
  readonly kind = 'budget';
  readonly #budget: BudgetConfig;
  readonly #book: BudgetBook;

  constructor(budget: BudgetConfig, book: BudgetBook) {
    this.name = budget.name;
    this.#budget = budget;
    this.#book = book;
  }

  declines(_channel: RouteChannel, input: RouteInput): boolean {
    return this.#book.spent(this.#budget, input.now) >= this.#budget.amountMicros;
  }
}

export function budgetDeclineRules(config: GatewayConfig, book: BudgetBook): { selector: ChannelSelector; rule: DeclineRule }[] {
  return config.metering.budgets
    .filter((budget) => budget.scope === 'provider' && budget.decline)
    .map((budget) => ({ selector: { provider: budget.match }, rule: new SpentBudget(budget, book) }));
}
