/**
 * Embeddings on Bedrock and Vertex end to end: the `openai` SDK's `embeddings.create` talks to the gateway; the gateway
 * calls Bedrock's InvokeModel (Titan Text Embeddings V2, Cohere Embed v3) signed with SigV4, and Vertex's `:predict`
 * (text-embedding-005, gemini-embedding-001) with Google bearer tokens, each emulator checking the wire format. The
 * OpenAI emulator is the fallback channel.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { request } from 'undici';
import { startBedrockEmulator, type RunningBedrockEmulator } from '../../emulators/bedrock/index.ts';
import { countTokens } from '../../emulators/core/index.ts';
import { embeddingVector } from '../../emulators/openai/embeddings.ts';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { createTestServiceAccount, mintTestToken, startVertexEmulator, type RunningVertexEmulator } from '../../emulators/vertex/index.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { resetRoutingState } from '../../src/execution/routing-runtime.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Completion } from '../../src/pipeline/stages.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';

const credentials = { accessKeyId: 'AKIDEMBEDDINGS', secretAccessKey: 'embeddings-secret' };
const TITAN = 'amazon.titan-embed-text-v2:0';
const COHERE = 'cohere.embed-english-v3';

let bedrock: RunningBedrockEmulator;
let vertex: RunningVertexEmulator;
let fallback: RunningEmulator;
let gateway: RunningGateway;
let client: OpenAI;
const completions: Completion[] = [];

before(async () => {
  bedrock = await startBedrockEmulator({ region: 'us-west-2', credentials: [credentials], models: { [TITAN]: {}, [COHERE]: {} }, quiet: true });
  const account = createTestServiceAccount();
  vertex = await startVertexEmulator({ project: 'acme-ai', publicKey: account.publicKey, models: { 'text-embedding-005': {}, 'gemini-embedding-001': {} }, quiet: true });
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
    api: openai
    endpoint: \${BEDROCK_ENDPOINT}
    auth: { aws: { access_key_id: \${AWS_ID}, secret_access_key: \${AWS_SECRET} } }
  vertex-usc1:
    kind: vertex
    project: acme-ai
    location: us-central1
    endpoint: \${VERTEX_ENDPOINT}
  vertex-maas:
    kind: vertex
    project: acme-ai
    location: global
    api: openai
    endpoint: \${VERTEX_ENDPOINT}
  fallback: { kind: openai-compatible, base_url: \${FALLBACK_URL} }
models:
  titan: { type: embedding, channels: [ { provider: bedrock-usw2, model: "${TITAN}" } ] }
  cohere: { type: embedding, channels: [ { provider: bedrock-openai, model: "${COHERE}" } ] }
  titan-or-openai:
    type: embedding
    channels:
      - { provider: bedrock-usw2, model: "${TITAN}" }
      - { provider: fallback, model: text-embedding-3-small }
  gecko: { type: embedding, channels: [ { provider: vertex-usc1, model: text-embedding-005 } ] }
  gemini-embedding: { type: embedding, channels: [ { provider: vertex-maas, model: gemini-embedding-001 } ] }
`,
    { env: { BEDROCK_ENDPOINT: bedrock.url, AWS_ID: credentials.accessKeyId, AWS_SECRET: credentials.secretAccessKey, VERTEX_ENDPOINT: vertex.url, FALLBACK_URL: fallback.baseUrl } },
  );
  gateway = await startGateway(config, {
    logger: createLogger('silent'),
    host: '127.0.0.1',
    port: 0,
    drainTimeoutMs: 500,
    stages: { observers: [{ name: 'test', observe: (completion) => completions.push(completion) }] },
    adapterDependencies: {
      googleTokens: () => async () => ({ token: await mintTestToken(account.privateKey, { email: account.email }), expiresOnTimestamp: Date.now() + 3_600_000 }),
    },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client', maxRetries: 0 });
});

after(async () => {
  await gateway.close();
  await Promise.all([bedrock.close(), vertex.close(), fallback.close()]);
});

beforeEach(() => {
  bedrock.setFault(undefined);
  vertex.setFault(undefined);
  completions.length = 0;
  resetRoutingState(gateway.context.runtime.routing);
});

/** The float32 vector the emulators give a text, as plain numbers. */
function vector(text: string, dimensions: number): number[] {
  return Array.from(embeddingVector(text, dimensions));
}

/** Bodies the emulator received after `mark` (its `received.length` before the call). */
function bodiesSince(emulator: RunningBedrockEmulator | RunningVertexEmulator, mark: number): Record<string, unknown>[] {
  return emulator.received.slice(mark).map((received) => received.body as Record<string, unknown>);
}

async function refusal(body: Record<string, unknown>): Promise<{ status: number; error: { code: string; param: string | null; message: string } }> {
  const response = await request(`${gateway.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await response.body.json()) as { error: { code: string; param: string | null; message: string } };
  return { status: response.statusCode, error: json.error };
}

/** A text of exactly `tokens` tokens under the emulators' token rule. */
function textOfTokens(tokens: number): string {
  return 'a' + ' a'.repeat(tokens - 1);
}

const inputs = ['first input', 'the second one', 'third'];

describe('Bedrock Titan Text Embeddings V2 through the gateway (openai SDK)', () => {
  it('float: one signed InvokeModel call per input, concurrently, in input order, usage summed from the token counts', async () => {
    const mark = bedrock.received.length;
    const { data, response } = await client.embeddings.create({ model: 'titan', input: inputs, encoding_format: 'float' }).withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'bedrock-usw2');
    assert.equal(data.model, TITAN);
    assert.deepEqual(data.data.map((item) => item.index), [0, 1, 2]);
    assert.deepEqual(data.data.map((item) => item.embedding), inputs.map((text) => vector(text, 1024)));
    const tokens = inputs.reduce((sum, text) => sum + countTokens(text), 0);
    assert.deepEqual(data.usage, { prompt_tokens: tokens, total_tokens: tokens });
    const bodies = bodiesSince(bedrock, mark);
    assert.deepEqual(bodies.map((body) => body.inputText).sort(), [...inputs].sort());
    assert.ok(bodies.every((body) => body.normalize === true && body.dimensions === undefined));
    assert.ok(bedrock.received.slice(mark).every((received) => received.path === `/model/${encodeURIComponent(TITAN)}/invoke`));
    assert.equal(completions.at(-1)?.usage?.estimated, undefined, 'Titan counts its tokens');
  });

  it('base64 (the SDK default) decodes to the same vectors', async () => {
    const data = await client.embeddings.create({ model: 'titan', input: inputs });
    assert.deepEqual(data.data.map((item) => item.embedding), inputs.map((text) => vector(text, 1024)));
    const raw = await request(`${gateway.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'titan', input: 'first input', encoding_format: 'base64' }),
    });
    const body = (await raw.body.json()) as { data: { embedding: string }[] };
    assert.equal(body.data[0].embedding, Buffer.from(embeddingVector('first input', 1024).buffer).toString('base64'));
  });

  it('dimensions 256, 512 and 1024 pass to Titan; any other is a 400 naming them, before any call', async () => {
    for (const dimensions of [256, 512, 1024]) {
      const data = await client.embeddings.create({ model: 'titan', input: 'sized', dimensions, encoding_format: 'float' });
      assert.deepEqual(data.data[0].embedding, vector('sized', dimensions));
      assert.equal((bedrock.received.at(-1)?.body as { dimensions?: number }).dimensions, dimensions);
    }
    const mark = bedrock.received.length;
    for (const dimensions of [255, 257, 511, 513, 1023, 1025]) {
      const { status, error } = await refusal({ model: 'titan', input: 'sized', dimensions });
      assert.equal(status, 400);
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.param, 'dimensions');
      assert.equal(error.message, `Invalid 'dimensions': ${TITAN} takes 256, 512 or 1024, not ${dimensions}.`);
    }
    assert.equal(bedrock.received.length, mark);
  });

  it('an input over Titan’s 8192 tokens is 400 context_length_exceeded on `input`; 8192 pass', async () => {
    const exact = await client.embeddings.create({ model: 'titan', input: textOfTokens(8192), encoding_format: 'float' });
    assert.equal(exact.usage.prompt_tokens, 8192);
    const { status, error } = await refusal({ model: 'titan', input: ['short', textOfTokens(8193)] });
    assert.equal(status, 400);
    assert.equal(error.code, 'context_length_exceeded');
    assert.equal(error.param, 'input');
    assert.match(error.message, /Too many input tokens\. Max input tokens: 8192, request input token count: 8193/);
  });

  it('token-id inputs are refused: Bedrock embeds text', async () => {
    const { status, error } = await refusal({ model: 'titan', input: [[1, 2, 3]] });
    assert.equal(status, 400);
    assert.equal(error.code, 'unsupported_parameter');
    assert.equal(error.param, 'input');
  });

  it('a throttled call is a 429 upstream_rate_limited, OpenAI-shaped', async () => {
    await assert.rejects(
      client.embeddings.create({ model: 'titan', input: ['fine', 'throttled [emulator-fault@bedrock: status=429]'] }),
      (error: unknown) => error instanceof OpenAI.RateLimitError && (error.error as { code: string }).code === 'upstream_rate_limited',
    );
  });

  it('a failing Bedrock channel falls back to the next channel, whole request, even when one call of several failed', async () => {
    bedrock.setFault('status=503');
    const { data, response } = await client.embeddings.create({ model: 'titan-or-openai', input: inputs, encoding_format: 'float' }).withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'fallback');
    assert.deepEqual(data.data.map((item) => item.embedding), inputs.map((text) => vector(text, 1536)));
    bedrock.setFault(undefined);
    const partly = await client.embeddings
      .create({ model: 'titan-or-openai', input: ['fine', 'broken [emulator-fault@bedrock: status=500]', 'fine too'], encoding_format: 'float' })
      .withResponse();
    assert.equal(partly.response.headers.get('x-interchange-provider'), 'fallback');
    assert.equal(partly.data.data.length, 3);
    assert.deepEqual(partly.data.data[2].embedding, vector('fine too', 1536));
  });

  it('at most 8 calls at once; the first to fail cancels those in flight, and no call starts after it', async () => {
    const mark = bedrock.received.length;
    const aborted = bedrock.stats.aborted;
    // The failure comes once every call in flight has surely reached the emulator.
    const failing = 'boom [emulator-fault@bedrock: delay-headers=400, status=500]';
    const slow = Array.from({ length: 7 }, (_, index) => `slow ${index} [emulator-fault@bedrock: delay-headers=3000]`);
    const startedAt = performance.now();
    const { response } = await client.embeddings.create({ model: 'titan-or-openai', input: [failing, ...slow, 'never sent'] }).withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'fallback');
    assert.ok(performance.now() - startedAt < 2_500, 'the slow calls were not waited for');
    assert.deepEqual(bodiesSince(bedrock, mark).map((body) => body.inputText).sort(), [failing, ...slow].sort());
    for (let wait = 0; wait < 50 && bedrock.stats.aborted < aborted + 7; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(bedrock.stats.aborted, aborted + 7, 'the calls in flight were aborted');
  });
});

describe('Bedrock Cohere Embed v3 through the gateway (openai SDK)', () => {
  it('one call for up to 96 texts, input_type search_document, usage counted by the gateway and marked estimated', async () => {
    const mark = bedrock.received.length;
    const { data, response } = await client.embeddings.create({ model: 'cohere', input: inputs, encoding_format: 'float' }).withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'bedrock-openai');
    assert.deepEqual(data.data.map((item) => item.embedding), inputs.map((text) => vector(text, 1024)));
    assert.deepEqual(bodiesSince(bedrock, mark), [{ texts: inputs, input_type: 'search_document' }]);
    assert.ok(data.usage.prompt_tokens > 0);
    assert.equal(completions.at(-1)?.usage?.estimated, true);
    assert.equal(completions.at(-1)?.usage?.inputTokens.total, data.usage.prompt_tokens);
  });

  it('96 texts are one call, 97 are two, in input order', async () => {
    const texts = Array.from({ length: 97 }, (_, index) => `text number ${index}`);
    let mark = bedrock.received.length;
    const ninetySix = await client.embeddings.create({ model: 'cohere', input: texts.slice(0, 96), encoding_format: 'float' });
    assert.equal(ninetySix.data.length, 96);
    assert.equal(bedrock.received.length - mark, 1);
    mark = bedrock.received.length;
    const all = await client.embeddings.create({ model: 'cohere', input: texts, encoding_format: 'float' });
    const calls = bodiesSince(bedrock, mark).map((body) => (body.texts as string[]).length).sort((a, b) => a - b);
    assert.deepEqual(calls, [1, 96]);
    assert.deepEqual(all.data.map((item) => item.embedding), texts.map((text) => vector(text, 1024)));
  });

  it('the body’s input_type (Cohere’s own field) is sent; one Cohere refuses is its 400', async () => {
    const mark = bedrock.received.length;
    await client.embeddings.create({ model: 'cohere', input: 'query', input_type: 'search_query' } as OpenAI.EmbeddingCreateParams);
    assert.equal(bodiesSince(bedrock, mark)[0].input_type, 'search_query');
    const wrong = await refusal({ model: 'cohere', input: 'query', input_type: 'search' });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.error.code, 'upstream_invalid_request');
    assert.match(wrong.error.message, /#\/input_type: search is not a valid enum value/);
    const notText = await refusal({ model: 'cohere', input: 'query', input_type: 5 });
    assert.equal(notText.error.code, 'invalid_request');
    assert.equal(notText.error.param, 'input_type');
  });

  it('dimensions: 1024 (Cohere’s own size) passes, any other is a 400 unsupported_parameter', async () => {
    assert.equal((await client.embeddings.create({ model: 'cohere', input: 'x', dimensions: 1024, encoding_format: 'float' })).data[0].embedding.length, 1024);
    for (const dimensions of [1023, 1025]) {
      const { status, error } = await refusal({ model: 'cohere', input: 'x', dimensions });
      assert.equal(status, 400);
      assert.equal(error.code, 'unsupported_parameter');
      assert.equal(error.param, 'dimensions');
    }
  });
});

describe('Vertex text embeddings through the gateway (openai SDK)', () => {
  it('text-embedding-005: the inputs as instances of one :predict call, in order, usage from the token counts', async () => {
    const mark = vertex.received.length;
    const { data, response } = await client.embeddings.create({ model: 'gecko', input: inputs, encoding_format: 'float' }).withResponse();
    assert.equal(response.headers.get('x-interchange-provider'), 'vertex-usc1');
    assert.equal(data.model, 'text-embedding-005');
    assert.deepEqual(data.data.map((item) => item.embedding), inputs.map((text) => vector(text, 768)));
    const tokens = inputs.reduce((sum, text) => sum + countTokens(text), 0);
    assert.deepEqual(data.usage, { prompt_tokens: tokens, total_tokens: tokens });
    assert.deepEqual(bodiesSince(vertex, mark), [{ instances: inputs.map((content) => ({ content })), parameters: { autoTruncate: false } }]);
    assert.match(vertex.received.at(-1)!.path, /^\/v1\/projects\/acme-ai\/locations\/us-central1\/publishers\/google\/models\/text-embedding-005:predict$/);
    assert.equal(completions.at(-1)?.usage?.estimated, undefined);
    const base64 = await client.embeddings.create({ model: 'gecko', input: inputs });
    assert.deepEqual(base64.data.map((item) => item.embedding), inputs.map((text) => vector(text, 768)));
  });

  it('dimensions is outputDimensionality: 768 passes, 769 is Vertex’s 400', async () => {
    const sized = await client.embeddings.create({ model: 'gecko', input: 'sized', dimensions: 256, encoding_format: 'float' });
    assert.deepEqual(sized.data[0].embedding, vector('sized', 256));
    assert.deepEqual((vertex.received.at(-1)!.body as { parameters: unknown }).parameters, { autoTruncate: false, outputDimensionality: 256 });
    assert.equal((await client.embeddings.create({ model: 'gecko', input: 'sized', dimensions: 768, encoding_format: 'float' })).data[0].embedding.length, 768);
    const { status, error } = await refusal({ model: 'gecko', input: 'sized', dimensions: 769 });
    assert.equal(status, 400);
    assert.equal(error.code, 'upstream_invalid_request');
    assert.match(error.message, /between 1 and 768; got 769/);
  });

  it('250 inputs are one call, 251 two; 20,000 characters are one call, one more starts another', async () => {
    const texts = Array.from({ length: 251 }, (_, index) => `text ${index}`);
    let mark = vertex.received.length;
    await client.embeddings.create({ model: 'gecko', input: texts.slice(0, 250) });
    assert.equal(vertex.received.length - mark, 1);
    mark = vertex.received.length;
    const all = await client.embeddings.create({ model: 'gecko', input: texts, encoding_format: 'float' });
    assert.deepEqual(bodiesSince(vertex, mark).map((body) => (body.instances as unknown[]).length).sort((a, b) => a - b), [1, 250]);
    assert.deepEqual(all.data[250].embedding, vector('text 250', 768));
    const half = 'x'.repeat(10_000);
    mark = vertex.received.length;
    await client.embeddings.create({ model: 'gecko', input: [half, half] });
    assert.equal(vertex.received.length - mark, 1);
    mark = vertex.received.length;
    await client.embeddings.create({ model: 'gecko', input: [half, `${half}x`] });
    assert.equal(vertex.received.length - mark, 2);
  });

  it('gemini-embedding-001 (on an api: openai provider): one :predict call per input, in input order', async () => {
    const mark = vertex.received.length;
    const data = await client.embeddings.create({ model: 'gemini-embedding', input: inputs, encoding_format: 'float' });
    assert.deepEqual(data.data.map((item) => item.embedding), inputs.map((text) => vector(text, 3072)));
    const bodies = bodiesSince(vertex, mark);
    assert.equal(bodies.length, 3);
    assert.ok(bodies.every((body) => (body.instances as unknown[]).length === 1));
    assert.match(vertex.received.at(-1)!.path, /\/locations\/global\/publishers\/google\/models\/gemini-embedding-001:predict$/);
  });

  it('the body’s task_type (Vertex’s own field) goes on every instance', async () => {
    const mark = vertex.received.length;
    await client.embeddings.create({ model: 'gecko', input: ['a doc', 'another'], task_type: 'RETRIEVAL_DOCUMENT' } as OpenAI.EmbeddingCreateParams);
    assert.deepEqual((bodiesSince(vertex, mark)[0].instances as unknown[]), [
      { content: 'a doc', task_type: 'RETRIEVAL_DOCUMENT' },
      { content: 'another', task_type: 'RETRIEVAL_DOCUMENT' },
    ]);
    const { status, error } = await refusal({ model: 'gecko', input: 'x', task_type: ['RETRIEVAL_QUERY'] });
    assert.equal(status, 400);
    assert.equal(error.param, 'task_type');
  });

  it('an input over 2048 tokens is 400 context_length_exceeded (never silently cut); 2048 pass', async () => {
    assert.equal((await client.embeddings.create({ model: 'gecko', input: textOfTokens(2048) })).usage.prompt_tokens, 2048);
    const { status, error } = await refusal({ model: 'gecko', input: textOfTokens(2049) });
    assert.equal(status, 400);
    assert.equal(error.code, 'context_length_exceeded');
    assert.equal(error.param, 'input');
  });

  it('Vertex’s RESOURCE_EXHAUSTED is a 429 upstream_rate_limited', async () => {
    vertex.setFault('status=429');
    await assert.rejects(
      client.embeddings.create({ model: 'gecko', input: 'x' }),
      (error: unknown) => error instanceof OpenAI.RateLimitError && (error.error as { code: string }).code === 'upstream_rate_limited',
    );
  });
});
