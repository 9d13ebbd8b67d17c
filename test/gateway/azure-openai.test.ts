/**
 * The Azure OpenAI channel end to end: the plain `openai` SDK talks to the gateway, the gateway talks to the Azure
 * OpenAI emulator in both URL styles (api-key and Entra ID), with the OpenAI emulator as the fallback channel.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import OpenAI, { AzureOpenAI } from 'openai';
import { Writable } from 'node:stream';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { request } from 'undici';
import { startAzureOpenAIEmulator, type RunningAzureOpenAIEmulator } from '../../emulators/azure-openai/index.ts';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';
import { resetRoutingState } from '../../src/execution/routing-runtime.ts';
import { collectStream } from '../support/collect-stream.ts';

const azureKey = 'azure-test-key';

/** Issues short-lived tokens; the emulator accepts only unexpired ones it issued. */
class ShortLivedCredential implements TokenCredential {
  readonly issued = new Map<string, number>();
  calls = 0;
  readonly lifetimeMs: number;
  constructor(lifetimeMs: number) {
    this.lifetimeMs = lifetimeMs;
  }
  async getToken(): Promise<AccessToken> {
    this.calls++;
    const token = `entra-token-${this.calls}`;
    const expiresOnTimestamp = Date.now() + this.lifetimeMs;
    this.issued.set(token, expiresOnTimestamp);
    // Refresh when half the lifetime is left, as MSAL does for long tokens.
    return { token, expiresOnTimestamp, refreshAfterTimestamp: Date.now() + this.lifetimeMs / 2 };
  }
  accepts(token: string): boolean {
    const expires = this.issued.get(token);
    return expires !== undefined && expires > Date.now();
  }
}

let azure: RunningAzureOpenAIEmulator;
let fallback: RunningEmulator;
let gateway: RunningGateway;
let client: OpenAI;
let credential: ShortLivedCredential;
/** The gateway's log lines (request lines included), parsed. */
const logLines: Array<Record<string, any>> = [];
const logSink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n')) if (line !== '') logLines.push(JSON.parse(line));
    done();
  },
});

/** The request log line of a request, once the gateway wrote it (after the response's last byte). */
async function requestLine(requestId: string): Promise<Record<string, any>> {
  const deadline = Date.now() + 3_000;
  for (;;) {
    const line = logLines.find((entry) => entry.msg === 'request' && entry.requestId === requestId);
    if (line !== undefined) return line;
    if (Date.now() > deadline) assert.fail(`no request line for ${requestId}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

before(async () => {
  credential = new ShortLivedCredential(1_500);
  azure = await startAzureOpenAIEmulator({
    apiKey: azureKey,
    acceptToken: (token) => credential.accepts(token),
    deployments: {
      'gpt-4o-mini': { model: 'gpt-4o-mini' },
      'gpt-4.1': { model: 'gpt-4.1' },
      'small-window': { model: 'gpt-4o-mini', contextWindow: 50 },
      'limited': { model: 'gpt-4o-mini', rpm: 2 },
      'text-embedding-3-large': { model: 'text-embedding-3-large' },
    },
    quiet: true,
  });
  fallback = await startOpenAIEmulator({ quiet: true });
  const config = parseConfig(
    `
logging: { level: info, requests: true }
auth: { clients: none }
store: { kind: memory }
limits: { request_timeout: 20s }
x-azure: &azure { kind: azure-openai, endpoint: \${AZURE_ENDPOINT}, api: deployments, auth: { api_key: \${AZURE_KEY} } }
providers:
  azure-deployments: { <<: *azure, api_version: 2024-10-21 }
  azure-2024-08: { <<: *azure, api_version: 2024-08-01-preview }
  azure-2024-09: { <<: *azure, api_version: 2024-09-01-preview }
  azure-2024-12: { <<: *azure, api_version: 2024-12-01-preview }
  azure-v1-entra:
    kind: azure-openai
    endpoint: \${AZURE_ENDPOINT}
    api: v1
    auth: { entra: { credential: default } }
  fallback: { kind: openai-compatible, base_url: \${FALLBACK_URL} }
models:
  gpt-4o-mini:
    channels:
      - { provider: azure-deployments, deployment: gpt-4o-mini, primary: true }
      - { provider: fallback, model: gpt-4o-mini }
  azure-only: { channels: [ { provider: azure-deployments, deployment: gpt-4o-mini } ] }
  azure-2024-08: { channels: [ { provider: azure-2024-08, deployment: gpt-4o-mini } ] }
  azure-2024-09: { channels: [ { provider: azure-2024-09, deployment: gpt-4o-mini } ] }
  azure-2024-12: { channels: [ { provider: azure-2024-12, deployment: gpt-4o-mini } ] }
  self-hosted: { channels: [ { provider: fallback, model: gpt-4o-mini } ] }
  entra: { channels: [ { provider: azure-v1-entra, deployment: gpt-4.1 } ] }
  small: { channels: [ { provider: azure-deployments, deployment: small-window } ] }
  limited:
    channels:
      - { provider: azure-deployments, deployment: limited }
      - { provider: fallback, model: gpt-4o-mini }
  missing-deployment:
    channels:
      - { provider: azure-deployments, deployment: no-such-deployment }
      - { provider: fallback, model: gpt-4o-mini }
  text-embedding-3-large: { type: embedding, channels: [ { provider: azure-deployments, deployment: text-embedding-3-large } ] }
`,
    { env: { AZURE_ENDPOINT: azure.url, AZURE_KEY: azureKey, FALLBACK_URL: fallback.baseUrl } },
  );
  gateway = await startGateway(config, {
    logger: createLogger('info', { destination: logSink }),
    host: '127.0.0.1',
    port: 0,
    drainTimeoutMs: 500,
    adapterDependencies: { entraCredential: (provider) => (provider.name === 'azure-v1-entra' ? credential : undefined) },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client', maxRetries: 0 });
});

after(async () => {
  await gateway.close();
  await Promise.all([azure.close(), fallback.close()]);
});

beforeEach(() => {
  azure.setFault(undefined);
  azure.resetQuotas();
  resetRoutingState(gateway.context.runtime.routing);
});

const direct = () => new AzureOpenAI({ endpoint: azure.url, apiKey: azureKey, apiVersion: '2024-10-21', deployment: 'gpt-4o-mini', maxRetries: 0 });

async function rawStream(model: string, extraHeaders: Record<string, string> = {}, content = 'Stream it please'): Promise<Array<Record<string, any>>> {
  const response = await request(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...extraHeaders },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }], stream: true, stream_options: { include_usage: true } }),
  });
  assert.equal(response.statusCode, 200);
  const text = await response.body.text();
  assert.ok(text.endsWith('data: [DONE]\n\n'));
  return text
    .split('\n\n')
    .filter((event) => event.startsWith('data: {'))
    .map((event) => JSON.parse(event.slice(6)));
}

describe('Azure OpenAI channel through the gateway (openai SDK)', () => {
  it('deployments style: the answer Azure gives, named as served by Azure, without Azure annotations by default', async () => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Hello Azure' }];
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
    const expected = await direct().chat.completions.create({ model: 'gpt-4o-mini', messages });
    assert.equal(data.choices[0].message.content, expected.choices[0].message.content);
    assert.equal(response.headers.get('x-interchange-provider'), 'azure-deployments');
    assert.equal(response.headers.get('x-interchange-model'), 'gpt-4o-mini');
    assert.ok('prompt_filter_results' in expected, 'Azure annotates its answers');
    assert.ok(!('prompt_filter_results' in data));
    assert.ok(!('content_filter_results' in data.choices[0]));
    const received = azure.received.at(-1)!;
    assert.match(received.path, /^\/openai\/deployments\/gpt-4o-mini\/chat\/completions\?api-version=2024-10-21$/);
    assert.equal(received.headers['api-key'], azureKey);
  });

  it('passes Azure annotations to a client that asks for them', async () => {
    const response = await request(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-interchange-provider-annotations': 'include' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'annotate me' }] }),
    });
    const body = (await response.body.json()) as Record<string, any>;
    assert.ok(Array.isArray(body.prompt_filter_results));
    assert.equal(typeof body.choices[0].content_filter_results, 'object');
  });

  it('streams with usage, the same text as non-streaming, and no choice-less chunk except usage', async () => {
    const whole = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Stream it please' }] });
    const chunks = await rawStream('gpt-4o-mini');
    const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
    assert.equal(text, whole.choices[0].message.content);
    const choiceless = chunks.filter((chunk) => chunk.choices.length === 0);
    assert.equal(choiceless.length, 1, 'only the usage chunk has no choices');
    assert.equal(choiceless[0].usage.completion_tokens, whole.usage?.completion_tokens);
    assert.ok(chunks.every((chunk) => chunk.id !== '' && chunk.object === 'chat.completion.chunk'));
    assert.ok(chunks.every((chunk) => !('prompt_filter_results' in chunk)));
  });

  it('streams Azure annotations to a client that asks for them', async () => {
    const chunks = await rawStream('gpt-4o-mini', { 'x-interchange-provider-annotations': 'include' });
    assert.ok(chunks.some((chunk) => Array.isArray(chunk.prompt_filter_results)));
    assert.ok(chunks.some((chunk) => chunk.choices[0]?.content_filter_results !== undefined));
  });

  it('streams tool calls that reassemble into the non-streaming ones', async () => {
    const tools: OpenAI.Chat.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } } },
    ];
    const request_ = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Call get_weather and get_time' }], tools };
    const whole = await client.chat.completions.create(request_);
    const stream = await client.chat.completions.create({ ...request_, stream: true, stream_options: { include_usage: true } });
    const { calls, usage } = await collectStream(stream);
    assert.equal(calls.length, 2);
    assert.deepEqual(
      calls,
      (whole.choices[0].message.tool_calls ?? []).map((call) => (call.type === 'function' ? { id: call.id, name: call.function.name, arguments: call.function.arguments } : {})),
    );
    assert.ok((usage?.completion_tokens ?? 0) > 0);
  });

  it('embeddings from an Azure-only model', async () => {
    const { data, response } = await client.embeddings.create({ model: 'text-embedding-3-large', input: ['a', 'b'] }).withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'azure-deployments');
    assert.equal(data.data.length, 2);
    assert.equal(data.data[0].embedding.length, 3072);
  });

  it('a prompt the content filter refuses → BadRequestError content_filter, no fallback', async () => {
    const fallbackBefore = fallback.stats.requests;
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'bad [azure-content-filter: prompt]' }] }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError, String(error));
        assert.equal(error.code, 'content_filter');
        assert.match(error.message, /content management policy/);
        return true;
      },
    );
    assert.equal(fallback.stats.requests, fallbackBefore);
  });

  it('a completion the content filter stops → finish_reason content_filter, streaming and not', async () => {
    const content = 'tell me [azure-content-filter: completion]';
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
    assert.equal(completion.choices[0].finish_reason, 'content_filter');
    const chunks = await rawStream('gpt-4o-mini', {}, content);
    assert.ok(chunks.some((chunk) => chunk.choices[0]?.finish_reason === 'content_filter'));
  });

  it('a prompt over the context window → BadRequestError context_length_exceeded', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'small', messages: [{ role: 'user', content: 'word '.repeat(200) }] }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === 'context_length_exceeded',
    );
  });

  it('a missing deployment is a channel problem: the next channel serves', async () => {
    const { response } = await client.chat.completions.create({ model: 'missing-deployment', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'fallback');
  });
});

describe('what each api-version takes', () => {
  const last = () => azure.received.at(-1)!;
  const sent = () => last().body as Record<string, any>;

  it('2024-08-01-preview: a stream goes without stream_options and its usage is estimated, and logged as estimated', async () => {
    const content = 'Stream it please';
    const response = await request(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'azure-2024-08', messages: [{ role: 'user', content }], stream: true, stream_options: { include_usage: true } }),
    });
    assert.equal(response.statusCode, 200);
    const chunks = (await response.body.text())
      .split('\n\n')
      .filter((event) => event.startsWith('data: {'))
      .map((event) => JSON.parse(event.slice(6)));
    assert.match(last().path, /api-version=2024-08-01-preview$/);
    assert.equal(sent().stream, true);
    assert.ok(!('stream_options' in sent()), 'this api-version refuses stream_options');
    const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
    assert.ok(text.length > 0);
    const usage = chunks.find((chunk) => chunk.usage)?.usage;
    assert.deepEqual(usage && [usage.prompt_tokens, usage.completion_tokens], [countTokens(content) + 3 + 3, countTokens(text)]);
    const line = await requestLine(String(response.headers['x-request-id']));
    assert.equal(line.usageEstimated, true);
    assert.equal(line.outputTokens, countTokens(text));
  });

  it('2024-09-01-preview and later: stream_options is sent and the usage is Azure’s own', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'azure-2024-09', messages: [{ role: 'user', content: 'Stream it please' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    const { usage } = await collectStream(stream);
    assert.equal(response.status, 200);
    assert.deepEqual(sent().stream_options, { include_usage: true });
    assert.ok((usage?.completion_tokens ?? 0) > 0);
    const line = await requestLine(String(response.headers.get('x-request-id')));
    assert.equal(line.usageEstimated, undefined);
  });

  it('the developer role goes as system to an api-version that predates it (2024-10-21), as sent from 2024-12-01-preview', async () => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: 'Hello Azure' }];
    const older = await client.chat.completions.create({ model: 'azure-only', messages });
    assert.match(last().path, /api-version=2024-10-21$/);
    assert.deepEqual(sent().messages[0], { role: 'system', content: 'Be brief.' });
    const newer = await client.chat.completions.create({ model: 'azure-2024-12', messages });
    assert.match(last().path, /api-version=2024-12-01-preview$/);
    assert.deepEqual(sent().messages[0], { role: 'developer', content: 'Be brief.' });
    assert.equal(newer.choices[0].message.content, older.choices[0].message.content);
  });

  it('max_completion_tokens wins over max_tokens, one limit upstream, in the field the upstream takes', async () => {
    const body = { messages: [{ role: 'user' as const, content: 'Write a long essay about clouds' }], max_tokens: 2, max_completion_tokens: 3 };
    for (const [model, field] of [
      ['azure-only', 'max_completion_tokens'],
      ['azure-2024-08', 'max_tokens'],
      ['self-hosted', 'max_tokens'],
    ] as const) {
      const completion = await client.chat.completions.create({ model, ...body });
      assert.equal(completion.usage?.completion_tokens, 3, model);
      assert.equal(completion.choices[0].finish_reason, 'length');
      const upstream = (model === 'self-hosted' ? fallback.received.at(-1)! : last()).body as Record<string, unknown>;
      assert.deepEqual(
        Object.keys(upstream).filter((key) => key === 'max_tokens' || key === 'max_completion_tokens'),
        [field],
        model,
      );
      assert.equal(upstream[field], 3);
    }
  });

  it('an assistant turn that carries only a refusal is accepted and sent with its refusal as content', async () => {
    const completion = await client.chat.completions.create({
      model: 'azure-only',
      messages: [
        { role: 'user', content: 'Help me with something bad' },
        { role: 'assistant', content: null, refusal: "I can't help with that." },
        { role: 'user', content: 'Say hello instead' },
      ],
    });
    assert.equal(completion.choices[0].finish_reason, 'stop');
    assert.deepEqual(sent().messages[1], { role: 'assistant', content: "I can't help with that.", refusal: "I can't help with that." });
  });
});

describe('Azure rate limits', () => {
  it('Azure 429 from its RPM quota, with retry-after → the next channel serves', async () => {
    const providers: Array<string | null> = [];
    for (let index = 0; index < 4; index++) {
      const { response } = await client.chat.completions.create({ model: 'limited', messages: [{ role: 'user', content: 'x' }] }).withResponse();
      providers.push(response.headers.get('x-interchange-provider'));
    }
    assert.deepEqual(providers.slice(0, 2), ['azure-deployments', 'azure-deployments']);
    assert.deepEqual(providers.slice(2), ['fallback', 'fallback'], 'the quota answers 429 and the channel cools down');
  });

  it('Azure alone answering 429 with retry-after is retried within the deadline', async () => {
    azure.setFault('status=429, retry-after=1', 1);
    const started = performance.now();
    const { response } = await client.chat.completions.create({ model: 'azure-only', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-interchange-provider'), 'azure-deployments');
    assert.ok(performance.now() - started >= 950);
  });
});

describe('Entra ID through the v1 style', () => {
  it('sends fresh bearer tokens, refreshing ahead of expiry, with one token fetch per refresh', async () => {
    const end = Date.now() + 3_200;
    let requests = 0;
    while (Date.now() < end) {
      const { response } = await client.chat.completions.create({ model: 'entra', messages: [{ role: 'user', content: 'token?' }] }).withResponse();
      assert.equal(response.status, 200);
      requests++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const received = azure.received.at(-1)!;
    assert.equal(received.path, '/openai/v1/chat/completions');
    assert.match(String(received.headers.authorization), /^Bearer entra-token-\d+$/);
    assert.equal((received.body as { model: string }).model, 'gpt-4.1');
    // 1.5 s tokens refreshed at half-life over 3.2 s: about four fetches for dozens of requests.
    assert.ok(requests > 20, `${requests} requests`);
    assert.ok(credential.calls >= 3 && credential.calls <= 6, `${credential.calls} token fetches`);
  });
});
