/** The `ResponseStore` contract, for any implementation. `make` builds a fresh, empty store. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResponseStore, StoredResponse } from '../response-store.ts';

export interface ResponseStoreUnderTest {
  readonly responses: ResponseStore;
  readonly close: () => Promise<void>;
}

/** A response for `tenant` stored at 1,000 and expiring at 10,000; `fields` overrides. */
export function storedResponse(id: string, tenant: string | undefined, fields: Partial<StoredResponse> = {}): StoredResponse {
  return {
    id,
    tenant,
    createdAt: 1_000,
    expiresAt: 10_000,
    previousId: undefined,
    response: { id, object: 'response', status: 'completed', output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hi' }] }] },
    inputItems: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] }],
    conversation: [{ role: 'user', content: 'hello' }, { role: 'assistant', content: 'hi' }],
    ...fields,
  };
}

const strange = 'héllo 世界 🦜 \u0000 \u2028 "quoted" \\ \u202eRTL\u202c e\u0301';

export function responseStoreConformance(name: string, make: () => ResponseStoreUnderTest): void {
  describe(`ResponseStore conformance: ${name}`, () => {
    it('gives back every field as stored: nested JSON, unicode, a continuation, a keyless caller, ~1 MB documents', async () => {
      const { responses, close } = make();
      const nested = {
        id: 'resp_nested',
        status: 'completed',
        numbers: [0, -1, 1.5, 1e21, Number.MAX_SAFE_INTEGER, -0.000001],
        flags: [true, false, null],
        empty: { object: {}, array: [], text: '' },
        deep: { a: { b: { c: { d: { e: [{ f: [[strange]] }] } } } } },
        [strange]: strange,
      };
      const large = 'x'.repeat(512 * 1024) + '🦜'.repeat(128 * 1024);
      const first = storedResponse('resp_nested', 'tenant-ü', { createdAt: 1_700_000_000_000, expiresAt: 1_700_000_600_000, response: nested, inputItems: [strange, 1, null, { nested }], conversation: { text: strange } });
      const second = storedResponse('resp_large', undefined, { previousId: 'resp_nested', response: { output_text: large }, inputItems: [{ text: large }], conversation: [large, large] });
      await responses.put(first);
      await responses.put(second);
      assert.deepEqual(await responses.get('resp_nested', 'tenant-ü', 1_700_000_000_000), first);
      assert.deepEqual(await responses.get('resp_large', undefined, 1_000), second);
      await close();
    });

    it('never shares an object with the caller: what was put or got and then changed stays as stored', async () => {
      const { responses, close } = make();
      type Mutable = StoredResponse & { response: { status: string }; inputItems: unknown[]; conversation: unknown[] };
      const original = storedResponse('resp_1', 'acme');
      const given = structuredClone(original) as Mutable;
      await responses.put(given);
      given.response.status = 'changed';
      given.inputItems.push('changed');
      given.conversation.length = 0;
      const got = (await responses.get('resp_1', 'acme', 1_000)) as Mutable;
      assert.deepEqual(got, original);
      got.response.status = 'changed again';
      got.inputItems.length = 0;
      assert.deepEqual(await responses.get('resp_1', 'acme', 1_000), original);
      await close();
    });

    it('keeps another tenant\'s response and a tenant\'s response from a keyless caller exactly as absent, for get, update and delete', async () => {
      const { responses, close } = make();
      const acme = storedResponse('resp_acme', 'acme');
      const keyless = storedResponse('resp_keyless', undefined);
      const empty = storedResponse('resp_empty', '');
      await responses.put(acme);
      await responses.put(keyless);
      await responses.put(empty);
      const strangers: [string, string | undefined][] = [
        ['resp_acme', 'globex'],
        ['resp_acme', 'ACME'],
        ['resp_acme', 'acme '],
        ['resp_acme', undefined],
        ['resp_acme', ''],
        ['resp_keyless', 'acme'],
        ['resp_keyless', ''],
        ['resp_empty', undefined],
        ['resp_missing', 'acme'],
        ['resp_missing', undefined],
      ];
      for (const [id, tenant] of strangers) {
        assert.equal(await responses.get(id, tenant, 1_000), undefined, `get ${id} as ${tenant}`);
        assert.equal(await responses.update(id, tenant, { status: 'cancelled' }, 1_000), false, `update ${id} as ${tenant}`);
        assert.equal(await responses.delete(id, tenant, 1_000), false, `delete ${id} as ${tenant}`);
      }
      assert.deepEqual(await responses.get('resp_acme', 'acme', 1_000), acme, 'untouched by the others');
      assert.deepEqual(await responses.get('resp_keyless', undefined, 1_000), keyless);
      assert.deepEqual(await responses.get('resp_empty', '', 1_000), empty);
      await close();
    });

    it('holds a response until the millisecond before expiresAt and treats it as absent from expiresAt on', async () => {
      const { responses, close } = make();
      for (const id of ['resp_get', 'resp_update', 'resp_delete']) await responses.put(storedResponse(id, 'acme', { expiresAt: 5_000 }));
      assert.equal((await responses.get('resp_get', 'acme', 4_999))?.id, 'resp_get');
      assert.equal(await responses.get('resp_get', 'acme', 5_000), undefined);
      assert.equal(await responses.get('resp_get', 'acme', 5_001), undefined);
      assert.equal(await responses.update('resp_update', 'acme', { status: 'cancelled' }, 5_000), false);
      assert.equal(await responses.update('resp_update', 'acme', { status: 'cancelled' }, 4_999), true);
      assert.equal(await responses.delete('resp_delete', 'acme', 5_000), false);
      assert.equal(await responses.delete('resp_delete', 'acme', 4_999), true);
      await close();
    });

    it('purges only what expired, soonest-expiring first and at most limit at a time, and says how many', async () => {
      const { responses, close } = make();
      const now = 50_000;
      // Written out of expiry order; the last expired expires at now exactly.
      const expired = [49_000, 40_000, 45_000, 30_000, 49_999, now];
      const live = [now + 1, now + 60_000];
      for (const [index, expiresAt] of [...expired, ...live].entries()) await responses.put(storedResponse(`resp_${expiresAt}`, index % 2 === 0 ? 'acme' : undefined, { expiresAt }));
      // Before they expired, a read shows what is still kept.
      const kept = async () => {
        const present: number[] = [];
        for (const expiresAt of [...expired, ...live].sort((a, b) => a - b)) {
          const id = `resp_${expiresAt}`;
          if ((await responses.get(id, 'acme', 0)) !== undefined || (await responses.get(id, undefined, 0)) !== undefined) present.push(expiresAt);
        }
        return present;
      };
      assert.equal(await responses.purgeExpired(now, 0), 0);
      assert.equal(await responses.purgeExpired(now, -1), 0, 'a negative limit is no batch, not an unlimited one');
      assert.equal(await responses.purgeExpired(now, 2), 2);
      assert.deepEqual(await kept(), [45_000, 49_000, 49_999, now, now + 1, now + 60_000]);
      assert.equal(await responses.purgeExpired(now, 4), 4, 'a limit exactly the number left');
      assert.deepEqual(await kept(), live);
      assert.equal(await responses.purgeExpired(now, 1_000), 0);
      assert.equal((await responses.get(`resp_${now + 1}`, 'acme', now))?.expiresAt, now + 1, 'the one expiring a millisecond later stays');
      assert.equal(await responses.purgeExpired(now + 1, 1_000), 1);
      assert.deepEqual(await kept(), [now + 60_000]);
      await close();
    });

    it('refuses an id already stored, whoever stored it and even expired, and keeps the first', async () => {
      const { responses, close } = make();
      const first = storedResponse('resp_1', 'acme', { expiresAt: 2_000 });
      await responses.put(first);
      await assert.rejects(responses.put(storedResponse('resp_1', 'acme', { response: { second: true } })));
      await assert.rejects(responses.put(storedResponse('resp_1', 'globex')));
      await assert.rejects(responses.put(storedResponse('resp_1', undefined)));
      assert.deepEqual(await responses.get('resp_1', 'acme', 1_999), first);
      assert.equal(await responses.get('resp_1', 'globex', 1_999), undefined);
      assert.equal(await responses.get('resp_1', undefined, 1_999), undefined);
      assert.equal(await responses.purgeExpired(2_000, 10), 1);
      await responses.put(storedResponse('resp_1', 'globex'));
      assert.equal((await responses.get('resp_1', 'globex', 1_000))?.tenant, 'globex', 'a purged id may be stored again');
      await close();
    });

    it('refuses what it could not give back as given, and stores nothing of it', async () => {
      const { responses, close } = make();
      await assert.rejects(responses.put(storedResponse('resp_1', 'acme', { response: undefined })), TypeError);
      await assert.rejects(responses.put(storedResponse('resp_2', 'acme', { conversation: () => 1 })), TypeError);
      await assert.rejects(responses.put(storedResponse('resp_3', 'acme', { expiresAt: 10_000.5 })), TypeError);
      await assert.rejects(responses.put(storedResponse('resp_4', 'acme', { createdAt: Number.NaN })), TypeError);
      for (const id of ['resp_1', 'resp_2', 'resp_3', 'resp_4']) assert.equal(await responses.get(id, 'acme', 1_000), undefined);
      await responses.put(storedResponse('resp_5', 'acme'));
      await assert.rejects(responses.update('resp_5', 'acme', undefined, 1_000), TypeError);
      assert.equal(((await responses.get('resp_5', 'acme', 1_000))?.response as { status: string }).status, 'completed');
      await close();
    });

    it('update replaces the response only and says whether it did; delete says whether it removed one', async () => {
      const { responses, close } = make();
      const stored = storedResponse('resp_1', 'acme', { previousId: 'resp_0' });
      await responses.put(stored);
      const cancelled = { id: 'resp_1', object: 'response', status: 'cancelled', output: [], note: strange };
      assert.equal(await responses.update('resp_1', 'acme', cancelled, 1_000), true);
      assert.deepEqual(await responses.get('resp_1', 'acme', 1_000), { ...stored, response: cancelled });
      assert.equal(await responses.update('resp_1', 'acme', cancelled, 1_000), true, 'the same response again is still an update');
      assert.equal(await responses.update('resp_other', 'acme', cancelled, 1_000), false);
      assert.equal(await responses.delete('resp_1', 'acme', 1_000), true);
      assert.equal(await responses.get('resp_1', 'acme', 1_000), undefined);
      assert.equal(await responses.delete('resp_1', 'acme', 1_000), false);
      assert.equal(await responses.update('resp_1', 'acme', cancelled, 1_000), false);
      assert.equal(await responses.purgeExpired(1_000_000, 10), 0, 'nothing left to purge');
      await close();
    });
  });
}
