/**
 * Opens the configured store: the embedded SQLite file (created and migrated on first start) or memory. What the
 * gateway keeps there today: tenants, keys, stored secrets (encrypted), agreements made through the admin plane, the
 * admin audit log, the ledger and stored responses (Responses API).
 */
import type { AgreementStore } from './agreement-store.ts';
import type { IdentityStore } from './identity-store.ts';
import { MemoryAgreementStore } from './memory/memory-agreement-store.ts';
import { SqliteAgreementStore } from './sqlite/sqlite-agreement-store.ts';
import { MemoryResponseStore } from './memory/memory-response-store.ts';
import type { ResponseStore } from './response-store.ts';
import { SqliteResponseStore } from './sqlite/sqlite-response-store.ts';
import type { LedgerStore } from './ledger-store.ts';
import { MemoryIdentityStore } from './memory/memory-identity-store.ts';
import { MemoryLedgerStore } from './memory/memory-ledger-store.ts';
import { MemorySecretStore } from './memory/memory-secret-store.ts';
import type { SecretStore } from './secret-store.ts';
import { SqliteSecretStore } from './sqlite/sqlite-secret-store.ts';
import type { MigrationResult } from './sqlite/migrate.ts';
import { openSqlite } from './sqlite/sqlite-database.ts';
import { SqliteIdentityStore } from './sqlite/sqlite-identity-store.ts';
import { SqliteLedgerStore } from './sqlite/sqlite-ledger-store.ts';

export interface OpenedStore {
  readonly identity: IdentityStore;
  readonly secrets: SecretStore;
  readonly agreements: AgreementStore;
  readonly ledger: LedgerStore;
  readonly responses: ResponseStore;
  /** Set for SQLite: the schema versions before and after start-up. */
  readonly migration: MigrationResult | undefined;
  close(): Promise<void>;
}

/** `path`: the SQLite file (kind sqlite). */
export function openStore(config: { readonly kind: 'sqlite' | 'memory'; readonly path: string }): OpenedStore {
  if (config.kind === 'memory') {
    const identity = new MemoryIdentityStore();
    return {
      identity,
      secrets: new MemorySecretStore((entry) => identity.recordAudit(entry)),
      agreements: new MemoryAgreementStore((entry) => identity.recordAudit(entry)),
      ledger: new MemoryLedgerStore(),
      responses: new MemoryResponseStore(),
      migration: undefined,
      close: () => identity.close(),
    };
  }
  const { database, migration } = openSqlite(config.path);
  const identity = new SqliteIdentityStore(database);
  return {
    identity,
    secrets: new SqliteSecretStore(database),
    agreements: new SqliteAgreementStore(database),
    ledger: new SqliteLedgerStore(database),
    responses: new SqliteResponseStore(database),
    migration,
    async close() {
      await identity.close();
      if (database.isOpen) database.close();
    },
  };
}
