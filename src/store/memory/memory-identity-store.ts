/** The identity store in memory: for tests and for `store: { kind: memory }` (nothing survives a restart). */
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

export class MemoryIdentityStore implements IdentityStore {
  readonly #tenants = new Map<string, TenantRecord>();
  readonly #keys = new Map<string, KeyRecord>();
  readonly #audit: AuditEntry[] = [];

  async loadAll(): Promise<IdentitySnapshot> {
    return { tenants: [...this.#tenants.values()], keys: [...this.#keys.values()] };
  }

  async createTenant(tenant: TenantRecord, audit: NewAuditEntry): Promise<void> {
    if (this.#tenants.has(tenant.id)) throw new DuplicateRecord('tenant', tenant.id);
    this.#tenants.set(tenant.id, tenant);
    this.#append(audit);
  }

  async getTenant(id: string): Promise<TenantRecord | undefined> {
    return this.#tenants.get(id);
  }

  async listTenants(): Promise<TenantRecord[]> {
    return [...this.#tenants.values()].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async updateTenant(id: string, changes: TenantChanges, audit: (before: TenantRecord, after: TenantRecord) => NewAuditEntry): Promise<TenantRecord | undefined> {
    const before = this.#tenants.get(id);
    if (before === undefined) return undefined;
    const after: TenantRecord = { ...before, ...defined(changes) };
    this.#tenants.set(id, after);
    this.#append(audit(before, after));
    return after;
  }

  async createKey(key: KeyRecord, audit: NewAuditEntry): Promise<void> {
    if (this.#keys.has(key.id)) throw new DuplicateRecord('key', key.id);
    if (!this.#tenants.has(key.tenantId)) throw new UnknownTenant(key.tenantId);
    this.#keys.set(key.id, key);
    this.#append(audit);
  }

  async getKey(id: string): Promise<KeyRecord | undefined> {
    return this.#keys.get(id);
  }

  async listKeys(tenantId?: string): Promise<KeyRecord[]> {
    return [...this.#keys.values()].filter((key) => tenantId === undefined || key.tenantId === tenantId).sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
  }

  async updateKey(id: string, changes: KeyChanges, audit: (before: KeyRecord, after: KeyRecord) => NewAuditEntry): Promise<KeyRecord | undefined> {
    return this.#change(id, (before) => ({ ...before, ...defined(changes), ...('team' in changes ? { team: changes.team } : {}), ...('expiresAt' in changes ? { expiresAt: changes.expiresAt } : {}) }), audit);
  }

  async revokeKey(id: string, at: number, audit: (before: KeyRecord, after: KeyRecord) => NewAuditEntry): Promise<KeyRecord | undefined> {
    return this.#change(id, (before) => (before.revokedAt !== undefined ? before : { ...before, revokedAt: at, updatedAt: at }), audit);
  }

  async rotateKey(id: string, rotation: KeyRotation, audit: (before: KeyRecord, after: KeyRecord) => NewAuditEntry): Promise<KeyRecord | undefined> {
    return this.#change(id, (before) => ({ ...before, ...rotation }), audit);
  }

  async listAudit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const after = query.after ?? 0;
    return this.#audit.filter((entry) => entry.id > after).slice(0, query.limit ?? Infinity);
  }

  async close(): Promise<void> {}

  async appendAudit(entry: NewAuditEntry): Promise<void> {
    this.#append(entry);
  }

  /** For the other records kept beside tenants and keys (stored secrets), which share this audit log. */
  recordAudit(entry: NewAuditEntry): void {
    this.#append(entry);
  }

  #change(id: string, apply: (before: KeyRecord) => KeyRecord, audit: (before: KeyRecord, after: KeyRecord) => NewAuditEntry): KeyRecord | undefined {
    const before = this.#keys.get(id);
    if (before === undefined) return undefined;
    const after = apply(before);
    this.#keys.set(id, after);
    this.#append(audit(before, after));
    return after;
  }

  #append(entry: NewAuditEntry): void {
    // Stored as JSON would be: the audit trail is a copy, never a live view of a record.
    this.#audit.push(JSON.parse(JSON.stringify({ id: this.#audit.length + 1, ...entry })) as AuditEntry);
  }
}

/** The fields of a change that are set (an update leaves the others as they were). */
function defined<T extends object>(changes: T): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<T>;
}
