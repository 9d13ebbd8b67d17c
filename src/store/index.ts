/**
 * Routing's live state behind store interfaces: circuit breakers, cooldowns, capacity windows, latency averages and
 * round-robin turns, keyed by stable strings (`RouteChannel.id`, the model name), never by object identity, so that a
 * shared (Redis) implementation can later serve several gateway processes behind the same calls.
 *
 * The contract, in full in `state-stores.ts`: every method is synchronous; reads are answered from a replica-local view
 * (refreshed in the background by a shared implementation); writes apply locally at once and may be forwarded
 * asynchronously, never awaited per request; time comes in as `now` (epoch ms). `createMemoryStores` builds today's
 * in-process set; `./conformance/` holds one suite per interface that every implementation must pass.
 *
 * Imports nothing from `src/` but `src/lib/`.
 */
export type {
  BreakerOutcome,
  BreakerReader,
  BreakerState,
  BreakerStore,
  CapacityReader,
  CapacityStore,
  CooldownReader,
  CooldownStore,
  CounterStore,
  LatencyReader,
  LatencyStore,
  StoreOptions,
  Stores,
  TurnCounter,
  WindowOptions,
} from './state-stores.ts';
export { defaultBreakerSettings, validateBreakerSettings, type BreakerSettings } from './breaker-settings.ts';
export { createMemoryStores } from './memory/memory-stores.ts';
export { MemoryBreakerStore } from './memory/memory-breaker-store.ts';
export { MemoryCooldownStore } from './memory/memory-cooldown-store.ts';
export { MemoryCapacityStore, defaultCapacityWindow } from './memory/memory-capacity-store.ts';
export { MemoryLatencyStore, defaultLatencyAlpha } from './memory/memory-latency-store.ts';
export { MemoryCounterStore } from './memory/memory-counter-store.ts';
