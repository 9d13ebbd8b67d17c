import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import * as z from 'zod';
import { request } from 'undici';
import { countTokens } from '../core/index.ts';
import { startOpenAIEmulator, type RunningEmulator } from './index.ts';

const API_KEY = 'sk-test-emulator-key-0123456789';

let emulator: RunningEmulator;
let client: OpenAI;

before(async () => {
  emulator = await startOpenAIEmulator({ apiKey: API_KEY, quiet: true });
  client = new OpenAI({ baseURL: emulator.baseUrl, apiKey: API_KEY, maxRetries: 0 });
});

after(async () => {
  await emulator.close();
});

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer', minimum: 3, maximum: 10 },
      },
      required: ['city', 'unit', 'days'],
      additionalProperties: false,
    },
  },
} as const;

const timeTool = {
  type: 'function',
  function: {
    name: 'get_time',
    parameters: {
      type: 'object',
      properties: { zone: { type: 'string' }, precise: { type: 'boolean' } },
      required: ['zone'],
    },
  },
} as const;

function fault(spec: string) {
  return { headers: { 'x-emulator-fault': spec } };
}

async function expectRejects(promise: Promise<unknown>, errorClass: new (...args: never[]) => Error): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${errorClass.name}, but the call succeeded`);
}

describe('chat completions', () => {
  it('answers with the documented deterministic text and consistent usage', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Say hi' }] })
      .withResponse();
    assert.match(data.id, /^chatcmpl-[A-Za-z0-9]{29}$/);
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.model, 'gpt-4o');
    assert.equal(data.service_tier, 'default');
    assert.match(data.system_fingerprint ?? '', /^fp_[0-9a-f]{10}$/);
    assert.equal(data.choices.length, 1);
    const choice = data.choices[0];
    assert.equal(choice.finish_reason, 'stop');
    assert.equal(choice.logprobs, null);
    assert.deepEqual(choice.message, {
      role: 'assistant',
      content: 'Hello! You said: "Say hi". This is a deterministic reply from the gpt-4o emulator.',
      refusal: null,
      annotations: [],
    });
    // 3 per message + 2 tokens ("Say", " hi") + 3 for the reply.
    assert.equal(data.usage?.prompt_tokens, 8);
    assert.equal(data.usage?.total_tokens, (data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0));
    assert.deepEqual(data.usage?.prompt_tokens_details, { cached_tokens: 0, audio_tokens: 0 });
    assert.deepEqual(data.usage?.completion_tokens_details, {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    });
    assert.match(response.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{32}$/);
    assert.match(response.headers.get('openai-processing-ms') ?? '', /^\d+$/);
    for (const name of ['requests', 'tokens']) {
      assert.match(response.headers.get(`x-ratelimit-limit-${name}`) ?? '', /^\d+$/);
      assert.match(response.headers.get(`x-ratelimit-remaining-${name}`) ?? '', /^\d+$/);
      assert.match(response.headers.get(`x-ratelimit-reset-${name}`) ?? '', /^\d+m?s$/);
    }
  });

  it('is deterministic: the same request gives the same reply, another request another reply', async () => {
    const ask = (content: string) =>
      client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content }] });
    const [first, second, other] = await Promise.all([ask('one two three'), ask('one two three'), ask('four')]);
    assert.equal(first.choices[0].message.content, second.choices[0].message.content);
    assert.notEqual(first.choices[0].message.content, other.choices[0].message.content);
    assert.notEqual(first.id, second.id);
  });

  it('quotes at most twelve words of the last user message', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'an earlier question' },
        { role: 'assistant', content: 'an earlier answer' },
        { role: 'user', content: 'w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14' },
      ],
    });
    assert.equal(
      completion.choices[0].message.content,
      'Hello! You said: "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12...". This is a deterministic reply from the gpt-4o emulator.',
    );
  });

  it('truncates at max_tokens with finish_reason length', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      max_completion_tokens: 4,
      messages: [{ role: 'user', content: 'Say hi' }],
    });
    assert.equal(completion.choices[0].finish_reason, 'length');
    assert.equal(completion.choices[0].message.content, 'Hello! You said: "Say');
    assert.equal(completion.usage?.completion_tokens, 4);
  });

  it('honours stop sequences with finish_reason stop', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      stop: ['deterministic', 'said'],
      messages: [{ role: 'user', content: 'Say hi' }],
    });
    assert.equal(completion.choices[0].finish_reason, 'stop');
    assert.equal(completion.choices[0].message.content, 'Hello! You ');
    // "Hello!", " You" and the trailing space, which is a token of its own.
    assert.equal(completion.usage?.completion_tokens, 3);
  });

  it('counts images, inline and by URL, without fetching them', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.invalid/cat.jpg', detail: 'low' } },
          ],
        },
      ],
    });
    assert.match(completion.choices[0].message.content ?? '', / I saw 2 images \(1 inline, 1 by URL\)\./);
    assert.match(completion.choices[0].message.content ?? '', /You said: "What is in these\?"/);
    // 3 + 4 text tokens + 2 × 85 image tokens + 3.
    assert.equal(completion.usage?.prompt_tokens, 3 + 4 + 170 + 3);
  });

  it('reports cached tokens for long prompts (multiples of 128 from 1024 tokens)', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: Array.from({ length: 1100 }, () => 'word').join(' ') }],
    });
    const prompt = completion.usage?.prompt_tokens ?? 0;
    assert.equal(prompt, 3 + 1100 + 3);
    assert.equal(completion.usage?.prompt_tokens_details?.cached_tokens, Math.floor(prompt / 128) * 128);
  });

  it('records requests with unknown fields passed through', async () => {
    await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'record me' }],
      // @ts-expect-error an extension field the API does not know
      x_custom_field: { nested: true },
    });
    const last = emulator.received[emulator.received.length - 1];
    assert.equal(last.method, 'POST');
    assert.equal(last.path, '/v1/chat/completions');
    assert.equal(last.headers.authorization, `Bearer ${API_KEY}`);
    assert.deepEqual((last.body as Record<string, unknown>).x_custom_field, { nested: true });
  });
});

describe('streaming', () => {
  it('streams one chunk per token, then finish, then usage, then [DONE]; usage matches what streamed', async () => {
    const request = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'Stream this please' }] };
    const whole = await client.chat.completions.create(request);
    const stream = await client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const first = chunks[0];
    assert.equal(first.object, 'chat.completion.chunk');
    assert.deepEqual(first.choices[0].delta, { role: 'assistant', content: '', refusal: null });
    const usageChunk = chunks[chunks.length - 1];
    assert.deepEqual(usageChunk.choices, []);
    assert.ok(usageChunk.usage);
    const finishChunk = chunks[chunks.length - 2];
    assert.equal(finishChunk.choices[0].finish_reason, 'stop');
    assert.deepEqual(finishChunk.choices[0].delta, {});
    for (const chunk of chunks.slice(0, -1)) {
      assert.equal(chunk.usage, null);
      assert.equal(chunk.id, first.id);
    }
    const contentChunks = chunks.slice(1, -2);
    for (const chunk of contentChunks) assert.equal(chunk.choices[0].finish_reason, null);
    const text = contentChunks.map((chunk) => chunk.choices[0].delta.content).join('');
    assert.equal(text, whole.choices[0].message.content);
    assert.equal(usageChunk.usage.completion_tokens, contentChunks.length);
    assert.deepEqual(usageChunk.usage, whole.usage);
  });

  it('omits usage fields when include_usage is off', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: 'no usage' }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.ok(chunks.length > 3);
    for (const chunk of chunks) {
      assert.equal('usage' in chunk, false);
      assert.equal(chunk.choices.length, 1);
    }
    assert.equal(chunks[chunks.length - 1].choices[0].finish_reason, 'stop');
  });

  it('streams length truncation with a matching usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      max_tokens: 3,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Say hi' }],
    });
    let text = '';
    let finish: string | null = null;
    let completionTokens = -1;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
    }
    assert.equal(text, 'Hello! You said:');
    assert.equal(finish, 'length');
    assert.equal(completionTokens, 3);
  });
});

describe('the usage marker', () => {
  const marked = (spec: string) => ({ model: 'gpt-4o', messages: [{ role: 'user' as const, content: `Count these [emulator-usage: ${spec}]` }] });

  it('reports the cached and reasoning tokens it names, streamed and not, reasoning inside completion_tokens', async () => {
    const request = marked('cached=40, reasoning=12');
    const whole = await client.chat.completions.create(request);
    const visible = countTokens(whole.choices[0].message.content ?? '');
    assert.equal(whole.usage?.prompt_tokens_details?.cached_tokens, 40);
    assert.equal(whole.usage?.completion_tokens_details?.reasoning_tokens, 12);
    assert.equal(whole.usage?.completion_tokens, visible + 12);
    const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    const usages = [];
    for await (const chunk of stream) if (chunk.usage) usages.push(chunk.usage);
    assert.deepEqual(usages, [whole.usage]);
  });

  it('reports a cached count above the prompt as given (a faulty upstream)', async () => {
    const completion = await client.chat.completions.create(marked('cached=100000'));
    assert.equal(completion.usage?.prompt_tokens_details?.cached_tokens, 100000);
    assert.ok((completion.usage?.prompt_tokens ?? 0) < 100000);
  });

  it('repeat: every chunk carries the usage so far, growing to the final usage', async () => {
    const request = marked('cached=8, reasoning=5, repeat');
    const whole = await client.chat.completions.create(request);
    const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const completions = chunks.map((chunk) => chunk.usage?.completion_tokens);
    assert.ok(completions.every((count) => typeof count === 'number'));
    assert.equal(completions[0], 5, 'the role chunk: reasoning only');
    for (let index = 1; index < completions.length; index++) assert.ok(completions[index]! >= completions[index - 1]!);
    assert.deepEqual(chunks.at(-1)!.usage, whole.usage);
    assert.deepEqual(chunks.at(-2)!.usage, whole.usage, 'the finish chunk has the final count');
    for (const chunk of chunks) assert.equal(chunk.usage?.prompt_tokens_details?.cached_tokens, 8);
  });

  it('none: no usage in the body, and no usage chunk even with include_usage', async () => {
    const request = marked('none');
    const whole = await client.chat.completions.create(request);
    assert.equal('usage' in whole, false);
    const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(chunks.at(-1)!.choices[0].finish_reason, 'stop');
    for (const chunk of chunks) assert.equal('usage' in chunk, false);
  });

  it('a marker that does not parse is a 400 naming the problem', async () => {
    const error = await expectRejects(client.chat.completions.create(marked('cached=many')), OpenAI.BadRequestError);
    assert.match(error.message, /cached needs a token count/);
  });
});

describe('reasoning models (o-series, gpt-5 family)', () => {
  it('bill hidden reasoning tokens as output: 64 by default, by reasoning_effort otherwise', async () => {
    const request = { model: 'o4-mini', messages: [{ role: 'user' as const, content: 'Think' }] };
    const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    let contentChunks = 0;
    let usage;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) contentChunks++;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(usage?.completion_tokens_details?.reasoning_tokens, 64);
    assert.equal(usage?.completion_tokens, contentChunks + 64);
    const low = await client.chat.completions.create({ ...request, reasoning_effort: 'low' });
    assert.equal(low.usage?.completion_tokens_details?.reasoning_tokens, 16);
    assert.equal(low.usage?.completion_tokens, contentChunks + 16);
    const plain = await client.chat.completions.create({ ...request, model: 'gpt-oss-120b' });
    assert.equal(plain.usage?.completion_tokens_details?.reasoning_tokens, 0);
  });

  it('spend max_completion_tokens on reasoning first, which can leave an empty reply', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-5',
      max_completion_tokens: 50,
      messages: [{ role: 'user', content: 'Think hard' }],
    });
    assert.equal(completion.choices[0].message.content, '');
    assert.equal(completion.choices[0].finish_reason, 'length');
    assert.equal(completion.usage?.completion_tokens, 50);
    assert.equal(completion.usage?.completion_tokens_details?.reasoning_tokens, 50);
  });

  it('reject max_tokens and non-default temperature like OpenAI; others reject reasoning_effort', async () => {
    const maxTokens = (await expectRejects(
      client.chat.completions.create({ model: 'o4-mini', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      OpenAI.BadRequestError,
    )) as InstanceType<typeof OpenAI.BadRequestError>;
    assert.equal(maxTokens.code, 'unsupported_parameter');
    assert.equal(maxTokens.param, 'max_tokens');
    const temperature = (await expectRejects(
      client.chat.completions.create({ model: 'gpt-5-mini', temperature: 0.2, messages: [{ role: 'user', content: 'x' }] }),
      OpenAI.BadRequestError,
    )) as InstanceType<typeof OpenAI.BadRequestError>;
    assert.equal(temperature.code, 'unsupported_value');
    const effort = (await expectRejects(
      client.chat.completions.create({ model: 'gpt-4o', reasoning_effort: 'high', messages: [{ role: 'user', content: 'x' }] }),
      OpenAI.BadRequestError,
    )) as InstanceType<typeof OpenAI.BadRequestError>;
    assert.equal(effort.param, 'reasoning_effort');
  });
});

describe('tools', () => {
  const tools = [weatherTool, timeTool];

  it('calls every tool named in the last user message, in parallel, with schema-valid arguments', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      tools,
      messages: [{ role: 'user', content: 'Use get_time and get_weather for Paris' }],
    });
    const choice = completion.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    const calls = choice.message.tool_calls ?? [];
    assert.deepEqual(
      calls.map((call) => (call.type === 'function' ? call.function.name : '')),
      ['get_weather', 'get_time'],
    );
    for (const call of calls) assert.match(call.id, /^call_[A-Za-z0-9]{24}$/);
    assert.notEqual(calls[0].id, calls[1].id);
    const weather = calls[0].type === 'function' ? JSON.parse(calls[0].function.arguments) : undefined;
    z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']), days: z.number().int().min(3).max(10) })
      .strict()
      .parse(weather);
    assert.equal(weather.unit, 'celsius');
    const time = calls[1].type === 'function' ? JSON.parse(calls[1].function.arguments) : undefined;
    z.object({ zone: z.string(), precise: z.boolean().optional() }).parse(time);
  });

  it('calls only the first mentioned tool when parallel_tool_calls is false', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      tools,
      parallel_tool_calls: false,
      messages: [{ role: 'user', content: 'Use get_time and get_weather' }],
    });
    const calls = completion.choices[0].message.tool_calls ?? [];
    assert.equal(calls.length, 1);
    assert.equal(calls[0].type === 'function' && calls[0].function.name, 'get_weather');
  });

  it('answers text when no tool is mentioned (auto) or tool_choice is none', async () => {
    const auto = await client.chat.completions.create({
      model: 'gpt-4o',
      tools,
      messages: [{ role: 'user', content: 'Just chat' }],
    });
    assert.equal(auto.choices[0].finish_reason, 'stop');
    assert.equal(auto.choices[0].message.tool_calls, undefined);
    const none = await client.chat.completions.create({
      model: 'gpt-4o',
      tools,
      tool_choice: 'none',
      messages: [{ role: 'user', content: 'Use get_time' }],
    });
    assert.equal(none.choices[0].finish_reason, 'stop');
    assert.match(none.choices[0].message.content ?? '', /Use get_time/);
  });

  it('calls the first tool when required and none is mentioned, and the named tool when forced', async () => {
    const required = await client.chat.completions.create({
      model: 'gpt-4o',
      tools,
      tool_choice: 'required',
      messages: [{ role: 'user', content: 'Just chat' }],
    });
    const requiredCalls = required.choices[0].message.tool_calls ?? [];
    assert.equal(requiredCalls.length, 1);
    assert.equal(requiredCalls[0].type === 'function' && requiredCalls[0].function.name, 'get_weather');
    const named = await client.chat.completions.create({
      model: 'gpt-4o',
      tools,
      tool_choice: { type: 'function', function: { name: 'get_time' } },
      messages: [{ role: 'user', content: 'Use get_weather' }],
    });
    const namedCalls = named.choices[0].message.tool_calls ?? [];
    assert.equal(namedCalls.length, 1);
    assert.equal(namedCalls[0].type === 'function' && namedCalls[0].function.name, 'get_time');
  });

  it('answers text quoting the tool results after tool messages', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      tools,
      messages: [
        { role: 'user', content: 'get_weather and get_time please' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"zone":"CET"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: 'Sunny, 21 degrees' },
        { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: '14:05' }] },
      ],
    });
    assert.equal(completion.choices[0].finish_reason, 'stop');
    assert.equal(
      completion.choices[0].message.content,
      'Hello! The tools returned: get_weather: "Sunny, 21 degrees"; get_time: "14:05". ' +
        'This is a deterministic reply from the gpt-4o emulator.',
    );
  });

  it('streams tool calls: id, type and name first, then argument fragments; they rebuild the same calls', async () => {
    const request = {
      model: 'gpt-4o',
      tools,
      messages: [{ role: 'user' as const, content: 'get_weather then get_time' }],
    };
    const whole = await client.chat.completions.create(request);
    const stream = await client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    const calls: Array<{ id: string; name: string; arguments: string }> = [];
    let fragments = 0;
    let finish: string | null = null;
    let completionTokens = 0;
    for await (const chunk of stream) {
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
      const choice = chunk.choices[0];
      if (!choice) continue;
      finish = choice.finish_reason ?? finish;
      for (const delta of choice.delta.tool_calls ?? []) {
        if (delta.id !== undefined) {
          assert.equal(delta.type, 'function');
          assert.equal(delta.function?.arguments, '');
          assert.equal(delta.index, calls.length);
          calls.push({ id: delta.id, name: delta.function?.name ?? '', arguments: '' });
        } else {
          assert.equal(delta.function?.name, undefined);
          calls[delta.index].arguments += delta.function?.arguments ?? '';
          fragments++;
        }
      }
    }
    assert.equal(finish, 'tool_calls');
    assert.ok(fragments >= 3, 'arguments arrive in several fragments');
    const expected = (whole.choices[0].message.tool_calls ?? []).map((call) =>
      call.type === 'function' ? { id: call.id, name: call.function.name, arguments: call.function.arguments } : undefined,
    );
    assert.deepEqual(calls, expected);
    assert.equal(completionTokens, whole.usage?.completion_tokens);
    assert.equal(completionTokens, calls.length + fragments);
  });
});

describe('structured output', () => {
  it('json_schema: the content parses and matches the schema', async () => {
    const schema = z
      .object({
        title: z.string(),
        rating: z.number().int().min(1).max(5),
        score: z.number(),
        tags: z.array(z.string()).min(2),
        status: z.enum(['draft', 'published']),
        author: z.object({ name: z.string(), email: z.email() }).strict(),
        notes: z.union([z.string(), z.null()]),
        verified: z.boolean(),
      })
      .strict();
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Review the book' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'review', strict: true, schema: z.toJSONSchema(schema) as Record<string, unknown> },
      },
    });
    const value = schema.parse(JSON.parse(completion.choices[0].message.content ?? ''));
    assert.equal(value.tags.length, 2);
    assert.equal(value.status, 'draft');
  });

  it('json_object: the content is a JSON object', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Answer in JSON' }],
      response_format: { type: 'json_object' },
    });
    const value = JSON.parse(completion.choices[0].message.content ?? '');
    assert.equal(typeof value, 'object');
    assert.match(value.reply, /Answer in JSON/);
  });

  it('json_object without the word json in the messages is rejected like OpenAI', async () => {
    const error = await expectRejects(
      client.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Answer please' }],
        response_format: { type: 'json_object' },
      }),
      OpenAI.BadRequestError,
    );
    assert.match(error.message, /must contain the word 'json'/);
  });
});

describe('embeddings', () => {
  function norm(vector: ArrayLike<number>): number {
    let sum = 0;
    for (let index = 0; index < vector.length; index++) sum += vector[index] * vector[index];
    return Math.sqrt(sum);
  }

  it('returns float unit vectors with the model dimensions, deterministic per input', async () => {
    const result = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['alpha', 'beta', 'alpha'],
      encoding_format: 'float',
    });
    assert.equal(result.object, 'list');
    assert.equal(result.model, 'text-embedding-3-small');
    assert.equal(result.data.length, 3);
    result.data.forEach((item, index) => {
      assert.equal(item.object, 'embedding');
      assert.equal(item.index, index);
      assert.equal(item.embedding.length, 1536);
      assert.ok(Math.abs(norm(item.embedding) - 1) < 1e-5);
    });
    assert.deepEqual(result.data[0].embedding, result.data[2].embedding);
    assert.notDeepEqual(result.data[0].embedding, result.data[1].embedding);
    assert.deepEqual(result.usage, { prompt_tokens: 3, total_tokens: 3 });
    const large = await client.embeddings.create({ model: 'text-embedding-3-large', input: 'alpha', encoding_format: 'float' });
    assert.equal(large.data[0].embedding.length, 3072);
  });

  it('the SDK default (base64) decodes to exactly the float vectors', async () => {
    const floats = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'gamma', encoding_format: 'float' });
    const decoded = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'gamma' });
    const recorded = emulator.received[emulator.received.length - 1].body as Record<string, unknown>;
    assert.equal(recorded.encoding_format, 'base64');
    assert.deepEqual(Array.from(decoded.data[0].embedding), floats.data[0].embedding);
  });

  it('honours dimensions (a renormalised prefix) and token-array input', async () => {
    const result = await client.embeddings.create({
      model: 'text-embedding-3-large',
      input: 'delta',
      dimensions: 256,
      encoding_format: 'float',
    });
    const vector = result.data[0].embedding;
    assert.equal(vector.length, 256);
    assert.ok(Math.abs(norm(vector) - 1) < 1e-5);
    const tokens = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: [[1, 2, 3], [4, 5]],
      encoding_format: 'float',
    });
    assert.equal(tokens.data.length, 2);
    assert.equal(tokens.usage.prompt_tokens, 5);
  });

  it('rejects dimensions for ada-002 and chat models for embeddings', async () => {
    await expectRejects(
      client.embeddings.create({ model: 'text-embedding-ada-002', input: 'x', dimensions: 8 }),
      OpenAI.BadRequestError,
    );
    await expectRejects(client.embeddings.create({ model: 'gpt-4o', input: 'x' }), OpenAI.BadRequestError);
  });
});

describe('models', () => {
  it('lists and retrieves models like OpenAI', async () => {
    const ids = [];
    for await (const model of client.models.list()) {
      assert.equal(model.object, 'model');
      assert.equal(typeof model.created, 'number');
      assert.equal(typeof model.owned_by, 'string');
      ids.push(model.id);
    }
    for (const id of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-oss-120b', 'text-embedding-3-small', 'text-embedding-3-large']) {
      assert.ok(ids.includes(id), id);
    }
    const model = await client.models.retrieve('gpt-oss-120b');
    assert.equal(model.id, 'gpt-oss-120b');
    const error = await expectRejects(client.models.retrieve('no-such-model'), OpenAI.NotFoundError);
    assert.equal((error as InstanceType<typeof OpenAI.NotFoundError>).code, 'model_not_found');
  });

  it('serves only the configured models', async () => {
    const small = await startOpenAIEmulator({ quiet: true, models: ['only-this'] });
    try {
      const smallClient = new OpenAI({ baseURL: small.baseUrl, apiKey: 'anything', maxRetries: 0 });
      const page = await smallClient.models.list();
      assert.deepEqual(page.data.map((model) => model.id), ['only-this']);
      const error = await expectRejects(
        smallClient.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
        OpenAI.NotFoundError,
      );
      assert.match(error.message, /The model `gpt-4o` does not exist or you do not have access to it/);
    } finally {
      await small.close();
    }
  });
});

describe('errors', () => {
  const hello = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hello' }] };

  it('wrong or missing key → AuthenticationError 401 invalid_api_key', async () => {
    const wrong = new OpenAI({ baseURL: emulator.baseUrl, apiKey: 'sk-wrong-key-abcdefgh', maxRetries: 0 });
    const error = (await expectRejects(wrong.chat.completions.create(hello), OpenAI.AuthenticationError)) as InstanceType<
      typeof OpenAI.AuthenticationError
    >;
    assert.equal(error.status, 401);
    assert.equal(error.code, 'invalid_api_key');
    assert.equal(error.type, 'invalid_request_error');
    assert.match(error.message, /Incorrect API key provided: sk-\**efgh/);
    const missing = await request(`${emulator.baseUrl}/models`);
    assert.equal(missing.statusCode, 401);
    const body = (await missing.body.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'invalid_api_key');
    assert.match(body.error.message, /You didn't provide an API key/);
  });

  it('status=429 → RateLimitError with retry-after and rate-limit headers', async () => {
    const error = (await expectRejects(
      client.chat.completions.create(hello, fault('status=429, retry-after=7, retry-after-ms=6500')),
      OpenAI.RateLimitError,
    )) as InstanceType<typeof OpenAI.RateLimitError>;
    assert.equal(error.status, 429);
    assert.equal(error.code, 'rate_limit_exceeded');
    assert.equal(error.headers?.get('retry-after'), '7');
    assert.equal(error.headers?.get('retry-after-ms'), '6500');
    assert.equal(error.headers?.get('x-ratelimit-remaining-requests'), '0');
    assert.match(error.message, /Rate limit reached for gpt-4o/);
    const quota = (await expectRejects(
      client.chat.completions.create(hello, fault('status=429, code=insufficient_quota')),
      OpenAI.RateLimitError,
    )) as InstanceType<typeof OpenAI.RateLimitError>;
    assert.equal(quota.code, 'insufficient_quota');
    assert.equal(quota.type, 'insufficient_quota');
    assert.equal(quota.headers?.get('retry-after'), '1');
  });

  it('status=500 and 503 → InternalServerError with server errors', async () => {
    const server = (await expectRejects(
      client.chat.completions.create(hello, fault('status=500')),
      OpenAI.InternalServerError,
    )) as InstanceType<typeof OpenAI.InternalServerError>;
    assert.equal(server.status, 500);
    assert.equal(server.type, 'server_error');
    const overloaded = (await expectRejects(
      client.chat.completions.create(hello, fault('status=503')),
      OpenAI.InternalServerError,
    )) as InstanceType<typeof OpenAI.InternalServerError>;
    assert.equal(overloaded.status, 503);
    assert.match(overloaded.message, /overloaded/);
  });

  it('status=400/401/404 faults map to the SDK error classes', async () => {
    await expectRejects(client.chat.completions.create(hello, fault('status=400')), OpenAI.BadRequestError);
    await expectRejects(client.chat.completions.create(hello, fault('status=401')), OpenAI.AuthenticationError);
    await expectRejects(client.chat.completions.create(hello, fault('status=403')), OpenAI.PermissionDeniedError);
    await expectRejects(client.chat.completions.create(hello, fault('status=404')), OpenAI.NotFoundError);
  });

  it('unknown model → NotFoundError model_not_found', async () => {
    const error = (await expectRejects(
      client.chat.completions.create({ ...hello, model: 'gpt-9' }),
      OpenAI.NotFoundError,
    )) as InstanceType<typeof OpenAI.NotFoundError>;
    assert.equal(error.code, 'model_not_found');
  });

  it('validates like OpenAI: missing and mistyped parameters → BadRequestError naming the param', async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ messages: [{ role: 'user', content: 'x' }] }, 'model', 'missing_required_parameter'],
      [{ model: 'gpt-4o' }, 'messages', 'missing_required_parameter'],
      [{ model: 'gpt-4o', messages: 'hello' }, 'messages', 'invalid_type'],
      [{ model: 'gpt-4o', messages: [] }, 'messages', 'empty_array'],
      [{ model: 'gpt-4o', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role', 'invalid_value'],
      [{ model: 'gpt-4o', messages: [{ role: 'user' }] }, 'messages[0].content', 'missing_required_parameter'],
      [{ ...hello, max_tokens: 'ten' }, 'max_tokens', 'invalid_type'],
      [{ ...hello, max_tokens: 0 }, 'max_tokens', 'integer_below_min_value'],
      [{ ...hello, temperature: 3 }, 'temperature', 'decimal_above_max_value'],
      [{ ...hello, stream: 'yes' }, 'stream', 'invalid_type'],
      [{ ...hello, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', 'array_above_max_length'],
      [{ ...hello, tools: [{ type: 'function', function: { name: 'bad name' } }] }, 'tools[0].function.name', 'invalid_value'],
      [
        {
          ...hello,
          messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:text/plain;base64,eA==' } }] }],
        },
        'messages[0].content[0].image_url.url',
        'invalid_value',
      ],
    ];
    for (const [body, param, code] of cases) {
      const error = (await expectRejects(
        client.chat.completions.create(body as never),
        OpenAI.BadRequestError,
      )) as InstanceType<typeof OpenAI.BadRequestError>;
      assert.equal(error.status, 400);
      assert.equal(error.param, param, JSON.stringify(body));
      assert.equal(error.code, code, JSON.stringify(body));
      assert.equal(error.type, 'invalid_request_error');
    }
  });

  it('rejects tool messages that answer nothing and tool calls left unanswered', async () => {
    const orphan = await expectRejects(
      client.chat.completions.create({
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: 'x' },
          { role: 'tool', tool_call_id: 'call_1', content: 'result' },
        ],
      }),
      OpenAI.BadRequestError,
    );
    assert.match(orphan.message, /must be a response to a preceeding message with 'tool_calls'/);
    const unanswered = await expectRejects(
      client.chat.completions.create({
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'f', arguments: '{}' } }] },
          { role: 'user', content: 'y' },
        ],
      }),
      OpenAI.BadRequestError,
    );
    assert.match(unanswered.message, /did not have response messages: call_9/);
  });

  it('invalid JSON, unknown paths and wrong methods get OpenAI-shaped errors', async () => {
    const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
    const invalid = await request(`${emulator.baseUrl}/chat/completions`, { method: 'POST', headers, body: '{"model":' });
    assert.equal(invalid.statusCode, 400);
    const invalidBody = (await invalid.body.json()) as { error: Record<string, unknown> };
    assert.match(String(invalidBody.error.message), /could not parse the JSON body/);
    assert.deepEqual(Object.keys(invalidBody.error), ['message', 'type', 'param', 'code']);
    const unknown = await request(`${emulator.baseUrl}/nothing-here`, { method: 'POST', headers, body: '{}' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(((await unknown.body.json()) as { error: { message: string } }).error.message, 'Invalid URL (POST /v1/nothing-here)');
    const wrongMethod = await request(`${emulator.baseUrl}/chat/completions`, { headers });
    assert.equal(wrongMethod.statusCode, 405);
    await wrongMethod.body.dump();
    assert.ok(invalid.headers['x-request-id']);
  });
});

describe('faults', () => {
  const hello = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hello' }] };

  it('reset → APIConnectionError', async () => {
    await expectRejects(client.chat.completions.create(hello, fault('reset')), OpenAI.APIConnectionError);
  });

  it('delay-headers is honoured', async () => {
    const started = performance.now();
    const completion = await client.chat.completions.create(hello, fault('delay-headers=200'));
    assert.ok(performance.now() - started >= 195, 'waited for the delay');
    assert.equal(completion.choices[0].finish_reason, 'stop');
  });

  it('delay-chunks waits between stream events', async () => {
    const stream = await client.chat.completions.create({ ...hello, stream: true }, fault('delay-chunks=20'));
    const arrivals: number[] = [];
    for await (const chunk of stream) {
      void chunk;
      arrivals.push(performance.now());
    }
    assert.ok(arrivals.length >= 5);
    const span = arrivals[arrivals.length - 1] - arrivals[0];
    assert.ok(span >= 20 * (arrivals.length - 1) - 5, `events spread over ${span} ms`);
  });

  it('a client abort during delay-headers counts in stats.aborted', async () => {
    const before = emulator.stats.aborted;
    const controller = new AbortController();
    const pending = client.chat.completions.create(hello, { ...fault('delay-headers=2000'), signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expectRejects(pending, OpenAI.APIUserAbortError);
    const deadline = Date.now() + 2000;
    while (emulator.stats.aborted === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(emulator.stats.aborted, before + 1);
  });

  it('cut-after=n ends a stream after n events without [DONE] or a finish', async () => {
    const stream = await client.chat.completions.create({ ...hello, stream: true }, fault('cut-after=3'));
    const chunks = [];
    let failed = false;
    try {
      for await (const chunk of stream) chunks.push(chunk);
    } catch {
      failed = true;
    }
    assert.equal(chunks.length, 3);
    assert.ok(failed || chunks.every((chunk) => chunk.choices[0]?.finish_reason == null));
    assert.ok(chunks.every((chunk) => chunk.choices[0]?.finish_reason == null));
  });

  it('error-after=n: a 200 stream that fails with an in-stream error → APIError after n chunks', async () => {
    const stream = await client.chat.completions.create({ ...hello, stream: true }, fault('error-after=2'));
    const chunks = [];
    const error = await expectRejects(
      (async () => {
        for await (const chunk of stream) chunks.push(chunk);
      })(),
      OpenAI.APIError,
    );
    assert.equal(chunks.length, 2);
    assert.match(error.message, /The server had an error while processing your request/);
    assert.equal((error as InstanceType<typeof OpenAI.APIError>).type, 'server_error');
  });

  it('cut-after on a non-streaming response: headers, a few body bytes, then the connection ends', async () => {
    // The SDK has the headers when the body breaks off, so it surfaces the body error (`terminated`) unwrapped.
    await assert.rejects(client.chat.completions.create(hello, fault('cut-after=10')), /terminated/);
    const raw = await request(`${emulator.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'x-emulator-fault': 'cut-after=10' },
      body: JSON.stringify(hello),
    });
    assert.equal(raw.statusCode, 200);
    assert.ok(Number(raw.headers['content-length']) > 10);
    const received: Buffer[] = [];
    await assert.rejects(async () => {
      for await (const piece of raw.body) received.push(piece as Buffer);
    });
    assert.equal(Buffer.concat(received).toString(), '{"id":"cha');
  });

  it('cut-after=0 sends the headers and nothing else', async () => {
    const response = await request(`${emulator.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'x-emulator-fault': 'cut-after=0' },
      body: JSON.stringify({ ...hello, stream: true }),
    });
    assert.equal(response.statusCode, 200);
    await assert.rejects(response.body.text());
  });

  it('malformed: a stream with an invalid event makes the SDK fail; a JSON body is truncated', async () => {
    const stream = await client.chat.completions.create({ ...hello, stream: true }, fault('malformed'));
    const chunks = [];
    await assert.rejects(async () => {
      for await (const chunk of stream) chunks.push(chunk);
    }, /JSON/);
    assert.equal(chunks.length, 1);
    const raw = await request(`${emulator.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'x-emulator-fault': 'malformed' },
      body: JSON.stringify(hello),
    });
    assert.equal(raw.statusCode, 200);
    const text = await raw.body.text();
    assert.throws(() => JSON.parse(text));
    assert.ok(text.startsWith('{"id":"chatcmpl-'));
    await assert.rejects(client.chat.completions.create(hello, fault('malformed')));
  });

  it('a bad fault spec is a 400 that names the problem', async () => {
    const error = await expectRejects(client.chat.completions.create(hello, fault('statuss=500')), OpenAI.BadRequestError);
    assert.match(error.message, /unknown fault 'statuss'/);
    const badValue = await expectRejects(client.chat.completions.create(hello, fault('status=200')), OpenAI.BadRequestError);
    assert.match(badValue.message, /status must be between 400 and 599/);
  });

  it('an emulator-wide fault with a count fails the first N requests; a `none` header opts out', async () => {
    const local = await startOpenAIEmulator({ quiet: true, fault: 'status=503', faultCount: 2 });
    try {
      const localClient = new OpenAI({ baseURL: local.baseUrl, apiKey: 'x', maxRetries: 0 });
      await expectRejects(localClient.chat.completions.create(hello), OpenAI.InternalServerError);
      const optOut = await localClient.chat.completions.create(hello, fault('none'));
      assert.equal(optOut.choices[0].finish_reason, 'stop');
      await expectRejects(localClient.chat.completions.create(hello), OpenAI.InternalServerError);
      const ok = await localClient.chat.completions.create(hello);
      assert.equal(ok.choices[0].finish_reason, 'stop');
      local.setFault('status=429');
      await expectRejects(localClient.chat.completions.create(hello), OpenAI.RateLimitError);
      await expectRejects(localClient.chat.completions.create(hello), OpenAI.RateLimitError);
      local.setFault(undefined);
      await localClient.chat.completions.create(hello);
      assert.throws(() => local.setFault('bogus'), /unknown fault 'bogus'/);
      assert.equal(local.stats.requests, 7);
      assert.equal(local.stats.open, 0);
    } finally {
      await local.close();
    }
    await assert.rejects(startOpenAIEmulator({ quiet: true, fault: 'delay-headers=soon' }), /delay-headers must be an integer/);
  });

  it('a prompt marker injects a fault; a marker aimed at another emulator does not', async () => {
    const marked = await expectRejects(
      client.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'please fail [emulator-fault: status=500] now' }],
      }),
      OpenAI.InternalServerError,
    );
    assert.equal((marked as InstanceType<typeof OpenAI.InternalServerError>).status, 500);
    const aimed = await expectRejects(
      client.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: `[emulator-fault@${emulator.port}: status=429]` }],
      }),
      OpenAI.RateLimitError,
    );
    assert.equal((aimed as InstanceType<typeof OpenAI.RateLimitError>).status, 429);
    const elsewhere = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: '[emulator-fault@bedrock: status=500] hello' }],
    });
    assert.equal(elsewhere.choices[0].finish_reason, 'stop');
  });

  it('keeps no request open once everything is answered', async () => {
    await client.chat.completions.create(hello);
    assert.equal(emulator.stats.open, 0);
    assert.ok(emulator.stats.requests > 10);
  });
});
