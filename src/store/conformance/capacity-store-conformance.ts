/**
 * The `CapacityStore` contract at its edges, for any implementation: bucketed rolling windows, corrections, a clock
 * stepping back. `make` builds a fresh, empty store with the given window shape.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CapacityStore, WindowOptions } from '../state-stores.ts';

const minute: WindowOptions = { windowMs: 60_000, buckets: 60 };
const key = 'azure/gpt-4o';

export function capacityStoreConformance(name: string, make: (window: WindowOptions) => CapacityStore): void {
  describe(`CapacityStore conformance: ${name}`, () => {
    it('reads zero for a key never recorded, and exposes its window', () => {
      const store = make(minute);
      assert.equal(store.tokens(key, 0), 0);
      assert.equal(store.requests(key, 0), 0);
      assert.equal(store.windowMs, 60_000);
      assert.equal(store.buckets, 60);
    });

    it('sums tokens and requests per key', () => {
      const store = make(minute);
      store.record(key, 600, 1, 0);
      store.record(key, 300, 1, 500);
      store.record('bedrock/gpt-4o', 1_000_000, 1, 0);
      assert.equal(store.tokens(key, 1_000), 900);
      assert.equal(store.requests(key, 1_000), 2);
      assert.equal(store.tokens('bedrock/gpt-4o', 1_000), 1_000_000);
      assert.equal(store.requests('bedrock/gpt-4o', 1_000), 1);
    });

    it('counts a value for a minute, then drops it', () => {
      const store = make(minute);
      store.record(key, 1_000, 1, 0);
      assert.equal(store.tokens(key, 59_999), 1_000);
      assert.equal(store.requests(key, 59_999), 1);
      assert.equal(store.tokens(key, 60_000), 0);
      assert.equal(store.requests(key, 60_000), 0);
    });

    it('drops a value with the bucket it was recorded in', () => {
      const store = make(minute);
      store.record(key, 1, 1, 999);
      store.record(key, 10, 1, 1_000);
      assert.equal(store.tokens(key, 59_999), 11);
      assert.equal(store.tokens(key, 60_000), 10, 'recorded at 999: bucket 0 leaves at 60,000');
      assert.equal(store.tokens(key, 60_999), 10);
      assert.equal(store.tokens(key, 61_000), 0, 'recorded at 1,000: bucket 1 leaves at 61,000');
    });

    it('lets usage spread over the minute leave bucket by bucket', () => {
      const store = make(minute);
      for (let second = 0; second < 60; second++) store.record(key, 100, 1, second * 1_000);
      assert.equal(store.tokens(key, 59_999), 6_000);
      assert.equal(store.tokens(key, 60_000), 5_900);
      assert.equal(store.tokens(key, 90_000), 2_900);
      assert.equal(store.requests(key, 90_000), 29);
      assert.equal(store.tokens(key, 200_000), 0);
    });

    it('follows the window shape it was built with', () => {
      const store = make({ windowMs: 10_000, buckets: 10 });
      assert.equal(store.windowMs, 10_000);
      store.record(key, 5, 1, 0);
      assert.equal(store.tokens(key, 9_999), 5);
      assert.equal(store.tokens(key, 10_000), 0);
    });

    it('accepts corrections and never counts below zero', () => {
      const store = make(minute);
      store.record(key, 800, 1, 0);
      store.record(key, -500, 0, 1_000);
      assert.equal(store.tokens(key, 1_000), 300);
      assert.equal(store.requests(key, 1_000), 1);
      store.record(key, -5_000, 0, 2_000);
      assert.equal(store.tokens(key, 2_000), 0);
    });

    it('leaves no phantom usage when an over-correction outlives the usage it corrected', () => {
      const store = make(minute);
      store.record(key, 800, 1, 0);
      store.record(key, -5_000, -3, 2_000);
      assert.equal(store.tokens(key, 2_000), 0);
      assert.equal(store.requests(key, 2_000), 0);
      assert.equal(store.tokens(key, 61_000), 0, 'the 800 left; the correction still counts');
      store.record(key, 100, 1, 62_500);
      assert.equal(store.tokens(key, 62_500), 100, 'the correction left too');
      assert.equal(store.requests(key, 62_500), 1);
    });

    it('treats a clock stepping back as the latest time', () => {
      const store = make(minute);
      store.record(key, 5, 1, 120_000);
      store.record(key, 5, 1, 10_000);
      assert.equal(store.tokens(key, 120_000), 10);
      assert.equal(store.tokens(key, 10_000), 10, 'an earlier read drops nothing');
      assert.equal(store.tokens(key, 179_999), 10);
      assert.equal(store.tokens(key, 180_000), 0);
    });

    it('empties every window on clear', () => {
      const store = make(minute);
      store.record(key, 1_000, 1, 0);
      store.clear();
      assert.equal(store.tokens(key, 0), 0);
      assert.equal(store.requests(key, 0), 0);
    });

    it('rejects a window without length or buckets', () => {
      assert.throws(() => make({ windowMs: 0, buckets: 60 }), RangeError);
      assert.throws(() => make({ windowMs: 60_000, buckets: 0 }), RangeError);
      assert.throws(() => make({ windowMs: 60_000, buckets: 1.5 }), RangeError);
    });
  });
}
