import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../errors/index.ts';
import { compileModelRoute } from '../routing/index.ts';
import { ChannelProblemLog } from './channel-problem-log.ts';

const route = compileModelRoute({
  model: 'gpt-4o',
  policy: 'primary-first',
  channels: [
    { provider: 'azure-eastus', upstreamModel: 'gpt-4o-prod', primary: true },
    { provider: 'openai', upstreamModel: 'gpt-4o' },
  ],
});
const [azure, openai] = route.channels;
const refused = new GatewayError('upstream_authentication_failed', 'openai answered 401: Incorrect API key provided: sk-proj-****************abcd. You can find your API key at https://platform.openai.com/account/api-keys.', {
  upstream: { provider: 'openai', model: 'gpt-4o', status: 401, body: undefined },
});
const missing = new GatewayError('upstream_error', 'azure-eastus answered 404: The API deployment for this resource does not exist.', {
  upstream: { provider: 'azure-eastus', model: 'gpt-4o-prod', status: 404, body: undefined },
});

function setUp(options: { maxChannels?: number } = {}) {
  const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
  let now = 1_000_000;
  const log = new ChannelProblemLog({ warn: (fields, message) => lines.push({ fields: fields as Record<string, unknown>, message }) }, { now: () => now, ...options });
  return { lines, log, advance: (ms: number) => (now += ms) };
}

describe('ChannelProblemLog', () => {
  it('warns once per channel per minute: not at 59,999 ms, again at 60,000 ms, with the count in between', () => {
    const { lines, log, advance } = setUp();
    log.report(openai, 'authentication', refused);
    assert.equal(lines.length, 1);
    advance(59_999);
    log.report(openai, 'authentication', refused);
    log.report(openai, 'authentication', refused);
    assert.equal(lines.length, 1, 'still within the minute');
    advance(1);
    log.report(openai, 'authentication', refused);
    assert.equal(lines.length, 2, 'a minute after the last warning');
    assert.equal(lines[1].fields.suppressed, 2);
    log.report(openai, 'authentication', refused);
    assert.equal(lines.length, 2, 'the minute starts again from the second warning');
  });

  it('counts each channel on its own', () => {
    const { lines, log } = setUp();
    log.report(openai, 'authentication', refused);
    log.report(azure, 'not_found', missing);
    log.report(azure, 'not_found', missing);
    assert.deepEqual(
      lines.map((line) => [line.fields.provider, line.fields.upstreamModel, line.fields.reason, line.fields.status]),
      [
        ['openai', 'gpt-4o', 'authentication', 401],
        ['azure-eastus', 'gpt-4o-prod', 'not_found', 404],
      ],
    );
    assert.equal(lines[1].message, 'channel azure-eastus/gpt-4o-prod is misconfigured: its deployment or model was not found upstream');
  });

  it("logs the upstream's text with the key-like part redacted", () => {
    const { lines, log } = setUp();
    log.report(openai, 'authentication', refused);
    const text = String(lines[0].fields.upstreamMessage);
    assert.match(text, /^openai answered 401: Incorrect API key provided: \[redacted\]\. You can find your API key at https:\/\/platform\.openai\.com\/account\/api-keys\.$/);
    assert.doesNotMatch(JSON.stringify(lines), /abcd|sk-/);
  });

  it('remembers at most maxChannels channels', () => {
    const { lines, log } = setUp({ maxChannels: 1 });
    log.report(openai, 'authentication', refused);
    log.report(openai, 'authentication', refused);
    assert.equal(lines.length, 1);
    // A second channel does not fit: what was remembered is forgotten, so both warn again rather than grow.
    log.report(azure, 'not_found', missing);
    log.report(openai, 'authentication', refused);
    assert.equal(lines.length, 3);
  });
});
