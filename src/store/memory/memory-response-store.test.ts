/** The in-memory response store's bounds: at a cap, the soonest-expiring responses go first, never the one written. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storedResponse } from '../conformance/response-store-conformance.ts';
import type { StoredResponse } from '../response-store.ts';
import { MemoryResponseStore } from './memory-response-store.ts';

/** What the store counts of a response: the characters of its three JSON documents. */
function charactersOf(stored: StoredResponse): number {
  return JSON.stringify(stored.response).length + JSON.stringify(stored.inputItems).length + JSON.stringify(stored.conversation).length;
}

/** The ids still held, expired or not, in the order given. */
async function held(store: MemoryResponseStore, ids: readonly string[]): Promise<string[]> {
  const present: string[] = [];
  for (const id of ids) if ((await store.get(id, 'acme', 0)) !== undefined) present.push(id);
  return present;
}

// Same-sized documents: the ids differ by one character and the response holds its id.
const responseAt = (id: string, expiresAt: number) => storedResponse(id, 'acme', { expiresAt });

describe('MemoryResponseStore bounds', () => {
  it('holds maxResponses responses; one more evicts the soonest-expiring, not the oldest written', async () => {
    const store = new MemoryResponseStore({ maxResponses: 3, maxCharacters: Number.MAX_SAFE_INTEGER });
    await store.put(responseAt('resp_a', 30_000));
    await store.put(responseAt('resp_b', 10_000));
    await store.put(responseAt('resp_c', 20_000));
    assert.deepEqual(await held(store, ['resp_a', 'resp_b', 'resp_c']), ['resp_a', 'resp_b', 'resp_c']);
    await store.put(responseAt('resp_d', 40_000));
    assert.deepEqual(await held(store, ['resp_a', 'resp_b', 'resp_c', 'resp_d']), ['resp_a', 'resp_c', 'resp_d']);
    assert.equal(store.size, 3);
    // The response written is kept even when it expires soonest.
    await store.put(responseAt('resp_e', 5_000));
    assert.deepEqual(await held(store, ['resp_a', 'resp_c', 'resp_d', 'resp_e']), ['resp_a', 'resp_d', 'resp_e']);
  });

  it('evicts responses that expire in the same millisecond in the order they were written', async () => {
    const store = new MemoryResponseStore({ maxResponses: 3, maxCharacters: Number.MAX_SAFE_INTEGER });
    const ids = ['resp_a', 'resp_b', 'resp_c', 'resp_d', 'resp_e', 'resp_f'];
    for (const id of ids.slice(0, 3)) await store.put(responseAt(id, 10_000));
    await store.put(responseAt('resp_d', 10_000));
    assert.deepEqual(await held(store, ids), ['resp_b', 'resp_c', 'resp_d']);
    await store.put(responseAt('resp_e', 10_000));
    assert.deepEqual(await held(store, ids), ['resp_c', 'resp_d', 'resp_e']);
    await store.put(responseAt('resp_f', 10_000));
    assert.deepEqual(await held(store, ids), ['resp_d', 'resp_e', 'resp_f']);
  });

  it('holds maxCharacters characters of JSON exactly; one more evicts the soonest-expiring', async () => {
    const size = charactersOf(responseAt('resp_a', 0));
    const exact = new MemoryResponseStore({ maxResponses: 100, maxCharacters: 2 * size });
    await exact.put(responseAt('resp_a', 20_000));
    await exact.put(responseAt('resp_b', 10_000));
    assert.deepEqual(await held(exact, ['resp_a', 'resp_b']), ['resp_a', 'resp_b']);
    const short = new MemoryResponseStore({ maxResponses: 100, maxCharacters: 2 * size - 1 });
    await short.put(responseAt('resp_a', 20_000));
    await short.put(responseAt('resp_b', 10_000));
    await short.put(responseAt('resp_c', 30_000));
    assert.deepEqual(await held(short, ['resp_a', 'resp_b', 'resp_c']), ['resp_c'], 'resp_b left for resp_a, then resp_a for resp_c');
  });

  it('frees the characters of what it deletes, purges and evicts', async () => {
    const size = charactersOf(responseAt('resp_a', 0));
    const store = new MemoryResponseStore({ maxResponses: 100, maxCharacters: 2 * size });
    await store.put(responseAt('resp_a', 10_000));
    await store.put(responseAt('resp_b', 20_000));
    assert.equal(await store.delete('resp_a', 'acme', 0), true);
    await store.put(responseAt('resp_c', 5_000));
    assert.equal(await store.purgeExpired(5_000, 10), 1);
    await store.put(responseAt('resp_d', 30_000));
    assert.deepEqual(await held(store, ['resp_a', 'resp_b', 'resp_c', 'resp_d']), ['resp_b', 'resp_d'], 'nothing evicted: both fit');
  });

  it('an update that grows past maxCharacters evicts others, never the response updated', async () => {
    const size = charactersOf(responseAt('resp_a', 0));
    const store = new MemoryResponseStore({ maxResponses: 100, maxCharacters: 3 * size });
    await store.put(responseAt('resp_a', 30_000));
    await store.put(responseAt('resp_b', 20_000));
    await store.put(responseAt('resp_c', 10_000));
    const response = responseAt('resp_c', 0).response as Record<string, unknown>;
    // Grown by one response's size: one other has to go (the soonest-expiring); one character more and both would.
    const grown = { ...response, note: 'x'.repeat(size - JSON.stringify({ ...response, note: '' }).length + JSON.stringify(response).length) };
    assert.equal(JSON.stringify(grown).length - JSON.stringify(response).length, size);
    assert.equal(await store.update('resp_c', 'acme', grown, 0), true);
    assert.deepEqual(await held(store, ['resp_a', 'resp_b', 'resp_c']), ['resp_a', 'resp_c']);
    assert.deepEqual((await store.get('resp_c', 'acme', 0))?.response, grown);
    // A smaller response frees characters: after it, both others fit again.
    assert.equal(await store.update('resp_c', 'acme', response, 0), true);
    await store.put(responseAt('resp_d', 40_000));
    assert.deepEqual(await held(store, ['resp_a', 'resp_c', 'resp_d']), ['resp_a', 'resp_c', 'resp_d']);
    const more = { ...grown, note: `${grown.note}x` };
    assert.equal(await store.update('resp_c', 'acme', more, 0), true);
    assert.deepEqual(await held(store, ['resp_a', 'resp_c', 'resp_d']), ['resp_c'], 'size + 1 more: both others go');
  });

  it('keeps a response larger than maxCharacters alone', async () => {
    const store = new MemoryResponseStore({ maxResponses: 100, maxCharacters: 1_000 });
    await store.put(responseAt('resp_a', 30_000));
    await store.put(storedResponse('resp_big', 'acme', { conversation: 'x'.repeat(2_000) }));
    assert.deepEqual(await held(store, ['resp_a', 'resp_big']), ['resp_big']);
    await store.put(responseAt('resp_b', 30_000));
    assert.deepEqual(await held(store, ['resp_big', 'resp_b']), ['resp_b']);
  });

  it('purges in expiry order through many writes, deletes and updates (the heap stays ordered)', async () => {
    const store = new MemoryResponseStore({ maxResponses: 10_000, maxCharacters: Number.MAX_SAFE_INTEGER });
    // A fixed shuffle of expiry times, every third deleted, every fifth updated.
    const times = Array.from({ length: 500 }, (_, index) => ((index * 7919) % 500) + 1);
    for (const time of times) await store.put(responseAt(`resp_${time}`, time));
    for (const time of times.filter((_, index) => index % 3 === 0)) assert.equal(await store.delete(`resp_${time}`, 'acme', 0), true);
    for (const time of times.filter((_, index) => index % 5 === 0)) await store.update(`resp_${time}`, 'acme', { status: 'cancelled' }, 0);
    const left = times.filter((_, index) => index % 3 !== 0).sort((a, b) => a - b);
    for (let step = 0; step < left.length; step += 37) {
      const now = left[Math.min(step + 36, left.length - 1)];
      assert.equal(await store.purgeExpired(now, 1_000), left.filter((time) => time <= now && time > (step === 0 ? 0 : left[step - 1])).length);
      assert.equal(store.size, left.filter((time) => time > now).length);
    }
  });
});
