import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileModelRoute, hashString } from './model-route.ts';
import type { RouteChannelSpec } from './routing-types.ts';

const spec = (provider: string, extra: Partial<RouteChannelSpec> = {}): RouteChannelSpec => ({ provider, upstreamModel: 'm', ...extra });

describe('compileModelRoute', () => {
  it('applies defaults and precomputes ids, hashes and the smallest window', () => {
    const route = compileModelRoute({
      model: 'gpt-4o',
      policy: 'ordered',
      channels: [spec('a', { capabilities: { contextWindow: 200_000 } }), spec('b', { capabilities: { contextWindow: 128_000 }, region: 'EastUS' }), spec('c')],
    });
    const [a, b, c] = route.channels;
    assert.deepEqual([a.id, a.index, a.weight, a.primary], ['a/m', 0, 1, false]);
    assert.equal(a.hash, hashString('a/m'));
    assert.equal(b.region, 'eastus');
    assert.deepEqual(c.capabilities, { vision: true, tools: true, jsonSchema: true, streaming: true, contextWindow: undefined, maxOutputTokens: undefined });
    assert.equal(c.checksCapabilities, false);
    assert.equal(a.checksCapabilities, true);
    assert.equal(route.smallestContextWindow, 128_000);
    assert.equal(route.order, route.channels);
    assert.equal(route.expectedOutputTokens, 1_024);
  });

  it('orders primary-first with the primary first and weighted by weight', () => {
    const primary = compileModelRoute({ model: 'x', policy: 'primary-first', channels: [spec('a'), spec('b', { primary: true }), spec('c')] });
    assert.deepEqual(primary.order.map((channel) => channel.provider), ['b', 'a', 'c']);
    assert.equal(primary.primary?.provider, 'b');
    const weighted = compileModelRoute({ model: 'x', policy: 'weighted', channels: [spec('a', { weight: 1 }), spec('b', { weight: 5 }), spec('c', { weight: 1 })] });
    assert.deepEqual(weighted.order.map((channel) => channel.provider), ['b', 'a', 'c']);
  });

  it('rejects what cannot route, naming the model, the channel and the field', () => {
    assert.throws(() => compileModelRoute({ model: 'x', policy: 'primary-first', channels: [spec('a')] }), /Model "x": route primary-first needs one channel marked primary/);
    assert.throws(() => compileModelRoute({ model: 'x', policy: 'ordered', channels: [spec('a', { primary: true }), spec('b', { primary: true })] }), /only one channel may be primary/);
    assert.throws(() => compileModelRoute({ model: 'x', policy: 'ordered', channels: [spec('a'), spec('a')] }), /a\/m is listed twice/);
    assert.throws(() => compileModelRoute({ model: 'x', policy: 'ordered', channels: [spec('a', { weight: -1 })] }), /channel 1 \(a\/m\): weight must be a finite number ≥ 0/);
    assert.throws(() => compileModelRoute({ model: 'x', policy: 'weighted', channels: [spec('a', { weight: 0 })] }), /needs a channel with a weight above 0/);
    assert.throws(() => compileModelRoute({ model: 'x', policy: 'ordered', channels: [spec('a', { capacity: { tpm: 1.5 } })] }), /capacity.tpm must be a positive integer/);
    assert.throws(() => compileModelRoute({ model: 'x', policy: 'fastest' as never, channels: [spec('a')] }), /unknown route "fastest"/);
    assert.throws(() => compileModelRoute({ model: 'x', policy: 'ordered', channels: [] }), /at least one channel/);
  });
});
