import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, GoogleGenAI, type GoogleGenAIOptions } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import { request } from 'undici';
import { countTokens } from '../core/index.ts';
import { embeddingVector } from '../openai/embeddings.ts';
import { createTestServiceAccount, mintTestToken, startVertexEmulator, type RunningVertexEmulator } from './index.ts';

const PROJECT = 'interchange-demo';
/** @google/genai bundles another google-auth-library major than the project's: the types differ, not the behaviour. */
type GenAIAuthClient = NonNullable<NonNullable<GoogleGenAIOptions['googleAuthOptions']>['authClient']>;
const account = createTestServiceAccount();
let emulator: RunningVertexEmulator;
let token: string;

before(async () => {
  emulator = await startVertexEmulator({
    quiet: true,
    publicKey: account.publicKey,
    models: { 'text-embedding-005': {}, 'gemini-embedding-001': {}, 'text-multilingual-embedding-002': { rpm: 1 }, 'gemini-2.5-flash': {} },
  });
  token = await mintTestToken(account.privateKey, { email: account.email });
});

after(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.setFault(undefined);
});

function genai(): GoogleGenAI {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
  return new GoogleGenAI({
    vertexai: true,
    project: PROJECT,
    location: 'us-central1',
    httpOptions: { baseUrl: emulator.url },
    googleAuthOptions: { authClient: authClient as unknown as GenAIAuthClient },
  });
}

async function predict(model: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await request(`${emulator.url}/v1/projects/${PROJECT}/locations/us-central1/publishers/google/models/${model}:predict`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
}

async function refusal(model: string, body: unknown, status = 400): Promise<string> {
  const { status: actual, json } = await predict(model, body);
  assert.equal(actual, status, JSON.stringify(json));
  return (json.error as { message: string }).message;
}

async function apiError(promise: Promise<unknown>, status: number): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
    assert.equal(error.status, status);
    return error.message;
  }
  assert.fail('expected the call to fail');
}

/** A text of exactly `tokens` tokens under the emulators' token rule. */
function textOfTokens(tokens: number): string {
  return 'a' + ' a'.repeat(tokens - 1);
}

describe(':predict with the official SDK (models.embedContent)', () => {
  it('embeds several contents with text-embedding-005: unit vectors of 768, token counts, the task type on every instance', async () => {
    const response = await genai().models.embedContent({
      model: 'text-embedding-005',
      contents: ['What is an embedding?', 'A vector'],
      config: { taskType: 'RETRIEVAL_QUERY' },
    });
    const embeddings = response.embeddings ?? [];
    assert.equal(embeddings.length, 2);
    assert.deepEqual(embeddings[0].values, Array.from(embeddingVector('What is an embedding?', 768)));
    assert.deepEqual(embeddings[1].values, Array.from(embeddingVector('A vector', 768)));
    assert.deepEqual(embeddings[0].statistics, { tokenCount: countTokens('What is an embedding?'), truncated: false });
    assert.deepEqual(response.metadata, { billableCharacterCount: 'Whatisanembedding?'.length + 'Avector'.length });
    const last = emulator.received.at(-1);
    assert.match(last?.path ?? '', /\/publishers\/google\/models\/text-embedding-005:predict$/);
    assert.deepEqual((last?.body as { instances: unknown[] }).instances, [
      { content: 'What is an embedding?', task_type: 'RETRIEVAL_QUERY' },
      { content: 'A vector', task_type: 'RETRIEVAL_QUERY' },
    ]);
  });

  it('honours outputDimensionality up to the model’s size, not one more', async () => {
    const small = await genai().models.embedContent({ model: 'text-embedding-005', contents: 'sized', config: { outputDimensionality: 256 } });
    assert.deepEqual(small.embeddings?.[0].values, Array.from(embeddingVector('sized', 256)));
    const full = await genai().models.embedContent({ model: 'text-embedding-005', contents: 'sized', config: { outputDimensionality: 768 } });
    assert.equal(full.embeddings?.[0].values?.length, 768);
    const over = await apiError(genai().models.embedContent({ model: 'text-embedding-005', contents: 'sized', config: { outputDimensionality: 769 } }), 400);
    assert.match(over, /outputDimensionality for text-embedding-005 must be between 1 and 768; got 769/);
    const gemini = await genai().models.embedContent({ model: 'gemini-embedding-001', contents: 'sized', config: { outputDimensionality: 3072 } });
    assert.equal(gemini.embeddings?.[0].values?.length, 3072);
    await apiError(genai().models.embedContent({ model: 'gemini-embedding-001', contents: 'sized', config: { outputDimensionality: 3073 } }), 400);
  });

  it('gemini-embedding-001 takes one instance per request: 3072 floats by default, two contents refused', async () => {
    const one = await genai().models.embedContent({ model: 'gemini-embedding-001', contents: ['only one'] });
    assert.deepEqual(one.embeddings?.[0].values, Array.from(embeddingVector('only one', 3072)));
    const message = await apiError(genai().models.embedContent({ model: 'gemini-embedding-001', contents: ['one', 'two'] }), 400);
    assert.match(message, /gemini-embedding-001 takes at most 1 instance per request; got 2/);
  });

  it('answers faults in Vertex’s shapes', async () => {
    emulator.setFault('status=429', 1);
    await apiError(genai().models.embedContent({ model: 'text-embedding-005', contents: 'x' }), 429);
    await apiError(genai().models.embedContent({ model: 'text-embedding-005', contents: ['fine', 'not [emulator-fault@vertex: status=503]'] }), 503);
  });
});

describe(':predict limits and validation', () => {
  it('takes 250 instances, not 251', async () => {
    const instances = Array.from({ length: 250 }, (_, index) => ({ content: `text ${index}` }));
    const { status, json } = await predict('text-embedding-005', { instances });
    assert.equal(status, 200);
    assert.equal((json.predictions as unknown[]).length, 250);
    assert.match(await refusal('text-embedding-005', { instances: [...instances, { content: 'one more' }] }), /at most 250 instances per request; got 251/);
  });

  it('cuts an input over 2048 tokens (truncated: true), or refuses it with autoTruncate: false', async () => {
    const exact = await predict('text-embedding-005', { instances: [{ content: textOfTokens(2048) }], parameters: { autoTruncate: false } });
    assert.equal(exact.status, 200);
    const over = textOfTokens(2049);
    const cut = await predict('text-embedding-005', { instances: [{ content: over }] });
    const prediction = (cut.json.predictions as { embeddings: { statistics: unknown; values: number[] } }[])[0];
    assert.deepEqual(prediction.embeddings.statistics, { token_count: 2048, truncated: true });
    assert.deepEqual(prediction.embeddings.values, Array.from(embeddingVector(textOfTokens(2048), 768)));
    assert.equal(
      await refusal('text-embedding-005', { instances: [{ content: over }], parameters: { autoTruncate: false } }),
      'The input token count (2049) exceeds the maximum number of tokens allowed (2048).',
    );
  });

  it('takes 20,000 tokens per request, not one more', async () => {
    const instances = Array.from({ length: 10 }, () => ({ content: textOfTokens(2000) }));
    assert.equal((await predict('text-embedding-005', { instances })).status, 200);
    instances[9] = { content: textOfTokens(2001) };
    assert.match(await refusal('text-embedding-005', { instances }), /20001 input tokens are over the 20000 allowed per request/);
  });

  it('refuses unknown fields, task types and titles without RETRIEVAL_DOCUMENT', async () => {
    assert.match(await refusal('text-embedding-005', { instances: [{ content: 'x' }], extra: 1 }), /Unknown name "extra": Cannot find field/);
    assert.match(await refusal('text-embedding-005', { instances: [{ content: 'x', task_type: 'SEARCH' }] }), /task_type must be one of RETRIEVAL_QUERY/);
    assert.match(await refusal('text-embedding-005', { instances: [{ content: 'x', title: 't' }] }), /title is a string, only with task_type RETRIEVAL_DOCUMENT/);
    assert.equal((await predict('text-embedding-005', { instances: [{ content: 'x', title: 't', task_type: 'RETRIEVAL_DOCUMENT' }] })).status, 200);
    assert.match(await refusal('text-embedding-005', { instances: [] }), /non-empty list/);
    assert.match(await refusal('text-embedding-005', { instances: [{ text: 'x' }] }), /unknown field "text"/);
    assert.match(await refusal('text-embedding-005', { instances: [{ content: 'x' }], parameters: { dimensions: 8 } }), /Unknown parameter "dimensions"/);
  });

  it('charges the model’s RPM with the online-prediction quota, and keeps chat and embedding models apart', async () => {
    assert.equal((await predict('text-multilingual-embedding-002', { instances: [{ content: 'x' }] })).status, 200);
    assert.match(await refusal('text-multilingual-embedding-002', { instances: [{ content: 'x' }] }, 429), /online_prediction_requests_per_base_model/);
    assert.match(await refusal('gemini-2.5-flash', { instances: [{ content: 'x' }] }, 404), /Publisher Model .*gemini-2.5-flash` was not found/);
    await apiError(genai().models.generateContent({ model: 'text-embedding-005', contents: 'hi' }), 404);
  });
});
