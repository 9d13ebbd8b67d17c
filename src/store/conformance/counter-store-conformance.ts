/** The `CounterStore` contract, for any implementation: round-robin turns that rotate fairly. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CounterStore } from '../state-stores.ts';

export function counterStoreConformance(name: string, make: () => CounterStore): void {
  describe(`CounterStore conformance: ${name}`, () => {
    it('starts a key at 0 and returns successive integers', () => {
      const store = make();
      assert.deepEqual(Array.from({ length: 5 }, () => store.next('gpt-4o')), [0, 1, 2, 3, 4]);
    });

    it('is fair: over k rounds of n channels, each channel is first exactly k times, in rotation', () => {
      for (let channels = 1; channels <= 5; channels++) {
        const store = make();
        const firsts = new Array<number>(channels).fill(0);
        let previous = -1;
        for (let turn = 0; turn < channels * 7; turn++) {
          const first = store.next('gpt-4o') % channels;
          if (previous >= 0) assert.equal(first, (previous + 1) % channels);
          firsts[first]++;
          previous = first;
        }
        assert.deepEqual(firsts, new Array<number>(channels).fill(7), `${channels} channels`);
      }
    });

    it('keeps one counter per key, found by the key string alone', () => {
      const store = make();
      store.next('gpt-4o');
      store.next('gpt-4o');
      assert.equal(store.next('o3'), 0);
      assert.equal(store.next(['gpt', '4o'].join('-')), 2);
    });

    it('restarts every counter on clear', () => {
      const store = make();
      store.next('gpt-4o');
      store.clear();
      assert.equal(store.next('gpt-4o'), 0);
    });
  });
}
