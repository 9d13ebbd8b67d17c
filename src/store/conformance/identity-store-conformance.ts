/** The `IdentityStore` contract, for any implementation. `make` builds a fresh, empty store. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuplicateRecord, UnknownTenant, type IdentityStore, type KeyRecord, type NewAuditEntry, type TenantRecord } from '../identity-store.ts';

const tenant: TenantRecord = { id: 'acme', name: 'Acme', limits: { rpm: 600 }, metadata: { region: 'eu' }, createdAt: 1_000, updatedAt: 1_000 };

function key(id: string, fields: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id,
    prefix: `ick_${id}`,
    hash: 'a'.repeat(64),
    tenantId: 'acme',
    team: undefined,
    name: `key ${id}`,
    policy: { models: ['gpt-4o'] },
    limits: { rpm: 60, tpm: 10_000, maxStreams: 2 },
    metadata: {},
    expiresAt: undefined,
    revokedAt: undefined,
    previousHash: undefined,
    previousValidUntil: undefined,
    createdAt: 2_000,
    updatedAt: 2_000,
    ...fields,
  };
}

function entry(action: string, target: string, after: unknown = null): NewAuditEntry {
  return { at: 5_000, actor: 'ops', action, target, before: null, after };
}

export function identityStoreConformance(name: string, make: () => Promise<IdentityStore> | IdentityStore): void {
  describe(`IdentityStore conformance: ${name}`, () => {
    async function withTenant(): Promise<IdentityStore> {
      const store = await make();
      await store.createTenant(tenant, entry('tenant.create', 'acme'));
      return store;
    }

    it('appends an audit entry of the gateway itself (no admin action), readable like the others', async () => {
      const store = await make();
      await store.appendAudit({ at: 7_000, actor: 'gateway', action: 'budget.passed', target: 'acme-monthly', before: null, after: { spentMicros: 5 } });
      const audit = await store.listAudit();
      assert.equal(audit.length, 1);
      assert.deepEqual({ ...audit[0], id: undefined }, { id: undefined, at: 7_000, actor: 'gateway', action: 'budget.passed', target: 'acme-monthly', before: null, after: { spentMicros: 5 } });
      await store.close();
    });

    it('stores tenants and keys and reads them back field for field', async () => {
      const store = await withTenant();
      const full = key('k1', { team: 'search', expiresAt: 9_000, metadata: { owner: 'ana' }, policy: { models: ['a'], providers: ['azure'], regions: ['eastus'], zeroRetention: true } });
      await store.createKey(full, entry('key.create', 'k1'));
      assert.deepEqual(await store.getTenant('acme'), tenant);
      assert.deepEqual(await store.getKey('k1'), full);
      assert.deepEqual(await store.loadAll(), { tenants: [tenant], keys: [full] });
      assert.equal(await store.getKey('nope'), undefined);
      assert.equal(await store.getTenant('nope'), undefined);
      await store.close();
    });

    it('refuses a duplicate id and a key of an unknown tenant, and records no audit entry for either', async () => {
      const store = await withTenant();
      await store.createKey(key('k1'), entry('key.create', 'k1'));
      await assert.rejects(store.createTenant(tenant, entry('tenant.create', 'acme')), DuplicateRecord);
      await assert.rejects(store.createKey(key('k1'), entry('key.create', 'k1')), DuplicateRecord);
      await assert.rejects(store.createKey(key('k2', { tenantId: 'ghost' }), entry('key.create', 'k2')), UnknownTenant);
      assert.deepEqual((await store.listAudit()).map((audit) => audit.action), ['tenant.create', 'key.create']);
      assert.equal(await store.getKey('k2'), undefined);
      await store.close();
    });

    it('lists keys newest first, per tenant when asked', async () => {
      const store = await withTenant();
      await store.createTenant({ ...tenant, id: 'globex', name: 'Globex' }, entry('tenant.create', 'globex'));
      await store.createKey(key('k1', { createdAt: 1 }), entry('key.create', 'k1'));
      await store.createKey(key('k2', { createdAt: 3 }), entry('key.create', 'k2'));
      await store.createKey(key('k3', { createdAt: 2, tenantId: 'globex' }), entry('key.create', 'k3'));
      assert.deepEqual((await store.listKeys()).map((record) => record.id), ['k2', 'k3', 'k1']);
      assert.deepEqual((await store.listKeys('acme')).map((record) => record.id), ['k2', 'k1']);
      assert.deepEqual(await store.listKeys('nobody'), []);
      assert.deepEqual((await store.listTenants()).map((record) => record.id), ['acme', 'globex']);
      await store.close();
    });

    it('updates only the fields given, clears team and expiry when given as undefined, and audits before and after', async () => {
      const store = await withTenant();
      await store.createKey(key('k1', { team: 'search', expiresAt: 9_000 }), entry('key.create', 'k1'));
      const updated = await store.updateKey('k1', { name: 'renamed', limits: { rpm: 5 }, updatedAt: 3_000 }, (before, after) => ({ ...entry('key.update', 'k1'), before: before.name, after: after.name }));
      assert.equal(updated?.name, 'renamed');
      assert.deepEqual(updated?.limits, { rpm: 5 });
      assert.equal(updated?.team, 'search');
      assert.equal(updated?.expiresAt, 9_000);
      assert.deepEqual(updated?.policy, { models: ['gpt-4o'] });
      assert.equal(updated?.updatedAt, 3_000);
      const cleared = await store.updateKey('k1', { team: undefined, expiresAt: undefined, updatedAt: 4_000 }, () => entry('key.update', 'k1'));
      assert.equal(cleared?.team, undefined);
      assert.equal(cleared?.expiresAt, undefined);
      assert.deepEqual(await store.getKey('k1'), cleared);
      const audit = await store.listAudit();
      assert.deepEqual(audit[2].before, 'key k1');
      assert.deepEqual(audit[2].after, 'renamed');
      assert.equal(await store.updateKey('nope', { name: 'x', updatedAt: 1 }, () => entry('key.update', 'nope')), undefined);
      assert.equal((await store.listAudit()).length, 4, 'an update of an unknown key is not audited');
      await store.close();
    });

    it('updates a tenant', async () => {
      const store = await withTenant();
      const updated = await store.updateTenant('acme', { limits: { tpm: 1 }, updatedAt: 7 }, () => entry('tenant.update', 'acme'));
      assert.deepEqual(updated, { ...tenant, limits: { tpm: 1 }, updatedAt: 7 });
      assert.deepEqual(await store.getTenant('acme'), updated);
      assert.equal(await store.updateTenant('nope', { name: 'x', updatedAt: 1 }, () => entry('tenant.update', 'nope')), undefined);
      await store.close();
    });

    it('keeps the first revocation time', async () => {
      const store = await withTenant();
      await store.createKey(key('k1'), entry('key.create', 'k1'));
      assert.equal((await store.revokeKey('k1', 10, () => entry('key.revoke', 'k1')))?.revokedAt, 10);
      assert.equal((await store.revokeKey('k1', 20, () => entry('key.revoke', 'k1')))?.revokedAt, 10);
      assert.equal((await store.getKey('k1'))?.revokedAt, 10);
      await store.close();
    });

    it('rotates: the new hash, the previous one and its deadline', async () => {
      const store = await withTenant();
      await store.createKey(key('k1'), entry('key.create', 'k1'));
      const rotated = await store.rotateKey('k1', { hash: 'b'.repeat(64), previousHash: 'a'.repeat(64), previousValidUntil: 60_000, updatedAt: 50_000 }, () => entry('key.rotate', 'k1'));
      assert.equal(rotated?.hash, 'b'.repeat(64));
      assert.equal(rotated?.previousHash, 'a'.repeat(64));
      assert.equal(rotated?.previousValidUntil, 60_000);
      assert.deepEqual(await store.getKey('k1'), rotated);
      await store.close();
    });

    it('returns the audit log oldest first, pages after an id, and keeps JSON values', async () => {
      const store = await withTenant();
      await store.createKey(key('k1'), entry('key.create', 'k1', { name: 'key k1', limits: { rpm: 60 } }));
      await store.revokeKey('k1', 10, () => entry('key.revoke', 'k1'));
      const all = await store.listAudit();
      assert.deepEqual(all.map((audit) => audit.action), ['tenant.create', 'key.create', 'key.revoke']);
      assert.ok(all[0].id < all[1].id && all[1].id < all[2].id);
      assert.deepEqual(all[1], { id: all[1].id, at: 5_000, actor: 'ops', action: 'key.create', target: 'k1', before: null, after: { name: 'key k1', limits: { rpm: 60 } } });
      assert.deepEqual((await store.listAudit({ after: all[0].id })).map((audit) => audit.action), ['key.create', 'key.revoke']);
      assert.deepEqual((await store.listAudit({ after: all[0].id, limit: 1 })).map((audit) => audit.action), ['key.create']);
      await store.close();
    });
  });
}
