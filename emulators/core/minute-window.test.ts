import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MinuteWindow, WINDOW_MS } from './minute-window.ts';

describe('MinuteWindow', () => {
  it('counts requests and weight inside the last minute only', () => {
    const window = new MinuteWindow();
    window.record(0, 100);
    window.record(30_000, 50);
    assert.equal(window.count(59_999), 2);
    assert.equal(window.weight, 150);
    assert.equal(window.count(60_000), 1, 'the first request left at exactly one minute');
    assert.equal(window.weight, 50);
    assert.equal(window.count(90_000), 0);
    assert.equal(window.weight, 0);
  });

  it('says how long until a request or a weight fits', () => {
    const window = new MinuteWindow();
    window.record(1_000, 600);
    window.record(2_000, 300);
    window.count(10_000);
    assert.equal(window.untilOldestLeaves(10_000), 1_000 + WINDOW_MS - 10_000);
    assert.equal(window.untilWeightFits(10_000, 200, 1_000), 1_000 + WINDOW_MS - 10_000, 'once the 600 leaves, 300 + 200 fits');
    assert.equal(window.untilWeightFits(10_000, 2_000, 1_000), WINDOW_MS, 'never fits: the whole window');
  });

  it('stays correct across compaction and reset', () => {
    const window = new MinuteWindow();
    for (let index = 0; index < 5_000; index++) window.record(index, 1);
    // Requests at 0..4999 ms; at 62,000 ms those at or before 2,000 ms have left: 2001..4999 remain.
    assert.equal(window.count(62_000), 2_999);
    assert.equal(window.weight, 2_999);
    window.record(62_000, 1);
    assert.equal(window.count(62_000), 3_000);
    window.reset();
    assert.equal(window.count(62_000), 0);
    assert.equal(window.weight, 0);
  });
});
