import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChannelCooldowns } from './channel-cooldowns.ts';

describe('ChannelCooldowns', () => {
  it('reports the remaining time, keeps the later of two, and forgets expired ones', () => {
    const cooldowns = new ChannelCooldowns();
    const channel = { id: 'azure/gpt-4o' };
    assert.equal(cooldowns.remainingMs(channel, 0), 0);
    cooldowns.coolDown(channel, 5_000);
    cooldowns.coolDown(channel, 1_000);
    assert.equal(cooldowns.remainingMs(channel, 1_000), 4_000);
    assert.equal(cooldowns.remainingMs({ id: 'azure/gpt-4o' }, 2_000), 3_000, 'keyed by id, shared by every model using the channel');
    assert.equal(cooldowns.remainingMs(channel, 5_000), 0);
    assert.equal(cooldowns.size, 0);
  });
});
