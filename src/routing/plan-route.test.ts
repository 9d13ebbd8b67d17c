import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChannelConfig, ModelConfig } from '../config/types.ts';
import { parseChatRequest } from '../frontends/openai/index.ts';
import { ChannelCooldowns } from './channel-cooldowns.ts';
import { planRoute } from './plan-route.ts';

const channel = (provider: string): ChannelConfig => ({ provider, model: 'm', primary: false });
const a = channel('a');
const b = channel('b');
const c = channel('c');
const model: ModelConfig = { name: 'x', type: 'chat', route: 'ordered', channels: [a, b, c], ownedBy: 'test' };
const request = parseChatRequest({ model: 'x', messages: [{ role: 'user', content: 'hi' }] });

describe('planRoute (ordered)', () => {
  it('keeps configuration order, without copying, when nothing cools down', () => {
    assert.equal(planRoute(model, request, new ChannelCooldowns(), 0), model.channels);
  });

  it('puts cooling channels last, the soonest available first, and forgets expired cooldowns', () => {
    const cooldowns = new ChannelCooldowns();
    cooldowns.coolDown(a, 5_000);
    cooldowns.coolDown(b, 2_000);
    assert.deepEqual(planRoute(model, request, cooldowns, 1_000), [c, b, a]);
    assert.deepEqual(planRoute(model, request, cooldowns, 3_000), [b, c, a]);
    assert.deepEqual(planRoute(model, request, cooldowns, 6_000), [a, b, c]);
    assert.equal(cooldowns.size, 0);
  });

  it('keeps the later of two cooldowns', () => {
    const cooldowns = new ChannelCooldowns();
    cooldowns.coolDown(a, 5_000);
    cooldowns.coolDown(a, 1_000);
    assert.equal(cooldowns.remainingMs(a, 0), 5_000);
  });
});
