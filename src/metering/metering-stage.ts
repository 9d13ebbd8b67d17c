/**
 * The metering settle stage: prices a request that reached an upstream at its channel's price in force, works out what
 * its tenant is charged and what it accrues to revenue shares, and books it in the ledger before the client's final
 * bytes are written (the ledger writer's group commit), so an entry for a response a client received in full survives
 * the process being killed. Requests refused before any upstream call are not booked.
 */
import type { BudgetConfig, DatedPrice, GatewayConfig, MeteringConfig, RevenueShareAgreement } from '../config/types.ts';
import type { Caller } from '../identity/key-directory.ts';
import type { Completion, Exchange, SettleStage } from '../pipeline/stages.ts';
import type { LedgerEntry } from '../store/ledger-store.ts';
import { accrue, type AccrualTotals } from './accruals.ts';
import { budgetApplies, type BudgetBook, type Spender } from './budgets.ts';
import type { CommitmentBook } from './commitments.ts';
import { costMicros, priceAt, withMarkup } from './cost.ts';
import type { LedgerWriter } from './ledger-writer.ts';

export interface MeteringOptions {
  readonly config: GatewayConfig;
  /** Undefined: costs are worked out (header, log, metric) but nothing is booked. */
  readonly writer: LedgerWriter | undefined;
  readonly totals: AccrualTotals;
  readonly budgets: BudgetBook;
  /** Spend per commitment (every priced request is booked against its provider). */
  readonly commitments?: CommitmentBook;
  /** A soft budget was passed (once per period). */
  readonly onSoftBudgetPassed?: (budget: BudgetConfig, spentMicros: number) => void;
  /** Epoch ms. */
  readonly now?: () => number;
}

/** The markup of a caller's tenant, in basis points. */
export function markupFor(metering: MeteringConfig, caller: Caller | undefined): number {
  if (caller === undefined) return metering.markupBasisPoints;
  const byId = metering.tenantMarkupBasisPoints.get(caller.tenantId);
  if (byId !== undefined) return byId;
  const byName = caller.tenantName === undefined ? undefined : metering.tenantMarkupBasisPoints.get(caller.tenantName);
  return byName ?? metering.markupBasisPoints;
}

/** Undefined when there is nothing to do: no ledger and no price anywhere. */
export function meteringStage(options: MeteringOptions): SettleStage | undefined {
  const { config, writer, totals, budgets: book, commitments, onSoftBudgetPassed } = options;
  const now = options.now ?? Date.now;
  const prices = new Map<string, readonly DatedPrice[]>();
  for (const model of config.models.values()) {
    // By the id routing gives the channel (`provider/upstream-model`), so a served request looks its price up by that.
    for (const channel of model.channels) if (channel.prices.length > 0) prices.set(`${channel.provider}/${channel.model}`, channel.prices);
  }
  if (writer === undefined && prices.size === 0) return undefined;
  const budgets = config.metering.budgets;
  const shares = config.agreements.filter((agreement): agreement is RevenueShareAgreement => agreement.kind === 'revenue-share');
  const { currency } = config.metering;

  return {
    name: 'metering',
    needs: { usage: true },
    settle(_exchange: Exchange<unknown>, completion: Completion): Promise<void> | void {
      const attempts = completion.attempts;
      if (attempts.length === 0 || completion.model === undefined) return;
      const last = attempts[attempts.length - 1];
      const served = completion.channel;
      const provider = served?.provider ?? last.provider;
      const upstreamModel = served?.upstreamModel ?? last.upstreamModel;
      const channel = served?.id ?? `${provider}/${upstreamModel}`;
      const at = now();
      const channelPrices = prices.get(channel);
      const cost = channelPrices === undefined ? 0 : costMicros(completion.usage, priceAt(channelPrices, at));
      const caller = completion.caller;
      const charged = withMarkup(cost, markupFor(config.metering, caller));
      completion.metered = { costMicros: cost, chargedMicros: charged, currency };
      if (cost > 0) {
        if (budgets.length > 0) spendOnBudgets(budgets, book, caller, provider, cost, charged, at, onSoftBudgetPassed);
        commitments?.spend(provider, at, cost);
      }
      if (writer === undefined) return;
      const usage = completion.usage;
      const entry: LedgerEntry = {
        requestId: completion.requestId,
        at,
        tenant: caller?.tenantId,
        keyId: caller?.keyId,
        model: completion.model,
        endpoint: completion.endpoint,
        stream: completion.stream,
        provider,
        channel,
        upstreamModel,
        status: completion.status,
        errorCode: completion.error?.code,
        inputTokens: usage?.inputTokens.total ?? 0,
        cachedInputTokens: usage?.inputTokens.cacheRead ?? 0,
        cacheWriteTokens: usage?.inputTokens.cacheWrite ?? 0,
        outputTokens: usage?.outputTokens.total ?? 0,
        reasoningTokens: usage?.outputTokens.reasoning ?? 0,
        estimated: usage?.estimated === true,
        costMicros: cost,
        chargedMicros: charged,
        currency,
        latencyMs: Math.round(completion.durationMs * 1000) / 1000,
        route: completion.plan?.trace.toHeader(),
        accruals: accrue(shares, totals, {
          atMs: at,
          model: completion.model,
          provider,
          upstreamModel,
          tenantId: caller?.tenantId,
          tenantName: caller?.tenantName,
          costMicros: cost,
          chargedMicros: charged,
        }),
      };
      return writer.record(entry);
    },
  };
}

/** Adds the charge to the key's, team's and tenant's budgets and the cost to the provider's. */
/** A request without a key: only provider budgets apply to it. */
const anonymous: Spender = { keyId: undefined, team: undefined, tenantId: undefined, tenantName: undefined };

function spendOnBudgets(
  budgets: readonly BudgetConfig[],
  book: BudgetBook,
  caller: Caller | undefined,
  provider: string,
  cost: number,
  charged: number,
  at: number,
  onSoftBudgetPassed: MeteringOptions['onSoftBudgetPassed'],
): void {
  const spender = caller ?? anonymous;
  for (const budget of budgets) {
    if (!budgetApplies(budget, spender, provider)) continue;
    const passed = book.spend(budget, budget.scope === 'provider' ? cost : charged, at);
    if (passed && !budget.hard) onSoftBudgetPassed?.(budget, book.spent(budget, at));
  }
}
