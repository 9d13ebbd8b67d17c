import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { parseChatRequest, parseEmbeddingRequest } from '../frontends/openai/index.ts';
import { createChatRequest, type ChatRequest } from '../spec/index.ts';
import { describeEmbeddingRequest, describeRequest, imageTokens } from './describe-request.ts';
import { compileModelRoute } from './model-route.ts';
import { planRoute } from './route-planner.ts';

const chat = (body: Record<string, unknown>) => parseChatRequest({ model: 'gpt-4o', ...body });

describe('describeRequest', () => {
  it('detects the capabilities a request uses', () => {
    const plain = describeRequest(chat({ messages: [{ role: 'user', content: 'hi' }] }));
    assert.deepEqual([plain.vision, plain.tools, plain.jsonSchema, plain.streaming], [false, false, false, false]);

    const rich = describeRequest(
      chat({
        stream: true,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }],
        tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }],
        response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } },
      }),
    );
    assert.deepEqual([rich.vision, rich.images, rich.tools, rich.jsonSchema, rich.streaming], [true, 1, true, true, true]);
  });

  it('counts exactly when asked: message text, 3 per message, 3 for the reply', () => {
    const text = 'The quick brown fox jumps over the lazy dog.';
    const features = describeRequest(chat({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: text }] }), { exact: true });
    assert.equal(features.promptTokensExact, true);
    assert.equal(features.promptTokens, countTokens('Be brief.') + countTokens(text) + 3 * 2 + 3);
    assert.equal(features.promptTokensUpperBound, features.promptTokens);
  });

  it('counts tool schemas, tool calls and images at the flat estimate', () => {
    const base = { messages: [{ role: 'user', content: 'weather?' }] };
    const tool = { type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
    const without = describeRequest(chat(base), { exact: true }).promptTokens;
    const withTool = describeRequest(chat({ ...base, tools: [tool] }), { exact: true }).promptTokens;
    assert.equal(withTool - without, countTokens(JSON.stringify(tool.function)));

    const image = (detail?: string) =>
      describeRequest(chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', ...(detail ? { detail } : {}) } }] }] }), { exact: true }).promptTokens;
    assert.equal(image(), 3 + 3 + imageTokens.high);
    assert.equal(image('low'), 3 + 3 + imageTokens.low);

    const call = describeRequest(
      chat({
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
        ],
      }),
      { exact: true },
    );
    assert.equal(call.promptTokens, countTokens('x') + countTokens('get_weather') + countTokens('{"city":"Paris"}') + countTokens('sunny') + 3 * 3 + 3);
  });

  it('does not tokenize when no window needs it, and estimates from bytes', () => {
    const features = describeRequest(chat({ messages: [{ role: 'user', content: 'a'.repeat(4_000) }] }));
    assert.equal(features.promptTokensExact, false);
    assert.equal(features.promptTokens, 1_000 + 6);
    assert.equal(features.promptTokensUpperBound, 4_000 + 6);
    // Far below the window: the upper bound settles it without counting.
    assert.equal(describeRequest(chat({ messages: [{ role: 'user', content: 'a'.repeat(4_000) }] }), { contextWindow: 128_000 }).promptTokensExact, false);
  });

  it('counts special-token text as text instead of failing', () => {
    const features = describeRequest(chat({ messages: [{ role: 'user', content: 'say <|endoftext|> please' }] }), { exact: true });
    assert.ok(features.promptTokens > 6);
  });

  it('counts a 200k-token prompt exactly near a 128k window, and routing excludes that window', () => {
    const prompt = ' hello'.repeat(200_000);
    const request = chat({ messages: [{ role: 'user', content: prompt }], max_tokens: 1_000 });
    const model = compileModelRoute({
      model: 'gpt-4o',
      policy: 'ordered',
      channels: [
        { provider: 'azure', upstreamModel: 'gpt-4o', capabilities: { contextWindow: 128_000 } },
        { provider: 'bedrock', upstreamModel: 'gpt-4.1', capabilities: { contextWindow: 1_000_000 } },
      ],
    });
    const features = describeRequest(request, { contextWindow: model.smallestContextWindow });
    assert.equal(features.promptTokensExact, true);
    assert.ok(features.promptTokens >= 200_000 && features.promptTokens < 200_020, String(features.promptTokens));
    const plan = planRoute({ route: model, request: features, state: {}, now: 0, random: Math.random });
    assert.deepEqual(plan.candidates.map((channel) => channel.provider), ['bedrock']);
    assert.match(plan.skipped[0].reason.detail, /^context 20\d,\d{3} > 128,000$/);
  });

  it('describes a neutral request built by another frontend, with no OpenAI body behind it', () => {
    const parameters = { type: 'object', properties: { city: { type: 'string' } } };
    const request = createChatRequest({
      model: 'gpt-4o',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'weather here?' }, { type: 'image', source: { type: 'data', mediaType: 'image/png', data: 'AAAA' }, detail: 'low' }] },
        { role: 'assistant', toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Lima"}' }] },
        { role: 'tool', toolCallId: 'c1', content: [{ type: 'text', text: 'sunny' }] },
      ],
      maxOutputTokens: 100,
      usesMaxCompletionTokens: true,
      tools: [{ type: 'function', name: 'get_weather', parameters }],
      responseFormat: { type: 'json-schema', name: 'answer', schema: { type: 'object' } },
    });
    const features = describeRequest(request, { exact: true });
    assert.deepEqual([features.vision, features.images, features.tools, features.jsonSchema, features.maxOutputTokens], [true, 1, true, true, 100]);
    const expected =
      countTokens('weather here?') +
      imageTokens.low +
      countTokens('get_weather') +
      countTokens('{"city":"Lima"}') +
      countTokens('sunny') +
      countTokens(JSON.stringify({ name: 'get_weather', parameters })) +
      countTokens(JSON.stringify({ name: 'answer', schema: { type: 'object' } })) +
      3 * 3 +
      3;
    assert.equal(features.promptTokens, expected);
  });

  it("collects the inline images' media types, canonical and each once; URLs have none yet", () => {
    const image = (url: string) => ({ type: 'image_url', image_url: { url } });
    const features = describeRequest(
      chat({
        messages: [
          { role: 'user', content: [image('data:image/jpg;base64,AAAA'), image('data:image/GIF;base64,AAAA'), image('https://example.com/a.webp')] },
          { role: 'assistant', content: 'seen' },
          { role: 'user', content: [image('data:image/jpeg;base64,AAAA'), image('data:image/gif;base64,AAAA')] },
        ],
      }),
    );
    assert.equal(features.images, 5);
    assert.deepEqual(features.imageTypes, ['image/jpeg', 'image/gif']);
    // Counting exactly walks the request again: the same types, not twice.
    assert.deepEqual(describeRequest(chat({ messages: [{ role: 'user', content: [image('data:image/png;base64,AAAA')] }] }), { exact: true }).imageTypes, ['image/png']);
    assert.deepEqual(describeRequest(chat({ messages: [{ role: 'user', content: [image('https://example.com/a.gif')] }] })).imageTypes, []);
    const plainFirst = describeRequest(chat({ messages: [{ role: 'user', content: 'hi' }] }));
    const plainSecond = describeRequest(chat({ messages: [{ role: 'user', content: 'hi again' }] }));
    assert.deepEqual(plainFirst.imageTypes, []);
    assert.equal(plainFirst.imageTypes, plainSecond.imageTypes, 'a request without images shares one empty list');
  });

  it('describes embedding inputs', () => {
    const request = parseEmbeddingRequest({ model: 'e', input: ['one two', 'three'] });
    const features = describeEmbeddingRequest(request, { exact: true });
    assert.equal(features.promptTokens, countTokens('one two') + countTokens('three'));
    assert.equal(features.streaming, false);
  });
});
