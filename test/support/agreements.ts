/** A revenue share for tests: 20% of revenue to Microsoft, no dates, no cap, every channel, model and tenant. */
import type { RevenueShareAgreement } from '../../src/config/types.ts';

export function revenueShare(overrides: Partial<RevenueShareAgreement> = {}): RevenueShareAgreement {
  return {
    name: 'msft-share',
    kind: 'revenue-share',
    party: 'Microsoft',
    percentBasisPoints: 2_000,
    basis: 'revenue',
    channels: undefined,
    models: undefined,
    tenants: undefined,
    from: undefined,
    until: undefined,
    startsAtMs: undefined,
    endsAtMs: undefined,
    capMicros: undefined,
    ...overrides,
  };
}
