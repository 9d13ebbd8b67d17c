/** The `AgreementStore` contract, for any implementation. `make` builds a fresh, empty store and a reader of its audit log. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgreementStore } from '../agreement-store.ts';
import type { AuditEntry, NewAuditEntry } from '../identity-store.ts';

export interface AgreementStoreUnderTest {
  readonly agreements: AgreementStore;
  readonly audit: () => Promise<AuditEntry[]>;
  readonly close: () => Promise<void>;
}

const share = { name: 'msft-share', kind: 'revenue-share', party: 'Microsoft', percent: 20, models: ['gpt-4o', 'gpt-oss-120b'], cap: '250000000', until: '2030-12-31' };

function entry(action: string, target: string, before: unknown = null, after: unknown = null): NewAuditEntry {
  return { at: 5_000, actor: 'ops', action, target, before, after };
}

export function agreementStoreConformance(name: string, make: () => AgreementStoreUnderTest): void {
  describe(`AgreementStore conformance: ${name}`, () => {
    it('stores a document as given (nested values, types), keeps createdAt on a replacement, and lists by name', async () => {
      const { agreements, close } = make();
      const first = await agreements.putAgreement('msft-share', share, 1_000, () => entry('agreement.create', 'msft-share'));
      assert.equal(first.created, true);
      assert.deepEqual(first.record, { name: 'msft-share', document: share, createdAt: 1_000, updatedAt: 1_000 });
      const changed = { ...share, percent: 15 };
      const second = await agreements.putAgreement('msft-share', changed, 2_000, () => entry('agreement.update', 'msft-share'));
      assert.equal(second.created, false);
      assert.deepEqual(second.record, { name: 'msft-share', document: changed, createdAt: 1_000, updatedAt: 2_000 });
      await agreements.putAgreement('aws-commit', { name: 'aws-commit', kind: 'commitment' }, 3_000, () => entry('agreement.create', 'aws-commit'));
      assert.deepEqual((await agreements.listAgreements()).map((record) => [record.name, record.updatedAt]), [['aws-commit', 3_000], ['msft-share', 2_000]]);
      await close();
    });

    it('never shares the caller\'s object: a document changed after it was stored stays as stored', async () => {
      const { agreements, close } = make();
      const document = { name: 'a', kind: 'licence', models: ['m'] };
      await agreements.putAgreement('a', document, 1, () => entry('agreement.create', 'a'));
      document.models.push('changed');
      assert.deepEqual((await agreements.listAgreements())[0].document, { name: 'a', kind: 'licence', models: ['m'] });
      await close();
    });

    it('audits each write with what it replaced; a delete returns what it removed, and a delete of nothing is not audited', async () => {
      const { agreements, audit, close } = make();
      await agreements.putAgreement('a', { v: 1 }, 1_000, (before) => entry(before === undefined ? 'agreement.create' : 'agreement.update', 'a', before?.document ?? null, { v: 1 }));
      await agreements.putAgreement('a', { v: 2 }, 1_001, (before) => entry(before === undefined ? 'agreement.create' : 'agreement.update', 'a', before?.document ?? null, { v: 2 }));
      const removed = await agreements.deleteAgreement('a', (before) => entry('agreement.delete', 'a', before.document));
      assert.deepEqual(removed, { name: 'a', document: { v: 2 }, createdAt: 1_000, updatedAt: 1_001 });
      assert.equal(await agreements.deleteAgreement('a', () => entry('agreement.delete', 'a')), undefined);
      assert.deepEqual(await agreements.listAgreements(), []);
      assert.deepEqual(
        (await audit()).map((row) => [row.action, row.before, row.after]),
        [
          ['agreement.create', null, { v: 1 }],
          ['agreement.update', { v: 1 }, { v: 2 }],
          ['agreement.delete', { v: 2 }, null],
        ],
      );
      await close();
    });
  });
}
