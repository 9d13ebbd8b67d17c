import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { parseChatRequest } from '../../frontends/openai/index.ts';
import { describeRequest } from '../../routing/describe-request.ts';
import { createUsage, type StreamPart } from '../../spec/index.ts';
import { estimatePromptTokens, estimateResultUsage, UsageEstimatingSink } from './estimate-usage.ts';

const request = parseChatRequest({
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'Be brief.', name: 'ops' },
    { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } }] },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'look', arguments: '{"at":"it"}' } }] },
    { role: 'tool', tool_call_id: 'c1', content: 'a cat' },
    { role: 'assistant', content: null, refusal: 'No more.' },
  ],
  tools: [{ type: 'function', function: { name: 'look', description: 'Look at a thing', parameters: { type: 'object', properties: { at: { type: 'string' } } } } }],
  response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } },
});

function collector() {
  const parts: StreamPart[] = [];
  return { parts, sink: { write: (part: StreamPart) => (parts.push(part), true), onDrain() {} } };
}

describe('estimatePromptTokens', () => {
  it("counts the prompt as routing's exact count does, plus a refusal-only turn's text", () => {
    assert.equal(estimatePromptTokens(request), describeRequest(request, { exact: true }).promptTokens + countTokens('No more.'));
  });
});

describe('UsageEstimatingSink', () => {
  it('passes every part on, and adds usage counted from the stream, marked estimated', () => {
    const { parts, sink } = collector();
    const estimating = new UsageEstimatingSink(sink, request);
    const streamed: StreamPart[] = [
      { type: 'start', id: 'x', created: 1, model: 'm' },
      { type: 'reasoning-delta', delta: 'Thinking about cats' },
      { type: 'text-delta', delta: 'It is ' },
      { type: 'text-delta', delta: 'a cat.' },
      { type: 'tool-call-delta', index: 0, id: 'c2', name: 'look', argumentsDelta: '{"at":' },
      { type: 'tool-call-delta', index: 0, id: undefined, name: undefined, argumentsDelta: '"dog"}' },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } },
    ];
    for (const part of streamed) assert.equal(estimating.write(part), true);
    estimating.finish();
    assert.deepEqual(parts.slice(0, -1), streamed);
    const reasoning = countTokens('Thinking about cats');
    assert.deepEqual(parts.at(-1), {
      type: 'usage',
      usage: { ...createUsage({ input: estimatePromptTokens(request), output: countTokens('It is a cat.look{"at":"dog"}') + reasoning, reasoning }), estimated: true },
    });
  });

  it('adds nothing when the upstream reported usage after all', () => {
    const { parts, sink } = collector();
    const estimating = new UsageEstimatingSink(sink, request);
    estimating.write({ type: 'text-delta', delta: 'Hi' });
    estimating.write({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } });
    estimating.write({ type: 'usage', usage: createUsage({ input: 10, output: 1 }) });
    estimating.finish();
    assert.equal(parts.length, 3);
    assert.equal(parts.filter((part) => part.type === 'usage').length, 1);
  });

  it('after a failure, counts what was streamed, since the upstream may bill it', () => {
    const { parts, sink } = collector();
    const estimating = new UsageEstimatingSink(sink, request);
    estimating.write({ type: 'start', id: 'x', created: 1, model: 'm' });
    estimating.write({ type: 'text-delta', delta: 'It is a' });
    estimating.failed();
    assert.deepEqual(parts.at(-1), {
      type: 'usage',
      usage: { ...createUsage({ input: estimatePromptTokens(request), output: countTokens('It is a') }), estimated: true },
    });
  });

  it('after a failure with no output, adds nothing: a usage part would commit the response to an upstream the gateway may pass over', () => {
    const { parts, sink } = collector();
    const estimating = new UsageEstimatingSink(sink, request);
    estimating.write({ type: 'start', id: 'x', created: 1, model: 'm' });
    estimating.write({ type: 'annotation', scope: 'prompt', name: 'prompt_filter_results', value: [] });
    estimating.failed();
    assert.deepEqual(parts.map((part) => part.type), ['start', 'annotation']);
  });

  it('after a failure that came once the finish was written, counts the answer', () => {
    const { parts, sink } = collector();
    const estimating = new UsageEstimatingSink(sink, request);
    estimating.write({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } });
    estimating.failed();
    assert.equal(parts.at(-1)?.type, 'usage');
  });

  it('after a failure, adds nothing when the upstream reported usage before it broke off', () => {
    const { parts, sink } = collector();
    const estimating = new UsageEstimatingSink(sink, request);
    estimating.write({ type: 'text-delta', delta: 'Hi' });
    estimating.write({ type: 'usage', usage: createUsage({ input: 10, output: 1 }) });
    estimating.failed();
    assert.equal(parts.filter((part) => part.type === 'usage').length, 1);
  });
});

describe('estimateResultUsage', () => {
  const result = {
    id: 'x',
    created: 1,
    model: 'm',
    content: 'It is a cat.',
    reasoning: 'Thinking about cats',
    refusal: undefined,
    toolCalls: [{ id: 'c2', type: 'function' as const, function: { name: 'look', arguments: '{"at":"dog"}' } }],
    finishReason: { unified: 'tool-calls' as const, raw: 'tool_calls' },
    usage: undefined,
    openaiBody: undefined,
  };

  it('counts a whole completion as a stream of it would be counted, marked estimated', () => {
    const reasoning = countTokens('Thinking about cats');
    assert.deepEqual(estimateResultUsage(request, result), {
      ...createUsage({ input: estimatePromptTokens(request), output: countTokens('It is a cat.') + countTokens('look') + countTokens('{"at":"dog"}') + reasoning, reasoning }),
      estimated: true,
    });
  });

  it('counts a refusal when there is no content', () => {
    const refused = { ...result, content: null, reasoning: undefined, toolCalls: undefined, refusal: 'I cannot help with that.' };
    assert.equal(estimateResultUsage(request, refused).outputTokens.total, countTokens('I cannot help with that.'));
  });
});
