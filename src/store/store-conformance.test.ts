import {
  agreementStoreConformance,
  breakerStoreConformance,
  capacityStoreConformance,
  cooldownStoreConformance,
  counterStoreConformance,
  identityStoreConformance,
  latencyStoreConformance,
  ledgerStoreConformance,
  rateLimitStoreConformance,
  responseStoreConformance,
  secretStoreConformance,
} from './conformance/index.ts';
import { MemoryRateLimitStore } from './memory/memory-rate-limit-store.ts';
import { MemoryIdentityStore } from './memory/memory-identity-store.ts';
import { MemoryLedgerStore } from './memory/memory-ledger-store.ts';
import { openSqlite } from './sqlite/sqlite-database.ts';
import { SqliteIdentityStore } from './sqlite/sqlite-identity-store.ts';
import { SqliteLedgerStore } from './sqlite/sqlite-ledger-store.ts';
import { MemoryAgreementStore } from './memory/memory-agreement-store.ts';
import { MemorySecretStore } from './memory/memory-secret-store.ts';
import { SqliteAgreementStore } from './sqlite/sqlite-agreement-store.ts';
import { SqliteSecretStore } from './sqlite/sqlite-secret-store.ts';
import { MemoryResponseStore } from './memory/memory-response-store.ts';
import { SqliteResponseStore } from './sqlite/sqlite-response-store.ts';
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

/** Every implementation of the identity store; PostgreSQL joins this list. */
identityStoreConformance('memory', () => new MemoryIdentityStore());
identityStoreConformance('sqlite', () => new SqliteIdentityStore(openSqlite(':memory:').database, true));
rateLimitStoreConformance('memory', () => new MemoryRateLimitStore());

/** Every implementation of the secret store, each writing the audit log its identity store reads. */
secretStoreConformance('memory', () => {
  const identity = new MemoryIdentityStore();
  return { secrets: new MemorySecretStore((entry) => identity.recordAudit(entry)), audit: () => identity.listAudit(), close: () => identity.close() };
});
secretStoreConformance('sqlite', () => {
  const { database } = openSqlite(':memory:');
  const identity = new SqliteIdentityStore(database, true);
  return { secrets: new SqliteSecretStore(database), audit: () => identity.listAudit(), close: () => identity.close() };
});

/** Every implementation of the ledger; PostgreSQL joins this list. */
ledgerStoreConformance('memory', () => new MemoryLedgerStore());
ledgerStoreConformance('sqlite', () => new SqliteLedgerStore(openSqlite(':memory:').database, true));

/** Every implementation of the agreement store, each writing the audit log its identity store reads. */
agreementStoreConformance('memory', () => {
  const identity = new MemoryIdentityStore();
  return { agreements: new MemoryAgreementStore((entry) => identity.recordAudit(entry)), audit: () => identity.listAudit(), close: () => identity.close() };
});
agreementStoreConformance('sqlite', () => {
  const { database } = openSqlite(':memory:');
  const identity = new SqliteIdentityStore(database, true);
  return { agreements: new SqliteAgreementStore(database), audit: () => identity.listAudit(), close: () => identity.close() };
});

/** Every implementation of the stored responses; PostgreSQL joins this list. */
responseStoreConformance('memory', () => ({ responses: new MemoryResponseStore(), close: async () => {} }));
responseStoreConformance('sqlite', () => {
  const { database } = openSqlite(':memory:');
  return { responses: new SqliteResponseStore(database), close: async () => database.close() };
});
