import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../errors/index.ts';
import { parseResponsesRequest } from './parse-responses-request.ts';

let counter = 0;
const ids = (prefix: string) => `${prefix}_${++counter}`;
const parse = (body: Record<string, unknown>) => parseResponsesRequest({ model: 'gpt-4o', ...body }, ids);

function refusal(body: Record<string, unknown>): { code: string; param: string | null; message: string } {
  try {
    parse(body);
  } catch (error) {
    assert.ok(error instanceof GatewayError);
    return { code: error.code, param: error.param, message: error.message };
  }
  assert.fail('expected a refusal');
}

describe('parseResponsesRequest', () => {
  it('a string input is one user message; instructions lead as the system message and are not part of the input', () => {
    const parsed = parse({ input: 'Hello', instructions: 'Be brief.' });
    assert.deepEqual(parsed.chat.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello' },
    ]);
    assert.deepEqual(parsed.input, [{ role: 'user', content: 'Hello' }]);
    assert.equal(parsed.inputItems.length, 1);
    assert.match(String(parsed.inputItems[0].id), /^msg_/);
    assert.deepEqual(parsed.inputItems[0].content, [{ type: 'input_text', text: 'Hello' }]);
    assert.equal(parsed.store, true, 'store defaults to true');
    assert.deepEqual(parse({ input: 'Hello', store: false }).inputItems, [], 'nothing stored, no items made');
    assert.deepEqual(parse({ input: [{ role: 'user', content: 'a' }, { type: 'function_call_output', call_id: 'c', output: 'x' }], store: false }).inputItems, []);
    assert.equal(parsed.chat.includeUsage, true);
    assert.equal(parsed.settings.instructions, 'Be brief.');
  });

  it('items: parts, an assistant reply, tool calls joined into one assistant turn, their outputs, reasoning dropped', () => {
    const parsed = parse({
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Weather?' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' }] },
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Let me look.' }] },
        { type: 'function_call', call_id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', call_id: 'call_b', name: 'weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call_output', call_id: 'call_a', output: 'sunny' },
        { type: 'function_call_output', call_id: 'call_b', output: [{ type: 'input_text', text: 'rain' }] },
        { role: 'developer', content: 'Answer in French.' },
      ],
    });
    assert.deepEqual(parsed.chat.messages, [
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }, { type: 'image', source: { type: 'data', mediaType: 'image/png', data: 'AAAA' }, detail: 'low' }] },
      {
        role: 'assistant',
        content: 'Let me look.',
        toolCalls: [
          { id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' },
          { id: 'call_b', name: 'weather', arguments: '{"city":"Rome"}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_a', content: 'sunny' },
      { role: 'tool', toolCallId: 'call_b', content: [{ type: 'text', text: 'rain' }] },
      { role: 'developer', content: 'Answer in French.' },
    ]);
    assert.deepEqual(
      parsed.inputItems.map((item) => item.type),
      ['message', 'message', 'function_call', 'function_call', 'function_call_output', 'function_call_output', 'message'],
      'listed as sent, reasoning aside',
    );
  });

  it('tools, tool choice and the text format in neutral terms; the settings echoed with their defaults', () => {
    const parsed = parse({
      input: 'x',
      tools: [{ type: 'function', name: 'weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
      tool_choice: { type: 'function', name: 'weather' },
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
      parallel_tool_calls: false,
    });
    assert.deepEqual(parsed.chat.tools, [{ type: 'function', name: 'weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true }]);
    assert.deepEqual(parsed.chat.toolChoice, { type: 'function', name: 'weather' });
    assert.deepEqual(parsed.chat.responseFormat, { type: 'json-schema', name: 'answer', schema: { type: 'object' }, strict: true });
    assert.equal(parsed.chat.parallelToolCalls, false);
    const defaults = parse({ input: 'x' }).settings;
    assert.deepEqual(
      [defaults.toolChoice, defaults.text, defaults.temperature, defaults.topP, defaults.parallelToolCalls, defaults.maxOutputTokens, defaults.truncation, defaults.metadata],
      ['auto', { format: { type: 'text' } }, 1, 1, true, null, 'disabled', {}],
    );
    assert.deepEqual(parse({ input: 'x', text: { format: { type: 'json_object' } } }).chat.responseFormat, { type: 'json-object' });
  });

  it('keeps a hosted tool (web_search…) apart, for channels that speak the Responses API; a tool without a type is refused', () => {
    const parsed = parse({ input: 'x', tools: [{ type: 'function', name: 'a' }, { type: 'web_search', search_context_size: 'low' }] });
    assert.deepEqual(parsed.nativeOnlyTools, [{ param: 'tools[1].type', type: 'web_search' }]);
    assert.deepEqual(parsed.chat.tools?.map((tool) => tool.name), ['a'], 'the neutral request has the function tools only');
    assert.deepEqual(parsed.settings.tools[1], { type: 'web_search', search_context_size: 'low' }, 'echoed as written');
    assert.equal(refusal({ input: 'x', tools: [{ name: 'a' }] }).param, 'tools[0].type');
    assert.equal(refusal({ input: 'x', tools: [{ type: 7 }] }).param, 'tools[0].type');
  });

  it('limits at their edges: max_output_tokens, temperature, top_p, metadata', () => {
    assert.equal(parse({ input: 'x', max_output_tokens: 1 }).chat.maxOutputTokens, 1);
    assert.equal(refusal({ input: 'x', max_output_tokens: 0 }).param, 'max_output_tokens');
    assert.equal(refusal({ input: 'x', max_output_tokens: 1.5 }).param, 'max_output_tokens');
    assert.equal(parse({ input: 'x', temperature: 2 }).chat.temperature, 2);
    assert.equal(parse({ input: 'x', temperature: 0 }).chat.temperature, 0);
    assert.equal(refusal({ input: 'x', temperature: 2.0001 }).param, 'temperature');
    assert.equal(parse({ input: 'x', top_p: 1 }).chat.topP, 1);
    assert.equal(refusal({ input: 'x', top_p: 1.01 }).param, 'top_p');
    const keys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, 'v']));
    assert.equal(Object.keys(parse({ input: 'x', metadata: keys(16) }).settings.metadata).length, 16);
    assert.equal(refusal({ input: 'x', metadata: keys(17) }).param, 'metadata');
    assert.equal(parse({ input: 'x', metadata: { ['k'.repeat(64)]: 'v'.repeat(512) } }).settings.metadata['k'.repeat(64)], 'v'.repeat(512));
    assert.equal(refusal({ input: 'x', metadata: { ['k'.repeat(65)]: 'v' } }).param, 'metadata');
    assert.equal(refusal({ input: 'x', metadata: { k: 'v'.repeat(513) } }).param, 'metadata.k');
    assert.equal(refusal({ input: 'x', metadata: { k: 1 } }).param, 'metadata.k');
  });

  it('refuses what it cannot serve, each with its param: background, conversations, prompt templates, unknown items', () => {
    assert.deepEqual(refusal({ input: 'x', background: true }).code, 'unsupported_parameter');
    assert.equal(parse({ input: 'x', background: false }).store, true, 'background: false is the default');
    assert.equal(refusal({ input: 'x', conversation: 'conv_1' }).param, 'conversation');
    assert.equal(refusal({ input: 'x', prompt: { id: 'p' } }).param, 'prompt');
    assert.deepEqual(refusal({ input: [{ type: 'item_reference', id: 'msg_1' }] }), {
      code: 'invalid_request',
      param: 'input[0].type',
      message: "Invalid value for 'input[0].type': this gateway takes 'message', 'function_call', 'function_call_output' and 'reasoning' input items, got \"item_reference\".",
    });
    assert.equal(refusal({ input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }] }).param, 'input[0].content[0].type');
    assert.equal(refusal({ input: [{ role: 'system', content: [{ type: 'input_image', image_url: 'https://x' }] }] }).param, 'input[0].content[0].type', 'images only from users');
    assert.equal(refusal({ input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'http://x' }] }] }).param, 'input[0].content[0].image_url');
    assert.equal(refusal({ input: [{ role: 'tool', content: 'x' }] }).param, 'input[0].role');
    assert.equal(refusal({ input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }).param, 'input[0].call_id');
    assert.equal(refusal({}).message, "Missing required parameter: 'input'.");
    assert.equal(refusal({ input: [] }).param, 'input');
    assert.equal(refusal({ input: 'x', model: '' }).param, 'model');
    assert.equal(refusal({ input: 'x', tool_choice: 'sometimes' }).param, 'tool_choice');
    assert.equal(refusal({ input: 'x', text: { format: { type: 'xml' } } }).param, 'text.format.type');
    assert.equal(refusal({ input: 'x', text: { format: { type: 'json_schema', name: 'a' } } }).param, 'text.format.schema');
    assert.equal(refusal({ input: 'x', store: 'yes' }).param, 'store');
    assert.equal(refusal({ input: 'x', truncation: 'middle' }).param, 'truncation');
  });
});
