/**
 * Budgets' spend at start-up: what the ledger booked in each budget's current period, so a restart neither forgets
 * spend nor lets a hard budget be spent twice. Read once, from the ledger's statements (one per grouping and period).
 */
import type { BudgetConfig, GatewayConfig } from '../config/types.ts';
import type { IdentityRuntime } from '../identity/identity-runtime.ts';
import type { LedgerStore, StatementGrouping, StatementRow } from '../store/ledger-store.ts';
import { BudgetBook, periodOf } from './budgets.ts';

export async function loadBudgets(config: GatewayConfig, ledger: LedgerStore | undefined, identity: IdentityRuntime, clock: () => number): Promise<BudgetBook> {
  const book = new BudgetBook();
  const budgets = config.metering.budgets;
  if (budgets.length === 0 || ledger === undefined) return book;
  const now = clock();
  const { tenants, keys } = await identity.store.loadAll();
  const statements = new Map<string, Promise<readonly StatementRow[]>>();
  const rows = (start: number, end: number, by: StatementGrouping) => {
    const key = `${start}:${end}:${by}`;
    let rowsOf = statements.get(key);
    if (rowsOf === undefined) statements.set(key, (rowsOf = ledger.statement(start, end, by)));
    return rowsOf;
  };
  const sum = (found: readonly StatementRow[], groups: ReadonlySet<string>, pick: (row: StatementRow) => number) =>
    found.reduce((total, row) => (groups.has(row.group) ? total + pick(row) : total), 0);
  for (const budget of budgets) {
    const { start, end } = periodOf(budget.period, now);
    book.load(budget, await spentIn(budget), now);

    async function spentIn(budget: BudgetConfig): Promise<number> {
      switch (budget.scope) {
        case 'key':
          return sum(await rows(start, end, 'key'), new Set([budget.match]), (row) => row.chargedMicros);
        case 'team':
          return sum(await rows(start, end, 'key'), new Set(keys.filter((key) => key.team === budget.match).map((key) => key.id)), (row) => row.chargedMicros);
        case 'tenant': {
          const ids = new Set(tenants.filter((tenant) => tenant.id === budget.match || tenant.name === budget.match).map((tenant) => tenant.id));
          ids.add(budget.match);
          return sum(await rows(start, end, 'tenant'), ids, (row) => row.chargedMicros);
        }
        case 'provider':
          return sum(await rows(start, end, 'provider'), new Set([budget.match]), (row) => row.costMicros);
      }
    }
  }
  return book;
}
