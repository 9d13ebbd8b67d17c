/**
 * Who may call: tenants, their virtual keys, and the audit trail of every admin action, behind one interface that the
 * embedded store (SQLite), the in-memory one (tests) and a shared one (PostgreSQL) implement.
 *
 * Unlike routing's live state (`state-stores.ts`), this interface is asynchronous: it is read at start-up and on
 * change, written by the admin plane, and never touched per request. The gateway answers key checks from an in-memory
 * directory built from `loadAll()` and refreshed on change.
 *
 * A key's secret is never stored: only its SHA-256 hash (the secret is 256 random bits, so a plain hash is safe) and a
 * short public prefix that names it in lists and logs.
 */

/** Limits a key may carry, and a tenant may carry as ceilings for its keys. Undefined: no limit of that kind. */
export interface Limits {
  /** Requests per minute. */
  readonly rpm?: number;
  /** Tokens per minute (prompt estimate plus the output limit, reserved up front and settled after). */
  readonly tpm?: number;
  /** Streams open at once. */
  readonly maxStreams?: number;
}

/** What a key is allowed to reach. Undefined lists: anything. */
export interface AccessPolicy {
  readonly models?: readonly string[];
  readonly providers?: readonly string[];
  readonly regions?: readonly string[];
  /** Only channels whose provider retains no data. */
  readonly zeroRetention?: boolean;
}

export type Metadata = Readonly<Record<string, string>>;

export interface TenantRecord {
  readonly id: string;
  readonly name: string;
  readonly limits: Limits;
  readonly metadata: Metadata;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface KeyRecord {
  readonly id: string;
  /** Public: the start of the secret, safe in lists and logs. */
  readonly prefix: string;
  /** SHA-256 of the secret, hex. */
  readonly hash: string;
  readonly tenantId: string;
  readonly team: string | undefined;
  readonly name: string;
  readonly policy: AccessPolicy;
  readonly limits: Limits;
  readonly metadata: Metadata;
  /** Epoch milliseconds; undefined: never expires. */
  readonly expiresAt: number | undefined;
  readonly revokedAt: number | undefined;
  /** After a rotation: the previous secret's hash, valid until `previousValidUntil`. */
  readonly previousHash: string | undefined;
  readonly previousValidUntil: number | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface AuditEntry {
  readonly id: number;
  readonly at: number;
  /** The admin token's name. */
  readonly actor: string;
  /** e.g. `key.create`, `key.revoke`, `tenant.update`. */
  readonly action: string;
  /** The id of the tenant or key acted on. */
  readonly target: string;
  /** The record before and after, without secrets (key hashes are omitted). */
  readonly before: unknown;
  readonly after: unknown;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export interface IdentitySnapshot {
  readonly tenants: readonly TenantRecord[];
  readonly keys: readonly KeyRecord[];
}

/** Tenant fields an update may change. */
export type TenantChanges = Partial<Pick<TenantRecord, 'name' | 'limits' | 'metadata'>> & { readonly updatedAt: number };

/** Key fields an update may change (the secret changes only through `rotateKey`). */
export type KeyChanges = Partial<Pick<KeyRecord, 'name' | 'team' | 'policy' | 'limits' | 'metadata' | 'expiresAt'>> & { readonly updatedAt: number };

export interface KeyRotation {
  readonly hash: string;
  readonly previousHash: string | undefined;
  readonly previousValidUntil: number | undefined;
  readonly updatedAt: number;
}

export interface AuditQuery {
  /** Only entries with an id above this one (paging). */
  readonly after?: number;
  readonly limit?: number;
}

/**
 * Every write that changes a record also appends its audit entry, atomically: an admin action is never applied without
 * its trace, nor traced without being applied. Lookups of unknown ids resolve to undefined; updates of unknown ids
 * resolve to undefined and write nothing.
 */
export interface IdentityStore {
  loadAll(): Promise<IdentitySnapshot>;

  createTenant(tenant: TenantRecord, audit: NewAuditEntry): Promise<void>;
  getTenant(id: string): Promise<TenantRecord | undefined>;
  listTenants(): Promise<TenantRecord[]>;
  updateTenant(id: string, changes: TenantChanges, audit: (before: TenantRecord, after: TenantRecord) => NewAuditEntry): Promise<TenantRecord | undefined>;

  /** Rejects with `DuplicateRecord` when the id exists already; `UnknownTenant` when its tenant does not exist. */
  createKey(key: KeyRecord, audit: NewAuditEntry): Promise<void>;
  getKey(id: string): Promise<KeyRecord | undefined>;
  /** Newest first; of one tenant when given. */
  listKeys(tenantId?: string): Promise<KeyRecord[]>;
  updateKey(id: string, changes: KeyChanges, audit: (before: KeyRecord, after: KeyRecord) => NewAuditEntry): Promise<KeyRecord | undefined>;
  /** Sets `revokedAt` once; a second revocation keeps the first time. */
  revokeKey(id: string, at: number, audit: (before: KeyRecord, after: KeyRecord) => NewAuditEntry): Promise<KeyRecord | undefined>;
  rotateKey(id: string, rotation: KeyRotation, audit: (before: KeyRecord, after: KeyRecord) => NewAuditEntry): Promise<KeyRecord | undefined>;

  /** Oldest first. */
  listAudit(query?: AuditQuery): Promise<AuditEntry[]>;
  /** Records something the gateway itself did or saw that admins should see (a soft budget passed). */
  appendAudit(entry: NewAuditEntry): Promise<void>;

  close(): Promise<void>;
}

/** A record with that id exists already. */
export class DuplicateRecord extends Error {
  readonly what: 'tenant' | 'key';
  readonly id: string;
  constructor(what: 'tenant' | 'key', id: string) {
    super(`A ${what} with id "${id}" exists already.`);
    this.what = what;
    this.id = id;
    this.name = 'DuplicateRecord';
  }
}

/** A key names a tenant that does not exist. */
export class UnknownTenant extends Error {
  readonly id: string;
  constructor(id: string) {
    super(`No tenant has id "${id}".`);
    this.id = id;
    this.name = 'UnknownTenant';
  }
}

/** A record as the audit log shows it: the key's hashes left out. */
export function auditView(record: TenantRecord | KeyRecord): unknown {
  if (!('hash' in record)) return record;
  const { hash: _hash, previousHash: _previousHash, ...rest } = record;
  return rest;
}
