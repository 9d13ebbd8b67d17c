import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfiguredDeclineRule, inTimeRange, utcWeekday, type DeclineConditions } from './decline-rules.ts';
import { compileModelRoute } from './model-route.ts';
import type { RequestFeatures, RouteInput } from './routing-types.ts';

const model = compileModelRoute({ model: 'gpt-4o', policy: 'ordered', channels: [{ provider: 'azure', upstreamModel: 'gpt-4o' }] });
const other = compileModelRoute({ model: 'gpt-4.1', policy: 'ordered', channels: [{ provider: 'azure', upstreamModel: 'gpt-4.1' }] });
const channel = model.channels[0];

function request(promptTokens: number): RequestFeatures {
  return { vision: false, images: 0, tools: false, jsonSchema: false, streaming: false, promptTokens, promptTokensExact: true, promptTokensUpperBound: promptTokens, maxOutputTokens: undefined };
}

function at(now: number, extra: Partial<RouteInput> = {}): RouteInput {
  return { route: model, request: request(100), state: {}, now, random: Math.random, ...extra };
}

const rule = (when: DeclineConditions) => new ConfiguredDeclineRule({ name: 'night-batch', when });
const friday = (hour: number, minute = 0) => Date.UTC(2030, 5, 14, hour, minute);

describe('ConfiguredDeclineRule', () => {
  it('matches a time window across midnight: start inclusive, end exclusive', () => {
    const night = rule({ hours: { startMinute: 22 * 60, endMinute: 6 * 60 } });
    assert.equal(night.declines(channel, at(friday(21, 59))), false);
    assert.equal(night.declines(channel, at(friday(22, 0))), true);
    assert.equal(night.declines(channel, at(friday(23, 59))), true);
    assert.equal(night.declines(channel, at(friday(0, 0))), true);
    assert.equal(night.declines(channel, at(friday(5, 59))), true);
    assert.equal(night.declines(channel, at(friday(6, 0))), false);
    assert.equal(night.declines(channel, at(friday(12, 0))), false);
  });

  it('matches a daytime window and a window to the end of the day', () => {
    assert.equal(inTimeRange(9 * 60, { startMinute: 9 * 60, endMinute: 17 * 60 }), true);
    assert.equal(inTimeRange(17 * 60, { startMinute: 9 * 60, endMinute: 17 * 60 }), false);
    assert.equal(inTimeRange(1439, { startMinute: 20 * 60, endMinute: 1440 }), true);
  });

  it('gives the part after midnight to the day the window started on', () => {
    assert.equal(utcWeekday(friday(12)), 5);
    const fridayNight = rule({ hours: { startMinute: 22 * 60, endMinute: 6 * 60 }, days: ['fri'] });
    assert.equal(fridayNight.declines(channel, at(friday(23))), true);
    assert.equal(fridayNight.declines(channel, at(friday(23) + 4 * 3_600_000)), true, 'Saturday 03:00 is still Friday night');
    assert.equal(fridayNight.declines(channel, at(friday(3))), false, 'Friday 03:00 belongs to Thursday night');
    const weekend = rule({ days: ['sat', 'sun'] });
    assert.equal(weekend.declines(channel, at(friday(12))), false);
    assert.equal(weekend.declines(channel, at(friday(12) + 86_400_000)), true);
  });

  it('matches tenants and models', () => {
    const batch = rule({ tenants: ['batch-team'] });
    assert.equal(batch.declines(channel, at(friday(12), { tenant: 'batch-team' })), true);
    assert.equal(batch.declines(channel, at(friday(12), { tenant: 'web' })), false);
    assert.equal(batch.declines(channel, at(friday(12))), false);
    const gpt4o = rule({ models: ['gpt-4o'] });
    assert.equal(gpt4o.declines(channel, at(friday(12))), true);
    assert.equal(gpt4o.declines(channel, at(friday(12), { route: other })), false);
  });

  it('matches the request size, bounds inclusive', () => {
    const large = rule({ minPromptTokens: 100_000 });
    assert.equal(large.declines(channel, at(friday(12), { request: request(99_999) })), false);
    assert.equal(large.declines(channel, at(friday(12), { request: request(100_000) })), true);
    const small = rule({ maxPromptTokens: 50 });
    assert.equal(small.declines(channel, at(friday(12), { request: request(50) })), true);
    assert.equal(small.declines(channel, at(friday(12), { request: request(51) })), false);
  });

  it('needs every condition to match', () => {
    const both = rule({ hours: { startMinute: 22 * 60, endMinute: 6 * 60 }, tenants: ['batch-team'] });
    assert.equal(both.declines(channel, at(friday(23), { tenant: 'batch-team' })), true);
    assert.equal(both.declines(channel, at(friday(23), { tenant: 'web' })), false);
    assert.equal(both.declines(channel, at(friday(12), { tenant: 'batch-team' })), false);
  });

  it('rejects rules that would decline everything or cannot match', () => {
    assert.throws(() => rule({}), /sets no condition/);
    assert.throws(() => rule({ hours: { startMinute: 60, endMinute: 60 } }), /non-empty range/);
    assert.throws(() => rule({ minPromptTokens: 10, maxPromptTokens: 5 }), /max_prompt_tokens is below/);
    assert.throws(() => rule({ days: [] }), /at least one day/);
  });
});
