import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultBreakerSettings } from '../breaker-settings.ts';
import { MemoryBreakerStore } from './memory-breaker-store.ts';
import { MemoryCapacityStore } from './memory-capacity-store.ts';
import { MemoryCooldownStore } from './memory-cooldown-store.ts';
import { createMemoryStores } from './memory-stores.ts';
import { RollingWindow } from './rolling-window.ts';

describe('createMemoryStores', () => {
  it("builds the set with routing's defaults, or the options given", () => {
    const stores = createMemoryStores();
    assert.deepEqual(stores.breakers.settings, defaultBreakerSettings);
    assert.equal(stores.capacity.windowMs, 60_000);
    assert.equal(stores.capacity.buckets, 60);
    assert.equal(stores.latency.alpha, 0.3);

    const breaker = { failureRate: 0.25, minimumRequests: 20, windowMs: 60_000, openForMs: 15_000, halfOpenProbes: 1 };
    const custom = createMemoryStores({ breaker, capacity: { windowMs: 10_000, buckets: 10 }, latencyAlpha: 0.5 });
    assert.equal(custom.breakers.settings, breaker);
    assert.equal(custom.capacity.windowMs, 10_000);
    assert.equal(custom.latency.alpha, 0.5);
  });

  it('builds independent sets', () => {
    const first = createMemoryStores();
    const second = createMemoryStores();
    first.cooldowns.coolDown('a/x', 1_000);
    first.roundRobin.next('m');
    assert.equal(second.cooldowns.remainingMs('a/x', 0), 0);
    assert.equal(second.roundRobin.next('m'), 0);
  });
});

describe('memory stores: reading allocates nothing', () => {
  it('creates no breaker for a key only read or admitted', () => {
    const breakers = new MemoryBreakerStore();
    assert.equal(breakers.stateOf('a/x', 0), 'closed');
    assert.equal(breakers.allowRequest('a/x', 0), true);
    assert.equal(breakers.size, 0);
    breakers.record('a/x', 'success', 0);
    assert.equal(breakers.size, 1);
  });

  it('creates no window for a key only read', () => {
    const capacity = new MemoryCapacityStore();
    assert.equal(capacity.tokens('a/x', 0), 0);
    assert.equal(capacity.requests('a/x', 0), 0);
    assert.equal(capacity.size, 0);
  });

  it('forgets expired cooldowns when reading them', () => {
    const cooldowns = new MemoryCooldownStore();
    cooldowns.coolDown('azure/gpt-4o', 5_000);
    assert.equal(cooldowns.size, 1);
    assert.equal(cooldowns.remainingMs('azure/gpt-4o', 5_000), 0);
    assert.equal(cooldowns.size, 0);
  });
});

describe('RollingWindow', () => {
  it('treats a clock stepping back as the latest time', () => {
    const window = new RollingWindow(60_000, 60);
    window.add(5, 1, 120_000);
    window.add(5, 1, 10_000);
    assert.equal(window.first(120_000), 10);
    assert.equal(window.second(120_000), 2);
  });

  it('starts over after a gap longer than the window, and on clear', () => {
    const window = new RollingWindow(10_000, 10);
    window.add(3, 1, 0);
    window.add(4, 1, 500_000);
    assert.equal(window.first(500_000), 4);
    window.clear();
    assert.equal(window.first(500_000), 0);
    window.add(1, 1, 0);
    assert.equal(window.first(0), 1, 'after clear, any time is accepted again');
  });

  it('rejects a window without length or buckets', () => {
    assert.throws(() => new RollingWindow(0, 10), RangeError);
    assert.throws(() => new RollingWindow(1_000, 0), RangeError);
  });
});
