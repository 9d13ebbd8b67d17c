/** The `CooldownStore` contract at its edges, for any implementation. `make` builds a fresh, empty store. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CooldownStore } from '../state-stores.ts';

const key = 'azure/gpt-4o';

export function cooldownStoreConformance(name: string, make: () => CooldownStore): void {
  describe(`CooldownStore conformance: ${name}`, () => {
    it('reports nothing for a key never cooled down', () => {
      assert.equal(make().remainingMs(key, 0), 0);
    });

    it('reports the remaining time and keeps the later of two cooldowns', () => {
      const store = make();
      store.coolDown(key, 5_000);
      store.coolDown(key, 1_000);
      assert.equal(store.remainingMs(key, 1_000), 4_000, 'an earlier cooldown does not shorten a later one');
      store.coolDown(key, 8_000);
      assert.equal(store.remainingMs(key, 1_000), 7_000, 'a later one extends it');
    });

    it('ends exactly at its time', () => {
      const store = make();
      store.coolDown(key, 5_000);
      assert.equal(store.remainingMs(key, 4_999), 1);
      assert.equal(store.remainingMs(key, 5_000), 0);
      assert.equal(store.remainingMs(key, 6_000), 0);
      store.coolDown(key, 6_500);
      assert.equal(store.remainingMs(key, 6_000), 500, 'a new cooldown after one ended');
    });

    it('is keyed by the key string: shared by every model using the channel, separate per channel', () => {
      const store = make();
      store.coolDown(key, 5_000);
      assert.equal(store.remainingMs(['azure', 'gpt-4o'].join('/'), 2_000), 3_000);
      assert.equal(store.remainingMs('bedrock/gpt-4o', 2_000), 0);
    });

    it('forgets every cooldown on clear', () => {
      const store = make();
      store.coolDown(key, 5_000);
      store.coolDown('bedrock/gpt-4o', 5_000);
      store.clear();
      assert.equal(store.remainingMs(key, 0), 0);
      assert.equal(store.remainingMs('bedrock/gpt-4o', 0), 0);
    });
  });
}
