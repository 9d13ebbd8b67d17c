import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker, CircuitBreakers, type BreakerSettings } from './circuit-breaker.ts';
import { compileModelRoute } from './model-route.ts';

const settings: BreakerSettings = { failureRate: 0.5, minimumRequests: 4, windowMs: 10_000, buckets: 10, openForMs: 5_000, halfOpenProbes: 2 };

/** A breaker opened at `at` by four failures. */
function opened(at: number): CircuitBreaker {
  const breaker = new CircuitBreaker(settings);
  for (let index = 0; index < 4; index++) breaker.record('failure', at);
  assert.equal(breaker.state(at), 'open');
  return breaker;
}

describe('CircuitBreaker', () => {
  it('stays closed below the minimum number of requests, whatever the failure rate', () => {
    const breaker = new CircuitBreaker(settings);
    for (let index = 0; index < 3; index++) breaker.record('failure', 1_000);
    assert.equal(breaker.state(1_000), 'closed');
    assert.equal(breaker.allowRequest(1_000), true);
    breaker.record('failure', 1_000);
    assert.equal(breaker.state(1_000), 'open');
    assert.equal(breaker.allowRequest(1_000), false);
  });

  it('opens on the failure rate over the rolling window only', () => {
    const breaker = new CircuitBreaker(settings);
    for (let index = 0; index < 6; index++) breaker.record('success', 0);
    for (let index = 0; index < 5; index++) breaker.record('failure', 1_000);
    assert.equal(breaker.state(1_000), 'closed', '5 of 11 is below half');
    // The successes leave the window; the failures alone are now the whole window.
    breaker.record('failure', 10_500);
    assert.equal(breaker.state(10_500), 'open');
  });

  it('goes half-open after the open period and admits only N probes', () => {
    const breaker = opened(0);
    assert.equal(breaker.state(4_999), 'open');
    assert.equal(breaker.allowRequest(4_999), false);
    assert.equal(breaker.state(5_000), 'half-open');
    assert.equal(breaker.allowRequest(5_000), true);
    assert.equal(breaker.allowRequest(5_001), true);
    assert.equal(breaker.allowRequest(5_002), false, 'two probes in flight');
  });

  it('closes when the probes succeed, with a fresh window', () => {
    const breaker = opened(0);
    breaker.allowRequest(5_000);
    breaker.allowRequest(5_000);
    breaker.record('success', 5_100);
    assert.equal(breaker.state(5_100), 'half-open');
    breaker.record('success', 5_200);
    assert.equal(breaker.state(5_200), 'closed');
    // The failures that opened it are forgotten: three new ones do not reopen it.
    for (let index = 0; index < 3; index++) breaker.record('failure', 5_300);
    assert.equal(breaker.state(5_300), 'closed');
  });

  it('opens again when a probe fails, for another full period', () => {
    const breaker = opened(0);
    assert.equal(breaker.allowRequest(5_000), true);
    breaker.record('failure', 5_500);
    assert.equal(breaker.state(5_500), 'open');
    assert.equal(breaker.state(10_499), 'open');
    assert.equal(breaker.state(10_500), 'half-open');
  });

  it('ignores outcomes arriving while open', () => {
    const breaker = opened(0);
    breaker.record('success', 1_000);
    breaker.record('success', 1_000);
    assert.equal(breaker.state(1_000), 'open');
  });

  it('frees the slots of probes that never report after another period', () => {
    const breaker = opened(0);
    assert.equal(breaker.allowRequest(5_000), true);
    assert.equal(breaker.allowRequest(5_000), true);
    assert.equal(breaker.allowRequest(9_999), false);
    assert.equal(breaker.allowRequest(10_001), true);
  });

  it('rejects invalid settings', () => {
    assert.throws(() => new CircuitBreaker({ ...settings, failureRate: 0 }), /failure_rate/);
    assert.throws(() => new CircuitBreaker({ ...settings, halfOpenProbes: 0 }), /half_open_probes/);
  });
});

describe('CircuitBreakers', () => {
  it('keeps one breaker per channel and reads unseen channels as closed', () => {
    const model = compileModelRoute({ model: 'm', policy: 'ordered', channels: [{ provider: 'a', upstreamModel: 'x' }, { provider: 'b', upstreamModel: 'x' }] });
    const [a, b] = model.channels;
    const breakers = new CircuitBreakers(settings);
    assert.equal(breakers.stateOf(a, 0), 'closed');
    for (let index = 0; index < 4; index++) breakers.for(a).record('failure', 0);
    assert.equal(breakers.stateOf(a, 0), 'open');
    assert.equal(breakers.stateOf(b, 0), 'closed');
    assert.equal(breakers.for(a), breakers.for(a));
  });
});
