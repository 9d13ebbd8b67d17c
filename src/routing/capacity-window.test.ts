import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CapacityWindow, CapacityWindows } from './capacity-window.ts';
import { compileModelRoute } from './model-route.ts';
import { RollingWindow } from './rolling-window.ts';

describe('CapacityWindow', () => {
  it('declines the request that would exceed the tokens per minute', () => {
    const window = new CapacityWindow({ tpm: 1_000 });
    window.record(600, 0);
    assert.equal(window.wouldExceed(400, 1_000), undefined);
    assert.equal(window.wouldExceed(401, 1_000), 'tpm');
  });

  it('declines the request over the requests per minute', () => {
    const window = new CapacityWindow({ rpm: 2 });
    window.record(1, 0);
    assert.equal(window.wouldExceed(1, 0), undefined);
    window.record(1, 0);
    assert.equal(window.wouldExceed(1, 0), 'rpm');
  });

  it('rolls over: usage counts for a minute, then leaves the window', () => {
    const window = new CapacityWindow({ tpm: 1_000, rpm: 10 });
    window.record(1_000, 0);
    assert.equal(window.wouldExceed(1, 59_999), 'tpm');
    assert.equal(window.wouldExceed(1, 60_000), undefined);
    assert.equal(window.tokens(60_000), 0);

    // Usage spread over the minute leaves bucket by bucket.
    const spread = new CapacityWindow({ tpm: 10_000 });
    for (let second = 0; second < 60; second++) spread.record(100, second * 1_000);
    assert.equal(spread.tokens(59_999), 6_000);
    assert.equal(spread.tokens(60_000), 5_900);
    assert.equal(spread.tokens(90_000), 2_900);
    assert.equal(spread.tokens(200_000), 0);
  });

  it('accepts corrections and never counts below zero', () => {
    const window = new CapacityWindow({ tpm: 1_000 });
    window.record(800, 0);
    window.record(-500, 1_000, 0);
    assert.equal(window.tokens(1_000), 300);
    assert.equal(window.requests(1_000), 1);
    window.record(-5_000, 2_000, 0);
    assert.equal(window.tokens(2_000), 0);
  });

  it('treats a clock stepping back as the latest time', () => {
    const window = new RollingWindow(60_000, 60);
    window.add(5, 1, 120_000);
    window.add(5, 1, 10_000);
    assert.equal(window.first(120_000), 10);
  });
});

describe('CapacityWindows', () => {
  it('keeps a window per channel with a declared capacity', () => {
    const model = compileModelRoute({ model: 'm', policy: 'ordered', channels: [{ provider: 'a', upstreamModel: 'x', capacity: { tpm: 100 } }, { provider: 'b', upstreamModel: 'x' }] });
    const [a, b] = model.channels;
    const windows = new CapacityWindows();
    windows.record(a, 100, 0);
    windows.record(b, 1_000_000, 0);
    assert.equal(windows.wouldExceed(a, 1, 0), 'tpm');
    assert.equal(windows.wouldExceed(b, 1_000_000, 0), undefined);
    assert.equal(windows.windowFor(b), undefined);
  });
});
