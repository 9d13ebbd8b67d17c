/**
 * What the admin plane does to tenants and keys: validate the request body, write the store (with its audit entry, in
 * one transaction), then update the in-memory directory so the next request sees the change. A key's secret is
 * returned once, by `createKey` and `rotateKey`, and never stored, logged or audited.
 *
 * Bodies are the admin API's JSON (snake_case). Invalid input is a 400 `invalid_request` naming the field.
 */
import { z } from 'zod';
import { closestName } from '../config-schema/did-you-mean.ts';
import { GatewayError } from '../errors/index.ts';
import { auditView, DuplicateRecord, UnknownTenant, type IdentityStore, type KeyRecord, type Limits, type NewAuditEntry, type TenantRecord } from '../store/identity-store.ts';
import { newKey, newKeyId } from './api-key.ts';
import type { KeyDirectory } from './key-directory.ts';

/** What may be named in a key's policy: the configuration's models and providers. */
export interface KnownNames {
  readonly models: () => Iterable<string>;
  readonly providers: () => Iterable<string>;
}

const name = z.string().trim().min(1).max(200);
const tenantId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit, at most 63');
const limit = z.number().int().positive().max(1_000_000_000);
const names = z.array(z.string().min(1).max(200)).max(500);
const metadata = z.record(z.string().max(200), z.string().max(2_000)).refine((value) => Object.keys(value).length <= 64, 'at most 64 entries');
const timestamp = z.union([z.iso.datetime({ offset: true }), z.number().int().positive()]).nullable();

const limitFields = { rpm: limit.nullable().optional(), tpm: limit.nullable().optional(), max_streams: limit.nullable().optional() };

const tenantCreate = z.strictObject({ id: tenantId.optional(), name, ...limitFields, metadata: metadata.optional() });
const tenantUpdate = z.strictObject({ name: name.optional(), ...limitFields, metadata: metadata.optional() });
const keyFields = {
  name,
  team: z.string().min(1).max(200).nullable().optional(),
  models: names.nullable().optional(),
  providers: names.nullable().optional(),
  regions: names.nullable().optional(),
  zero_retention: z.boolean().optional(),
  ...limitFields,
  expires_at: timestamp.optional(),
  metadata: metadata.optional(),
};
const keyCreate = z.strictObject({ tenant: tenantId, ...keyFields });
const keyUpdate = z.strictObject({ ...keyFields, name: name.optional() });
const keyRotate = z.strictObject({ grace_seconds: z.number().int().min(0).max(30 * 24 * 3600).optional() });

export interface TenantView {
  readonly id: string;
  readonly name: string;
  readonly rpm: number | null;
  readonly tpm: number | null;
  readonly max_streams: number | null;
  readonly metadata: Record<string, string>;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface KeyView {
  readonly id: string;
  readonly prefix: string;
  readonly tenant: string;
  readonly team: string | null;
  readonly name: string;
  readonly models: readonly string[] | null;
  readonly providers: readonly string[] | null;
  readonly regions: readonly string[] | null;
  readonly zero_retention: boolean;
  readonly rpm: number | null;
  readonly tpm: number | null;
  readonly max_streams: number | null;
  readonly expires_at: string | null;
  readonly revoked_at: string | null;
  readonly previous_valid_until: string | null;
  readonly metadata: Record<string, string>;
  readonly created_at: string;
  readonly updated_at: string;
}

export class IdentityAdmin {
  readonly #store: IdentityStore;
  readonly #directory: KeyDirectory;
  readonly #known: KnownNames;
  readonly #now: () => number;

  constructor(store: IdentityStore, directory: KeyDirectory, known: KnownNames, now: () => number = Date.now) {
    this.#store = store;
    this.#directory = directory;
    this.#known = known;
    this.#now = now;
  }

  async createTenant(actor: string, body: unknown): Promise<TenantView> {
    const input = parse(tenantCreate, body);
    const now = this.#now();
    const tenant: TenantRecord = { id: input.id ?? `t-${newKeyId()}`, name: input.name, limits: limitsOf(input, {}), metadata: input.metadata ?? {}, createdAt: now, updatedAt: now };
    try {
      await this.#store.createTenant(tenant, audit(now, actor, 'tenant.create', tenant.id, null, tenant));
    } catch (error) {
      if (error instanceof DuplicateRecord) throw new GatewayError('invalid_request', error.message, { param: 'id' });
      throw error;
    }
    this.#directory.putTenant(tenant);
    return tenantView(tenant);
  }

  async listTenants(): Promise<TenantView[]> {
    return (await this.#store.listTenants()).map(tenantView);
  }

  async getTenant(id: string): Promise<TenantView> {
    const tenant = await this.#store.getTenant(id);
    if (tenant === undefined) throw notFound('tenant', id);
    return tenantView(tenant);
  }

  async updateTenant(actor: string, id: string, body: unknown): Promise<TenantView> {
    const input = parse(tenantUpdate, body);
    const now = this.#now();
    const before = await this.#store.getTenant(id);
    if (before === undefined) throw notFound('tenant', id);
    const updated = await this.#store.updateTenant(id, { name: input.name, limits: limitsOf(input, before.limits), metadata: input.metadata, updatedAt: now }, (old, next) =>
      audit(now, actor, 'tenant.update', id, old, next),
    );
    if (updated === undefined) throw notFound('tenant', id);
    this.#directory.putTenant(updated);
    return tenantView(updated);
  }

  /** The new key's fields and, this one time, its secret (`key`). */
  async createKey(actor: string, body: unknown): Promise<KeyView & { readonly key: string }> {
    const input = parse(keyCreate, body);
    this.#checkNames(input);
    const now = this.#now();
    const secret = newKey();
    const record: KeyRecord = {
      id: secret.id,
      prefix: secret.prefix,
      hash: secret.hash,
      tenantId: input.tenant,
      team: input.team ?? undefined,
      name: input.name,
      policy: policyOf(input, {}),
      limits: limitsOf(input, {}),
      metadata: input.metadata ?? {},
      expiresAt: timeOf(input.expires_at, 'expires_at'),
      revokedAt: undefined,
      previousHash: undefined,
      previousValidUntil: undefined,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.#store.createKey(record, audit(now, actor, 'key.create', record.id, null, record));
    } catch (error) {
      if (error instanceof UnknownTenant) throw new GatewayError('invalid_request', `${error.message} Create it first (POST /admin/tenants).`, { param: 'tenant' });
      throw error;
    }
    this.#directory.putKey(record);
    return { ...keyView(record), key: secret.key };
  }

  async listKeys(tenant?: string): Promise<KeyView[]> {
    return (await this.#store.listKeys(tenant)).map(keyView);
  }

  async getKey(id: string): Promise<KeyView> {
    const key = await this.#store.getKey(id);
    if (key === undefined) throw notFound('key', id);
    return keyView(key);
  }

  async updateKey(actor: string, id: string, body: unknown): Promise<KeyView> {
    const input = parse(keyUpdate, body);
    this.#checkNames(input);
    const now = this.#now();
    const before = await this.#store.getKey(id);
    if (before === undefined) throw notFound('key', id);
    const changes = {
      name: input.name,
      policy: policyOf(input, before.policy),
      limits: limitsOf(input, before.limits),
      metadata: input.metadata,
      updatedAt: now,
      ...(input.team !== undefined ? { team: input.team ?? undefined } : {}),
      ...(input.expires_at !== undefined ? { expiresAt: timeOf(input.expires_at, 'expires_at') } : {}),
    };
    const updated = await this.#store.updateKey(id, changes, (old, next) => audit(now, actor, 'key.update', id, old, next));
    if (updated === undefined) throw notFound('key', id);
    this.#directory.putKey(updated);
    return keyView(updated);
  }

  async revokeKey(actor: string, id: string): Promise<KeyView> {
    const now = this.#now();
    const revoked = await this.#store.revokeKey(id, now, (old, next) => audit(now, actor, 'key.revoke', id, old, next));
    if (revoked === undefined) throw notFound('key', id);
    this.#directory.putKey(revoked);
    return keyView(revoked);
  }

  /** A new secret for the key; the old one keeps working for `grace_seconds` (default 0). */
  async rotateKey(actor: string, id: string, body: unknown): Promise<KeyView & { readonly key: string }> {
    const input = parse(keyRotate, body ?? {});
    const now = this.#now();
    const before = await this.#store.getKey(id);
    if (before === undefined) throw notFound('key', id);
    if (before.revokedAt !== undefined) throw new GatewayError('invalid_request', `The key "${id}" is revoked; create a new one.`, { param: 'id' });
    const secret = newKey(id);
    const grace = (input.grace_seconds ?? 0) * 1000;
    const rotation = { hash: secret.hash, previousHash: grace > 0 ? before.hash : undefined, previousValidUntil: grace > 0 ? now + grace : undefined, updatedAt: now };
    const rotated = await this.#store.rotateKey(id, rotation, (old, next) => audit(now, actor, 'key.rotate', id, old, next));
    if (rotated === undefined) throw notFound('key', id);
    this.#directory.putKey(rotated);
    return { ...keyView(rotated), key: secret.key };
  }

  #checkNames(input: { models?: readonly string[] | null; providers?: readonly string[] | null }): void {
    checkListed(input.models, this.#known.models(), 'models', 'model');
    checkListed(input.providers, this.#known.providers(), 'providers', 'provider');
  }
}

function checkListed(values: readonly string[] | null | undefined, known: Iterable<string>, param: string, what: string): void {
  if (values === undefined || values === null) return;
  const names = [...known];
  values.forEach((value, index) => {
    if (names.includes(value)) return;
    const suggestion = closestName(value, names);
    throw new GatewayError('invalid_request', `No ${what} "${value}" is configured${suggestion === undefined ? '' : `; did you mean "${suggestion}"?`}`, { param: `${param}[${index}]` });
  });
}

function parse<Schema extends z.ZodType>(schema: Schema, body: unknown): z.infer<Schema> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue.path.join('.') || undefined;
  const message = issue.code === 'unrecognized_keys' ? `Unknown field "${issue.keys[0]}".` : `${param === undefined ? 'The body' : `"${param}"`}: ${issue.message}.`;
  throw new GatewayError('invalid_request', message, { param: issue.code === 'unrecognized_keys' ? issue.keys[0] : param });
}

function notFound(what: 'tenant' | 'key', id: string): GatewayError {
  return new GatewayError('not_found', `No ${what} has id "${id}".`, { param: 'id' });
}

/** null clears a limit, absent keeps it. */
function limitsOf(input: { rpm?: number | null; tpm?: number | null; max_streams?: number | null }, before: Limits): Limits {
  const pick = (value: number | null | undefined, old: number | undefined) => (value === undefined ? old : (value ?? undefined));
  return clean({ rpm: pick(input.rpm, before.rpm), tpm: pick(input.tpm, before.tpm), maxStreams: pick(input.max_streams, before.maxStreams) });
}

function policyOf(input: { models?: string[] | null; providers?: string[] | null; regions?: string[] | null; zero_retention?: boolean }, before: KeyRecord['policy']) {
  const pick = (value: string[] | null | undefined, old: readonly string[] | undefined) => (value === undefined ? old : (value ?? undefined));
  return clean({
    models: pick(input.models, before.models),
    providers: pick(input.providers, before.providers),
    regions: pick(input.regions, before.regions)?.map((region) => region.toLowerCase()),
    zeroRetention: input.zero_retention ?? before.zeroRetention,
  });
}

function clean<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/** The latest time a Date holds (epoch ms): later ones have no ISO form, so the key could not be shown. */
const latestTime = 8.64e15;

function timeOf(value: string | number | null | undefined, param: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const time = typeof value === 'number' ? value * 1000 : Date.parse(value);
  if (!Number.isFinite(time)) throw new GatewayError('invalid_request', `"${param}" is not a time.`, { param });
  if (time > latestTime) throw new GatewayError('invalid_request', `"${param}" is past the latest time a date can hold (${latestTime / 1000} seconds, +275760-09-13T00:00:00.000Z).`, { param });
  return time;
}

function audit(at: number, actor: string, action: string, target: string, before: TenantRecord | KeyRecord | null, after: TenantRecord | KeyRecord | null): NewAuditEntry {
  return { at, actor, action, target, before: before === null ? null : auditView(before), after: after === null ? null : auditView(after) };
}

function iso(time: number | undefined): string | null {
  return time === undefined ? null : new Date(time).toISOString();
}

function tenantView(tenant: TenantRecord): TenantView {
  return {
    id: tenant.id,
    name: tenant.name,
    rpm: tenant.limits.rpm ?? null,
    tpm: tenant.limits.tpm ?? null,
    max_streams: tenant.limits.maxStreams ?? null,
    metadata: { ...tenant.metadata },
    created_at: iso(tenant.createdAt)!,
    updated_at: iso(tenant.updatedAt)!,
  };
}

function keyView(key: KeyRecord): KeyView {
  return {
    id: key.id,
    prefix: key.prefix,
    tenant: key.tenantId,
    team: key.team ?? null,
    name: key.name,
    models: key.policy.models ?? null,
    providers: key.policy.providers ?? null,
    regions: key.policy.regions ?? null,
    zero_retention: key.policy.zeroRetention === true,
    rpm: key.limits.rpm ?? null,
    tpm: key.limits.tpm ?? null,
    max_streams: key.limits.maxStreams ?? null,
    expires_at: iso(key.expiresAt),
    revoked_at: iso(key.revokedAt),
    previous_valid_until: iso(key.previousValidUntil),
    metadata: { ...key.metadata },
    created_at: iso(key.createdAt)!,
    updated_at: iso(key.updatedAt)!,
  };
}
