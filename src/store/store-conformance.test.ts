import { breakerStoreConformance, capacityStoreConformance, cooldownStoreConformance, counterStoreConformance, latencyStoreConformance } from './conformance/index.ts';
import { createMemoryStores } from './memory/memory-stores.ts';
import type { StoreOptions, Stores } from './state-stores.ts';

/** Every implementation of the store set; a shared (Redis) one is added here. */
const implementations: readonly { readonly name: string; readonly make: (options: StoreOptions) => Stores }[] = [{ name: 'memory', make: createMemoryStores }];

for (const { name, make } of implementations) {
  breakerStoreConformance(name, (breaker) => make({ breaker }).breakers);
  cooldownStoreConformance(name, () => make({}).cooldowns);
  capacityStoreConformance(name, (capacity) => make({ capacity }).capacity);
  latencyStoreConformance(name, (latencyAlpha) => make({ latencyAlpha }).latency);
  counterStoreConformance(name, () => make({}).roundRobin);
}
