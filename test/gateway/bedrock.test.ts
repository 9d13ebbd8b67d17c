/**
 * AWS Bedrock channels end to end: the plain `openai` SDK talks to the gateway; the gateway signs with SigV4 and talks
 * Converse / ConverseStream (and Bedrock's OpenAI-compatible endpoint) to the Bedrock emulator, which verifies every
 * signature. The OpenAI emulator is the fallback channel.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { request } from 'undici';
import { startBedrockEmulator, type RunningBedrockEmulator } from '../../emulators/bedrock/index.ts';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';
import { resetRoutingState } from '../../src/execution/routing-runtime.ts';
import { collectStream } from '../support/collect-stream.ts';

const credentials = { accessKeyId: 'AKIDGATEWAYTEST', secretAccessKey: 'gateway-test-secret' };
const bedrockApiKey = 'bedrock-api-key-test';
const ossModel = 'openai.gpt-oss-120b-1:0';
const profileModel = 'us.anthropic.claude-3-5-sonnet-20241022-v2:0';

let bedrock: RunningBedrockEmulator;
let fallback: RunningEmulator;
let gateway: RunningGateway;
let client: OpenAI;

before(async () => {
  bedrock = await startBedrockEmulator({
    region: 'us-west-2',
    credentials: [credentials],
    apiKeys: [bedrockApiKey],
    models: { [ossModel]: {}, [profileModel]: {}, 'small.window-v1:0': { contextWindow: 40 } },
    quiet: true,
  });
  fallback = await startOpenAIEmulator({ quiet: true });
  const config = parseConfig(
    `
logging: { level: silent, requests: false }
auth: { clients: none }
store: { kind: memory }
limits: { request_timeout: 20s }
providers:
  bedrock-usw2:
    kind: bedrock
    region: us-west-2
    endpoint: \${BEDROCK_ENDPOINT}
    auth: { aws: { access_key_id: \${AWS_ID}, secret_access_key: \${AWS_SECRET} } }
  bedrock-openai:
    kind: bedrock
    region: us-west-2
    endpoint: \${BEDROCK_ENDPOINT}
    api: openai
    auth: { aws: { access_key_id: \${AWS_ID}, secret_access_key: \${AWS_SECRET} } }
  bedrock-key:
    kind: bedrock
    region: us-west-2
    endpoint: \${BEDROCK_ENDPOINT}
    auth: { api_key: \${BEDROCK_KEY} }
  bedrock-wrong:
    kind: bedrock
    region: us-west-2
    endpoint: \${BEDROCK_ENDPOINT}
    auth: { aws: { access_key_id: \${AWS_ID}, secret_access_key: not-the-secret } }
  fallback: { kind: openai-compatible, base_url: \${FALLBACK_URL} }
models:
  gpt-oss-120b:
    channels:
      - { provider: bedrock-usw2, model: "${ossModel}" }
      - { provider: fallback, model: gpt-oss-120b }
  bedrock-only: { channels: [ { provider: bedrock-usw2, model: "${ossModel}" } ] }
  claude: { channels: [ { provider: bedrock-usw2, model: "${profileModel}" } ] }
  small: { channels: [ { provider: bedrock-usw2, model: small.window-v1:0 } ] }
  via-openai-endpoint: { channels: [ { provider: bedrock-openai, model: "${ossModel}" } ] }
  via-api-key: { channels: [ { provider: bedrock-key, model: "${ossModel}" } ] }
  wrongly-signed:
    channels:
      - { provider: bedrock-wrong, model: "${ossModel}" }
      - { provider: fallback, model: gpt-oss-120b }
`,
    {
      env: {
        BEDROCK_ENDPOINT: bedrock.url,
        AWS_ID: credentials.accessKeyId,
        AWS_SECRET: credentials.secretAccessKey,
        BEDROCK_KEY: bedrockApiKey,
        FALLBACK_URL: fallback.baseUrl,
      },
    },
  );
  gateway = await startGateway(config, { logger: createLogger('silent'), host: '127.0.0.1', port: 0, drainTimeoutMs: 500 });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client', maxRetries: 0 });
});

after(async () => {
  await gateway.close();
  await Promise.all([bedrock.close(), fallback.close()]);
});

beforeEach(() => {
  bedrock.setFault(undefined);
  bedrock.resetQuotas();
  resetRoutingState(gateway.context.runtime.routing);
});

const weather: OpenAI.Chat.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const clock: OpenAI.Chat.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } },
};

describe('Bedrock Converse through the gateway (openai SDK)', () => {
  it('chat: a signed Converse call, its answer and usage, named as served by Bedrock', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-oss-120b', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello Bedrock' }] })
      .withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'bedrock-usw2');
    assert.equal(response.headers.get('x-interchange-model'), ossModel);
    assert.ok((data.choices[0].message.content ?? '').length > 0);
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.ok((data.usage?.prompt_tokens ?? 0) > 0 && (data.usage?.completion_tokens ?? 0) > 0);
    const received = bedrock.received.at(-1)!;
    assert.equal(received.path, '/model/openai.gpt-oss-120b-1%3A0/converse');
    assert.match(String(received.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDGATEWAYTEST\/\d{8}\/us-west-2\/bedrock\/aws4_request/);
    const body = received.body as { system: Array<{ text: string }>; messages: Array<{ role: string }> };
    assert.deepEqual(body.system, [{ text: 'Be brief.' }]);
    assert.equal(body.messages[0].role, 'user');
  });

  it('streams the same text, with usage in the final chunk', async () => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Stream from Bedrock please' }];
    const whole = await client.chat.completions.create({ model: 'gpt-oss-120b', messages });
    const stream = await client.chat.completions.create({ model: 'gpt-oss-120b', messages, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, whole.choices[0].message.content);
    assert.equal(finish, 'stop');
    assert.equal(usage?.completion_tokens, whole.usage?.completion_tokens);
    assert.equal(bedrock.received.at(-1)!.path, '/model/openai.gpt-oss-120b-1%3A0/converse-stream');
  });

  it('tool calls, streamed deltas reassembling into the non-streamed calls', async () => {
    const base = { model: 'gpt-oss-120b', messages: [{ role: 'user' as const, content: 'Call get_weather and get_time' }], tools: [weather, clock] };
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
    assert.ok(calls.every((call) => call.id !== ''));
  });

  it('a tool round trip: tool results go back as toolResult blocks in a user turn', async () => {
    const first = await client.chat.completions.create({
      model: 'gpt-oss-120b',
      messages: [{ role: 'user', content: 'Use get_weather for Lisbon' }],
      tools: [weather],
      tool_choice: 'required',
    });
    const call = first.choices[0].message.tool_calls![0];
    const second = await client.chat.completions.create({
      model: 'gpt-oss-120b',
      messages: [{ role: 'user', content: 'Use get_weather for Lisbon' }, first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '{"temperature":19}' }],
      tools: [weather],
    });
    assert.equal(second.choices[0].finish_reason, 'stop');
    assert.match(second.choices[0].message.content ?? '', /19/);
    const body = bedrock.received.at(-1)!.body as { messages: Array<{ role: string; content: Array<Record<string, any>> }> };
    assert.deepEqual(
      body.messages.map((message) => message.role),
      ['user', 'assistant', 'user'],
    );
    assert.equal(body.messages[1].content[0].toolUse.toolUseId, body.messages[2].content[0].toolResult.toolUseId);
  });

  it('JSON schema output through outputConfig', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-oss-120b',
      messages: [{ role: 'user', content: 'Describe a city' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'city', schema: { type: 'object', properties: { name: { type: 'string' }, population: { type: 'integer' } }, required: ['name', 'population'] } },
      },
    });
    const value = JSON.parse(completion.choices[0].message.content ?? '');
    assert.equal(typeof value.name, 'string');
    assert.ok(Number.isInteger(value.population));
    const body = bedrock.received.at(-1)!.body as { outputConfig: { textFormat: { structure: { jsonSchema: { schema: string } } } } };
    assert.equal(typeof body.outputConfig.textFormat.structure.jsonSchema.schema, 'string');
  });

  it('images from data URIs arrive as image bytes', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==';
    const completion = await client.chat.completions.create({
      model: 'gpt-oss-120b',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] }],
    });
    assert.match(completion.choices[0].message.content ?? '', /image/i);
    const body = bedrock.received.at(-1)!.body as { messages: Array<{ content: Array<Record<string, any>> }> };
    const image = body.messages[0].content.find((block) => block.image !== undefined)!.image;
    assert.equal(image.format, 'png');
    assert.equal(image.source.bytes, png);
  });

  it('a cross-region inference profile ID works as a model ID', async () => {
    const { response } = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.equal(response.headers.get('x-interchange-model'), profileModel);
    assert.equal(bedrock.received.at(-1)!.path, `/model/${encodeURIComponent(profileModel)}/converse`);
  });

  it('Bedrock\'s OpenAI-compatible endpoint, SigV4-signed', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'via-openai-endpoint', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'bedrock-openai');
    assert.ok((data.choices[0].message.content ?? '').length > 0);
    const received = bedrock.received.at(-1)!;
    assert.equal(received.path, '/openai/v1/chat/completions');
    assert.match(String(received.headers.authorization), /^AWS4-HMAC-SHA256 /);
  });

  it('a Bedrock API key as a bearer token', async () => {
    const { response } = await client.chat.completions.create({ model: 'via-api-key', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.equal(response.status, 200);
    assert.equal(bedrock.received.at(-1)!.headers.authorization, `Bearer ${bedrockApiKey}`);
  });
});

describe('Bedrock errors through the gateway', () => {
  it('a signature Bedrock refuses is a channel problem: the next channel serves', async () => {
    const { response } = await client.chat.completions.create({ model: 'wrongly-signed', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'fallback');
  });

  it('ThrottlingException falls over to the next channel; alone, with nothing to wait on, it is a 429', async () => {
    bedrock.setFault('status=429');
    const { response } = await client.chat.completions.create({ model: 'gpt-oss-120b', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'fallback');
    await assert.rejects(client.chat.completions.create({ model: 'bedrock-only', messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => error instanceof OpenAI.RateLimitError);
  });

  it('input over the context window → 400 context_length_exceeded', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'small', messages: [{ role: 'user', content: 'many words '.repeat(100) }] }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === 'context_length_exceeded',
    );
  });

  it('a guardrail stop → finish_reason content_filter', async () => {
    const completion = await client.chat.completions.create({ model: 'bedrock-only', messages: [{ role: 'user', content: 'x [bedrock-stop-reason: guardrail_intervened]' }] });
    assert.equal(completion.choices[0].finish_reason, 'content_filter');
  });

  it('a stream cut before its first frame falls back; cut mid-way it ends with an error event', async () => {
    bedrock.setFault('cut-after=0');
    const { response } = await client.chat.completions.create({ model: 'gpt-oss-120b', messages: [{ role: 'user', content: 'x' }], stream: true }).withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'fallback');
    bedrock.setFault('cut-after=4');
    const raw = await request(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'bedrock-only', messages: [{ role: 'user', content: 'tell me a long story please' }], stream: true }),
    });
    const text = await raw.body.text();
    assert.equal(raw.statusCode, 200);
    assert.match(text, /"code":"upstream_stream_error"/);
    assert.doesNotMatch(text, /\[DONE\]/);
  });

  it('a corrupted frame ends the stream with an error, never a hang', async () => {
    bedrock.setFault('malformed');
    const raw = await request(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'bedrock-only', messages: [{ role: 'user', content: 'tell me a long story please' }], stream: true }),
    });
    const text = await raw.body.text();
    // The corrupted frame follows messageStart, before any content reached the client: no bytes sent, so a clear 502.
    assert.equal(raw.statusCode, 502);
    const error = JSON.parse(text) as { error: { code: string; message: string } };
    assert.equal(error.error.code, 'upstream_error');
    assert.match(error.error.message, /checksum|CRC|frame/i);
  });
});
