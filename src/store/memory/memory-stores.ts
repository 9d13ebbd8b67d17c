/** The in-memory store set: one gateway process's routing state, as it has always been kept. */
import { defaultBreakerSettings } from '../breaker-settings.ts';
import type { StoreOptions, Stores } from '../state-stores.ts';
import { MemoryBreakerStore } from './memory-breaker-store.ts';
import { MemoryCapacityStore, defaultCapacityWindow } from './memory-capacity-store.ts';
import { MemoryCooldownStore } from './memory-cooldown-store.ts';
import { MemoryCounterStore } from './memory-counter-store.ts';
import { MemoryLatencyStore, defaultLatencyAlpha } from './memory-latency-store.ts';

export function createMemoryStores(options: StoreOptions = {}): Stores {
  return {
    breakers: new MemoryBreakerStore(options.breaker ?? defaultBreakerSettings),
    cooldowns: new MemoryCooldownStore(),
    capacity: new MemoryCapacityStore(options.capacity ?? defaultCapacityWindow),
    latency: new MemoryLatencyStore(options.latencyAlpha ?? defaultLatencyAlpha),
    roundRobin: new MemoryCounterStore(),
  };
}
