/** The `RateLimitStore` contract at its edges, for any implementation. `make` builds a fresh store with a 60 s window. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RateLimitStore } from '../rate-limit-store.ts';

const start = 1_000_000;

export function rateLimitStoreConformance(name: string, make: () => RateLimitStore): void {
  describe(`RateLimitStore conformance: ${name}`, () => {
    it('admits exactly the limit at once, then one more per emission interval', () => {
      const store = make();
      const bucket = [{ key: 'k', limit: 600, cost: 1 }];
      for (let count = 0; count < 600; count++) assert.equal(store.take(bucket, start), undefined, `request ${count + 1}`);
      assert.deepEqual(store.take(bucket, start), { index: 0, retryAfterMs: 100 }, 'the 601st waits one interval (60 s / 600)');
      assert.deepEqual(store.take(bucket, start + 99), { index: 0, retryAfterMs: 1 }, '1 ms before the interval');
      assert.equal(store.take(bucket, start + 100), undefined, 'at exactly the interval');
      assert.deepEqual(store.take(bucket, start + 100), { index: 0, retryAfterMs: 100 });
    });

    it('takes a cost of exactly the limit from a full bucket and refuses one more token', () => {
      const store = make();
      assert.equal(store.take([{ key: 't', limit: 1_000, cost: 1_000 }], start), undefined);
      assert.deepEqual(store.take([{ key: 't', limit: 1_000, cost: 1 }], start), { index: 0, retryAfterMs: 60 });
      assert.deepEqual(make().take([{ key: 't', limit: 1_000, cost: 1_001 }], start), { index: 0, retryAfterMs: Infinity }, 'a cost above the limit can never pass');
    });

    it('is all or nothing across buckets, and names the first that refused', () => {
      const store = make();
      assert.equal(store.take([{ key: 'tenant', limit: 1, cost: 1 }], start), undefined);
      assert.deepEqual(store.take([{ key: 'key', limit: 10, cost: 1 }, { key: 'tenant', limit: 1, cost: 1 }], start), { index: 1, retryAfterMs: 60_000 });
      assert.deepEqual(store.state('key', 10, start), { remaining: 10, resetMs: 0 }, 'the key bucket was not charged');
    });

    it('reports what remains and when the bucket is full again', () => {
      const store = make();
      assert.deepEqual(store.state('k', 60, start), { remaining: 60, resetMs: 0 });
      for (let count = 0; count < 30; count++) store.take([{ key: 'k', limit: 60, cost: 1 }], start);
      assert.deepEqual(store.state('k', 60, start), { remaining: 30, resetMs: 30_000 });
      assert.deepEqual(store.state('k', 60, start + 30_000), { remaining: 60, resetMs: 0 });
    });

    it('settles: gives back never past full, and takes more into debt', () => {
      const store = make();
      store.take([{ key: 't', limit: 1_000, cost: 500 }], start);
      store.adjust('t', 1_000, -200, start);
      assert.equal(store.state('t', 1_000, start).remaining, 700);
      store.adjust('t', 1_000, -5_000, start);
      assert.deepEqual(store.state('t', 1_000, start), { remaining: 1_000, resetMs: 0 }, 'never past full');
      store.take([{ key: 't', limit: 1_000, cost: 1_000 }], start);
      store.adjust('t', 1_000, 500, start);
      assert.equal(store.state('t', 1_000, start).remaining, 0);
      assert.deepEqual(store.take([{ key: 't', limit: 1_000, cost: 1 }], start), { index: 0, retryAfterMs: 30_060 }, 'the debt delays the next request');
    });

    it('treats a clock that steps back as the latest time seen', () => {
      const store = make();
      store.take([{ key: 'k', limit: 1, cost: 1 }], start);
      assert.deepEqual(store.take([{ key: 'k', limit: 1, cost: 1 }], start - 10_000), { index: 0, retryAfterMs: 60_000 });
    });

    it('counts slots exactly at their maximum', () => {
      const store = make();
      assert.equal(store.acquire('s', 2), true);
      assert.equal(store.acquire('s', 2), true);
      assert.equal(store.acquire('s', 2), false, 'the third of two');
      assert.equal(store.held('s'), 2);
      store.release('s');
      assert.equal(store.acquire('s', 2), true);
      store.release('s');
      store.release('s');
      store.release('s');
      assert.equal(store.held('s'), 0, 'a release never goes below zero');
      assert.equal(store.acquire('s', 1), true);
    });

    it('forgets everything on clear', () => {
      const store = make();
      store.take([{ key: 'k', limit: 1, cost: 1 }], start);
      store.acquire('s', 1);
      store.clear();
      assert.equal(store.take([{ key: 'k', limit: 1, cost: 1 }], start), undefined);
      assert.equal(store.held('s'), 0);
    });
  });
}
