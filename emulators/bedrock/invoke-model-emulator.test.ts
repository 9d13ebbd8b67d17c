import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  InvokeModelCommand,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { countTokens } from '../core/index.ts';
import { embeddingVector } from '../openai/embeddings.ts';
import { startBedrockEmulator, type RunningBedrockEmulator } from './index.ts';

const credentials = { accessKeyId: 'AKIDEMBED', secretAccessKey: 'embed-secret' };
const TITAN = 'amazon.titan-embed-text-v2:0';
const COHERE = 'cohere.embed-english-v3';

let emulator: RunningBedrockEmulator;
let bedrock: BedrockRuntimeClient;

before(async () => {
  emulator = await startBedrockEmulator({
    quiet: true,
    credentials: [credentials],
    models: { [TITAN]: {}, [COHERE]: {}, 'cohere.embed-multilingual-v3': {}, 'openai.gpt-oss-120b-1:0': {}, 'us.amazon.titan-embed-text-v2:0': { rpm: 1 } },
  });
  bedrock = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: emulator.url, credentials, requestHandler: new NodeHttpHandler(), maxAttempts: 1 });
});

after(async () => {
  bedrock.destroy();
  await emulator.close();
});

beforeEach(() => {
  emulator.setFault(undefined);
});

async function invoke(modelId: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await bedrock.send(new InvokeModelCommand({ modelId, contentType: 'application/json', accept: 'application/json', body: JSON.stringify(body) }));
  assert.equal(response.contentType, 'application/json');
  return JSON.parse(response.body.transformToString()) as Record<string, unknown>;
}

async function refused(modelId: string, body: unknown): Promise<string> {
  try {
    await invoke(modelId, body);
  } catch (error) {
    assert.ok(error instanceof ValidationException, `expected a ValidationException, got ${String(error)}`);
    return error.message;
  }
  assert.fail('expected a ValidationException');
}

function norm(values: readonly number[]): number {
  return Math.sqrt(values.reduce((sum, value) => sum + value * value, 0));
}

/** A text of exactly `tokens` tokens under the emulators' token rule. */
function textOfTokens(tokens: number): string {
  return 'a' + ' a'.repeat(tokens - 1);
}

describe('InvokeModel: Amazon Titan Text Embeddings V2 (through the SDK)', () => {
  it('answers a unit vector of 1024 floats with its token count, the OpenAI emulator’s vector for the same text', async () => {
    const answer = await invoke(TITAN, { inputText: 'Hello Titan' });
    const embedding = answer.embedding as number[];
    assert.equal(embedding.length, 1024);
    assert.ok(Math.abs(norm(embedding) - 1) < 1e-5);
    assert.deepEqual(embedding, Array.from(embeddingVector('Hello Titan', 1024)));
    assert.equal(answer.inputTextTokenCount, countTokens('Hello Titan'));
    assert.deepEqual(answer.embeddingsByType, { float: embedding });
  });

  it('sends the input token count header, as Bedrock does for Amazon models, and refuses unsigned calls', async () => {
    const unsigned = await fetch(`${emulator.url}/model/${encodeURIComponent(TITAN)}/invoke`, { method: 'POST', body: '{}' });
    assert.equal(unsigned.status, 403);
    let headers: Record<string, string> = {};
    const watched = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: emulator.url, credentials, requestHandler: new NodeHttpHandler(), maxAttempts: 1 });
    watched.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        headers = (result.response as { headers: Record<string, string> }).headers;
        return result;
      },
      { step: 'deserialize', name: 'watchHeaders' },
    );
    await watched.send(new InvokeModelCommand({ modelId: TITAN, body: JSON.stringify({ inputText: 'count me in' }) }));
    watched.destroy();
    assert.equal(headers['x-amzn-bedrock-input-token-count'], String(countTokens('count me in')));
    assert.match(headers['x-amzn-requestid'], /^[0-9a-f-]{36}$/);
    assert.equal(emulator.received.at(-1)?.path, `/model/${encodeURIComponent(TITAN)}/invoke`);
  });

  it('takes dimensions 256, 512 and 1024 only, and the first components renormalised', async () => {
    for (const dimensions of [256, 512, 1024]) {
      const embedding = (await invoke(TITAN, { inputText: 'sized', dimensions })).embedding as number[];
      assert.equal(embedding.length, dimensions);
      assert.deepEqual(embedding, Array.from(embeddingVector('sized', dimensions)));
    }
    for (const dimensions of [255, 257, 511, 513, 1023, 1025]) {
      assert.equal(
        await refused(TITAN, { inputText: 'sized', dimensions }),
        `Malformed input request: #/dimensions: ${dimensions} is not a valid enum value, please reformat your input and try again.`,
      );
    }
  });

  it('normalize: false answers the raw vector; embeddingTypes adds binary', async () => {
    const raw = (await invoke(TITAN, { inputText: 'raw', normalize: false })).embedding as number[];
    assert.ok(Math.abs(norm(raw) - 1) > 0.5);
    const both = await invoke(TITAN, { inputText: 'raw', dimensions: 256, embeddingTypes: ['float', 'binary'] });
    const byType = both.embeddingsByType as { float: number[]; binary: number[] };
    assert.equal(byType.binary.length, 256);
    assert.deepEqual(byType.binary, byType.float.map((value) => (value > 0 ? 1 : 0)));
  });

  it('refuses what Bedrock’s schema refuses, in its words', async () => {
    const extra = await refused(TITAN, { inputText: 'x', texts: ['x'] });
    assert.equal(extra, 'Malformed input request: #: extraneous key [texts] is not permitted, please reformat your input and try again.');
    assert.match(await refused(TITAN, {}), /#: required key \[inputText\] not found/);
    assert.match(await refused(TITAN, { inputText: 5 }), /#\/inputText: expected type: String, found: Integer/);
    assert.match(await refused(TITAN, { inputText: 'x', normalize: 'yes' }), /#\/normalize: expected type: Boolean/);
    assert.match(await refused(TITAN, { inputText: 'x', embeddingTypes: ['int8'] }), /#\/embeddingTypes\/0: int8 is not a valid enum value/);
  });

  it('takes 8192 tokens and 50,000 characters, not one more', async () => {
    assert.equal((await invoke(TITAN, { inputText: textOfTokens(8192) })).inputTextTokenCount, 8192);
    assert.equal(
      await refused(TITAN, { inputText: textOfTokens(8193) }),
      '400 Bad Request: Too many input tokens. Max input tokens: 8192, request input token count: 8193 ',
    );
    assert.ok((await invoke(TITAN, { inputText: 'x'.repeat(50_000) })).embedding);
    assert.match(await refused(TITAN, { inputText: 'x'.repeat(50_001) }), /#\/inputText: expected maxLength: 50000, actual: 50001/);
  });
});

describe('InvokeModel: Cohere Embed v3 (through the SDK)', () => {
  it('answers embeddings_floats: one 1024-float vector per text, the texts and an id, and no token count', async () => {
    const response = await bedrock.send(
      new InvokeModelCommand({ modelId: COHERE, body: JSON.stringify({ texts: ['first', 'second'], input_type: 'search_document' }) }),
    );
    const answer = JSON.parse(response.body.transformToString()) as { embeddings: number[][]; id: string; response_type: string; texts: string[] };
    assert.equal(answer.response_type, 'embeddings_floats');
    assert.deepEqual(answer.texts, ['first', 'second']);
    assert.match(answer.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(answer.embeddings, [Array.from(embeddingVector('first', 1024)), Array.from(embeddingVector('second', 1024))]);
    assert.equal(Object.keys(answer).length, 4);
  });

  it('answers embeddings_by_type when types are asked for', async () => {
    const answer = await invoke('cohere.embed-multilingual-v3', { texts: ['typed'], input_type: 'search_query', embedding_types: ['float', 'int8', 'ubinary'] });
    assert.equal(answer.response_type, 'embeddings_by_type');
    const embeddings = answer.embeddings as { float: number[][]; int8: number[][]; ubinary: number[][] };
    assert.deepEqual(Object.keys(embeddings), ['float', 'int8', 'ubinary']);
    assert.equal(embeddings.float[0].length, 1024);
    assert.equal(embeddings.int8[0].length, 1024);
    assert.ok(embeddings.int8[0].every((value) => Number.isInteger(value) && value >= -127 && value <= 127));
    assert.equal(embeddings.ubinary[0].length, 128);
  });

  it('takes 96 texts of 2048 characters, not one more of either', async () => {
    const texts = Array.from({ length: 96 }, (_, index) => `text ${index}`);
    assert.equal(((await invoke(COHERE, { texts, input_type: 'clustering' })).embeddings as unknown[]).length, 96);
    assert.match(await refused(COHERE, { texts: [...texts, 'one more'], input_type: 'clustering' }), /#\/texts: expected maximum item count: 96, found: 97/);
    assert.ok(await invoke(COHERE, { texts: ['x'.repeat(2048)], input_type: 'classification' }));
    assert.match(await refused(COHERE, { texts: ['ok', 'x'.repeat(2049)], input_type: 'classification' }), /#\/texts\/1: expected maxLength: 2048, actual: 2049/);
  });

  it('requires input_type from its enum', async () => {
    assert.match(await refused(COHERE, { texts: ['x'] }), /#: required key \[input_type\] not found/);
    assert.match(await refused(COHERE, { texts: ['x'], input_type: 'search' }), /#\/input_type: search is not a valid enum value/);
    assert.match(await refused(COHERE, { inputText: 'x', input_type: 'search_query' }), /#: extraneous key \[inputText\] is not permitted/);
  });

  it('refuses a text over 512 tokens unless truncate says which end to drop', async () => {
    assert.ok(await invoke(COHERE, { texts: [textOfTokens(512)], input_type: 'search_query' }));
    assert.equal(await refused(COHERE, { texts: [textOfTokens(513)], input_type: 'search_query' }), 'Input is too long for requested model.');
    const long = `${textOfTokens(512)} tail`;
    const end = (await invoke(COHERE, { texts: [long], input_type: 'search_query', truncate: 'END' })).embeddings as number[][];
    assert.deepEqual(end[0], Array.from(embeddingVector(textOfTokens(512), 1024)));
  });
});

describe('InvokeModel: models, quotas and faults', () => {
  it('resolves a foundation-model ARN, and refuses chat models on InvokeModel and embedding models on Converse', async () => {
    const arn = `arn:aws:bedrock:us-east-1::foundation-model/${TITAN}`;
    assert.equal(((await invoke(arn, { inputText: 'arn' })).embedding as number[]).length, 1024);
    assert.match(await refused('openai.gpt-oss-120b-1:0', { inputText: 'x' }), /InvokeModel for embedding models only/);
    assert.equal(await refused('amazon.titan-embed-text-v1', { inputText: 'x' }), 'The provided model identifier is invalid.');
    await assert.rejects(
      bedrock.send(new ConverseCommand({ modelId: TITAN, messages: [{ role: 'user', content: [{ text: 'hi' }] }] })),
      (error: unknown) => error instanceof ValidationException && /doesn't support the model/.test(error.message),
    );
  });

  it('serves an inference profile, charging its RPM after validation', async () => {
    const profile = 'us.amazon.titan-embed-text-v2:0';
    await assert.rejects(invoke(profile, {}), ValidationException);
    assert.ok(await invoke(profile, { inputText: 'first' }));
    await assert.rejects(invoke(profile, { inputText: 'second' }), ThrottlingException);
  });

  it('injects faults from the header, a marker in the input, and emulator-wide', async () => {
    emulator.setFault('status=429', 1);
    await assert.rejects(invoke(TITAN, { inputText: 'x' }), ThrottlingException);
    await assert.rejects(invoke(COHERE, { texts: ['fine', 'not [emulator-fault@bedrock: status=503]'], input_type: 'search_document' }), ServiceUnavailableException);
    emulator.setFault('malformed');
    const response = await bedrock.send(new InvokeModelCommand({ modelId: TITAN, body: JSON.stringify({ inputText: 'cut' }) }));
    assert.throws(() => JSON.parse(response.body.transformToString()), SyntaxError);
  });
});
