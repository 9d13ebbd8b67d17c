/** The `LatencyStore` contract, for any implementation: the moving average and how it decays. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LatencyStore } from '../state-stores.ts';

const key = 'azure/gpt-4o';

export function latencyStoreConformance(name: string, make: (alpha: number) => LatencyStore): void {
  describe(`LatencyStore conformance: ${name}`, () => {
    it('has no average before the first observation, which then is the average', () => {
      const store = make(0.3);
      assert.equal(store.alpha, 0.3);
      assert.equal(store.averageMs(key), undefined);
      store.observe(key, 420);
      assert.equal(store.averageMs(key), 420);
    });

    it('moves the average by alpha times the difference', () => {
      const store = make(0.5);
      store.observe(key, 300);
      store.observe(key, 900);
      assert.equal(store.averageMs(key), 600);
      store.observe(key, 900);
      assert.equal(store.averageMs(key), 750);
      store.observe(key, 150);
      assert.equal(store.averageMs(key), 450);
    });

    it('decays older observations geometrically', () => {
      const store = make(0.3);
      store.observe(key, 100);
      for (let step = 1; step <= 10; step++) {
        store.observe(key, 1_000);
        const expected = 1_000 - 900 * 0.7 ** step;
        assert.ok(Math.abs(store.averageMs(key)! - expected) < 1e-9, `after ${step}: ${store.averageMs(key)} vs ${expected}`);
      }
      const latest = make(1);
      latest.observe(key, 100);
      latest.observe(key, 1_000);
      assert.equal(latest.averageMs(key), 1_000, 'alpha 1 keeps only the latest');
    });

    it('ignores negative and non-numeric observations, and takes zero', () => {
      const store = make(0.5);
      store.observe(key, -1);
      store.observe(key, Number.NaN);
      assert.equal(store.averageMs(key), undefined);
      store.observe(key, 200);
      store.observe(key, Number.NaN);
      store.observe(key, -50);
      assert.equal(store.averageMs(key), 200);
      store.observe(key, 0);
      assert.equal(store.averageMs(key), 100);
    });

    it('keeps one average per key and forgets them all on clear', () => {
      const store = make(0.5);
      store.observe(key, 100);
      store.observe('bedrock/gpt-4o', 900);
      assert.equal(store.averageMs(['azure', 'gpt-4o'].join('/')), 100);
      assert.equal(store.averageMs('bedrock/gpt-4o'), 900);
      store.clear();
      assert.equal(store.averageMs(key), undefined);
      assert.equal(store.averageMs('bedrock/gpt-4o'), undefined);
    });

    it('rejects an alpha outside (0, 1]', () => {
      assert.throws(() => make(0), RangeError);
      assert.throws(() => make(1.5), RangeError);
      assert.throws(() => make(Number.NaN), RangeError);
    });
  });
}
