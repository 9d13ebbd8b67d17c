/** The `SecretStore` contract, for any implementation. `make` builds a fresh, empty store and a reader of its audit log. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEntry, NewAuditEntry } from '../identity-store.ts';
import type { EncryptedValue, SecretStore } from '../secret-store.ts';

export interface SecretStoreUnderTest {
  readonly secrets: SecretStore;
  readonly audit: () => Promise<AuditEntry[]>;
  readonly close: () => Promise<void>;
}

function value(keyId: string, fill: number): EncryptedValue {
  return { keyId, iv: Buffer.alloc(12, fill), ciphertext: Buffer.alloc(40, fill + 1) };
}

function entry(action: string, target: string, after: unknown = null): NewAuditEntry {
  return { at: 5_000, actor: 'ops', action, target, before: null, after };
}

export function secretStoreConformance(name: string, make: () => SecretStoreUnderTest): void {
  describe(`SecretStore conformance: ${name}`, () => {
    it('stores a value byte for byte, keeps createdAt on a replacement, and lists by name', async () => {
      const { secrets, close } = make();
      const first = await secrets.putSecret('zeta', value('k1', 1), 1_000, () => entry('secret.put', 'zeta'));
      assert.equal(first.created, true);
      assert.deepEqual(first.record, { name: 'zeta', ...value('k1', 1), createdAt: 1_000, updatedAt: 1_000 });
      const second = await secrets.putSecret('zeta', value('k2', 3), 2_000, () => entry('secret.put', 'zeta'));
      assert.equal(second.created, false);
      assert.deepEqual(await secrets.getSecret('zeta'), { name: 'zeta', ...value('k2', 3), createdAt: 1_000, updatedAt: 2_000 });
      await secrets.putSecret('alpha', value('k1', 5), 3_000, () => entry('secret.put', 'alpha'));
      assert.deepEqual((await secrets.listSecrets()).map((record) => record.name), ['alpha', 'zeta']);
      assert.equal(await secrets.getSecret('nope'), undefined);
      await close();
    });

    it('audits each write in the shared log, saying whether it created; a delete of nothing is not audited', async () => {
      const { secrets, audit, close } = make();
      await secrets.putSecret('a', value('k1', 1), 1_000, (created) => entry(created ? 'secret.create' : 'secret.update', 'a'));
      await secrets.putSecret('a', value('k1', 2), 1_001, (created) => entry(created ? 'secret.create' : 'secret.update', 'a'));
      assert.equal(await secrets.deleteSecret('a', entry('secret.delete', 'a')), true);
      assert.equal(await secrets.deleteSecret('a', entry('secret.delete', 'a')), false);
      assert.equal(await secrets.getSecret('a'), undefined);
      assert.deepEqual((await audit()).map((row) => `${row.action} ${row.target}`), ['secret.create a', 'secret.update a', 'secret.delete a']);
      await close();
    });

    it('re-encrypts every value at once, or none when one fails', async () => {
      const { secrets, audit, close } = make();
      await secrets.putSecret('a', value('old', 1), 1_000, () => entry('secret.create', 'a'));
      await secrets.putSecret('b', value('old', 2), 1_000, () => entry('secret.create', 'b'));
      await secrets.putSecret('c', value('new', 3), 1_000, () => entry('secret.create', 'c'));
      await assert.rejects(
        secrets.reencryptAll((record) => {
          if (record.name === 'b') throw new Error('cannot');
          return value('new', 9);
        }, 2_000, (changed) => entry('secret.rotate', '*', changed)),
        /cannot/,
      );
      assert.deepEqual((await secrets.listSecrets()).map((record) => record.keyId), ['old', 'old', 'new']);
      assert.equal((await audit()).length, 3);
      const changed = await secrets.reencryptAll((record) => (record.keyId === 'new' ? undefined : value('new', 7)), 2_000, (names) => entry('secret.rotate', '*', names));
      assert.deepEqual(changed, ['a', 'b']);
      assert.deepEqual(await secrets.getSecret('a'), { name: 'a', ...value('new', 7), createdAt: 1_000, updatedAt: 2_000 });
      assert.deepEqual(await secrets.getSecret('c'), { name: 'c', ...value('new', 3), createdAt: 1_000, updatedAt: 1_000 });
      const last = (await audit()).at(-1)!;
      assert.equal(last.action, 'secret.rotate');
      assert.deepEqual(last.after, ['a', 'b']);
      await close();
    });
  });
}
