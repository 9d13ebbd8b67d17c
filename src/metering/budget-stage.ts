/**
 * The hard-budget admission stage: reserves a request's largest likely charge on every hard budget of its key, team
 * and tenant before routing, refuses with 429 `budget_exceeded` naming the budget when one cannot take it, and gives
 * the reservation back when the request is over (the metering stage has booked the actual charge by then). Not built
 * when no hard budget is configured.
 */
import type { BudgetConfig, GatewayConfig } from '../config/types.ts';
import { GatewayError } from '../errors/index.ts';
import { defaultOutputReserve } from '../identity/key-stages.ts';
import type { AdmissionStage, Exchange } from '../pipeline/stages.ts';
import { describeEmbeddingRequest, describeRequest } from '../routing/index.ts';
import type { ChatRequest, EmbeddingRequest } from '../spec/index.ts';
import { budgetApplies, type BudgetBook } from './budgets.ts';
import { formatMicros, priceAt, withMarkup } from './cost.ts';
import { markupFor } from './metering-stage.ts';

export function budgetStage(config: GatewayConfig, book: BudgetBook, now: () => number = Date.now): AdmissionStage | undefined {
  const hard = config.metering.budgets.filter((budget) => budget.hard && budget.scope !== 'provider');
  if (hard.length === 0) return undefined;
  const currency = config.metering.currency;
  return {
    name: 'budgets',
    needs: {},
    admit(exchange) {
      const caller = exchange.caller;
      if (caller === undefined) return;
      let applying: BudgetConfig[] | undefined;
      for (const budget of hard) if (budgetApplies(budget, caller, undefined)) (applying ??= []).push(budget);
      if (applying === undefined) return;
      const at = now();
      const reserve = withMarkup(largestCost(exchange, at), markupFor(config.metering, caller));
      const refusal = book.reserve(applying, reserve, at);
      if (refusal !== undefined) {
        const { budget } = refusal;
        const left = Math.max(0, budget.amountMicros - refusal.spentMicros - refusal.reservedMicros);
        throw new GatewayError(
          'budget_exceeded',
          `The budget "${budget.name}" (${budget.scope} ${budget.match}) has ${formatMicros(left, currency)} left of ${formatMicros(budget.amountMicros, currency)} this period; this request may cost up to ${formatMicros(reserve, currency)}.`,
          { retryAfterMs: Math.max(1_000, refusal.periodEnd - at) },
        );
      }
      const held = applying;
      (exchange.finishers ??= []).push(() => book.release(held, reserve, now()));
    },
  };
}

/** The prompt's estimate and the output limit at the price in force of the model's first channel; 0 without a price. */
function largestCost(exchange: Exchange<unknown>, atMs: number): number {
  const channel = exchange.model!.channels[0];
  const price = priceAt(channel.prices, atMs);
  if (price === undefined) return 0;
  let prompt: number;
  let output = 0;
  if (exchange.endpoint === 'embeddings') prompt = describeEmbeddingRequest(exchange.request as EmbeddingRequest).promptTokens;
  else {
    const request = exchange.request as ChatRequest;
    prompt = describeRequest(request).promptTokens;
    output = request.maxOutputTokens ?? defaultOutputReserve;
  }
  // Priced as if nothing were cached and every output token were the dearer kind.
  const perMillion =
    BigInt(prompt) * BigInt(Math.max(price.inputMicrosPerMillion, price.cacheWriteMicrosPerMillion)) +
    BigInt(output) * BigInt(Math.max(price.outputMicrosPerMillion, price.reasoningMicrosPerMillion));
  return Number((perMillion + 999_999n) / 1_000_000n);
}
