import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../errors/index.ts';
import { convertGeminiResponse } from './convert-response.ts';
import { mintToolCallId } from './tool-call-ids.ts';

const identity = { provider: 'vertex-test', model: 'gemini-2.5-flash' };
const requestId = 'req-1';

function response(parts: unknown[] | undefined, finishReason: string | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const candidate: Record<string, unknown> = {};
  if (parts !== undefined) candidate.content = { role: 'model', parts };
  if (finishReason !== undefined) candidate.finishReason = finishReason;
  return {
    candidates: [candidate],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
    modelVersion: 'gemini-2.5-flash-001',
    createTime: '2025-11-04T09:30:12.481516Z',
    responseId: 'resp-abc',
    ...extra,
  };
}

function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a GatewayError');
}

describe('convertGeminiResponse', () => {
  it('joins text parts, mints the id from the request id, reads createTime, modelVersion and usage', () => {
    const result = convertGeminiResponse(response([{ text: 'Grüße, ' }, { text: 'world' }], 'STOP'), identity, requestId);
    assert.deepEqual(result, {
      id: 'chatcmpl-req-1',
      created: Math.floor(Date.parse('2025-11-04T09:30:12.481516Z') / 1000),
      model: 'gemini-2.5-flash-001',
      content: 'Grüße, world',
      reasoning: undefined,
      refusal: null,
      toolCalls: undefined,
      finishReason: { unified: 'stop', raw: 'STOP' },
      usage: { inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 5, text: 5, reasoning: 0 } },
      openaiBody: undefined,
    });
  });

  it('falls back to now and the channel model without createTime and modelVersion', () => {
    const result = convertGeminiResponse({ candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason: 'STOP' }] }, identity, requestId);
    assert.equal(result.model, identity.model);
    assert.ok(Math.abs(result.created - Date.now() / 1000) < 5);
    assert.equal(result.usage, undefined);
  });

  it('puts thought parts into reasoning, not content, and counts thinking tokens as reasoning output', () => {
    const result = convertGeminiResponse(
      response([{ text: 'Let me count. ', thought: true }, { text: 'Three.', thought: true }, { text: 'There are 3.' }, { text: '', thoughtSignature: 'c2ln' }], 'STOP', {
        usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 5, thoughtsTokenCount: 40, totalTokenCount: 54 },
      }),
      identity,
      requestId,
    );
    assert.equal(result.content, 'There are 3.');
    assert.equal(result.reasoning, 'Let me count. Three.');
    assert.deepEqual(result.usage?.outputTokens, { total: 45, text: 5, reasoning: 40 });
  });

  it('turns function calls into tool calls with minted ids, and STOP into tool-calls', () => {
    const result = convertGeminiResponse(
      response(
        [
          { text: 'Checking.' },
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2ln' },
          { functionCall: { name: 'get_time' } },
          { functionCall: { id: 'fc_upstream_1', name: 'get_date', args: {} } },
        ],
        'STOP',
      ),
      identity,
      requestId,
    );
    assert.equal(result.content, 'Checking.');
    assert.deepEqual(result.toolCalls, [
      { id: mintToolCallId('resp-abc', 0, 'get_weather'), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: mintToolCallId('resp-abc', 1, 'get_time'), type: 'function', function: { name: 'get_time', arguments: '{}' } },
      { id: 'fc_upstream_1', type: 'function', function: { name: 'get_date', arguments: '{}' } },
    ]);
    assert.deepEqual(result.finishReason, { unified: 'tool-calls', raw: 'STOP' });
  });

  it('mints tool-call ids from the request id when Gemini sends no responseId, the same on every conversion', () => {
    const body = response([{ functionCall: { name: 'f', args: {} } }], 'STOP', { responseId: undefined });
    const first = convertGeminiResponse(body, identity, 'req-9');
    const second = convertGeminiResponse(structuredClone(body), identity, 'req-9');
    assert.equal(first.toolCalls?.[0].id, mintToolCallId('req-9', 0, 'f'));
    assert.equal(first.toolCalls?.[0].id, second.toolCalls?.[0].id);
  });

  it('content is null when the candidate has no text', () => {
    const result = convertGeminiResponse(response(undefined, 'MAX_TOKENS'), identity, requestId);
    assert.equal(result.content, null);
    assert.deepEqual(result.finishReason, { unified: 'length', raw: 'MAX_TOKENS' });
  });

  it('a candidate stopped by a filter is a result with finish reason content-filter', () => {
    const result = convertGeminiResponse(
      response(undefined, 'SAFETY', { candidates: [{ finishReason: 'SAFETY', safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', blocked: true }] }] }),
      identity,
      requestId,
    );
    assert.equal(result.content, null);
    assert.deepEqual(result.finishReason, { unified: 'content-filter', raw: 'SAFETY' });
  });

  it('reads candidate 0 when candidates carry indexes', () => {
    const result = convertGeminiResponse(
      { candidates: [{ index: 1, content: { parts: [{ text: 'second' }] }, finishReason: 'STOP' }, { index: 0, content: { parts: [{ text: 'first' }] }, finishReason: 'STOP' }] },
      identity,
      requestId,
    );
    assert.equal(result.content, 'first');
  });

  it('a blocked prompt is a content_filter error, not retried', () => {
    const error = refusal(() =>
      convertGeminiResponse(
        { promptFeedback: { blockReason: 'PROHIBITED_CONTENT', blockReasonMessage: 'Blocked for prohibited content.' }, usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 } },
        identity,
        requestId,
      ),
    );
    assert.equal(error.code, 'content_filter');
    assert.equal(error.status, 400);
    assert.equal(error.isRetryable, false);
    assert.match(error.message, /PROHIBITED_CONTENT/);
    assert.match(error.message, /Blocked for prohibited content/);
  });

  it('an error object in a 200 body is mapped as an error response', () => {
    const error = refusal(() => convertGeminiResponse({ error: { code: 429, message: 'Resource exhausted.', status: 'RESOURCE_EXHAUSTED' } }, identity, requestId));
    assert.equal(error.code, 'upstream_rate_limited');
    assert.equal(error.isRetryable, true);
  });

  const malformed: Array<[string, unknown]> = [
    ['not an object', 'text'],
    ['null', null],
    ['a list', [1, 2]],
    ['no candidates', { usageMetadata: {} }],
    ['empty candidates', { candidates: [] }],
    ['a block reason left unspecified', { promptFeedback: { blockReason: 'BLOCKED_REASON_UNSPECIFIED' } }],
    ['parts that are not a list', { candidates: [{ content: { parts: 'x' } }] }],
    ['a part that is not an object', { candidates: [{ content: { parts: [null] } }] }],
    ['a function call without a name', { candidates: [{ content: { parts: [{ functionCall: { args: {} } }] } }] }],
  ];
  for (const [name, body] of malformed) {
    it(`refuses ${name} as upstream_error (retryable)`, () => {
      const error = refusal(() => convertGeminiResponse(body, identity, requestId));
      assert.equal(error.code, 'upstream_error');
      assert.equal(error.isRetryable, true);
    });
  }
});
