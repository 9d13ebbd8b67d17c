import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextDelay, RetryPolicy, type RetrySettings } from './retry-backoff.ts';
import { seededRandom } from '../routing/index.ts';

const settings: RetrySettings = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 30_000 };

describe('nextDelay', () => {
  it('draws uniformly below an exponentially growing, capped ceiling (full jitter)', () => {
    const random = seededRandom(99);
    for (const [attempt, ceiling] of [[1, 100], [2, 200], [3, 400], [4, 800], [5, 1_000]] as const) {
      let low = Number.POSITIVE_INFINITY;
      let high = 0;
      let sum = 0;
      for (let draw = 0; draw < 2_000; draw++) {
        const delay = nextDelay(attempt, undefined, random, settings)!;
        assert.ok(delay >= 0 && delay < ceiling, `attempt ${attempt}: ${delay}`);
        low = Math.min(low, delay);
        high = Math.max(high, delay);
        sum += delay;
      }
      assert.ok(low < ceiling * 0.05 && high > ceiling * 0.95, `attempt ${attempt} spans [0, ${ceiling}): ${low}..${high}`);
      assert.ok(Math.abs(sum / 2_000 - ceiling / 2) < ceiling * 0.05, `attempt ${attempt} mean ${sum / 2_000}`);
    }
    assert.equal(nextDelay(2, undefined, () => 0.5, settings), 100);
    assert.equal(nextDelay(30, undefined, () => 0.999, { ...settings, attempts: 100 }), 999);
  });

  it('waits at least the retry-after, and no jitter goes below it', () => {
    assert.equal(nextDelay(1, 2_000, () => 0.99, settings), 2_000);
    assert.equal(nextDelay(1, 0.4, () => 0, settings), 1);
    assert.equal(nextDelay(5, 10, () => 0.5, settings), 500, 'a backoff longer than retry-after stands');
  });

  it('gives up after the extra attempts, or when retry-after is too long to wait', () => {
    assert.equal(nextDelay(5, undefined, () => 0.5, settings), 500);
    assert.equal(nextDelay(6, undefined, () => 0.5, settings), undefined);
    assert.equal(nextDelay(1, 30_001, () => 0.5, settings), undefined);
    assert.equal(nextDelay(1, undefined, () => 0.5, { ...settings, attempts: 0 }), undefined);
  });

  it('binds validated settings in RetryPolicy', () => {
    assert.equal(new RetryPolicy(settings).nextDelay(3, undefined, () => 0.25), 100);
    assert.throws(() => new RetryPolicy({ ...settings, maxDelayMs: 50 }), /max_delay must be at least base_delay/);
  });
});
