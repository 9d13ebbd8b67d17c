/**
 * Google Vertex AI channels end to end: the plain `openai` SDK talks to the gateway; the gateway talks Gemini's API and
 * Vertex's OpenAI-compatible endpoint to the Vertex emulator with Google bearer tokens the emulator verifies (a
 * service-account key file through google-auth-library, and an injected token source with short-lived tokens).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { request } from 'undici';
import { createTestServiceAccount, mintTestToken, startVertexEmulator, type RunningVertexEmulator } from '../../emulators/vertex/index.ts';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';
import { resetRoutingState } from '../../src/execution/routing-runtime.ts';
import { collectStream } from '../support/collect-stream.ts';
import { writeServiceAccountFile } from '../support/service-account-file.ts';

let vertex: RunningVertexEmulator;
let fallback: RunningEmulator;
let gateway: RunningGateway;
let client: OpenAI;
let directory: string;
let mintedTokens = 0;

before(async () => {
  const account = createTestServiceAccount();
  vertex = await startVertexEmulator({ project: 'acme-ai', publicKey: account.publicKey, models: { 'gemini-2.5-flash': {}, 'small-gemini': { contextWindow: 50 }, 'openai/gpt-oss-120b-maas': {} }, quiet: true });
  fallback = await startOpenAIEmulator({ quiet: true });
  directory = await mkdtemp(join(tmpdir(), 'interchange-vertex-'));
  const keyFile = await writeServiceAccountFile(directory, account);
  const config = parseConfig(
    `
logging: { level: silent, requests: false }
auth: { clients: none }
store: { kind: memory }
limits: { request_timeout: 20s }
providers:
  vertex-gemini:
    kind: vertex
    project: acme-ai
    location: us-central1
    endpoint: \${VERTEX_ENDPOINT}
    auth: { google: { service_account_file: \${KEY_FILE} } }
  vertex-maas:
    kind: vertex
    project: acme-ai
    location: global
    api: openai
    endpoint: \${VERTEX_ENDPOINT}
    auth: { google: { service_account_file: \${KEY_FILE} } }
  vertex-short-tokens:
    kind: vertex
    project: acme-ai
    location: europe-west4
    endpoint: \${VERTEX_ENDPOINT}
  fallback: { kind: openai-compatible, base_url: \${FALLBACK_URL} }
models:
  gemini:
    channels:
      - { provider: vertex-gemini, model: gemini-2.5-flash }
      - { provider: fallback, model: gpt-4o-mini }
  gemini-only: { channels: [ { provider: vertex-gemini, model: gemini-2.5-flash } ] }
  small: { channels: [ { provider: vertex-gemini, model: small-gemini } ] }
  gpt-oss: { channels: [ { provider: vertex-maas, model: openai/gpt-oss-120b-maas } ] }
  rotating: { channels: [ { provider: vertex-short-tokens, model: gemini-2.5-flash } ] }
`,
    { env: { VERTEX_ENDPOINT: vertex.url, KEY_FILE: keyFile, FALLBACK_URL: fallback.baseUrl } },
  );
  gateway = await startGateway(config, {
    logger: createLogger('silent'),
    host: '127.0.0.1',
    port: 0,
    drainTimeoutMs: 500,
    adapterDependencies: {
      googleTokens: (provider) =>
        provider.name === 'vertex-short-tokens'
          ? async () => {
              mintedTokens++;
              return { token: await mintTestToken(account.privateKey, { email: account.email, lifetimeSeconds: 2 }), expiresOnTimestamp: Date.now() + 2_000, refreshAfterTimestamp: Date.now() + 1_000 };
            }
          : undefined,
    },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client', maxRetries: 0 });
});

after(async () => {
  await gateway.close();
  await Promise.all([vertex.close(), fallback.close()]);
  await rm(directory, { recursive: true, force: true });
});

beforeEach(() => {
  vertex.setFault(undefined);
  vertex.resetQuotas();
  resetRoutingState(gateway.context.runtime.routing);
});

const weather: OpenAI.Chat.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } },
};
const clock: OpenAI.Chat.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } },
};

describe('Vertex Gemini through the gateway (openai SDK)', () => {
  it('chat: Gemini answers, with usage, authenticated by the service account', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gemini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello Gemini' }] })
      .withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'vertex-gemini');
    assert.ok((data.choices[0].message.content ?? '').length > 0);
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.ok((data.usage?.prompt_tokens ?? 0) > 0 && (data.usage?.completion_tokens ?? 0) > 0);
    const received = vertex.received.at(-1)!;
    assert.equal(received.path, '/v1/projects/acme-ai/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent');
    assert.match(String(received.headers.authorization), /^Bearer eyJ/);
    const body = received.body as { systemInstruction: { parts: Array<{ text: string }> }; contents: Array<{ role: string }> };
    assert.equal(body.systemInstruction.parts[0].text, 'Be brief.');
    assert.equal(body.contents[0].role, 'user');
  });

  it('streams the same text, usage counted once, in the final chunk', async () => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Stream from Gemini please' }];
    const whole = await client.chat.completions.create({ model: 'gemini', messages });
    const stream = await client.chat.completions.create({ model: 'gemini', messages, stream: true, stream_options: { include_usage: true } });
    let text = '';
    const usages: OpenAI.CompletionUsage[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usages.push(chunk.usage);
    }
    assert.equal(text, whole.choices[0].message.content);
    assert.equal(finish, 'stop');
    assert.equal(usages.length, 1);
    assert.equal(usages[0].completion_tokens, whole.usage?.completion_tokens);
    assert.equal(usages[0].prompt_tokens, whole.usage?.prompt_tokens);
    assert.match(vertex.received.at(-1)!.path, /:streamGenerateContent\?alt=sse$/);
  });

  it('function calls → tool_calls with finish tool_calls; streamed calls equal the non-streamed ones', async () => {
    const base = { model: 'gemini', messages: [{ role: 'user' as const, content: 'Call get_weather and get_time' }], tools: [weather, clock] };
    const whole = await client.chat.completions.create(base);
    assert.equal(whole.choices[0].finish_reason, 'tool_calls');
    const expected = (whole.choices[0].message.tool_calls ?? []).map((call) => (call.type === 'function' ? { name: call.function.name, arguments: JSON.parse(call.function.arguments) } : {}));
    assert.deepEqual(
      expected.map((call) => ('name' in call ? call.name : '')),
      ['get_weather', 'get_time'],
    );
    const stream = await client.chat.completions.create({ ...base, stream: true });
    const { calls, finish } = await collectStream(stream);
    assert.equal(finish, 'tool_calls');
    assert.deepEqual(
      calls.map((call) => ({ name: call.name, arguments: JSON.parse(call.arguments) })),
      expected,
    );
    // Gemini gives no ids: the gateway mints them from the response, distinct per call.
    assert.equal(new Set(calls.map((call) => call.id)).size, 2);
    assert.ok(calls.every((call) => /^call_[\w-]+$/.test(call.id)));
    const body = vertex.received.at(-1)!.body as { tools: Array<{ functionDeclarations: Array<{ name: string }> }> };
    assert.deepEqual(
      body.tools[0].functionDeclarations.map((declaration) => declaration.name),
      ['get_weather', 'get_time'],
    );
  });

  it('a tool round trip: results go back as functionResponse parts keyed by function name', async () => {
    const first = await client.chat.completions.create({ model: 'gemini', messages: [{ role: 'user', content: 'Use get_weather for Kyoto' }], tools: [weather], tool_choice: 'required' });
    const call = first.choices[0].message.tool_calls![0];
    const second = await client.chat.completions.create({
      model: 'gemini',
      messages: [{ role: 'user', content: 'Use get_weather for Kyoto' }, first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '{"temperature":12}' }],
      tools: [weather],
    });
    assert.equal(second.choices[0].finish_reason, 'stop');
    assert.match(second.choices[0].message.content ?? '', /12/);
    const body = vertex.received.at(-1)!.body as { contents: Array<{ role: string; parts: Array<Record<string, any>> }>; toolConfig?: unknown };
    assert.deepEqual(
      body.contents.map((content) => content.role),
      ['user', 'model', 'user'],
    );
    assert.equal(body.contents[2].parts[0].functionResponse.name, 'get_weather');
  });

  it('JSON schema output through responseMimeType and a response schema', async () => {
    const completion = await client.chat.completions.create({
      model: 'gemini',
      messages: [{ role: 'user', content: 'Describe a city' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'city', schema: { type: 'object', properties: { name: { type: 'string' }, population: { type: 'integer' } }, required: ['name', 'population'], additionalProperties: false } },
      },
    });
    const value = JSON.parse(completion.choices[0].message.content ?? '');
    assert.equal(typeof value.name, 'string');
    assert.ok(Number.isInteger(value.population));
    const body = vertex.received.at(-1)!.body as { generationConfig: { responseMimeType: string } };
    assert.equal(body.generationConfig.responseMimeType, 'application/json');
  });

  it('images from data URIs arrive as inlineData', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==';
    await client.chat.completions.create({
      model: 'gemini',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] }],
    });
    const body = vertex.received.at(-1)!.body as { contents: Array<{ parts: Array<Record<string, any>> }> };
    const inline = body.contents[0].parts.find((part) => part.inlineData !== undefined)!.inlineData;
    assert.deepEqual(inline, { mimeType: 'image/png', data: png });
  });

  it('a data:image/jpg image reaches Gemini as image/jpeg', async () => {
    const jpeg = '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=';
    const { data, response } = await client.chat.completions
      .create({ model: 'gemini-only', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/jpg;base64,${jpeg}` } }] }] })
      .withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'vertex-gemini');
    assert.match(data.choices[0].message.content ?? '', /1 image/);
    const body = vertex.received.at(-1)!.body as { contents: Array<{ parts: Array<Record<string, any>> }> };
    assert.deepEqual(body.contents[0].parts[1].inlineData, { mimeType: 'image/jpeg', data: jpeg });
  });

  it('a GIF passes Gemini over for a channel that takes it; with Gemini alone, a 400 names image/gif', async () => {
    const gif = 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/gif;base64,${gif}` } }] },
    ];
    const vertexBefore = vertex.stats.requests;
    const { response } = await client.chat.completions.create({ model: 'gemini', messages }).withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'fallback');
    assert.match(String(response.headers.get('x-interchange-route')), /^vertex-gemini\/gemini-2\.5-flash:unable=image-type;fallback\/gpt-4o-mini:ok@/);
    assert.equal(vertex.stats.requests, vertexBefore, 'Gemini was not called');
    await assert.rejects(client.chat.completions.create({ model: 'gemini-only', messages }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.param, 'messages');
      assert.match(error.message, /vertex-gemini\/gemini-2\.5-flash \(unable: image type image\/gif\)/);
      return true;
    });
    assert.equal(vertex.stats.requests, vertexBefore);
  });

  it('max_completion_tokens wins over max_tokens: the one limit Gemini gets', async () => {
    const completion = await client.chat.completions.create({ model: 'gemini-only', messages: [{ role: 'user', content: 'Write a long essay about clouds' }], max_tokens: 2, max_completion_tokens: 3 });
    assert.equal(completion.usage?.completion_tokens, 3);
    const body = vertex.received.at(-1)!.body as { generationConfig: Record<string, unknown> };
    assert.deepEqual(body.generationConfig, { maxOutputTokens: 3 });
  });

  it('an assistant turn that carries only a refusal is accepted, as the model turn’s text', async () => {
    const completion = await client.chat.completions.create({
      model: 'gemini-only',
      messages: [
        { role: 'user', content: 'Help me with something bad' },
        { role: 'assistant', content: null, refusal: "I can't help with that." },
        { role: 'user', content: 'Say hello instead' },
      ],
    });
    assert.equal(completion.choices[0].finish_reason, 'stop');
    const body = vertex.received.at(-1)!.body as { contents: Array<{ role: string; parts: unknown[] }> };
    assert.deepEqual(body.contents[1], { role: 'model', parts: [{ text: "I can't help with that." }] });
  });

  it('the OpenAI-compatible endpoint for a MaaS model', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'gpt-oss', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'vertex-maas');
    assert.ok((data.choices[0].message.content ?? '').length > 0);
    assert.equal(vertex.received.at(-1)!.path, '/v1/projects/acme-ai/locations/global/endpoints/openapi/chat/completions');
  });

  it('short-lived tokens are refreshed ahead of expiry, once per refresh', async () => {
    const end = Date.now() + 2_600;
    let requests = 0;
    while (Date.now() < end) {
      const { response } = await client.chat.completions.create({ model: 'rotating', messages: [{ role: 'user', content: 'token?' }] }).withResponse();
      assert.equal(response.status, 200);
      requests++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(requests > 15, `${requests} requests`);
    assert.ok(mintedTokens >= 2 && mintedTokens <= 5, `${mintedTokens} tokens minted`);
  });
});

describe('Vertex errors through the gateway', () => {
  it('RESOURCE_EXHAUSTED falls over to the next channel; alone it is a 429', async () => {
    vertex.setFault('status=429');
    const { response } = await client.chat.completions.create({ model: 'gemini', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'fallback');
    await assert.rejects(client.chat.completions.create({ model: 'gemini-only', messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => error instanceof OpenAI.RateLimitError);
  });

  it('an input over the context window → 400 context_length_exceeded', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'small', messages: [{ role: 'user', content: 'many words '.repeat(100) }] }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === 'context_length_exceeded',
    );
  });

  it('a blocked prompt → 400 content_filter; a stopped candidate → finish_reason content_filter', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'gemini-only', messages: [{ role: 'user', content: 'x [vertex-block: prompt]' }] }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === 'content_filter',
    );
    const completion = await client.chat.completions.create({ model: 'gemini-only', messages: [{ role: 'user', content: 'x [vertex-block: response, SPII]' }] });
    assert.equal(completion.choices[0].finish_reason, 'content_filter');
  });

  it('a stream cut before its first event falls back; cut mid-way it ends with an error event', async () => {
    vertex.setFault('cut-after=0');
    const { response } = await client.chat.completions.create({ model: 'gemini', messages: [{ role: 'user', content: 'x' }], stream: true }).withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'fallback');
    vertex.setFault('cut-after=3');
    const raw = await request(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-only', messages: [{ role: 'user', content: 'tell me a long story about the sea please' }], stream: true }),
    });
    const text = await raw.body.text();
    assert.equal(raw.statusCode, 200);
    assert.match(text, /"code":"upstream_stream_error"/);
    assert.match(text, /failed after it started/);
    assert.doesNotMatch(text, /\[DONE\]/);
  });
});
