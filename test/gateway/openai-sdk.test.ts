/**
 * The official `openai` SDK against the gateway: every data-plane feature and every client-visible error.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { primaryKey, startGatewayStack, type GatewayStack } from '../support/gateway-stack.ts';
import { resetRoutingState } from '../../src/execution/routing-runtime.ts';
import { collectStream } from '../support/collect-stream.ts';

let stack: GatewayStack;
let client: OpenAI;
let direct: OpenAI;

const weatherTool: OpenAI.Chat.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city', 'unit'] },
  },
};
const timeTool: OpenAI.Chat.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } },
};

before(async () => {
  stack = await startGatewayStack({ maxBodyBytes: '64kb' });
  client = new OpenAI({ baseURL: stack.baseURL, apiKey: 'client-key', maxRetries: 0 });
  direct = new OpenAI({ baseURL: stack.primary.baseUrl, apiKey: primaryKey, maxRetries: 0 });
});
after(() => stack.close());
beforeEach(() => {
  stack.primary.setFault(undefined);
  stack.secondary.setFault(undefined);
  resetRoutingState(stack.gateway.context.runtime.routing);
});

describe('chat completions through the gateway (openai SDK)', () => {
  it('answers exactly what the upstream answers, and names what served it', async () => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Tell me about the gateway' },
    ];
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages }, { headers: { 'x-request-id': 'client-chosen-42' } })
      .withResponse();
    const expected = await direct.chat.completions.create({ model: 'gpt-4o-mini', messages });
    assert.equal(data.choices[0].message.content, expected.choices[0].message.content);
    assert.ok((data.choices[0].message.content ?? '').length > 0);
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.deepEqual(data.usage, expected.usage);
    assert.equal(response.headers.get('x-interchange-provider'), 'primary');
    assert.equal(response.headers.get('x-interchange-model'), 'gpt-4o-mini');
    assert.equal(response.headers.get('x-request-id'), 'client-chosen-42');
  });

  it('mints a request id when the client sends none', async () => {
    const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.match(response.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('sends the upstream model name and passes unknown fields through', async () => {
    await client.chat.completions.create({
      model: 'solo',
      messages: [{ role: 'user', content: 'hi' }],
      metadata: { team: 'search' },
      // A field the gateway does not model must still reach an OpenAI-dialect upstream.
      ...({ vendor_extension: { beam_width: 3 } } as object),
    });
    const received = stack.primary.received.at(-1)?.body as Record<string, unknown>;
    assert.equal(received.model, 'gpt-4o');
    assert.deepEqual(received.metadata, { team: 'search' });
    assert.deepEqual(received.vendor_extension, { beam_width: 3 });
  });

  it('honours max_tokens with finish_reason length, and sends max_tokens to self-hosted servers', async () => {
    const completion = await client.chat.completions.create({
      model: 'local',
      messages: [{ role: 'user', content: 'Write a long story about gateways and clouds' }],
      max_completion_tokens: 3,
    });
    assert.equal(completion.choices[0].finish_reason, 'length');
    assert.equal(completion.usage?.completion_tokens, 3);
    const received = stack.secondary.received.at(-1)?.body as Record<string, unknown>;
    assert.equal(received.max_tokens, 3);
    assert.equal(received.max_completion_tokens, undefined);
  });

  it('streams the same text with usage in a final chunk when include_usage is set', async () => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Stream me a sentence please' }];
    const expected = await direct.chat.completions.create({ model: 'gpt-4o-mini', messages });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(chunks > 3, `expected several chunks, got ${chunks}`);
    assert.equal(text, expected.choices[0].message.content);
    assert.equal(finish, 'stop');
    assert.equal(usage?.prompt_tokens, expected.usage?.prompt_tokens);
    assert.equal(usage?.completion_tokens, expected.usage?.completion_tokens);
  });

  it('streams without usage chunks when the client did not ask, though usage is metered', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], stream: true });
    for await (const chunk of stream) assert.equal(chunk.usage, undefined);
    const upstream = stack.primary.received.at(-1)?.body as { stream_options?: { include_usage?: boolean } };
    assert.equal(upstream.stream_options?.include_usage, true);
    const metrics = await (await fetch(`${stack.gateway.url}/metrics`)).text();
    assert.match(metrics, /interchange_tokens_total\{provider="primary",model="gpt-4o-mini",kind="output"\} [1-9]/);
  });

  it('returns tool calls, parallel when the prompt names several tools', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Call get_weather and get_time for Paris' }],
      tools: [weatherTool, timeTool],
    });
    const calls = completion.choices[0].message.tool_calls ?? [];
    assert.equal(completion.choices[0].finish_reason, 'tool_calls');
    assert.deepEqual(
      calls.map((call) => (call.type === 'function' ? call.function.name : '')),
      ['get_weather', 'get_time'],
    );
    for (const call of calls) {
      assert.equal(call.type, 'function');
      if (call.type === 'function') assert.equal(typeof JSON.parse(call.function.arguments), 'object');
    }
    const weather = calls[0].type === 'function' ? JSON.parse(calls[0].function.arguments) : {};
    assert.equal(typeof weather.city, 'string');
    assert.ok(['celsius', 'fahrenheit'].includes(weather.unit));
  });

  it('streams tool-call deltas that reassemble into the same calls as non-streaming', async () => {
    const request = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'Call get_weather and get_time please' }],
      tools: [weatherTool, timeTool],
    };
    const whole = await client.chat.completions.create(request);
    const stream = await client.chat.completions.create({ ...request, stream: true });
    const { calls, finish } = await collectStream(stream);
    assert.equal(finish, 'tool_calls');
    assert.deepEqual(
      calls,
      (whole.choices[0].message.tool_calls ?? []).map((call) => (call.type === 'function' ? { id: call.id, name: call.function.name, arguments: call.function.arguments } : {})),
    );
  });

  it('completes a tool round trip', async () => {
    const first = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Use get_weather for Oslo' }],
      tools: [weatherTool],
      tool_choice: 'required',
    });
    const call = first.choices[0].message.tool_calls![0];
    const second = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'Use get_weather for Oslo' },
        first.choices[0].message,
        { role: 'tool', tool_call_id: call.id, content: '{"temperature":-3}' },
      ],
      tools: [weatherTool],
    });
    assert.equal(second.choices[0].finish_reason, 'stop');
    assert.match(second.choices[0].message.content ?? '', /-3/);
  });

  it('produces JSON matching a json_schema response format', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Describe a city' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'city',
          strict: true,
          schema: {
            type: 'object',
            properties: { name: { type: 'string' }, population: { type: 'integer' }, coastal: { type: 'boolean' } },
            required: ['name', 'population', 'coastal'],
            additionalProperties: false,
          },
        },
      },
    });
    const value = JSON.parse(completion.choices[0].message.content ?? '');
    assert.equal(typeof value.name, 'string');
    assert.ok(Number.isInteger(value.population));
    assert.equal(typeof value.coastal, 'boolean');
  });

  it('produces a JSON object for json_object', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Reply in JSON' }],
      response_format: { type: 'json_object' },
    });
    assert.equal(typeof JSON.parse(completion.choices[0].message.content ?? ''), 'object');
  });

  it('carries image inputs (data URI and https URL) to the upstream', async () => {
    const dataUri = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==';
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these images?' },
            { type: 'image_url', image_url: { url: dataUri } },
            { type: 'image_url', image_url: { url: 'https://images.example.com/cat.png', detail: 'low' } },
          ],
        },
      ],
    });
    const received = stack.primary.received.at(-1)?.body as { messages: Array<{ content: Array<{ type: string; image_url?: { url: string } }> }> };
    const urls = received.messages[0].content.filter((part) => part.type === 'image_url').map((part) => part.image_url?.url);
    assert.deepEqual(urls, [dataUri, 'https://images.example.com/cat.png']);
  });

  it('passes seed, stop, temperature, top_p and user through', async () => {
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      seed: 11,
      stop: ['\n\n'],
      temperature: 0.2,
      top_p: 0.5,
      user: 'user-7',
    });
    const received = stack.primary.received.at(-1)?.body as Record<string, unknown>;
    assert.equal(received.seed, 11);
    assert.deepEqual(received.stop, ['\n\n']);
    assert.equal(received.temperature, 0.2);
    assert.equal(received.top_p, 0.5);
    assert.equal(received.user, 'user-7');
  });
});

describe('embeddings and models through the gateway (openai SDK)', () => {
  it('returns the upstream embeddings in the SDK default (base64) and float encodings', async () => {
    const input = ['first text', 'second text'];
    const viaGateway = await client.embeddings.create({ model: 'text-embedding-3-small', input });
    const expected = await direct.embeddings.create({ model: 'text-embedding-3-small', input });
    assert.equal(viaGateway.data.length, 2);
    assert.equal(viaGateway.data[0].embedding.length, 1536);
    assert.deepEqual(viaGateway.data.map((item) => item.embedding), expected.data.map((item) => item.embedding));
    assert.equal(viaGateway.usage.prompt_tokens, expected.usage.prompt_tokens);
    const floats = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'first text', encoding_format: 'float', dimensions: 256 });
    assert.equal(floats.data[0].embedding.length, 256);
  });

  it('lists the configured public models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.deepEqual(ids.sort(), ['gpt-4o-mini', 'local', 'solo', 'text-embedding-3-small']);
    const one = await client.models.retrieve('solo');
    assert.equal(one.id, 'solo');
  });
});

describe('errors as the openai SDK sees them', () => {
  it('malformed JSON → BadRequestError 400 invalid_json with the position', async () => {
    const broken = new OpenAI({
      baseURL: stack.baseURL,
      apiKey: 'x',
      maxRetries: 0,
      fetch: (url, init) => fetch(url, { ...init, body: '{"model": "gpt-4o-mini", "messages": [' }),
    });
    await assert.rejects(broken.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.equal(error.status, 400);
      assert.equal(error.code, 'invalid_json');
      assert.match(error.message, /position \d+/);
      return true;
    });
  });

  it('a wrong type → BadRequestError 400 naming the param', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' as unknown as number }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.param === 'temperature' && error.code === 'invalid_request',
    );
  });

  it('n > 1 → BadRequestError unsupported_parameter', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], n: 2 }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.param === 'n' && error.code === 'unsupported_parameter',
    );
  });

  it('a body over the limit → APIError 413 request_too_large', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(100_000) }] }),
      (error: unknown) => error instanceof OpenAI.APIError && error.status === 413 && error.code === 'request_too_large',
    );
  });

  it('an unknown model → NotFoundError 404 model_not_found', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError);
      assert.equal(error.code, 'model_not_found');
      assert.equal(error.param, 'model');
      return true;
    });
    await assert.rejects(
      client.embeddings.create({ model: 'gpt-4o-mini', input: 'x' }),
      (error: unknown) => error instanceof OpenAI.NotFoundError && /chat model/.test(error.message),
    );
  });

  it('every channel unavailable → InternalServerError 503 naming every attempt', async () => {
    stack.primary.setFault('status=503');
    stack.secondary.setFault('status=500');
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.InternalServerError);
      assert.equal(error.status, 503);
      assert.equal(error.code, 'upstream_unavailable');
      assert.match(error.message, /\[1\] primary \(gpt-4o-mini\): primary answered 503/);
      assert.match(error.message, /\[2\] secondary \(gpt-4o-mini\), 2 attempts: secondary answered 500/);
      return true;
    });
  });

  it('every channel rate limited → RateLimitError 429 with retry-after', async () => {
    stack.primary.setFault('status=429, retry-after=7');
    stack.secondary.setFault('status=429, retry-after=3');
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.equal(error.headers?.get('retry-after'), '3');
      return true;
    });
  });

  it('malformed upstream JSON everywhere → 502 upstream_error', async () => {
    stack.primary.setFault('malformed');
    stack.secondary.setFault('malformed');
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof OpenAI.InternalServerError && error.status === 502 && error.code === 'upstream_error' && /malformed JSON/.test(error.message),
    );
  });
});
