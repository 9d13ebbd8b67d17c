import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../errors/index.ts';
import { convertConverseResponse } from './convert-response.ts';

const identity = { provider: 'bedrock-use1', model: 'anthropic.claude-sonnet-4-5' };
const usage = { inputTokens: 10, outputTokens: 5, totalTokens: 15 };
const response = (content: unknown[], stopReason = 'end_turn', extra: Record<string, unknown> = {}) => ({
  output: { message: { role: 'assistant', content } },
  stopReason,
  usage,
  metrics: { latencyMs: 321 },
  ...extra,
});

describe('convertConverseResponse', () => {
  it('joins text blocks, mints the id from the request id and names the channel model', () => {
    const before = Math.floor(Date.now() / 1000);
    const result = convertConverseResponse(response([{ text: 'Hello' }, { text: ', world' }]), identity, 'req-42');
    assert.equal(result.id, 'chatcmpl-req-42');
    assert.ok(result.created >= before && result.created <= before + 5);
    assert.equal(result.model, identity.model);
    assert.equal(result.content, 'Hello, world');
    assert.equal(result.reasoning, undefined);
    assert.equal(result.refusal, null);
    assert.equal(result.toolCalls, undefined);
    assert.deepEqual(result.finishReason, { unified: 'stop', raw: 'end_turn' });
    assert.deepEqual(result.usage?.inputTokens, { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 });
    assert.equal(result.openaiBody, undefined);
  });

  it('turns toolUse blocks into tool calls with serialised arguments and Bedrock ids', () => {
    const result = convertConverseResponse(
      response(
        [
          { text: 'Checking.' },
          { toolUse: { toolUseId: 'tooluse_a', name: 'get_weather', input: { city: 'Paris', days: 2 } } },
          { toolUse: { toolUseId: 'tooluse_b', name: 'get_time', input: {} } },
        ],
        'tool_use',
      ),
      identity,
      'r',
    );
    assert.equal(result.content, 'Checking.');
    assert.deepEqual(result.toolCalls, [
      { id: 'tooluse_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","days":2}' } },
      { id: 'tooluse_b', type: 'function', function: { name: 'get_time', arguments: '{}' } },
    ]);
    assert.deepEqual(result.finishReason, { unified: 'tool-calls', raw: 'tool_use' });
  });

  it('has null content when the answer is tool calls only', () => {
    const result = convertConverseResponse(response([{ toolUse: { toolUseId: 't', name: 'f', input: {} } }], 'tool_use'), identity, 'r');
    assert.equal(result.content, null);
  });

  it('keeps reasoning text apart and drops redacted reasoning', () => {
    const result = convertConverseResponse(
      response([
        { reasoningContent: { reasoningText: { text: 'Think ', signature: 'sig' } } },
        { reasoningContent: { redactedContent: 'AAAA' } },
        { reasoningContent: { reasoningText: { text: 'more.' } } },
        { text: 'Yes' },
      ]),
      identity,
      'r',
    );
    assert.equal(result.reasoning, 'Think more.');
    assert.equal(result.content, 'Yes');
  });

  it('counts cache reads and writes into the prompt tokens', () => {
    const result = convertConverseResponse(
      response([{ text: 'x' }], 'end_turn', { usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4, cacheReadInputTokens: 100, cacheWriteInputTokens: 20 } }),
      identity,
      'r',
    );
    assert.deepEqual(result.usage?.inputTokens, { total: 123, noCache: 3, cacheRead: 100, cacheWrite: 20 });
  });

  it('refuses model_context_window_exceeded as context_length_exceeded', () => {
    assert.throws(
      () => convertConverseResponse(response([{ text: 'partial' }], 'model_context_window_exceeded'), identity, 'r'),
      (error: unknown) => error instanceof GatewayError && error.code === 'context_length_exceeded' && error.status === 400 && !error.isRetryable,
    );
  });

  const malformed: Array<[string, unknown]> = [
    ['null', null],
    ['a string', 'oops'],
    ['no output', { stopReason: 'end_turn' }],
    ['content that is not a list', { output: { message: { content: 'hi' } } }],
    ['a content block that is not an object', { output: { message: { content: [3] } } }],
    ['a toolUse without a name', { output: { message: { content: [{ toolUse: { toolUseId: 'x', input: {} } }] } } }],
  ];
  for (const [name, body] of malformed) {
    it(`refuses ${name} as upstream_error`, () => {
      assert.throws(
        () => convertConverseResponse(body, identity, 'r'),
        (error: unknown) => error instanceof GatewayError && error.code === 'upstream_error' && error.isRetryable && error.upstream?.provider === 'bedrock-use1',
      );
    });
  }
});
