/** The identity store in the embedded SQLite file. Statements are prepared once; every write and its audit entry commit together. */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import {
  DuplicateRecord,
  UnknownTenant,
  type AuditEntry,
  type AuditQuery,
  type IdentitySnapshot,
  type IdentityStore,
  type KeyChanges,
  type KeyRecord,
  type KeyRotation,
  type NewAuditEntry,
  type TenantChanges,
  type TenantRecord,
} from '../identity-store.ts';
import { inTransaction, insertAudit, insertAuditSql } from './sqlite-writes.ts';

interface TenantRow {
  id: string;
  name: string;
  limits: string;
  metadata: string;
  created_at: number;
  updated_at: number;
}

interface KeyRow {
  id: string;
  prefix: string;
  hash: string;
  tenant_id: string;
  team: string | null;
  name: string;
  policy: string;
  limits: string;
  metadata: string;
  expires_at: number | null;
  revoked_at: number | null;
  previous_hash: string | null;
  previous_valid_until: number | null;
  created_at: number;
  updated_at: number;
}

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  before: string | null;
  after: string | null;
}

export class SqliteIdentityStore implements IdentityStore {
  readonly #database: DatabaseSync;
  readonly #ownsDatabase: boolean;
  readonly #statements: Record<
    | 'allTenants'
    | 'allKeys'
    | 'tenant'
    | 'key'
    | 'keysOfTenant'
    | 'insertTenant'
    | 'updateTenant'
    | 'insertKey'
    | 'updateKey'
    | 'insertAudit'
    | 'audit',
    StatementSync
  >;

  /** `ownsDatabase`: close the database with the store. */
  constructor(database: DatabaseSync, ownsDatabase = false) {
    this.#database = database;
    this.#ownsDatabase = ownsDatabase;
    const prepare = (sql: string) => {
      const statement = database.prepare(sql);
      // Updates bind the same row object as inserts, some of whose fields they do not set.
      statement.setAllowUnknownNamedParameters(true);
      return statement;
    };
    this.#statements = {
      allTenants: prepare('SELECT * FROM tenants ORDER BY created_at, id'),
      allKeys: prepare('SELECT * FROM api_keys ORDER BY created_at DESC, id DESC'),
      tenant: prepare('SELECT * FROM tenants WHERE id = ?'),
      key: prepare('SELECT * FROM api_keys WHERE id = ?'),
      keysOfTenant: prepare('SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at DESC, id DESC'),
      insertTenant: prepare('INSERT INTO tenants (id, name, limits, metadata, created_at, updated_at) VALUES (:id, :name, :limits, :metadata, :created_at, :updated_at)'),
      updateTenant: prepare('UPDATE tenants SET name = :name, limits = :limits, metadata = :metadata, updated_at = :updated_at WHERE id = :id'),
      insertKey: prepare(
        `INSERT INTO api_keys (id, prefix, hash, tenant_id, team, name, policy, limits, metadata, expires_at, revoked_at, previous_hash, previous_valid_until, created_at, updated_at)
         VALUES (:id, :prefix, :hash, :tenant_id, :team, :name, :policy, :limits, :metadata, :expires_at, :revoked_at, :previous_hash, :previous_valid_until, :created_at, :updated_at)`,
      ),
      updateKey: prepare(
        `UPDATE api_keys SET hash = :hash, team = :team, name = :name, policy = :policy, limits = :limits, metadata = :metadata, expires_at = :expires_at,
         revoked_at = :revoked_at, previous_hash = :previous_hash, previous_valid_until = :previous_valid_until, updated_at = :updated_at WHERE id = :id`,
      ),
      insertAudit: prepare(insertAuditSql),
      audit: prepare('SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?'),
    };
  }

  async loadAll(): Promise<IdentitySnapshot> {
    return {
      tenants: (this.#statements.allTenants.all() as unknown as TenantRow[]).map(tenantOf),
      keys: (this.#statements.allKeys.all() as unknown as KeyRow[]).map(keyOf),
    };
  }

  async createTenant(tenant: TenantRecord, audit: NewAuditEntry): Promise<void> {
    this.#transaction(() => {
      if (this.#statements.tenant.get(tenant.id) !== undefined) throw new DuplicateRecord('tenant', tenant.id);
      this.#statements.insertTenant.run(tenantRow(tenant));
      this.#audit(audit);
    });
  }

  async getTenant(id: string): Promise<TenantRecord | undefined> {
    const row = this.#statements.tenant.get(id) as TenantRow | undefined;
    return row === undefined ? undefined : tenantOf(row);
  }

  async listTenants(): Promise<TenantRecord[]> {
    return (this.#statements.allTenants.all() as unknown as TenantRow[]).map(tenantOf);
  }

  async updateTenant(id: string, changes: TenantChanges, audit: (before: TenantRecord, after: TenantRecord) => NewAuditEntry): Promise<TenantRecord | undefined> {
    return this.#transaction(() => {
      const row = this.#statements.tenant.get(id) as TenantRow | undefined;
      if (row === undefined) return undefined;
      const before = tenantOf(row);
      const after: TenantRecord = {
        ...before,
        name: changes.name ?? before.name,
        limits: changes.limits ?? before.limits,
        metadata: changes.metadata ?? before.metadata,
        updatedAt: changes.updatedAt,
      };
      this.#statements.updateTenant.run(tenantRow(after));
      this.#audit(audit(before, after));
      return after;
    });
  }

  async createKey(key: KeyRecord, audit: NewAuditEntry): Promise<void> {
    this.#transaction(() => {
      if (this.#statements.key.get(key.id) !== undefined) throw new DuplicateRecord('key', key.id);
      if (this.#statements.tenant.get(key.tenantId) === undefined) throw new UnknownTenant(key.tenantId);
      this.#statements.insertKey.run(keyRow(key));
      this.#audit(audit);
    });
  }

  async getKey(id: string): Promise<KeyRecord | undefined> {
    const row = this.#statements.key.get(id) as KeyRow | undefined;
    return row === undefined ? undefined : keyOf(row);
  }

  async listKeys(tenantId?: string): Promise<KeyRecord[]> {
    const rows = tenantId === undefined ? this.#statements.allKeys.all() : this.#statements.keysOfTenant.all(tenantId);
    return (rows as unknown as KeyRow[]).map(keyOf);
  }

  async updateKey(id: string, changes: KeyChanges, audit: (before: KeyRecord, after: KeyRecord) => NewAuditEntry): Promise<KeyRecord | undefined> {
    return this.#changeKey(id, (before) => ({
      ...before,
      name: changes.name ?? before.name,
      team: 'team' in changes ? changes.team : before.team,
      policy: changes.policy ?? before.policy,
      limits: changes.limits ?? before.limits,
      metadata: changes.metadata ?? before.metadata,
      expiresAt: 'expiresAt' in changes ? changes.expiresAt : before.expiresAt,
      updatedAt: changes.updatedAt,
    }), audit);
  }

  async revokeKey(id: string, at: number, audit: (before: KeyRecord, after: KeyRecord) => NewAuditEntry): Promise<KeyRecord | undefined> {
    return this.#changeKey(id, (before) => (before.revokedAt !== undefined ? before : { ...before, revokedAt: at, updatedAt: at }), audit);
  }

  async rotateKey(id: string, rotation: KeyRotation, audit: (before: KeyRecord, after: KeyRecord) => NewAuditEntry): Promise<KeyRecord | undefined> {
    return this.#changeKey(id, (before) => ({ ...before, ...rotation }), audit);
  }

  async listAudit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const rows = this.#statements.audit.all(query.after ?? 0, query.limit ?? -1) as unknown as AuditRow[];
    return rows.map((row) => ({
      id: row.id,
      at: row.at,
      actor: row.actor,
      action: row.action,
      target: row.target,
      before: row.before === null ? null : JSON.parse(row.before),
      after: row.after === null ? null : JSON.parse(row.after),
    }));
  }

  async close(): Promise<void> {
    if (this.#ownsDatabase && this.#database.isOpen) this.#database.close();
  }

  #changeKey(id: string, apply: (before: KeyRecord) => KeyRecord, audit: (before: KeyRecord, after: KeyRecord) => NewAuditEntry): KeyRecord | undefined {
    return this.#transaction(() => {
      const row = this.#statements.key.get(id) as KeyRow | undefined;
      if (row === undefined) return undefined;
      const before = keyOf(row);
      const after = apply(before);
      this.#statements.updateKey.run(keyRow(after));
      this.#audit(audit(before, after));
      return after;
    });
  }

  async appendAudit(entry: NewAuditEntry): Promise<void> {
    this.#audit(entry);
  }

  #audit(entry: NewAuditEntry): void {
    insertAudit(this.#statements.insertAudit, entry);
  }

  #transaction<T>(work: () => T): T {
    return inTransaction(this.#database, work);
  }

}

function tenantRow(tenant: TenantRecord) {
  return {
    id: tenant.id,
    name: tenant.name,
    limits: JSON.stringify(tenant.limits),
    metadata: JSON.stringify(tenant.metadata),
    created_at: tenant.createdAt,
    updated_at: tenant.updatedAt,
  };
}

function tenantOf(row: TenantRow): TenantRecord {
  return { id: row.id, name: row.name, limits: JSON.parse(row.limits), metadata: JSON.parse(row.metadata), createdAt: row.created_at, updatedAt: row.updated_at };
}

function keyRow(key: KeyRecord) {
  return {
    id: key.id,
    prefix: key.prefix,
    hash: key.hash,
    tenant_id: key.tenantId,
    team: key.team ?? null,
    name: key.name,
    policy: JSON.stringify(key.policy),
    limits: JSON.stringify(key.limits),
    metadata: JSON.stringify(key.metadata),
    expires_at: key.expiresAt ?? null,
    revoked_at: key.revokedAt ?? null,
    previous_hash: key.previousHash ?? null,
    previous_valid_until: key.previousValidUntil ?? null,
    created_at: key.createdAt,
    updated_at: key.updatedAt,
  };
}

function keyOf(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    prefix: row.prefix,
    hash: row.hash,
    tenantId: row.tenant_id,
    team: row.team ?? undefined,
    name: row.name,
    policy: JSON.parse(row.policy),
    limits: JSON.parse(row.limits),
    metadata: JSON.parse(row.metadata),
    expiresAt: row.expires_at ?? undefined,
    revokedAt: row.revoked_at ?? undefined,
    previousHash: row.previous_hash ?? undefined,
    previousValidUntil: row.previous_valid_until ?? undefined,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
