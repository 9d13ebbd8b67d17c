/**
 * Revenue-share accruals: what each ledger entry owes each agreement in force, kept under the agreement's cap.
 *
 * The running totals live in memory (loaded from the ledger at start-up, kept across configuration reloads) and are
 * updated synchronously as entries are settled, so two requests settling at once can never both take the last of a
 * cap. An entry that crosses the cap accrues exactly up to it and is flagged as the one that reached it; nothing
 * accrues after. A share is in force from 00:00 UTC of `from` until 00:00 UTC of the day after `until`.
 */
import type { RevenueShareAgreement } from '../config/types.ts';
import type { AgreementTotal, LedgerAccrual } from '../store/ledger-store.ts';
import { share } from './cost.ts';

/** What an entry is, as far as agreements look. */
export interface AccrualBasis {
  readonly atMs: number;
  readonly model: string;
  readonly provider: string | undefined;
  readonly upstreamModel: string | undefined;
  readonly tenantId: string | undefined;
  readonly tenantName: string | undefined;
  readonly costMicros: number;
  readonly chargedMicros: number;
}

/** Accrued micro-units per agreement name; shared by every configuration the process runs. */
export class AccrualTotals {
  readonly #accrued = new Map<string, number>();

  static from(totals: readonly AgreementTotal[]): AccrualTotals {
    const accruals = new AccrualTotals();
    for (const total of totals) accruals.#accrued.set(total.agreement, total.micros);
    return accruals;
  }

  get(agreement: string): number {
    return this.#accrued.get(agreement) ?? 0;
  }

  add(agreement: string, micros: number): void {
    this.#accrued.set(agreement, this.get(agreement) + micros);
  }
}

export function appliesTo(agreement: RevenueShareAgreement, basis: AccrualBasis): boolean {
  if (agreement.startsAtMs !== undefined && basis.atMs < agreement.startsAtMs) return false;
  if (agreement.endsAtMs !== undefined && basis.atMs >= agreement.endsAtMs) return false;
  if (agreement.models !== undefined && !agreement.models.includes(basis.model)) return false;
  if (agreement.tenants !== undefined) {
    const named = (basis.tenantId !== undefined && agreement.tenants.includes(basis.tenantId)) || (basis.tenantName !== undefined && agreement.tenants.includes(basis.tenantName));
    if (!named) return false;
  }
  if (agreement.channels !== undefined) {
    const { provider, upstreamModel } = basis;
    if (provider === undefined || !agreement.channels.some((selector) => selector.provider === provider && (selector.model === undefined || selector.model === upstreamModel))) return false;
  }
  return true;
}

/** The accruals of one entry, applied to `totals` at once. */
export function accrue(shares: readonly RevenueShareAgreement[], totals: AccrualTotals, basis: AccrualBasis): LedgerAccrual[] {
  if (shares.length === 0) return noAccruals;
  let accruals: LedgerAccrual[] | undefined;
  for (const agreement of shares) {
    if (!appliesTo(agreement, basis)) continue;
    let micros = share(agreement.basis === 'revenue' ? basis.chargedMicros : basis.costMicros, agreement.percentBasisPoints);
    let capReached = false;
    if (agreement.capMicros !== undefined) {
      const room = agreement.capMicros - totals.get(agreement.name);
      if (room <= 0) continue;
      if (micros >= room) {
        micros = room;
        capReached = true;
      }
    }
    if (micros === 0) continue;
    totals.add(agreement.name, micros);
    (accruals ??= []).push(capReached ? { agreement: agreement.name, party: agreement.party, micros, capReached: true } : { agreement: agreement.name, party: agreement.party, micros });
  }
  return accruals ?? noAccruals;
}

const noAccruals: LedgerAccrual[] = [];
