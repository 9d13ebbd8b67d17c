/**
 * What a request cost, from its usage and the channel's price in force: integer micro-units, never floating point.
 * Each token kind is priced once (cache reads, cache writes and the rest of the prompt; reasoning and the rest of the
 * output), so a figure is never negative or counted twice. The sum is taken in micro-units per million tokens (exact
 * BigInt products) and rounded once, half up, to micro-units.
 */
import type { DatedPrice } from '../config/types.ts';
import type { Usage } from '../spec/index.ts';

/** The price in force at `atMs`: the last whose `fromMs` is not after it. Undefined when none is (yet). */
export function priceAt(prices: readonly DatedPrice[], atMs: number): DatedPrice | undefined {
  for (let index = prices.length - 1; index >= 0; index--) {
    const price = prices[index];
    if (price.fromMs === undefined || price.fromMs <= atMs) return price;
  }
  return undefined;
}

const MILLION = 1_000_000n;

/** Micro-units; 0 without a price or usage. */
export function costMicros(usage: Usage | undefined, price: DatedPrice | undefined): number {
  if (usage === undefined || price === undefined) return 0;
  const input = usage.inputTokens;
  const output = usage.outputTokens;
  const perMillion =
    BigInt(input.noCache) * BigInt(price.inputMicrosPerMillion) +
    BigInt(input.cacheRead) * BigInt(price.cachedInputMicrosPerMillion) +
    BigInt(input.cacheWrite) * BigInt(price.cacheWriteMicrosPerMillion) +
    BigInt(output.text) * BigInt(price.outputMicrosPerMillion) +
    BigInt(output.reasoning) * BigInt(price.reasoningMicrosPerMillion);
  return Number((perMillion + MILLION / 2n) / MILLION);
}

/** `micros` plus a markup in basis points (2500 = 25%), rounded half up. */
export function withMarkup(micros: number, basisPoints: number): number {
  if (basisPoints === 0) return micros;
  return Number((BigInt(micros) * BigInt(10_000 + basisPoints) + 5_000n) / 10_000n);
}

/** `basisPoints` of `micros` (2000 = 20%), rounded half up. */
export function share(micros: number, basisPoints: number): number {
  return Number((BigInt(micros) * BigInt(basisPoints) + 5_000n) / 10_000n);
}

/** `12.345678 USD`: exact, from integer micro-units. */
export function formatMicros(micros: number, currency: string): string {
  const sign = micros < 0 ? '-' : '';
  const magnitude = Math.abs(micros);
  const units = Math.floor(magnitude / 1_000_000);
  const fraction = String(magnitude % 1_000_000).padStart(6, '0');
  return `${sign}${units}.${fraction} ${currency}`;
}
