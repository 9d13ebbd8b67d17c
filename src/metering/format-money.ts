/**
 * Money and shares printed exactly from integers: a micro-unit amount is split with BigInt, never divided as a float,
 * so a statement prints the very sum the ledger holds.
 */

/** `12.345678` from 12_345_678 micro-units, `-0.000001` from -1: always six decimals. */
export function formatMicros(micros: number): string {
  if (!Number.isSafeInteger(micros)) throw new RangeError(`not a whole number of micro-units: ${micros}`);
  const magnitude = BigInt(Math.abs(micros));
  return `${micros < 0 ? '-' : ''}${magnitude / 1_000_000n}.${String(magnitude % 1_000_000n).padStart(6, '0')}`;
}

/** `12.345678 USD`. */
export function formatMoney(micros: number, currency: string): string {
  return `${formatMicros(micros)} ${currency}`;
}

/**
 * `part` as a share of `whole` in basis points (10000 = 100%), rounded down so that a cap is never shown as used up
 * before it is; 10000 when `whole` is 0 or less (nothing left to use).
 */
export function basisPointsOf(part: number, whole: number): number {
  if (whole <= 0) return 10_000;
  return Number((BigInt(Math.max(0, part)) * 10_000n) / BigInt(whole));
}

/** `12.34%` from 1234 basis points. */
export function formatBasisPoints(basisPoints: number): string {
  return `${Math.trunc(basisPoints / 100)}.${String(basisPoints % 100).padStart(2, '0')}%`;
}
