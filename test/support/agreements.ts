/** Agreements for tests. */
import type { CommitmentAgreement, RevenueShareAgreement } from '../../src/config/types.ts';

const dayMs = 86_400_000;

/** 20% of revenue to Microsoft, no dates, no cap, every channel, model and tenant. */
export function revenueShare(overrides: Partial<RevenueShareAgreement> = {}): RevenueShareAgreement {
  return {
    name: 'msft-share',
    kind: 'revenue-share',
    source: 'config',
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

/** A commitment to spend 1.00 with `azure` in 2026, routing not preferring it; `from`/`until` overrides move its bounds. */
export function commitment(overrides: Partial<CommitmentAgreement> = {}): CommitmentAgreement {
  const from = overrides.from ?? '2026-01-01';
  const until = overrides.until ?? '2026-12-31';
  return {
    name: 'azure-commit',
    kind: 'commitment',
    source: 'config',
    party: 'Microsoft',
    provider: 'azure',
    amountMicros: 1_000_000,
    from,
    until,
    startsAtMs: Date.parse(`${from}T00:00:00Z`),
    endsAtMs: Date.parse(`${until}T00:00:00Z`) + dayMs,
    prefer: false,
    ...overrides,
  };
}
