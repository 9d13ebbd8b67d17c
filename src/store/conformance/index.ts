/**
 * One conformance suite per store interface. A test file runs each over every implementation (today the in-memory
 * one; the shared one joins the same list), so they are held to one contract.
 */
export { breakerStoreConformance } from './breaker-store-conformance.ts';
export { cooldownStoreConformance } from './cooldown-store-conformance.ts';
export { capacityStoreConformance } from './capacity-store-conformance.ts';
export { latencyStoreConformance } from './latency-store-conformance.ts';
export { counterStoreConformance } from './counter-store-conformance.ts';
export { identityStoreConformance } from './identity-store-conformance.ts';
export { rateLimitStoreConformance } from './rate-limit-store-conformance.ts';
export { secretStoreConformance } from './secret-store-conformance.ts';
export { ledgerStoreConformance } from './ledger-store-conformance.ts';
export { agreementStoreConformance } from './agreement-store-conformance.ts';
export { responseStoreConformance } from './response-store-conformance.ts';
