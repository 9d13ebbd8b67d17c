import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { AzureOpenAI } from 'openai';
import { request } from 'undici';
import { countTokens } from '../core/index.ts';
import { startAzureOpenAIEmulator, type RunningAzureOpenAIEmulator } from './index.ts';

const API_KEY = 'azure-test-key-0123456789abcdef';
const GOOD_TOKEN = 'entra-token-accepted';
const API_VERSION = '2024-10-21';

let emulator: RunningAzureOpenAIEmulator;

before(async () => {
  emulator = await startAzureOpenAIEmulator({
    apiKey: API_KEY,
    acceptToken: (token) => token === GOOD_TOKEN,
    quiet: true,
    deployments: {
      'gpt-4o-mini': { model: 'gpt-4o-mini' },
      'chat-prod': { model: 'gpt-4.1' },
      'text-embedding-3-large': { model: 'text-embedding-3-large' },
      'text-embedding-3-small': { model: 'text-embedding-3-small' },
      'rpm-limited': { model: 'gpt-4o-mini', rpm: 2 },
      'tpm-limited': { model: 'gpt-4o-mini', tpm: 100 },
      'small-context': { model: 'gpt-4o-mini', contextWindow: 50 },
    },
  });
});

after(async () => {
  await emulator.close();
});

function azure(deployment: string, options: { apiVersion?: string; apiKey?: string; token?: string } = {}): AzureOpenAI {
  return new AzureOpenAI({
    endpoint: emulator.url,
    apiVersion: options.apiVersion ?? API_VERSION,
    deployment,
    maxRetries: 0,
    ...(options.token === undefined
      ? { apiKey: options.apiKey ?? API_KEY }
      : { azureADTokenProvider: async () => options.token as string }),
  });
}

function v1(apiKey = API_KEY, defaultQuery?: Record<string, string>): OpenAI {
  return new OpenAI({ baseURL: emulator.url + '/openai/v1', apiKey, maxRetries: 0, defaultQuery });
}

const hello = { model: 'ignored-by-azure', messages: [{ role: 'user' as const, content: 'Say hi' }] };
const HELLO_REPLY = 'Hello! You said: "Say hi". This is a deterministic reply from the gpt-4o-mini emulator.';
const SAFE = { filtered: false, severity: 'safe' };
const NOT_DETECTED = { filtered: false, detected: false };
const PROMPT_SAFE = { hate: SAFE, jailbreak: NOT_DETECTED, self_harm: SAFE, sexual: SAFE, violence: SAFE };

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city', 'unit'],
    },
  },
} as const;

function fault(spec: string) {
  return { headers: { 'x-emulator-fault': spec } };
}

async function expectRejects<T extends Error>(promise: Promise<unknown>, errorClass: new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${errorClass.name}, but the call succeeded`);
}

async function raw(path: string, body: unknown, headers: Record<string, string> = { 'api-key': API_KEY }) {
  const response = await request(emulator.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

describe('deployment-style chat completions', () => {
  it('answers in Azure format: versioned model, prompt and choice annotations, Azure headers', async () => {
    const { data, response } = await azure('gpt-4o-mini').chat.completions.create(hello).withResponse();
    assert.equal(data.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(data.object, 'chat.completion');
    assert.match(data.id, /^chatcmpl-[A-Za-z0-9]{29}$/);
    assert.equal(data.choices[0].message.content, HELLO_REPLY);
    assert.equal(data.choices[0].finish_reason, 'stop');
    const annotated = data as unknown as {
      prompt_filter_results: unknown;
      choices: Array<{ content_filter_results: unknown }>;
    };
    assert.deepEqual(annotated.prompt_filter_results, [{ prompt_index: 0, content_filter_results: PROMPT_SAFE }]);
    assert.deepEqual(annotated.choices[0].content_filter_results, {
      hate: SAFE,
      protected_material_code: NOT_DETECTED,
      protected_material_text: NOT_DETECTED,
      self_harm: SAFE,
      sexual: SAFE,
      violence: SAFE,
    });
    assert.deepEqual(data.usage, {
      prompt_tokens: 8,
      completion_tokens: 17,
      total_tokens: 25,
      prompt_tokens_details: { audio_tokens: 0, cached_tokens: 0 },
      completion_tokens_details: {
        accepted_prediction_tokens: 0,
        audio_tokens: 0,
        reasoning_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    });
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    assert.match(response.headers.get('apim-request-id') ?? '', uuid);
    assert.match(response.headers.get('x-request-id') ?? '', uuid);
    assert.equal(response.headers.get('x-ms-region'), 'East US');
    assert.equal(response.headers.get('x-ms-deployment-name'), 'gpt-4o-mini');
    assert.match(response.headers.get('azureml-model-session') ?? '', /^d\d{3}-\d{14}$/);
    assert.match(response.headers.get('x-ratelimit-remaining-requests') ?? '', /^\d+$/);
    assert.match(response.headers.get('x-ratelimit-remaining-tokens') ?? '', /^\d+$/);
    const last = emulator.received[emulator.received.length - 1];
    assert.equal(last.path, `/openai/deployments/gpt-4o-mini/chat/completions?api-version=${API_VERSION}`);
    assert.equal(last.headers['api-key'], API_KEY);
  });

  it('serves the deployment’s model whatever the body names', async () => {
    const data = await azure('chat-prod').chat.completions.create({ ...hello, model: 'gpt-4o' });
    assert.equal(data.model, 'gpt-4.1-2025-04-14');
    assert.match(data.choices[0].message.content ?? '', /from the gpt-4\.1 emulator\.$/);
    // A body without `model` is fine on a deployment URL.
    const response = await raw(`/openai/deployments/chat-prod/chat/completions?api-version=${API_VERSION}`, {
      messages: hello.messages,
    });
    assert.equal(response.status, 200);
  });

  it('streams: prompt annotations first (empty choices, id, model), annotated chunks, usage equal to the reply', async () => {
    const client = azure('gpt-4o-mini');
    const stream = await client.chat.completions.create({ ...hello, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const first = chunks[0] as unknown as Record<string, unknown>;
    assert.deepEqual(first.choices, []);
    assert.equal(first.id, '');
    assert.equal(first.created, 0);
    assert.equal(first.model, '');
    assert.equal(first.object, '');
    assert.deepEqual(first.prompt_filter_results, [{ prompt_index: 0, content_filter_results: PROMPT_SAFE }]);
    const choiceChunks = chunks.slice(1, -1);
    assert.deepEqual(
      (choiceChunks[0].choices[0] as unknown as { content_filter_results: unknown }).content_filter_results,
      {},
    );
    assert.deepEqual(
      (choiceChunks[1].choices[0] as unknown as { content_filter_results: unknown }).content_filter_results,
      { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE },
    );
    assert.ok(choiceChunks.every((chunk) => chunk.model === 'gpt-4o-mini-2024-07-18' && chunk.choices.length === 1));
    const text = choiceChunks.map((chunk) => chunk.choices[0].delta.content ?? '').join('');
    assert.equal(text, HELLO_REPLY);
    assert.equal(choiceChunks[choiceChunks.length - 1].choices[0].finish_reason, 'stop');
    const usageChunk = chunks[chunks.length - 1];
    assert.deepEqual(usageChunk.choices, []);
    const contentChunks = choiceChunks.filter((chunk) => (chunk.choices[0].delta.content ?? '') !== '').length;
    assert.equal(usageChunk.usage?.completion_tokens, contentChunks);
    const whole = await client.chat.completions.create(hello);
    assert.deepEqual(usageChunk.usage, whole.usage);
  });

  it('sends no trailing annotation chunk and ends with [DONE] (default streaming mode)', async () => {
    const response = await raw(`/openai/deployments/gpt-4o-mini/chat/completions?api-version=${API_VERSION}`, {
      ...hello,
      stream: true,
    });
    const events = response.text.split('\n\n').filter((event) => event !== '');
    assert.equal(events[events.length - 1], 'data: [DONE]');
    const finish = JSON.parse(events[events.length - 2].slice(6));
    assert.equal(finish.choices[0].finish_reason, 'stop');
    assert.ok(!('usage' in finish), 'no usage field without include_usage');
  });

  it('the SDK’s stream helper copes with the annotation-only first chunk', async () => {
    const stream = azure('gpt-4o-mini').chat.completions.stream(hello);
    const completion = await stream.finalChatCompletion();
    assert.equal(completion.choices[0].message.content, HELLO_REPLY);
    assert.match(completion.id, /^chatcmpl-/);
  });
});

describe('the usage marker', () => {
  const marked = (spec: string) => ({ ...hello, messages: [{ role: 'user' as const, content: `Count these [emulator-usage: ${spec}]` }] });

  it('reports the cached and reasoning tokens it names, streamed and not; repeat puts the usage so far on every chunk', async () => {
    const client = azure('gpt-4o-mini');
    const request = marked('cached=30, reasoning=7');
    const whole = await client.chat.completions.create(request);
    assert.equal(whole.usage?.prompt_tokens_details?.cached_tokens, 30);
    assert.equal(whole.usage?.completion_tokens_details?.reasoning_tokens, 7);
    assert.equal(whole.usage?.completion_tokens, countTokens(whole.choices[0].message.content ?? '') + 7);
    const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    const usages = [];
    for await (const chunk of stream) if (chunk.usage) usages.push(chunk.usage);
    assert.deepEqual(usages, [whole.usage]);

    const repeatedWhole = await client.chat.completions.create(marked('cached=30, reasoning=7, repeat'));
    const repeated = await client.chat.completions.create({ ...marked('cached=30, reasoning=7, repeat'), stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of repeated) chunks.push(chunk);
    assert.equal(chunks[0].usage, undefined, 'the prompt annotations carry no usage');
    const counts = chunks.slice(1).map((chunk) => chunk.usage?.completion_tokens);
    assert.equal(counts[0], 7);
    for (let index = 1; index < counts.length; index++) assert.ok(counts[index]! >= counts[index - 1]!);
    assert.deepEqual(chunks.at(-1)!.usage, chunks.at(-2)!.usage);
    assert.deepEqual(chunks.at(-1)!.usage, repeatedWhole.usage);
  });

  it('none: no usage in the body, and no usage chunk even with include_usage', async () => {
    const client = azure('gpt-4o-mini');
    const whole = await client.chat.completions.create(marked('none'));
    assert.equal('usage' in whole, false);
    const stream = await client.chat.completions.create({ ...marked('none'), stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(chunks.at(-1)!.choices[0].finish_reason, 'stop');
    for (const chunk of chunks) assert.equal('usage' in chunk, false);
  });
});

describe('tools', () => {
  const toolRequest = {
    model: 'x',
    messages: [{ role: 'user' as const, content: 'Use get_weather for Paris' }],
    tools: [weatherTool],
  };

  it('returns tool calls with empty choice annotations', async () => {
    const data = await azure('gpt-4o-mini').chat.completions.create(toolRequest);
    const choice = data.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    const call = choice.message.tool_calls?.[0];
    assert.ok(call !== undefined && call.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'example city', unit: 'celsius' });
    assert.match(call.id, /^call_[A-Za-z0-9]{24}$/);
    assert.deepEqual((choice as unknown as { content_filter_results: unknown }).content_filter_results, {});
  });

  it('streams tool calls that assemble to the same call', async () => {
    const client = azure('gpt-4o-mini');
    const whole = await client.chat.completions.create(toolRequest);
    const stream = await client.chat.completions.create({ ...toolRequest, stream: true });
    let name = '';
    let id = '';
    let argumentsText = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice === undefined) continue;
      for (const call of choice.delta.tool_calls ?? []) {
        name += call.function?.name ?? '';
        id += call.id ?? '';
        argumentsText += call.function?.arguments ?? '';
      }
      finish = choice.finish_reason ?? finish;
    }
    const expected = whole.choices[0].message.tool_calls?.[0];
    assert.ok(expected !== undefined && expected.type === 'function');
    assert.equal(name, expected.function.name);
    assert.equal(id, expected.id);
    assert.equal(argumentsText, expected.function.arguments);
    assert.equal(finish, 'tool_calls');
  });
});

describe('embeddings', () => {
  it('float and the SDK’s default base64 give the same vectors', async () => {
    const client = azure('text-embedding-3-large');
    const floats = await client.embeddings.create({
      model: 'x',
      input: ['alpha beta', 'gamma'],
      encoding_format: 'float',
    });
    const decoded = await client.embeddings.create({ model: 'x', input: ['alpha beta', 'gamma'] });
    assert.equal(floats.model, 'text-embedding-3-large');
    assert.equal(floats.data.length, 2);
    assert.equal(floats.data[0].embedding.length, 3072);
    assert.deepEqual(decoded.data[0].embedding, floats.data[0].embedding);
    assert.deepEqual(decoded.data[1].embedding, floats.data[1].embedding);
    assert.notDeepEqual(floats.data[0].embedding, floats.data[1].embedding);
    assert.deepEqual(floats.usage, { prompt_tokens: 3, total_tokens: 3 });
    const norm = Math.hypot(...floats.data[0].embedding);
    assert.ok(Math.abs(norm - 1) < 1e-5);
  });

  it('honours dimensions', async () => {
    const data = await azure('text-embedding-3-small').embeddings.create({ model: 'x', input: 'hi', dimensions: 256 });
    assert.equal(data.data[0].embedding.length, 256);
  });

  it('refuses embeddings on a chat deployment and chat on an embedding deployment (OperationNotSupported)', async () => {
    const onChat = await expectRejects(
      azure('gpt-4o-mini').embeddings.create({ model: 'x', input: 'hi' }),
      OpenAI.BadRequestError,
    );
    assert.equal(onChat.code, 'OperationNotSupported');
    assert.match(onChat.message, /The embeddings operation does not work with the specified model, gpt-4o-mini\./);
    const onEmbedding = await expectRejects(
      azure('text-embedding-3-small').chat.completions.create(hello),
      OpenAI.BadRequestError,
    );
    assert.equal(onEmbedding.code, 'OperationNotSupported');
  });
});

describe('v1 API (/openai/v1)', () => {
  it('chat with the deployment as model, and Bearer <api key>', async () => {
    const data = await v1().chat.completions.create({ ...hello, model: 'gpt-4o-mini' });
    assert.equal(data.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(data.choices[0].message.content, HELLO_REPLY);
    const last = emulator.received[emulator.received.length - 1];
    assert.equal(last.path, '/openai/v1/chat/completions');
    assert.equal(last.headers.authorization, `Bearer ${API_KEY}`);
  });

  it('accepts api-version=preview and refuses a dated one', async () => {
    const preview = await v1(API_KEY, { 'api-version': 'preview' }).chat.completions.create({ ...hello, model: 'gpt-4o-mini' });
    assert.equal(preview.choices[0].message.content, HELLO_REPLY);
    const dated = await expectRejects(
      v1(API_KEY, { 'api-version': API_VERSION }).chat.completions.create({ ...hello, model: 'gpt-4o-mini' }),
      OpenAI.BadRequestError,
    );
    assert.equal(dated.code, 'BadRequest');
    assert.equal(dated.message, '400 API version not supported');
  });

  it('embeddings and the model list', async () => {
    const data = await v1().embeddings.create({ model: 'text-embedding-3-small', input: 'hi' });
    assert.equal(data.data[0].embedding.length, 1536);
    const ids = [];
    for await (const model of v1().models.list()) ids.push(model.id);
    assert.deepEqual(ids.sort(), ['gpt-4.1', 'gpt-4o-mini', 'text-embedding-3-large', 'text-embedding-3-small']);
  });

  it('an unknown deployment → 404 DeploymentNotFound; a wrong key → 401', async () => {
    const missing = await expectRejects(
      v1().chat.completions.create({ ...hello, model: 'no-such-deployment' }),
      OpenAI.NotFoundError,
    );
    assert.equal(missing.code, 'DeploymentNotFound');
    const denied = await expectRejects(
      v1('wrong-key').chat.completions.create({ ...hello, model: 'gpt-4o-mini' }),
      OpenAI.AuthenticationError,
    );
    assert.equal(denied.code, '401');
  });
});

describe('authentication', () => {
  it('accepts an Entra token that acceptToken approves', async () => {
    const data = await azure('gpt-4o-mini', { token: GOOD_TOKEN }).chat.completions.create(hello);
    assert.equal(data.choices[0].message.content, HELLO_REPLY);
    const last = emulator.received[emulator.received.length - 1];
    assert.equal(last.headers.authorization, `Bearer ${GOOD_TOKEN}`);
  });

  it('a wrong api-key → 401 with Azure’s key message', async () => {
    const error = await expectRejects(
      azure('gpt-4o-mini', { apiKey: 'wrong-key' }).chat.completions.create(hello),
      OpenAI.AuthenticationError,
    );
    assert.equal(error.status, 401);
    assert.equal(error.code, '401');
    assert.match(error.message, /^401 Access denied due to invalid subscription key or wrong API endpoint\. /);
  });

  it('a rejected Entra token → 401 in the gateway’s statusCode shape', async () => {
    const error = await expectRejects(
      azure('gpt-4o-mini', { token: 'expired-token' }).chat.completions.create(hello),
      OpenAI.AuthenticationError,
    );
    assert.equal(error.status, 401);
    assert.equal(error.code, undefined, 'no `error` object with a code in this body');
    assert.match(error.message, /^401 Unauthorized\. Access token is missing, invalid, audience is incorrect/);
    const response = await raw(`/openai/deployments/gpt-4o-mini/chat/completions?api-version=${API_VERSION}`, hello, {
      authorization: 'Bearer expired-token',
    });
    assert.equal(response.status, 401);
    assert.deepEqual(JSON.parse(response.text), {
      statusCode: 401,
      message:
        'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.',
    });
  });

  it('the api key as a Bearer token is refused on the deployment-style API', async () => {
    const response = await raw(`/openai/deployments/gpt-4o-mini/chat/completions?api-version=${API_VERSION}`, hello, {
      authorization: `Bearer ${API_KEY}`,
    });
    assert.equal(response.status, 401);
  });
});

describe('errors', () => {
  it('unknown deployment → 404 DeploymentNotFound', async () => {
    const error = await expectRejects(azure('no-such-deployment').chat.completions.create(hello), OpenAI.NotFoundError);
    assert.equal(error.code, 'DeploymentNotFound');
    assert.match(error.message, /^404 The API deployment for this resource does not exist\. /);
  });

  it('missing api-version → 404 Resource not found, byte for byte', async () => {
    const response = await raw('/openai/deployments/gpt-4o-mini/chat/completions', hello);
    assert.equal(response.status, 404);
    assert.equal(response.text, '{"error":{"code":"404","message": "Resource not found"}}');
  });

  it('unsupported api-version → 400 API version not supported', async () => {
    const error = await expectRejects(
      azure('gpt-4o-mini', { apiVersion: '2019-01-01' }).chat.completions.create(hello),
      OpenAI.BadRequestError,
    );
    assert.equal(error.code, 'BadRequest');
    assert.equal(error.message, '400 API version not supported');
  });

  it('unknown path → 404 Resource not found', async () => {
    const response = await raw('/openai/deployments/gpt-4o-mini/completions?api-version=2024-10-21', hello);
    assert.equal(response.status, 404);
    assert.equal(JSON.parse(response.text).error.message, 'Resource not found');
  });

  it('[azure-content-filter: prompt] → 400 content_filter with innererror', async () => {
    const error = await expectRejects(
      azure('gpt-4o-mini').chat.completions.create({
        model: 'x',
        messages: [{ role: 'user', content: 'Tell me [azure-content-filter: prompt]' }],
      }),
      OpenAI.BadRequestError,
    );
    assert.equal(error.code, 'content_filter');
    assert.equal(error.param, 'prompt');
    assert.equal(error.type, null);
    assert.match(error.message, /^400 The response was filtered due to the prompt triggering Azure OpenAI's content management policy\./);
    const body = error.error as { status: number; innererror: { code: string; content_filter_result: unknown } };
    assert.equal(body.status, 400);
    assert.equal(body.innererror.code, 'ResponsibleAIPolicyViolation');
    assert.deepEqual(body.innererror.content_filter_result, {
      ...PROMPT_SAFE,
      violence: { filtered: true, severity: 'medium' },
    });
  });

  it('the prompt marker names another category; a bad marker is refused', async () => {
    const error = await expectRejects(
      azure('gpt-4o-mini').chat.completions.create({
        model: 'x',
        messages: [{ role: 'user', content: 'x [azure-content-filter: prompt, jailbreak]' }],
      }),
      OpenAI.BadRequestError,
    );
    const result = (error.error as { innererror: { content_filter_result: Record<string, unknown> } }).innererror
      .content_filter_result;
    assert.deepEqual(result.jailbreak, { filtered: true, detected: true });
    assert.deepEqual(result.violence, SAFE);
    const typo = await expectRejects(
      azure('gpt-4o-mini').chat.completions.create({
        model: 'x',
        messages: [{ role: 'user', content: 'x [azure-content-filter: promtp]' }],
      }),
      OpenAI.BadRequestError,
    );
    assert.match(typo.message, /invalid content filter marker/);
  });

  it('[azure-content-filter: completion] → 200, finish_reason content_filter, same cut in both modes', async () => {
    const client = azure('gpt-4o-mini');
    const request = { model: 'x', messages: [{ role: 'user' as const, content: 'Go [azure-content-filter: completion]' }] };
    const data = await client.chat.completions.create(request);
    const choice = data.choices[0];
    assert.equal(choice.finish_reason, 'content_filter');
    const results = (choice as unknown as { content_filter_results: Record<string, unknown> }).content_filter_results;
    assert.deepEqual(results.violence, { filtered: true, severity: 'medium' });
    assert.deepEqual(results.hate, SAFE);
    const full = 'Hello! You said: "Go [azure-content-filter: completion]". This is a deterministic reply from the gpt-4o-mini emulator.';
    const content = choice.message.content ?? '';
    assert.ok(content.length > 0 && content.length < full.length && full.startsWith(content), content);

    const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let contentChunks = 0;
    let finish: string | null = null;
    let finishResults: Record<string, unknown> | undefined;
    let usage;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const streamed = chunk.choices[0];
      if (streamed === undefined) continue;
      text += streamed.delta.content ?? '';
      if ((streamed.delta.content ?? '') !== '') contentChunks++;
      if (streamed.finish_reason) {
        finish = streamed.finish_reason;
        finishResults = (streamed as unknown as { content_filter_results: Record<string, unknown> }).content_filter_results;
      }
    }
    assert.equal(finish, 'content_filter');
    assert.deepEqual(finishResults?.violence, { filtered: true, severity: 'medium' });
    assert.equal(text, content);
    assert.deepEqual(usage, data.usage);
    assert.equal(usage?.completion_tokens, contentChunks, 'usage counts what was streamed');
  });

  it('prompt + max output over the context window → 400 context_length_exceeded', async () => {
    const client = azure('small-context');
    const long = await expectRejects(
      client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'word '.repeat(60).trim() }] }),
      OpenAI.BadRequestError,
    );
    assert.equal(long.code, 'context_length_exceeded');
    assert.equal(long.param, 'messages');
    assert.equal(long.type, 'invalid_request_error');
    assert.equal(
      long.message,
      "400 This model's maximum context length is 50 tokens. However, your messages resulted in 66 tokens. Please reduce the length of the messages.",
    );
    const withOutput = await expectRejects(client.chat.completions.create({ ...hello, max_tokens: 100 }), OpenAI.BadRequestError);
    assert.equal(withOutput.code, 'context_length_exceeded');
    assert.match(withOutput.message, /you requested 108 tokens \(8 in the messages, 100 in the completion\)/);
    const fits = await client.chat.completions.create({ ...hello, max_tokens: 40 });
    assert.equal(fits.choices[0].finish_reason, 'stop');
  });

  it('an api-version refuses what it predates: stream_options and max_completion_tokens before 2024-09-01-preview, developer before 2024-12-01-preview', async () => {
    const streaming = { ...hello, stream: true, stream_options: { include_usage: true } };
    const path = (version: string) => `/openai/deployments/gpt-4o-mini/chat/completions?api-version=${version}`;
    for (const [version, body, accepted, message] of [
      ['2024-08-01-preview', streaming, false, /^Unrecognized request argument supplied: stream_options$/],
      ['2024-06-01', streaming, false, /stream_options/],
      ['2024-09-01-preview', streaming, true, undefined],
      ['2024-08-01-preview', { ...hello, max_completion_tokens: 5 }, false, /^Unrecognized request argument supplied: max_completion_tokens$/],
      ['2024-08-01-preview', { ...hello, max_tokens: 5 }, true, undefined],
      ['2024-09-01-preview', { ...hello, max_completion_tokens: 5 }, true, undefined],
      ['2024-10-21', { ...hello, messages: [{ role: 'developer', content: 'Be brief.' }, ...hello.messages] }, false, /^Invalid value: 'developer'\. Supported values are: 'system', 'assistant', 'user', 'function', and 'tool'\.$/],
      ['2024-10-21', { ...hello, messages: [{ role: 'system', content: 'Be brief.' }, ...hello.messages] }, true, undefined],
      ['2024-12-01-preview', { ...hello, messages: [{ role: 'developer', content: 'Be brief.' }, ...hello.messages] }, true, undefined],
    ] as const) {
      const response = await raw(path(version), body);
      assert.equal(response.status, accepted ? 200 : 400, `${version} ${response.text.slice(0, 200)}`);
      if (message !== undefined) {
        const error = JSON.parse(response.text).error;
        assert.match(error.message, message);
        assert.equal(error.type, 'invalid_request_error');
      }
    }
    // The v1 API has every feature.
    const latest = await v1().chat.completions.create({ ...hello, model: 'gpt-4o-mini', messages: [{ role: 'developer', content: 'Be brief.' }, ...hello.messages], max_completion_tokens: 50 });
    assert.equal(latest.choices[0].finish_reason, 'stop');
  });

  it('OpenAI-shaped validation errors pass through', async () => {
    const error = await expectRejects(
      azure('gpt-4o-mini').chat.completions.create({ model: 'x', messages: [] }),
      OpenAI.BadRequestError,
    );
    assert.equal(error.code, 'empty_array');
  });
});

describe('quotas', () => {
  it('RPM: 429 with Azure’s body, retry-after and retry-after-ms; recovers after resetQuotas()', async () => {
    emulator.resetQuotas();
    const client = azure('rpm-limited');
    const first = await client.chat.completions.create(hello).withResponse();
    assert.equal(first.response.headers.get('x-ratelimit-limit-requests'), '2');
    assert.equal(first.response.headers.get('x-ratelimit-remaining-requests'), '1');
    await client.chat.completions.create(hello);
    const error = await expectRejects(client.chat.completions.create(hello), OpenAI.RateLimitError);
    assert.equal(error.status, 429);
    assert.equal(error.code, '429');
    assert.match(
      error.message,
      /^429 Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded call rate limit of your current OpenAI S0 pricing tier\. Please retry after (\d+) seconds?\. /,
    );
    const seconds = Number(error.headers?.get('retry-after'));
    const milliseconds = Number(error.headers?.get('retry-after-ms'));
    assert.ok(seconds >= 1 && seconds <= 60, `retry-after ${seconds}`);
    assert.ok(milliseconds > 0 && milliseconds <= 60_000, `retry-after-ms ${milliseconds}`);
    assert.equal(seconds, Math.ceil(milliseconds / 1000));
    assert.equal(error.headers?.get('x-ratelimit-remaining-requests'), '0');
    emulator.resetQuotas();
    const again = await client.chat.completions.create(hello);
    assert.equal(again.choices[0].message.content, HELLO_REPLY);
  });

  it('TPM: charged prompt + max output at receipt; token rate limit 429', async () => {
    emulator.resetQuotas();
    const client = azure('tpm-limited');
    const first = await client.chat.completions.create({ ...hello, max_tokens: 60 }).withResponse();
    assert.equal(first.response.headers.get('x-ratelimit-limit-tokens'), '100');
    assert.equal(first.response.headers.get('x-ratelimit-remaining-tokens'), '32');
    const error = await expectRejects(client.chat.completions.create({ ...hello, max_tokens: 60 }), OpenAI.RateLimitError);
    assert.match(error.message, /have exceeded token rate limit of your current OpenAI S0 pricing tier/);
    assert.ok(Number(error.headers?.get('retry-after-ms')) > 0);
    // 8 prompt tokens + 20 still fit in the 32 left.
    const small = await client.chat.completions.create({ ...hello, max_tokens: 20 }).withResponse();
    assert.equal(small.response.headers.get('x-ratelimit-remaining-tokens'), '4');
    emulator.resetQuotas();
    await client.chat.completions.create({ ...hello, max_tokens: 60 });
    emulator.resetQuotas();
  });
});

describe('faults', () => {
  it('reset → APIConnectionError', async () => {
    await expectRejects(azure('gpt-4o-mini').chat.completions.create(hello, fault('reset')), OpenAI.APIConnectionError);
  });

  it('cut-after=3 ends the stream after the prompt annotations and two chunks', async () => {
    const stream = await azure('gpt-4o-mini').chat.completions.create({ ...hello, stream: true }, fault('cut-after=3'));
    const chunks = [];
    let failed = false;
    try {
      for await (const chunk of stream) chunks.push(chunk);
    } catch {
      failed = true;
    }
    assert.equal(chunks.length, 3);
    assert.deepEqual(chunks[0].choices, []);
    assert.ok(failed || chunks.every((chunk) => chunk.choices[0]?.finish_reason == null));
    assert.ok(chunks.every((chunk) => chunk.choices[0]?.finish_reason == null));
  });

  it('status=429 gives Azure’s 429 body and headers', async () => {
    const error = await expectRejects(
      azure('gpt-4o-mini').chat.completions.create(hello, fault('status=429, retry-after=7')),
      OpenAI.RateLimitError,
    );
    assert.equal(error.code, '429');
    assert.match(error.message, /Please retry after 7 seconds\./);
    assert.equal(error.headers?.get('retry-after'), '7');
    assert.equal(error.headers?.get('retry-after-ms'), '7000');
  });

  it('a marker aimed at this emulator fails it; one aimed elsewhere does not', async () => {
    const client = azure('gpt-4o-mini');
    const error = await expectRejects(
      client.chat.completions.create({
        model: 'x',
        messages: [{ role: 'user', content: 'hi [emulator-fault@azure-openai: status=500]' }],
      }),
      OpenAI.InternalServerError,
    );
    assert.match(error.message, /^500 The server had an error processing your request\./);
    assert.equal(error.type, 'server_error');
    const passed = await client.chat.completions.create({
      model: 'x',
      messages: [{ role: 'user', content: 'hi [emulator-fault@openai: status=500]' }],
    });
    assert.equal(passed.choices[0].finish_reason, 'stop');
  });

  it('status=503 and a bad spec are Azure-shaped', async () => {
    const unavailable = await expectRejects(
      azure('gpt-4o-mini').chat.completions.create(hello, fault('status=503')),
      OpenAI.InternalServerError,
    );
    assert.equal(unavailable.code, 'ServiceUnavailable');
    const bad = await expectRejects(
      azure('gpt-4o-mini').chat.completions.create(hello, fault('status=42')),
      OpenAI.BadRequestError,
    );
    assert.equal(bad.code, 'invalid_emulator_fault');
  });
});

describe('v1 responses (/openai/v1/responses)', () => {
  const ask = { model: 'gpt-4o-mini', input: 'Say hi' };

  it('answers with the deployment’s versioned model, the shared reply and Azure’s headers', async () => {
    const { data, response } = await v1().responses.create(ask).withResponse();
    assert.match(data.id, /^resp_[0-9a-f]{48}$/);
    assert.equal(data.object, 'response');
    assert.equal(data.status, 'completed');
    assert.equal(data.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(data.output_text, HELLO_REPLY);
    assert.equal(data.usage?.input_tokens, 8);
    assert.equal(data.usage?.output_tokens, countTokens(HELLO_REPLY));
    assert.equal(response.headers.get('x-ms-deployment-name'), 'gpt-4o-mini');
    assert.match(response.headers.get('apim-request-id') ?? '', /^[0-9a-f]{8}-/);
    const last = emulator.received[emulator.received.length - 1];
    assert.equal(last.path, '/openai/v1/responses');
    const other = await v1().responses.create({ ...ask, model: 'chat-prod' });
    assert.equal(other.model, 'gpt-4.1-2025-04-14');
    assert.equal(other.output_text, 'Hello! You said: "Say hi". This is a deterministic reply from the gpt-4.1 emulator.');
  });

  it('streams the documented events with sequence numbers from 0; the SDK helper assembles the same reply', async () => {
    const events = [];
    for await (const event of await v1().responses.create({ ...ask, stream: true })) events.push(event);
    assert.deepEqual(
      events.map((event) => event.sequence_number),
      events.map((_, index) => index),
    );
    assert.deepEqual(
      [...events.slice(0, 4), ...events.slice(-4)].map((event) => event.type),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ],
    );
    const deltas = events.filter((event) => event.type === 'response.output_text.delta');
    assert.equal(deltas.length, countTokens(HELLO_REPLY));
    assert.equal(deltas.map((event) => event.delta).join(''), HELLO_REPLY);
    const final = await v1().responses.stream(ask).finalResponse();
    assert.equal(final.output_text, HELLO_REPLY);
    assert.equal(final.model, 'gpt-4o-mini-2024-07-18');
  });

  it('a function call and its output round trip through previous_response_id; GET and DELETE the stored response', async () => {
    const tool = { type: 'function' as const, name: 'get_weather', strict: true, parameters: weatherTool.function.parameters };
    const first = await v1().responses.create({ model: 'gpt-4o-mini', input: 'Ask get_weather', tools: [tool] });
    const call = first.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
    assert.equal(call.type, 'function_call');
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(Object.keys(JSON.parse(call.arguments)).sort(), ['city', 'unit']);
    const second = await v1().responses.create({
      model: 'gpt-4o-mini',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'rain' }],
    });
    assert.equal(second.output_text, 'Hello! The tools returned: get_weather: "rain". This is a deterministic reply from the gpt-4o-mini emulator.');
    assert.deepEqual(await v1().responses.retrieve(second.id), second);
    await v1().responses.delete(second.id);
    const gone = await expectRejects(v1().responses.retrieve(second.id), OpenAI.NotFoundError);
    assert.equal(gone.message, `404 Response with id '${second.id}' not found.`);
    const missing = await expectRejects(
      v1().responses.create({ ...ask, previous_response_id: second.id }),
      OpenAI.BadRequestError,
    );
    assert.equal(missing.code, 'previous_response_not_found');
  });

  it('json_schema output parses; max_output_tokens one under the reply → incomplete', async () => {
    const parsed = await v1().responses.create({
      ...ask,
      text: { format: { type: 'json_schema', name: 'city', schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
    });
    assert.deepEqual(JSON.parse(parsed.output_text), { city: 'example city' });
    const length = countTokens(HELLO_REPLY);
    const exact = await v1().responses.create({ ...ask, max_output_tokens: length });
    assert.equal(exact.status, 'completed');
    const cut = await v1().responses.create({ ...ask, max_output_tokens: length - 1 });
    assert.equal(cut.status, 'incomplete');
    assert.deepEqual(cut.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(cut.usage?.output_tokens, length - 1);
  });

  it('[azure-content-filter: completion] → incomplete with reason content_filter; prompt → 400 content_filter', async () => {
    const full = 'Hello! You said: "Go [azure-content-filter: completion]". This is a deterministic reply from the gpt-4o-mini emulator.';
    const filtered = await v1().responses.create({ model: 'gpt-4o-mini', input: 'Go [azure-content-filter: completion]' });
    assert.equal(filtered.status, 'incomplete');
    assert.deepEqual(filtered.incomplete_details, { reason: 'content_filter' });
    assert.equal(countTokens(filtered.output_text), countTokens(full) >> 1);
    assert.ok(full.startsWith(filtered.output_text));
    const streamed = await v1().responses.stream({ model: 'gpt-4o-mini', input: 'Go [azure-content-filter: completion]' }).finalResponse();
    assert.equal(streamed.output_text, filtered.output_text);
    assert.equal(streamed.status, 'incomplete');
    const prompt = await expectRejects(
      v1().responses.create({ model: 'gpt-4o-mini', input: 'Tell me [azure-content-filter: prompt]' }),
      OpenAI.BadRequestError,
    );
    assert.equal(prompt.code, 'content_filter');
  });

  it('unknown deployment → 404 DeploymentNotFound; an embedding deployment → 400 OperationNotSupported; OpenAI-shaped validation', async () => {
    const missing = await expectRejects(v1().responses.create({ ...ask, model: 'nowhere' }), OpenAI.NotFoundError);
    assert.equal(missing.code, 'DeploymentNotFound');
    const embedding = await expectRejects(v1().responses.create({ ...ask, model: 'text-embedding-3-small' }), OpenAI.BadRequestError);
    assert.equal(embedding.code, 'OperationNotSupported');
    assert.match(embedding.message, /The responses operation does not work with the specified model, text-embedding-3-small/);
    const invalid = await expectRejects(v1().responses.create({ ...ask, max_output_tokens: 15 }), OpenAI.BadRequestError);
    assert.equal(invalid.code, 'integer_below_min_value');
    const noModel = await raw('/openai/v1/responses', { input: 'x' });
    assert.equal(noModel.status, 400);
    assert.equal((JSON.parse(noModel.text) as { error: { param: string } }).error.param, 'model');
  });

  it('input + max_output_tokens up to the context window passes, one token over is refused', async () => {
    // "Say hi" is 8 input tokens; the small-context deployment has a window of 50.
    const fits = await v1().responses.create({ ...ask, model: 'small-context', max_output_tokens: 42 });
    assert.equal(fits.status, 'completed');
    const over = await expectRejects(v1().responses.create({ ...ask, model: 'small-context', max_output_tokens: 43 }), OpenAI.BadRequestError);
    assert.equal(over.code, 'context_length_exceeded');
    assert.equal(over.param, 'input');
  });

  it('quotas charge responses: one token over the TPM limit is refused (429 names Responses_Create), exactly the limit passes', async () => {
    emulator.resetQuotas();
    // 8 input tokens + 93 output tokens is one over the deployment's 100 tokens per minute; + 92 is exactly it.
    const over = await expectRejects(v1().responses.create({ ...ask, model: 'tpm-limited', max_output_tokens: 93 }), OpenAI.RateLimitError);
    assert.match(over.message, /^429 Requests to the Responses_Create Operation under Azure OpenAI API version v1 have exceeded token rate limit/);
    const full = await v1().responses.create({ ...ask, model: 'tpm-limited', max_output_tokens: 92 }).withResponse();
    assert.equal(full.response.headers.get('x-ratelimit-remaining-tokens'), '0');
    await expectRejects(v1().responses.create({ ...ask, model: 'tpm-limited', max_output_tokens: 16 }), OpenAI.RateLimitError);
    emulator.resetQuotas();
  });

  it('faults: status=429 → RateLimitError in Azure’s shape; error-after fails the stream', async () => {
    const limited = await expectRejects(v1().responses.create(ask, fault('status=429, retry-after=2')), OpenAI.RateLimitError);
    assert.equal(limited.code, '429');
    assert.equal(limited.headers?.get('retry-after'), '2');
    assert.match(limited.message, /Responses_Create Operation/);
    const stream = await v1().responses.create({ ...ask, stream: true }, fault('error-after=3'));
    const events = [];
    await expectRejects(
      (async () => {
        for await (const event of stream) events.push(event);
      })(),
      OpenAI.APIError,
    );
    assert.equal(events.length, 3);
  });
});
