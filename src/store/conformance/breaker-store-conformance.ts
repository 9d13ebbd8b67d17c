/**
 * The `BreakerStore` contract at its edges, for any implementation. `make` builds a fresh, empty store with the given
 * settings (a shared implementation: on a fresh namespace). Time is injected; nothing sleeps.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BreakerSettings } from '../breaker-settings.ts';
import type { BreakerStore } from '../state-stores.ts';

const settings: BreakerSettings = { failureRate: 0.5, minimumRequests: 4, windowMs: 10_000, buckets: 10, openForMs: 5_000, halfOpenProbes: 2 };
const key = 'azure-eastus/gpt-4o';

function times(count: number, action: () => void): void {
  for (let index = 0; index < count; index++) action();
}

export function breakerStoreConformance(name: string, make: (settings: BreakerSettings) => BreakerStore): void {
  /** A breaker opened at `at` by four failures. */
  function opened(at: number): BreakerStore {
    const store = make(settings);
    times(4, () => store.record(key, 'failure', at));
    assert.equal(store.stateOf(key, at), 'open');
    return store;
  }

  describe(`BreakerStore conformance: ${name}`, () => {
    it('reads a key never recorded as closed, and admits it', () => {
      const store = make(settings);
      assert.equal(store.stateOf(key, 0), 'closed');
      assert.equal(store.allowRequest(key, 0), true);
      assert.deepEqual(store.settings, settings);
    });

    it('stays closed below the minimum number of requests, whatever the failure rate, and opens at exactly the minimum', () => {
      const store = make(settings);
      times(3, () => store.record(key, 'failure', 1_000));
      assert.equal(store.stateOf(key, 1_000), 'closed');
      assert.equal(store.allowRequest(key, 1_000), true);
      store.record(key, 'failure', 1_000);
      assert.equal(store.stateOf(key, 1_000), 'open');
      assert.equal(store.allowRequest(key, 1_000), false);
    });

    it('opens at a failure share exactly at the threshold, not just below it', () => {
      const atHalf = make(settings);
      times(2, () => atHalf.record(key, 'success', 0));
      atHalf.record(key, 'failure', 0);
      assert.equal(atHalf.stateOf(key, 0), 'closed', 'three requests: below the minimum');
      atHalf.record(key, 'failure', 0);
      assert.equal(atHalf.stateOf(key, 0), 'open', '2 of 4 is exactly half');

      const belowHalf = make(settings);
      times(3, () => belowHalf.record(key, 'success', 0));
      times(2, () => belowHalf.record(key, 'failure', 0));
      assert.equal(belowHalf.stateOf(key, 0), 'closed', '2 of 5 is below half');

      // 7 / 100 is exactly 7 %, although 0.07 × 100 is a hair above 7 in floating point.
      const sevenPercent: BreakerSettings = { ...settings, failureRate: 0.07, minimumRequests: 100 };
      const atShare = make(sevenPercent);
      times(93, () => atShare.record(key, 'success', 0));
      times(7, () => atShare.record(key, 'failure', 0));
      assert.equal(atShare.stateOf(key, 0), 'open', '7 of 100 at 7 %');
      const belowShare = make(sevenPercent);
      times(94, () => belowShare.record(key, 'success', 0));
      times(6, () => belowShare.record(key, 'failure', 0));
      assert.equal(belowShare.stateOf(key, 0), 'closed', '6 of 100 at 7 %');
    });

    it('evaluates the rule when a failure is recorded: a success never opens it', () => {
      const store = make(settings);
      times(3, () => store.record(key, 'failure', 0));
      store.record(key, 'success', 0);
      assert.equal(store.stateOf(key, 0), 'closed', '3 of 4 failed, but the last outcome was a success');
      store.record(key, 'failure', 0);
      assert.equal(store.stateOf(key, 0), 'open');
    });

    it('opens on the failure rate over the rolling window only', () => {
      const store = make(settings);
      times(6, () => store.record(key, 'success', 0));
      times(5, () => store.record(key, 'failure', 1_000));
      assert.equal(store.stateOf(key, 1_000), 'closed', '5 of 11 is below half');
      // The successes leave the window; the failures alone are now the whole window.
      store.record(key, 'failure', 10_500);
      assert.equal(store.stateOf(key, 10_500), 'open');
    });

    it('goes half-open at exactly open_for after opening, and admits exactly N probes', () => {
      const store = opened(0);
      assert.equal(store.stateOf(key, 4_999), 'open');
      assert.equal(store.allowRequest(key, 4_999), false);
      // Reading takes no probe slot.
      for (let read = 0; read < 5; read++) assert.equal(store.stateOf(key, 5_000), 'half-open');
      assert.equal(store.allowRequest(key, 5_000), true);
      assert.equal(store.allowRequest(key, 5_001), true);
      assert.equal(store.allowRequest(key, 5_002), false, 'two probes in flight');
      assert.equal(store.stateOf(key, 5_002), 'half-open');
    });

    it('closes when N probes succeed, with a fresh window', () => {
      const store = opened(0);
      store.allowRequest(key, 5_000);
      store.allowRequest(key, 5_000);
      store.record(key, 'success', 5_100);
      assert.equal(store.stateOf(key, 5_100), 'half-open', 'one success of two');
      store.record(key, 'success', 5_200);
      assert.equal(store.stateOf(key, 5_200), 'closed');
      // The failures that opened it are forgotten: three new ones do not reopen it.
      times(3, () => store.record(key, 'failure', 5_300));
      assert.equal(store.stateOf(key, 5_300), 'closed');
    });

    it('opens again when a probe fails, for another full period', () => {
      const store = opened(0);
      assert.equal(store.allowRequest(key, 5_000), true);
      store.record(key, 'failure', 5_500);
      assert.equal(store.stateOf(key, 5_500), 'open');
      assert.equal(store.allowRequest(key, 5_500), false);
      assert.equal(store.stateOf(key, 10_499), 'open');
      assert.equal(store.stateOf(key, 10_500), 'half-open');
    });

    it('ignores outcomes arriving while open', () => {
      const store = opened(0);
      store.record(key, 'success', 1_000);
      store.record(key, 'success', 1_000);
      assert.equal(store.stateOf(key, 1_000), 'open');
      assert.equal(store.stateOf(key, 5_000), 'half-open', 'still opened at 0');
    });

    it('frees the slots of probes that never report, exactly open_for after the latest probe', () => {
      const store = opened(0);
      assert.equal(store.allowRequest(key, 5_000), true);
      assert.equal(store.allowRequest(key, 5_000), true);
      assert.equal(store.allowRequest(key, 9_999), false);
      assert.equal(store.allowRequest(key, 10_000), true);
      assert.equal(store.allowRequest(key, 10_000), true);
      assert.equal(store.allowRequest(key, 10_000), false, 'again N probes at most');
    });

    it('keeps one breaker per key, found by the key string alone', () => {
      const store = make(settings);
      const other = 'bedrock-use1/gpt-4o';
      times(4, () => store.record(['azure-eastus', 'gpt-4o'].join('/'), 'failure', 0));
      assert.equal(store.stateOf(key, 0), 'open');
      assert.equal(store.stateOf(other, 0), 'closed');
      assert.equal(store.allowRequest(other, 0), true);
    });

    it('closes every breaker on clear', () => {
      const store = opened(0);
      store.clear();
      assert.equal(store.stateOf(key, 0), 'closed');
      assert.equal(store.allowRequest(key, 0), true);
      times(3, () => store.record(key, 'failure', 0));
      assert.equal(store.stateOf(key, 0), 'closed', 'the window was emptied too');
    });

    it('rejects invalid settings', () => {
      assert.throws(() => make({ ...settings, failureRate: 0 }), /failure_rate/);
      assert.throws(() => make({ ...settings, failureRate: 1.5 }), /failure_rate/);
      assert.throws(() => make({ ...settings, minimumRequests: 0 }), /minimum_requests/);
      assert.throws(() => make({ ...settings, halfOpenProbes: 0 }), /half_open_probes/);
      assert.throws(() => make({ ...settings, openForMs: 0 }), /open_for/);
    });
  });
}
