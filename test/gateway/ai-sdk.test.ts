/**
 * The Vercel AI SDK (`@ai-sdk/openai-compatible`) against the gateway.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, embed, embedMany, generateText, jsonSchema, Output, streamText, tool } from 'ai';
import { startGatewayStack, type GatewayStack } from '../support/gateway-stack.ts';

let stack: GatewayStack;
let provider: ReturnType<typeof createOpenAICompatible>;

before(async () => {
  stack = await startGatewayStack();
  provider = createOpenAICompatible({ name: 'interchange', baseURL: stack.baseURL, apiKey: 'client-key', includeUsage: true, supportsStructuredOutputs: true });
});
after(() => stack.close());

const weather = tool({
  description: 'Current weather for a city',
  inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }),
});

describe('Vercel AI SDK through the gateway', () => {
  it('generateText returns text, finish reason and usage', async () => {
    const result = await generateText({ model: provider('gpt-4o-mini'), prompt: 'Say something about clouds', maxRetries: 0 });
    assert.ok(result.text.length > 0);
    assert.equal(result.finishReason, 'stop');
    assert.ok((result.usage.inputTokens ?? 0) > 0);
    assert.ok((result.usage.outputTokens ?? 0) > 0);
  });

  it('streamText streams the same text and reports usage', async () => {
    const whole = await generateText({ model: provider('gpt-4o-mini'), prompt: 'Stream about gateways', maxRetries: 0 });
    const result = streamText({ model: provider('gpt-4o-mini'), prompt: 'Stream about gateways', maxRetries: 0 });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    assert.equal(text, whole.text);
    const usage = await result.usage;
    assert.equal(usage.outputTokens, whole.usage.outputTokens);
    assert.equal(usage.inputTokens, whole.usage.inputTokens);
  });

  it('generateText returns tool calls', async () => {
    const result = await generateText({ model: provider('gpt-4o-mini'), prompt: 'Use get_weather for Rome', tools: { get_weather: weather }, maxRetries: 0 });
    assert.equal(result.finishReason, 'tool-calls');
    assert.equal(result.toolCalls.length, 1);
    assert.equal(result.toolCalls[0].toolName, 'get_weather');
    assert.equal(typeof (result.toolCalls[0].input as { city: unknown }).city, 'string');
  });

  it('streamText streams tool calls', async () => {
    const result = streamText({ model: provider('gpt-4o-mini'), prompt: 'Use get_weather for Rome', tools: { get_weather: weather }, maxRetries: 0 });
    const calls: Array<{ toolName: string; input: unknown }> = [];
    for await (const part of result.fullStream) {
      if (part.type === 'tool-call') calls.push({ toolName: part.toolName, input: part.input });
    }
    assert.equal(calls.length, 1);
    assert.equal(calls[0].toolName, 'get_weather');
    assert.equal(await result.finishReason, 'tool-calls');
  });

  it('structured output follows the JSON schema', async () => {
    const result = await generateText({
      model: provider('gpt-4o-mini'),
      prompt: 'Describe a city',
      maxRetries: 0,
      output: Output.object({
        schema: jsonSchema<{ name: string; population: number }>({
          type: 'object',
          properties: { name: { type: 'string' }, population: { type: 'integer' } },
          required: ['name', 'population'],
          additionalProperties: false,
        }),
      }),
    });
    assert.equal(typeof result.output.name, 'string');
    assert.ok(Number.isInteger(result.output.population));
  });

  it('embed and embedMany return vectors', async () => {
    const one = await embed({ model: provider.embeddingModel('text-embedding-3-small'), value: 'hello', maxRetries: 0 });
    assert.equal(one.embedding.length, 1536);
    const many = await embedMany({ model: provider.embeddingModel('text-embedding-3-small'), values: ['a', 'b', 'c'], maxRetries: 0 });
    assert.equal(many.embeddings.length, 3);
    assert.notDeepEqual(many.embeddings[0], many.embeddings[1]);
  });

  it('errors surface as APICallError with the status', async () => {
    await assert.rejects(generateText({ model: provider('no-such-model'), prompt: 'x', maxRetries: 0 }), (error: unknown) => {
      assert.ok(APICallError.isInstance(error), String(error));
      assert.equal(error.statusCode, 404);
      assert.match(error.message, /does not exist on this gateway/);
      return true;
    });
    stack.primary.setFault('status=503');
    stack.secondary.setFault('status=503');
    try {
      await assert.rejects(generateText({ model: provider('gpt-4o-mini'), prompt: 'x', maxRetries: 0 }), (error: unknown) => {
        assert.ok(APICallError.isInstance(error));
        assert.equal(error.statusCode, 503);
        assert.equal(error.isRetryable, true);
        return true;
      });
    } finally {
      stack.primary.setFault(undefined);
      stack.secondary.setFault(undefined);
    }
  });
});
