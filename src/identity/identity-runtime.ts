/**
 * Keys and admin at run time: the identity store (opened by the caller), the in-memory directory loaded from it, the
 * admin operations, the rate-limit state and the pipeline stages they make. Built once at start-up.
 */
import type { GatewayConfig } from '../config/types.ts';
import type { AdmissionStage, IdentityStage } from '../pipeline/stages.ts';
import type { IdentityStore } from '../store/identity-store.ts';
import { MemoryRateLimitStore } from '../store/memory/memory-rate-limit-store.ts';
import type { RateLimitStore } from '../store/rate-limit-store.ts';
import { IdentityAdmin, type KnownNames } from './identity-admin.ts';
import { KeyDirectory } from './key-directory.ts';
import { keyAccessStage, keyIdentityStage, rateLimitStage } from './key-stages.ts';

export interface IdentityRuntime {
  readonly store: IdentityStore;
  readonly directory: KeyDirectory;
  readonly admin: IdentityAdmin;
  readonly rateLimits: RateLimitStore;
  /** Undefined with `auth.clients: none`. */
  readonly identity: IdentityStage | undefined;
  readonly admission: readonly AdmissionStage[];
}

/** `known`: the names a key's policy may use; defaults to `config`'s (a reloading gateway passes its current ones). */
export async function createIdentityRuntime(config: GatewayConfig, store: IdentityStore, clock: () => number = Date.now, known?: KnownNames): Promise<IdentityRuntime> {
  const directory = new KeyDirectory(await store.loadAll());
  const rateLimits = new MemoryRateLimitStore();
  const admin = new IdentityAdmin(store, directory, known ?? { models: () => config.models.keys(), providers: () => config.providers.keys() }, clock);
  const keys = config.auth.clients === 'keys';
  return {
    store,
    directory,
    admin,
    rateLimits,
    identity: keys ? keyIdentityStage(directory, clock) : undefined,
    admission: keys ? [keyAccessStage(), rateLimitStage(rateLimits, clock)] : [],
  };
}
