import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../errors/index.ts';
import type { StreamPart } from '../../spec/index.ts';
import type { StreamSink } from '../adapter.ts';
import { convertResponsesRequest, convertResponsesResponse, convertResponsesUsage } from './convert-responses.ts';
import { convertChatRequest } from './convert-request.ts';
import { ResponsesStreamDecoder } from './responses-stream.ts';
import { createChatRequest } from '../../spec/index.ts';

const identity = { provider: 'test-provider', model: 'test-model' };

const usage = {
  input_tokens: 100,
  input_tokens_details: { cached_tokens: 40, cache_write_tokens: 10 },
  output_tokens: 30,
  output_tokens_details: { reasoning_tokens: 12 },
  total_tokens: 130,
};

const response = {
  id: 'resp_1',
  object: 'response',
  created_at: 1731000000,
  model: 'gpt-5-mini',
  status: 'completed',
  incomplete_details: null,
  output: [
    { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'thinking ' }], content: [{ type: 'reasoning_text', text: 'step one' }] },
    { id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello', annotations: [] }, { type: 'output_text', text: ', world', annotations: [] }] },
    { id: 'fc_1', type: 'function_call', status: 'completed', call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
  ],
  usage,
};

describe('the Responses request body', () => {
  it('forwards the client body with the upstream model, the stream flag and store: false', () => {
    const body = { model: 'public', input: 'hi', metadata: { a: 'b' }, reasoning: { effort: 'low' }, store: true, stream: false };
    const sent = JSON.parse(convertResponsesRequest({ dialect: 'openai-responses', body }, 'gpt-5-mini', true));
    assert.deepEqual(sent, { model: 'gpt-5-mini', input: 'hi', metadata: { a: 'b' }, reasoning: { effort: 'low' }, store: false, stream: true });
    assert.equal(body.store, true, 'the client body is not changed');
  });

  it('a chat completions upstream gets the neutral request encoded, not the Responses body', () => {
    const request = createChatRequest({ model: 'public', messages: [{ role: 'user', content: 'hi' }], passthrough: { dialect: 'openai-responses', body: { input: 'hi', metadata: { a: 'b' } } } });
    const sent = JSON.parse(convertChatRequest(request, 'gpt-4o-mini', { maxTokensField: 'as-sent' }, false));
    assert.deepEqual(sent, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  });
});

describe('convertResponsesResponse', () => {
  it('text, reasoning text, function calls (call_id as id), tool-calls finish and usage', () => {
    const result = convertResponsesResponse(response, identity);
    assert.equal(result.id, 'resp_1');
    assert.equal(result.created, 1731000000);
    assert.equal(result.model, 'gpt-5-mini');
    assert.equal(result.content, 'Hello, world');
    assert.equal(result.reasoning, 'step one');
    assert.equal(result.refusal, null);
    assert.deepEqual(result.toolCalls, [{ id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
    assert.deepEqual(result.finishReason, { unified: 'tool-calls', raw: 'completed' });
    assert.deepEqual(result.usage, {
      inputTokens: { total: 100, noCache: 50, cacheRead: 40, cacheWrite: 10 },
      outputTokens: { total: 30, text: 18, reasoning: 12 },
    });
  });

  it("a hosted tool's item (web_search_call) is handed on whole, with its position in the output", () => {
    const search = { id: 'ws_1', type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'news' } };
    const result = convertResponsesResponse({ ...response, output: [search, ...response.output] }, identity);
    assert.deepEqual(result.outputItems, [{ position: 0, item: search }]);
    assert.equal(result.content, 'Hello, world');
    assert.equal(convertResponsesResponse(response, identity).outputItems, undefined, 'none: absent');
  });

  it('a refusal; the reasoning summary when no reasoning text; stop when no call', () => {
    const result = convertResponsesResponse(
      { ...response, output: [{ type: 'reasoning', summary: [{ type: 'summary_text', text: 'brief' }] }, { type: 'message', content: [{ type: 'refusal', refusal: 'No.' }] }] },
      identity,
    );
    assert.equal(result.content, null);
    assert.equal(result.refusal, 'No.');
    assert.equal(result.reasoning, 'brief');
    assert.equal(result.toolCalls, undefined);
    assert.deepEqual(result.finishReason, { unified: 'stop', raw: 'completed' });
  });

  it('incomplete: max_output_tokens is length, content_filter is content-filter', () => {
    const cut = (reason: string) => convertResponsesResponse({ ...response, status: 'incomplete', incomplete_details: { reason } }, identity).finishReason;
    assert.deepEqual(cut('max_output_tokens'), { unified: 'length', raw: 'max_output_tokens' });
    assert.deepEqual(cut('content_filter'), { unified: 'content-filter', raw: 'content_filter' });
    assert.deepEqual(cut('other_reason'), { unified: 'other', raw: 'other_reason' });
  });

  it('a failed response or a body without output is the upstream error, retryable', () => {
    for (const body of [{ ...response, status: 'failed', error: { code: 'server_error', message: 'boom' } }, { id: 'x' }, null]) {
      assert.throws(() => convertResponsesResponse(body, identity), (error: unknown) => error instanceof GatewayError && error.code === 'upstream_error' && error.isRetryable);
    }
  });

  it('usage: absent is undefined; parts larger than their whole are capped', () => {
    assert.equal(convertResponsesUsage(undefined), undefined);
    assert.deepEqual(convertResponsesUsage({ input_tokens: 10, input_tokens_details: { cached_tokens: 8, cache_write_tokens: 5 }, output_tokens: 4, output_tokens_details: { reasoning_tokens: 9 } }), {
      inputTokens: { total: 10, noCache: 0, cacheRead: 8, cacheWrite: 2 },
      outputTokens: { total: 4, text: 0, reasoning: 4 },
    });
  });
});

function sse(events: Array<Record<string, unknown>>): Buffer {
  return Buffer.from(events.map((event, index) => `event: ${event.type}\ndata: ${JSON.stringify({ ...event, sequence_number: index })}\n\n`).join(''));
}

function decode(bytes: Buffer, size: number, saturate = false) {
  const parts: StreamPart[] = [];
  const sink: StreamSink = { write: (part) => (parts.push(part), !saturate), onDrain: () => {} };
  const decoder = new ResponsesStreamDecoder(sink, identity);
  const pushed: boolean[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) pushed.push(decoder.push(bytes.subarray(offset, offset + size)));
  return { parts, error: decoder.end(), pushed, started: decoder.started };
}

const created = { type: 'response.created', response: { ...response, status: 'in_progress', output: [], usage: null } };
const streamed = sse([
  created,
  { type: 'response.in_progress', response: created.response },
  { type: 'response.output_item.added', output_index: 0, item: { type: 'reasoning', summary: [] } },
  { type: 'response.reasoning_summary_text.delta', output_index: 0, delta: 'hmm ' },
  { type: 'response.reasoning_text.delta', output_index: 0, delta: 'think' },
  { type: 'response.output_item.added', output_index: 1, item: { type: 'message', content: [] } },
  { type: 'response.output_text.delta', output_index: 1, content_index: 0, delta: 'Grüße 🌍' },
  { type: 'response.output_text.done', output_index: 1, content_index: 0, text: 'Grüße 🌍' },
  { type: 'response.output_item.added', output_index: 2, item: { type: 'function_call', call_id: 'call_a', name: 'get_weather', arguments: '' } },
  { type: 'response.function_call_arguments.delta', output_index: 2, delta: '{"city":' },
  { type: 'response.function_call_arguments.delta', output_index: 2, delta: '"Paris"}' },
  { type: 'response.output_item.added', output_index: 3, item: { type: 'function_call', call_id: 'call_b', name: 'get_time', arguments: '{}' } },
  { type: 'response.completed', response },
]);

describe('ResponsesStreamDecoder', () => {
  for (const size of [1, 13, 100_000]) {
    it(`start, reasoning, text, tool calls, finish and usage with ${size}-byte reads`, () => {
      const { parts, error } = decode(streamed, size);
      assert.equal(error, undefined);
      assert.deepEqual(parts, [
        { type: 'start', id: 'resp_1', created: 1731000000, model: 'gpt-5-mini' },
        { type: 'reasoning-delta', delta: 'hmm ' },
        { type: 'reasoning-delta', delta: 'think' },
        { type: 'text-delta', delta: 'Grüße 🌍' },
        { type: 'tool-call-delta', index: 0, id: 'call_a', name: 'get_weather', argumentsDelta: '' },
        { type: 'tool-call-delta', index: 0, id: undefined, name: undefined, argumentsDelta: '{"city":' },
        { type: 'tool-call-delta', index: 0, id: undefined, name: undefined, argumentsDelta: '"Paris"}' },
        { type: 'tool-call-delta', index: 1, id: 'call_b', name: 'get_time', argumentsDelta: '{}' },
        { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'completed' } },
        { type: 'usage', usage: convertResponsesUsage(usage) },
      ]);
    });
  }

  it("a hosted tool's item is handed on whole when it is done; the items the gateway models are not repeated", () => {
    const search = { id: 'ws_1', type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'news' } };
    const { parts, error } = decode(
      sse([
        created,
        { type: 'response.output_item.added', output_index: 0, item: { ...search, status: 'in_progress' } },
        { type: 'response.web_search_call.searching', output_index: 0, item_id: 'ws_1' },
        { type: 'response.output_item.done', output_index: 0, item: search },
        { type: 'response.output_item.added', output_index: 1, item: { type: 'message', content: [] } },
        { type: 'response.output_text.delta', output_index: 1, content_index: 0, delta: 'Found' },
        { type: 'response.output_item.done', output_index: 1, item: { type: 'message', content: [{ type: 'output_text', text: 'Found' }] } },
        { type: 'response.completed', response: { ...response, output: [] } },
      ]),
      100_000,
    );
    assert.equal(error, undefined);
    assert.deepEqual(parts.slice(1, 3), [{ type: 'output-item', item: search }, { type: 'text-delta', delta: 'Found' }]);
    assert.equal(parts.filter((part) => part.type === 'output-item').length, 1);
  });

  it('response.incomplete finishes with its reason', () => {
    const { parts, error } = decode(sse([created, { type: 'response.output_text.delta', delta: 'cut' }, { type: 'response.incomplete', response: { ...response, output: [], status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } }]), 100);
    assert.equal(error, undefined);
    assert.deepEqual(parts.find((part) => part.type === 'finish'), { type: 'finish', finishReason: { unified: 'length', raw: 'max_output_tokens' } });
  });

  it('an error event before any output fails the stream with nothing written (another channel may serve)', () => {
    const { parts, error } = decode(sse([{ type: 'error', code: 'server_error', message: 'The server had an error', param: null }, { type: 'response.failed', response: { ...response, status: 'failed' } }]), 100);
    assert.deepEqual(parts, []);
    assert.ok(error instanceof GatewayError && error.code === 'upstream_error' && error.isRetryable);
    assert.match(error.message, /server_error: The server had an error/);
  });

  it('an error event after output fails the stream; a rate limit stays a rate limit', () => {
    const failed = decode(sse([created, { type: 'response.output_text.delta', delta: 'a' }, { type: 'error', code: 'rate_limit_exceeded', message: 'slow down' }]), 100);
    assert.equal(failed.started, true);
    assert.equal(failed.error?.code, 'upstream_rate_limited');
    const failedResponse = decode(sse([created, { type: 'response.failed', response: { status: 'failed', error: { code: 'server_error', message: 'gone' } } }]), 100);
    assert.equal(failedResponse.error?.code, 'upstream_error');
    assert.match(failedResponse.error!.message, /gone/);
  });

  it('a body that ends before response.completed, or a malformed event, is an upstream error', () => {
    assert.match(decode(sse([created, { type: 'response.output_text.delta', delta: 'a' }]), 100).error!.message, /before response\.completed/);
    assert.match(decode(Buffer.from(''), 100).error!.message, /before its first event/);
    assert.match(decode(Buffer.from('event: x\ndata: {not json\n\n'), 100).error!.message, /malformed stream event/);
  });

  it('reports a saturated sink so the upstream pauses', () => {
    const { pushed } = decode(streamed, 100_000, true);
    assert.deepEqual(pushed, [false]);
  });
});
