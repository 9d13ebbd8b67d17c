/**
 * The keys and tenants in memory: what the key check reads on every request, never the database. Built from the
 * identity store at start-up and updated by the admin plane on every change, so a revocation or an expiry holds from
 * the very next request. What a request needs of its key (a `Caller`) is built once per change, not per request.
 */
import type { IdentitySnapshot, KeyRecord, Limits, TenantRecord } from '../store/identity-store.ts';
import { keyIdOf, keyMatches } from './api-key.ts';

/** Who is calling, as the pipeline's stages, routing and the request log see it. Never holds the secret. */
export interface Caller {
  readonly keyId: string;
  readonly prefix: string;
  readonly keyName: string;
  readonly tenantId: string;
  /** The tenant's name when the key was loaded (agreements and markups may name tenants by name). */
  readonly tenantName: string | undefined;
  readonly team: string | undefined;
  /** Undefined: any model. */
  readonly models: ReadonlySet<string> | undefined;
  /** Provider names the key may reach; undefined: any. */
  readonly providers: readonly string[] | undefined;
  /** Lower case; undefined: any. */
  readonly regions: readonly string[] | undefined;
  readonly zeroRetention: boolean;
  readonly limits: Limits;
  /** The tenant's ceilings, shared by all its keys. */
  readonly tenantLimits: Limits;
  /** The rate-limit buckets' names, made once per key rather than per request. */
  readonly buckets: BucketNames;
}

export interface BucketNames {
  readonly keyRpm: string;
  readonly keyTpm: string;
  readonly keyStreams: string;
  readonly tenantRpm: string;
  readonly tenantTpm: string;
  readonly tenantStreams: string;
}

/** Why a presented key was refused. */
export type KeyRefusal =
  | { readonly reason: 'missing' }
  | { readonly reason: 'unknown' }
  | { readonly reason: 'expired'; readonly at: number }
  | { readonly reason: 'revoked'; readonly at: number }
  | { readonly reason: 'rotated'; readonly at: number };

interface Entry {
  readonly record: KeyRecord;
  readonly hash: Buffer;
  readonly previousHash: Buffer | undefined;
  readonly caller: Caller;
}

const missing: KeyRefusal = Object.freeze({ reason: 'missing' });
const unknown: KeyRefusal = Object.freeze({ reason: 'unknown' });
const noLimits: Limits = Object.freeze({});

export class KeyDirectory {
  readonly #entries = new Map<string, Entry>();
  readonly #tenants = new Map<string, TenantRecord>();
  /**
   * Key strings already proven by their hash, with which secret they proved (a rotated key's previous one, or its
   * current one). Only a string that matched a stored hash in constant time gets here, so a caller cannot add to it,
   * and it holds at most two strings per key; a repeated key then costs a map lookup instead of a SHA-256. Emptied on
   * every change, so the next request of every key proves itself again against what the store now holds.
   */
  readonly #proven = new Map<string, 'current' | 'previous'>();

  constructor(snapshot?: IdentitySnapshot) {
    if (snapshot !== undefined) this.load(snapshot);
  }

  /** Replaces everything with a fresh snapshot of the store. */
  load(snapshot: IdentitySnapshot): void {
    this.#proven.clear();
    this.#tenants.clear();
    this.#entries.clear();
    for (const tenant of snapshot.tenants) this.#tenants.set(tenant.id, tenant);
    for (const key of snapshot.keys) this.#entries.set(key.id, this.#entryOf(key));
  }

  putTenant(tenant: TenantRecord): void {
    this.#proven.clear();
    this.#tenants.set(tenant.id, tenant);
    for (const [id, entry] of this.#entries) if (entry.record.tenantId === tenant.id) this.#entries.set(id, this.#entryOf(entry.record));
  }

  putKey(key: KeyRecord): void {
    this.#proven.clear();
    this.#entries.set(key.id, this.#entryOf(key));
  }

  /**
   * The caller a presented key belongs to at `now` (epoch ms), or why it is refused. Expiry is exact: a key expiring
   * at `now` is expired. After a rotation the previous secret works until (not at) its deadline.
   */
  authenticate(presented: string | undefined, now: number): Caller | KeyRefusal {
    if (presented === undefined || presented === '') return missing;
    const id = keyIdOf(presented);
    const entry = id === undefined ? undefined : this.#entries.get(id);
    if (entry === undefined) return unknown;
    const record = entry.record;
    let proven = this.#proven.get(presented);
    if (proven === undefined) {
      if (keyMatches(presented, entry.hash)) proven = 'current';
      else if (entry.previousHash !== undefined && keyMatches(presented, entry.previousHash)) proven = 'previous';
      else return unknown;
      this.#proven.set(presented, proven);
    }
    if (proven === 'previous' && now >= record.previousValidUntil!) return { reason: 'rotated', at: record.previousValidUntil! };
    if (record.revokedAt !== undefined) return { reason: 'revoked', at: record.revokedAt };
    if (record.expiresAt !== undefined && now >= record.expiresAt) return { reason: 'expired', at: record.expiresAt };
    return entry.caller;
  }

  #entryOf(record: KeyRecord): Entry {
    const tenant = this.#tenants.get(record.tenantId);
    const policy = record.policy;
    return {
      record,
      hash: Buffer.from(record.hash, 'hex'),
      previousHash: record.previousHash === undefined || record.previousValidUntil === undefined ? undefined : Buffer.from(record.previousHash, 'hex'),
      caller: Object.freeze({
        keyId: record.id,
        prefix: record.prefix,
        keyName: record.name,
        tenantId: record.tenantId,
        tenantName: tenant?.name,
        team: record.team,
        models: policy.models === undefined ? undefined : new Set(policy.models),
        providers: policy.providers,
        regions: policy.regions?.map((region) => region.toLowerCase()),
        zeroRetention: policy.zeroRetention === true,
        limits: record.limits,
        tenantLimits: tenant?.limits ?? noLimits,
        buckets: Object.freeze({
          keyRpm: `key:${record.id}:rpm`,
          keyTpm: `key:${record.id}:tpm`,
          keyStreams: `key:${record.id}:streams`,
          tenantRpm: `tenant:${record.tenantId}:rpm`,
          tenantTpm: `tenant:${record.tenantId}:tpm`,
          tenantStreams: `tenant:${record.tenantId}:streams`,
        }),
      }),
    };
  }
}

export function isCaller(value: Caller | KeyRefusal): value is Caller {
  return 'keyId' in value;
}
