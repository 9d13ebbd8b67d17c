import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/load-config.ts';
import { createMemoryStores } from '../store/index.ts';
import { createRoutingState, resetRoutingState } from './routing-runtime.ts';

const config = parseConfig(
  `routing:
  breaker: { failure_rate: 0.25, minimum_requests: 20, window: 1m, open_for: 15s, half_open_probes: 1 }
providers:
  openai: { kind: openai, auth: { api_key: sk-test } }
models:
  gpt-4o:
    type: chat
    route: round-robin
    channels:
      - { provider: openai, model: gpt-4o-2024-08-06, capacity: { tpm: 1000 } }
`,
  { env: {} },
);

describe('createRoutingState', () => {
  it('builds in-memory stores with the configured breaker settings by default', () => {
    const state = createRoutingState(config);
    assert.deepEqual(
      { ...state.breakers.settings },
      { failureRate: 0.25, minimumRequests: 20, windowMs: 60_000, openForMs: 15_000, halfOpenProbes: 1 },
    );
    assert.equal(state.routes.get('gpt-4o')!.channels[0].id, 'openai/gpt-4o-2024-08-06');
  });

  it('runs on the stores it is given, and the planner reads the same ones', () => {
    const stores = createMemoryStores();
    const state = createRoutingState(config, stores);
    assert.equal(state.breakers, stores.breakers);
    assert.equal(state.cooldowns, stores.cooldowns);
    assert.equal(state.capacity, stores.capacity);
    assert.equal(state.latency, stores.latency);
    assert.equal(state.roundRobin, stores.roundRobin);
    assert.equal(state.readers.breakers, stores.breakers);
    assert.equal(state.readers.cooldowns, stores.cooldowns);
    assert.equal(state.readers.capacity, stores.capacity);
    assert.equal(state.readers.latency, stores.latency);
    assert.equal(state.readers.roundRobin, stores.roundRobin);
    assert.equal(state.readers.licences, state.licences);
  });
});

describe('resetRoutingState', () => {
  it('closes breakers and empties cooldowns and capacity windows, keeping latency averages', () => {
    const state = createRoutingState(config);
    const key = state.routes.get('gpt-4o')!.channels[0].id;
    for (let failure = 0; failure < 20; failure++) state.breakers.record(key, 'failure', 0);
    state.cooldowns.coolDown(key, 10_000);
    state.capacity.record(key, 900, 1, 0);
    state.latency.observe(key, 250);
    assert.equal(state.breakers.stateOf(key, 0), 'open');

    resetRoutingState(state);
    assert.equal(state.breakers.stateOf(key, 0), 'closed');
    assert.equal(state.cooldowns.remainingMs(key, 0), 0);
    assert.equal(state.capacity.tokens(key, 0), 0);
    assert.equal(state.capacity.requests(key, 0), 0);
    assert.equal(state.latency.averageMs(key), 250);
  });
});
