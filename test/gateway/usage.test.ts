/**
 * Token usage through the gateway on every provider kind: what the client reads (`usage`, with
 * `prompt_tokens_details.cached_tokens` and `completion_tokens_details.reasoning_tokens`, in the body and in the final
 * stream chunk) and what metering gets (`Completion.usage`, read by a settle stage as the ledger reads it), with cached,
 * cache-write and reasoning tokens set by the emulators' `[emulator-usage: …]` marker. Prompt caching meeting streaming
 * (usage repeated on every upstream chunk, a cached count above the prompt) never yields a negative or doubled figure;
 * a stream cut short before its usage, or an upstream that leaves usage out, is counted by the gateway and marked
 * `estimated`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { request } from 'undici';
import { startAzureOpenAIEmulator, type RunningAzureOpenAIEmulator } from '../../emulators/azure-openai/index.ts';
import { startBedrockEmulator, type RunningBedrockEmulator } from '../../emulators/bedrock/index.ts';
import { countTokens as countEmulatorTokens } from '../../emulators/core/index.ts';
import { startVertexEmulator, type RunningVertexEmulator } from '../../emulators/vertex/index.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Completion, SettleStage } from '../../src/pipeline/stages.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';
import type { Usage } from '../../src/spec/index.ts';
import { startGatewayStack, type GatewayStack } from '../support/gateway-stack.ts';

/** Every completion, by request id, as the ledger's settle stage will see it (before the client's final bytes). */
const completions = new Map<string, Completion>();
const recorder: SettleStage = {
  name: 'usage-recorder',
  needs: { usage: true },
  settle(_exchange, completion) {
    completions.set(completion.requestId, completion);
  },
};

const awsCredentials = { accessKeyId: 'AKIDUSAGETEST', secretAccessKey: 'usage-test-secret' };
const azureKey = 'azure-usage-key';
const vertexToken = 'vertex-usage-token';

let stack: GatewayStack;
let azure: RunningAzureOpenAIEmulator;
let bedrock: RunningBedrockEmulator;
let vertex: RunningVertexEmulator;
let clouds: RunningGateway;

before(async () => {
  stack = await startGatewayStack({ stages: { settle: [recorder] } });
  azure = await startAzureOpenAIEmulator({ apiKey: azureKey, deployments: { 'gpt-4o-mini': { model: 'gpt-4o-mini' } }, quiet: true });
  bedrock = await startBedrockEmulator({ region: 'us-west-2', credentials: [awsCredentials], models: { 'openai.gpt-oss-120b-1:0': {} }, quiet: true });
  vertex = await startVertexEmulator({
    project: 'acme-ai',
    acceptToken: (token) => token === vertexToken,
    models: { 'gemini-2.5-flash': {}, 'openai/gpt-oss-120b-maas': {} },
    quiet: true,
  });
  const config = parseConfig(
    `
logging: { level: silent, requests: false }
auth: { clients: none }
store: { kind: memory }
limits: { request_timeout: 20s, stream_idle_timeout: 5s }
x-aws: &aws { kind: bedrock, region: us-west-2, endpoint: \${BEDROCK_ENDPOINT}, auth: { aws: { access_key_id: \${AWS_ID}, secret_access_key: \${AWS_SECRET} } } }
providers:
  azure: { kind: azure-openai, endpoint: \${AZURE_ENDPOINT}, api: deployments, api_version: 2024-10-21, auth: { api_key: \${AZURE_KEY} } }
  bedrock: { <<: *aws }
  bedrock-openai: { <<: *aws, api: openai }
  vertex: { kind: vertex, project: acme-ai, location: us-central1, endpoint: \${VERTEX_ENDPOINT} }
  vertex-openai: { kind: vertex, project: acme-ai, location: global, api: openai, endpoint: \${VERTEX_ENDPOINT} }
models:
  azure: { channels: [ { provider: azure, deployment: gpt-4o-mini } ] }
  bedrock: { channels: [ { provider: bedrock, model: "openai.gpt-oss-120b-1:0" } ] }
  bedrock-openai: { channels: [ { provider: bedrock-openai, model: "openai.gpt-oss-120b-1:0" } ] }
  vertex: { channels: [ { provider: vertex, model: gemini-2.5-flash } ] }
  vertex-openai: { channels: [ { provider: vertex-openai, model: openai/gpt-oss-120b-maas } ] }
`,
    {
      env: {
        AZURE_ENDPOINT: azure.url,
        AZURE_KEY: azureKey,
        BEDROCK_ENDPOINT: bedrock.url,
        AWS_ID: awsCredentials.accessKeyId,
        AWS_SECRET: awsCredentials.secretAccessKey,
        VERTEX_ENDPOINT: vertex.url,
      },
      source: 'usage test',
    },
  );
  clouds = await startGateway(config, {
    logger: createLogger('silent'),
    host: '127.0.0.1',
    port: 0,
    drainTimeoutMs: 500,
    stages: { settle: [recorder] },
    adapterDependencies: { googleTokens: () => async () => ({ token: vertexToken, expiresOnTimestamp: Date.now() + 3_600_000 }) },
  });
});

after(async () => {
  await clouds?.close();
  await Promise.all([stack?.close(), azure?.close(), bedrock?.close(), vertex?.close()]);
});

interface ProviderCase {
  readonly name: string;
  readonly gateway: () => string;
  readonly model: string;
  /** The wire format reports reasoning tokens apart (Bedrock Converse counts them as plain output). */
  readonly reportsReasoning: boolean;
  /** The wire format reports prompt-cache writes (Bedrock Converse). */
  readonly reportsCacheWrites: boolean;
  /** The upstream's JSON body reaches the client as sent (OpenAI dialect), rather than being written by the gateway. */
  readonly passThrough: boolean;
  /** A cached count above the prompt is part of the prompt count (the gateway caps it), not beside it (Bedrock sums). */
  readonly cachedWithinPrompt: boolean;
}

const openaiDialect = { reportsReasoning: true, reportsCacheWrites: false, passThrough: true, cachedWithinPrompt: true };
const providers: ProviderCase[] = [
  { name: 'openai', gateway: () => stack.gateway.url, model: 'solo', ...openaiDialect },
  { name: 'openai-compatible', gateway: () => stack.gateway.url, model: 'local', ...openaiDialect },
  { name: 'azure-openai', gateway: () => clouds.url, model: 'azure', ...openaiDialect },
  { name: 'bedrock (Converse)', gateway: () => clouds.url, model: 'bedrock', reportsReasoning: false, reportsCacheWrites: true, passThrough: false, cachedWithinPrompt: false },
  { name: 'bedrock (api: openai)', gateway: () => clouds.url, model: 'bedrock-openai', ...openaiDialect },
  { name: 'vertex (Gemini)', gateway: () => clouds.url, model: 'vertex', reportsReasoning: true, reportsCacheWrites: false, passThrough: false, cachedWithinPrompt: true },
  { name: 'vertex (api: openai)', gateway: () => clouds.url, model: 'vertex-openai', ...openaiDialect },
];

const cached = 24;
const cacheWrites = 12;
const reasoning = 9;
/** Long enough that the prompt holds the cached and written tokens. */
const filler = 'again '.repeat(40);

function prompt(marker: string): string {
  return `Tell me about prompt caching ${filler}${marker}`;
}

/** The emulators' prompt count for one user message: 3 for it, 3 for the reply, and its text. */
function upstreamPromptTokens(content: string): number {
  return 6 + countEmulatorTokens(content);
}

/** The gateway's own count of one user message: the same rule with the o200k tokenizer. */
function estimatedPromptTokens(content: string): number {
  return 6 + countO200k(content);
}

interface OpenAIUsageBody {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

/** The five figures a client reads, from an OpenAI usage object (pass-through bodies carry more). */
function clientFigures(usage: OpenAIUsageBody | null | undefined) {
  assert.ok(usage, 'usage reached the client');
  return {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.total_tokens,
    cached_tokens: usage.prompt_tokens_details?.cached_tokens,
    reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens,
  };
}

/** What the client should read for a Usage. */
function figuresOf(usage: Usage) {
  return {
    prompt_tokens: usage.inputTokens.total,
    completion_tokens: usage.outputTokens.total,
    total_tokens: usage.inputTokens.total + usage.outputTokens.total,
    cached_tokens: usage.inputTokens.cacheRead,
    reasoning_tokens: usage.outputTokens.reasoning,
  };
}

/** The metered usage of a reply of `visible` tokens to `content`, marked with `cached`, `cache-write` and `reasoning`. */
function expectedUsage(provider: ProviderCase, content: string, visible: number): Usage {
  const total = upstreamPromptTokens(content);
  const writes = provider.reportsCacheWrites ? cacheWrites : 0;
  return {
    inputTokens: { total, noCache: total - cached - writes, cacheRead: cached, cacheWrite: writes },
    outputTokens: provider.reportsReasoning
      ? { total: visible + reasoning, text: visible, reasoning }
      : { total: visible + reasoning, text: visible + reasoning, reasoning: 0 },
  };
}

function meteredUsage(requestId: string): Usage | undefined {
  const completion = completions.get(requestId);
  assert.ok(completion !== undefined, `the settle stage saw ${requestId}`);
  return completion.usage;
}

function assertWhole(usage: Usage): void {
  const { inputTokens, outputTokens } = usage;
  for (const value of [...Object.values(inputTokens), ...Object.values(outputTokens)]) assert.ok(Number.isInteger(value) && value >= 0, `${value} is a count`);
  assert.equal(inputTokens.noCache + inputTokens.cacheRead + inputTokens.cacheWrite, inputTokens.total);
  assert.equal(outputTokens.text + outputTokens.reasoning, outputTokens.total);
}

async function complete(provider: ProviderCase, content: string): Promise<{ requestId: string; body: any }> {
  const response = await request(`${provider.gateway()}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: provider.model, messages: [{ role: 'user', content }] }),
  });
  const body = (await response.body.json()) as any;
  assert.equal(response.statusCode, 200, JSON.stringify(body));
  return { requestId: String(response.headers['x-request-id']), body };
}

interface StreamRead {
  readonly requestId: string;
  /** Every `chat.completion.chunk`, in order. */
  readonly chunks: any[];
  /** `done`, or the code of the error event that ended the stream. */
  readonly ending: string;
  readonly text: string;
  readonly reasoningText: string;
}

async function streamChat(provider: ProviderCase, content: string): Promise<StreamRead> {
  const response = await request(`${provider.gateway()}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: provider.model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content }] }),
  });
  const raw = await response.body.text();
  assert.equal(response.statusCode, 200, raw);
  const events = raw
    .split('\n\n')
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice('data: '.length));
  const last = events.at(-1);
  const ending = last === '[DONE]' ? 'done' : String(JSON.parse(last ?? '{}').error?.code);
  const chunks = events.filter((event) => event !== '[DONE]').map((event) => JSON.parse(event)).filter((chunk) => chunk.object === 'chat.completion.chunk');
  let text = '';
  let reasoningText = '';
  for (const chunk of chunks) {
    text += chunk.choices[0]?.delta?.content ?? '';
    reasoningText += chunk.choices[0]?.delta?.reasoning_content ?? '';
  }
  return { requestId: String(response.headers['x-request-id']), chunks, ending, text, reasoningText };
}

/** The one chunk that carries usage; fails when there are none or several. */
function usageChunk(read: StreamRead): any {
  const carrying = read.chunks.filter((chunk) => chunk.usage !== null && chunk.usage !== undefined);
  assert.equal(carrying.length, 1, `one usage chunk, got ${carrying.length}`);
  assert.deepEqual(carrying[0].choices, []);
  return carrying[0];
}

/** The gateway's estimate of a reply it saw streamed (or whole) to `content`. */
function estimatedUsage(content: string, text: string, reasoningText = ''): Usage & { estimated: true } {
  const reasoningTokens = countO200k(reasoningText);
  const output = countO200k(text) + reasoningTokens;
  return {
    inputTokens: { total: estimatedPromptTokens(content), noCache: estimatedPromptTokens(content), cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: output, text: output - reasoningTokens, reasoning: reasoningTokens },
    estimated: true,
  };
}

for (const provider of providers) {
  describe(`usage through the gateway: ${provider.name}`, () => {
    const marker = `[emulator-usage: cached=${cached}, cache-write=${cacheWrites}, reasoning=${reasoning}]`;

    it('non-streaming: cached and reasoning tokens in the body, and metered apart, as the upstream reported them', async () => {
      const content = prompt(marker);
      const { requestId, body } = await complete(provider, content);
      const visible = countEmulatorTokens(body.choices[0].message.content ?? '');
      const expected = expectedUsage(provider, content, visible);
      assert.deepEqual(meteredUsage(requestId), expected);
      assert.deepEqual(clientFigures(body.usage), figuresOf(expected));
    });

    it('streaming: the final usage chunk and metering carry the same figures as the non-streaming answer', async () => {
      const content = prompt(marker);
      const read = await streamChat(provider, content);
      assert.equal(read.ending, 'done');
      const expected = expectedUsage(provider, content, countEmulatorTokens(read.text));
      assert.deepEqual(meteredUsage(read.requestId), expected);
      const chunk = usageChunk(read);
      assert.deepEqual(clientFigures(chunk.usage), figuresOf(expected));
      assert.equal(read.chunks.at(-1), chunk, 'usage comes last, after the finish');
    });

    it('prompt caching meets streaming: usage repeated on every upstream chunk is counted once, never added up', async () => {
      const content = prompt(`[emulator-usage: cached=${cached}, cache-write=${cacheWrites}, reasoning=${reasoning}, repeat]`);
      const read = await streamChat(provider, content);
      assert.equal(read.ending, 'done');
      const expected = expectedUsage(provider, content, countEmulatorTokens(read.text));
      const metered = meteredUsage(read.requestId)!;
      assert.deepEqual(metered, expected);
      assertWhole(metered);
      assert.deepEqual(clientFigures(usageChunk(read).usage), figuresOf(expected));
    });

    it('prompt caching meets streaming: a cached count above the prompt (a faulty upstream) never leaves a negative or doubled figure', async () => {
      const content = prompt('[emulator-usage: cached=100000, repeat]');
      const read = await streamChat(provider, content);
      assert.equal(read.ending, 'done');
      const metered = meteredUsage(read.requestId)!;
      assertWhole(metered);
      const upstreamPrompt = upstreamPromptTokens(content);
      // Within the prompt count (OpenAI, Gemini) the cached part is capped at it; beside it (Bedrock) the parts are the sum.
      const inputTotal = provider.cachedWithinPrompt ? upstreamPrompt : 100000;
      assert.deepEqual(metered.inputTokens, { total: inputTotal, noCache: 0, cacheRead: inputTotal, cacheWrite: 0 });
      const figures = clientFigures(usageChunk(read).usage);
      assert.equal(figures.prompt_tokens, inputTotal);
      assert.equal(figures.cached_tokens, inputTotal);
      assert.deepEqual(figures, figuresOf(metered));
    });

    it('a stream cut short before its usage: what was streamed is counted by the gateway, marked estimated', async () => {
      const content = prompt('[emulator-fault: cut-after=3]');
      const read = await streamChat(provider, content);
      assert.equal(read.ending, 'upstream_stream_error');
      assert.ok(read.text.length + read.reasoningText.length > 0, 'output was streamed before the cut');
      const expected = estimatedUsage(content, read.text, read.reasoningText);
      assert.deepEqual(meteredUsage(read.requestId), expected);
      // A client that asked for usage gets the estimate before the error event.
      assert.deepEqual(clientFigures(usageChunk(read).usage), figuresOf(expected));
    });

    it('an upstream that leaves usage out, streamed or not: counted by the gateway, marked estimated', async () => {
      const content = prompt('[emulator-usage: none]');
      const read = await streamChat(provider, content);
      assert.equal(read.ending, 'done');
      const expected = estimatedUsage(content, read.text, read.reasoningText);
      assert.deepEqual(meteredUsage(read.requestId), expected);
      assert.deepEqual(clientFigures(usageChunk(read).usage), figuresOf(expected));

      const { requestId, body } = await complete(provider, content);
      const message = body.choices[0].message;
      const whole = estimatedUsage(content, message.content ?? '', message.reasoning_content ?? '');
      assert.deepEqual(meteredUsage(requestId), whole);
      // A body the upstream wrote reaches the client as sent; one the gateway wrote carries the estimate.
      if (provider.passThrough) assert.equal('usage' in body, false);
      else assert.deepEqual(clientFigures(body.usage), figuresOf(whole));
    });
  });
}
