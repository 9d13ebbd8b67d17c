import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../errors/index.ts';
import { createUsage, type StreamPart } from '../../spec/index.ts';
import { parseResponsesRequest } from './parse-responses-request.ts';
import { ResponseEventEncoder } from './response-events.ts';
import { responseOfResult, type ResponseIdentity } from './response-object.ts';

function identity(): ResponseIdentity {
  let counter = 0;
  const newId = (prefix: string) => `${prefix}_${++counter}`;
  return { id: 'resp_1', createdAt: 1_800_000_000, model: 'gpt-4o', previousResponseId: undefined, store: true, settings: parseResponsesRequest({ model: 'gpt-4o', input: 'x' }, newId).settings, newId };
}

/** Every event of a stream, parsed: `event:` must match the payload's type. */
function events(text: string): Array<Record<string, any>> {
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      const data = JSON.parse(dataLine.slice('data: '.length));
      assert.equal(eventLine, `event: ${data.type}`);
      return data;
    });
}

const usage = createUsage({ input: 10, cacheRead: 4, output: 7, reasoning: 2 });
const stop = { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } } as const;

function run(parts: StreamPart[], end: 'done' | GatewayError = 'done') {
  const completed: Array<Record<string, unknown>> = [];
  const encoder = new ResponseEventEncoder(identity(), (response) => completed.push(response));
  let text = parts.map((part) => encoder.encode(part)).join('');
  text += end === 'done' ? encoder.done : encoder.error(end);
  return { events: events(text), completed };
}

describe('ResponseEventEncoder', () => {
  it('a text stream: the typed events in order, sequence numbers from 0, the whole response at the end', () => {
    const { events: stream, completed } = run([
      { type: 'start', id: 'x', created: 1, model: 'up' },
      { type: 'text-delta', delta: 'Hel' },
      { type: 'text-delta', delta: 'lo' },
      stop,
      { type: 'usage', usage },
    ]);
    assert.deepEqual(
      stream.map((event) => event.type),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ],
    );
    assert.deepEqual(stream.map((event) => event.sequence_number), stream.map((_, index) => index));
    assert.equal(stream[0].response.status, 'in_progress');
    const itemId = stream[2].item.id;
    assert.ok(stream.slice(3, 9).every((event) => event.type === 'response.output_item.done' || event.item_id === itemId));
    assert.equal(stream[6].text, 'Hello');
    const response = stream[9].response;
    assert.equal(response.status, 'completed');
    assert.deepEqual(response.output, [{ id: itemId, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hello', annotations: [], logprobs: [] }] }]);
    assert.deepEqual(response.usage, { input_tokens: 10, input_tokens_details: { cached_tokens: 4 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 17 });
    assert.deepEqual(completed, [response], 'the final response is handed over once, as sent');
  });

  it('text, then two tool calls: the message closes before the first call; arguments stream and end whole', () => {
    const { events: stream } = run([
      { type: 'start', id: 'x', created: 1, model: 'up' },
      { type: 'reasoning-delta', delta: 'thinking' },
      { type: 'text-delta', delta: 'Checking.' },
      { type: 'tool-call-delta', index: 0, id: 'call_a', name: 'weather', argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', index: 0, id: undefined, name: undefined, argumentsDelta: '"Paris"}' },
      { type: 'tool-call-delta', index: 1, id: 'call_b', name: 'time', argumentsDelta: '' },
      { type: 'tool-call-delta', index: 1, id: undefined, name: undefined, argumentsDelta: '{}' },
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' } },
    ]);
    assert.deepEqual(
      stream.map((event) => `${event.type}${event.output_index === undefined ? '' : `@${event.output_index}`}`),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added@0',
        'response.reasoning_text.delta@0',
        'response.reasoning_text.done@0',
        'response.output_item.done@0',
        'response.output_item.added@1',
        'response.content_part.added@1',
        'response.output_text.delta@1',
        'response.output_text.done@1',
        'response.content_part.done@1',
        'response.output_item.done@1',
        'response.output_item.added@2',
        'response.function_call_arguments.delta@2',
        'response.function_call_arguments.delta@2',
        'response.output_item.added@3',
        'response.function_call_arguments.delta@3',
        'response.function_call_arguments.done@2',
        'response.output_item.done@2',
        'response.function_call_arguments.done@3',
        'response.output_item.done@3',
        'response.completed',
      ],
    );
    const output = stream.at(-1)!.response.output;
    assert.deepEqual(
      output.map((item: Record<string, unknown>) => [item.type, item.call_id ?? null, item.arguments ?? null]),
      [
        ['reasoning', null, null],
        ['message', null, null],
        ['function_call', 'call_a', '{"city":"Paris"}'],
        ['function_call', 'call_b', '{}'],
      ],
    );
    assert.equal(stream.at(-1)!.response.usage, null, 'no usage part: usage null');
  });

  it("a hosted tool's item goes out whole in its place, after the items before it are closed", () => {
    const search = { id: 'ws_1', type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'news' } };
    const { events: stream } = run([
      { type: 'start', id: 'x', created: 1, model: 'up' },
      { type: 'reasoning-delta', delta: 'plan' },
      { type: 'output-item', item: search },
      { type: 'text-delta', delta: 'Found' },
      stop,
    ]);
    assert.deepEqual(
      stream.map((event) => `${event.type}${event.output_index === undefined ? '' : `@${event.output_index}`}`).slice(2, 7),
      ['response.output_item.added@0', 'response.reasoning_text.delta@0', 'response.reasoning_text.done@0', 'response.output_item.done@0', 'response.output_item.added@1'],
    );
    assert.deepEqual(stream[6].item, search);
    assert.deepEqual(stream.at(-1)!.response.output.map((item: Record<string, unknown>) => item.type), ['reasoning', 'web_search_call', 'message']);
  });

  it('an output cut by its limit ends as response.incomplete with the reason', () => {
    const { events: stream } = run([{ type: 'start', id: 'x', created: 1, model: 'up' }, { type: 'text-delta', delta: 'Long' }, { type: 'finish', finishReason: { unified: 'length', raw: 'length' } }]);
    const last = stream.at(-1)!;
    assert.equal(last.type, 'response.incomplete');
    assert.equal(last.response.status, 'incomplete');
    assert.deepEqual(last.response.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(last.response.output[0].status, 'incomplete');
  });

  it('a stream that fails after it started ends with an error event and response.failed; nothing is handed over to store', () => {
    const { events: stream, completed } = run([{ type: 'start', id: 'x', created: 1, model: 'up' }, { type: 'text-delta', delta: 'Par' }], new GatewayError('upstream_stream_error', 'The upstream stream broke off.'));
    assert.deepEqual(stream.slice(-2).map((event) => event.type), ['error', 'response.failed']);
    assert.deepEqual([stream.at(-2)!.code, stream.at(-2)!.message], ['upstream_stream_error', 'The upstream stream broke off.']);
    assert.deepEqual(stream.at(-1)!.response.error, { code: 'upstream_stream_error', message: 'The upstream stream broke off.' });
    assert.deepEqual(completed, []);
  });
});

describe('responseOfResult', () => {
  it('a whole result: reasoning, text and tool calls as items; cut output incomplete', () => {
    const response = responseOfResult(identity(), {
      id: 'c',
      created: 1,
      model: 'up',
      content: 'Checking.',
      reasoning: 'thinking',
      refusal: null,
      toolCalls: [{ id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{}' } }],
      finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
      usage,
      openaiBody: undefined,
    });
    assert.equal(response.status, 'completed');
    assert.deepEqual((response.output as Array<Record<string, unknown>>).map((item) => item.type), ['reasoning', 'message', 'function_call']);
    const search = { id: 'ws_1', type: 'web_search_call', status: 'completed' };
    const searched = responseOfResult(identity(), { id: 'c', created: 1, model: 'up', content: 'Found', reasoning: undefined, refusal: null, toolCalls: undefined, finishReason: { unified: 'stop', raw: 'completed' }, usage: undefined, openaiBody: undefined, outputItems: [{ position: 0, item: search }] });
    assert.deepEqual((searched.output as Array<Record<string, unknown>>).map((item) => item.type), ['web_search_call', 'message'], 'in its place');
    const cut = responseOfResult(identity(), { id: 'c', created: 1, model: 'up', content: 'Lo', reasoning: undefined, refusal: null, toolCalls: undefined, finishReason: { unified: 'length', raw: 'length' }, usage: undefined, openaiBody: undefined });
    assert.deepEqual([cut.status, cut.incomplete_details, cut.usage], ['incomplete', { reason: 'max_output_tokens' }, null]);
  });
});
