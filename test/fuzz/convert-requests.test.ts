/**
 * Fuzzing each provider's request conversion over neutral requests the OpenAI frontend accepted (from valid and
 * near-valid bodies): the OpenAI dialect as OpenAI, self-hosted servers, Azure OpenAI (old and current api-versions)
 * and Bedrock's and Vertex's OpenAI-compatible endpoints speak it, both from the client's body and encoded from the
 * neutral request; Bedrock Converse; Vertex Gemini. Each either produces a body that serialises to JSON and says what
 * the request said, or refuses with a GatewayError 4xx. Never another exception.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GatewayError } from '../../src/errors/index.ts';
import { parseChatRequest, parseEmbeddingRequest } from '../../src/frontends/openai/index.ts';
import { azureDialect } from '../../src/providers/azure-openai/index.ts';
import { convertToConverseRequest, type ImageBytes } from '../../src/providers/bedrock/convert-request.ts';
import { collectImageUrls } from '../../src/providers/http/image-urls.ts';
import { parseJsonBody } from '../../src/server/read-json-body.ts';
import { convertChatRequest, convertEmbeddingRequest, type OpenAIDialect } from '../../src/providers/openai/convert-request.ts';
import { convertToGeminiRequest, type GeminiImage } from '../../src/providers/vertex/convert-request.ts';
import type { ChatRequest, EmbeddingRequest } from '../../src/spec/index.ts';
import { fuzzParameters, nearValidChatBody, nearValidEmbeddingBody, Tally, toJsonText, validChatBody, validEmbeddingBody, wellFormedChatBody } from './fuzz-support.ts';

const upstreamModel = 'upstream-model';

/** Every OpenAI-dialect setting a configured channel can have. */
const dialects: ReadonlyArray<readonly [string, OpenAIDialect]> = [
  ['openai (and Bedrock, Vertex OpenAI-compatible)', { maxTokensField: 'as-sent' }],
  ['openai-compatible', { maxTokensField: 'max_tokens' }],
  ['azure 2024-06-01', azureDialect('deployments', '2024-06-01')],
  ['azure 2024-10-21', azureDialect('deployments', '2024-10-21')],
  ['azure 2025-04-01-preview', azureDialect('deployments', '2025-04-01-preview')],
  ['azure v1', azureDialect('v1', 'preview')],
];

/** Runs one conversion: its output, or the refusal (which must be a GatewayError 4xx). */
function attempt<T>(convert: () => T): { output: T } | { refused: GatewayError } {
  try {
    return { output: convert() };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw new assert.AssertionError({ message: `expected a GatewayError, got ${(error as Error)?.stack ?? String(error)}` });
    assert.ok(error.status >= 400 && error.status < 500, `status ${error.status} (${error.code}): ${error.message}`);
    assert.ok(error.message.length > 0);
    return { refused: error };
  }
}

/** The chat requests the body reader and the frontend accept, from generated bodies (as JSON text, as they arrive). */
const chatRequest: fc.Arbitrary<ChatRequest> = fc
  .oneof(wellFormedChatBody, validChatBody, nearValidChatBody)
  .map((body) => {
    try {
      return parseChatRequest(parseJsonBody(Buffer.from(toJsonText(body))));
    } catch {
      return undefined;
    }
  })
  .filter((request): request is ChatRequest => request !== undefined);

const toolUseIdPattern = /^[a-zA-Z0-9_-]{1,64}$/;

function checkOpenAIBody(text: string, request: ChatRequest, dialect: OpenAIDialect, stream: boolean, fromPassthrough: boolean): void {
  const body = JSON.parse(text);
  assert.equal(body.model, upstreamModel);
  assert.equal(body.messages.length, request.messages.length);
  if (stream) assert.equal(body.stream, true);
  else assert.ok(body.stream === undefined || body.stream === false);
  if (!stream || dialect.streamOptions === false) assert.equal(body.stream_options, undefined);
  else assert.equal(body.stream_options.include_usage, true);
  assert.ok(body.max_tokens === undefined || body.max_completion_tokens === undefined, 'one output limit');
  if (request.maxOutputTokens !== undefined) assert.equal(body.max_completion_tokens ?? body.max_tokens, request.maxOutputTokens);
  if (dialect.maxTokensField === 'max_tokens') assert.equal(body.max_completion_tokens, undefined);
  for (const message of body.messages) {
    if (dialect.developerRole === false) assert.notEqual(message.role, 'developer');
    // OpenAI refuses an assistant turn with neither content nor tool calls.
    if (message.role === 'assistant' && (message.tool_calls === undefined || message.tool_calls === null)) assert.notEqual(message.content ?? null, null);
  }
  if (!fromPassthrough) {
    assert.equal(body.tools?.length, request.tools?.length);
    assert.deepEqual(body.stop, request.stop);
  }
}

function checkConverseBody(body: ReturnType<typeof convertToConverseRequest>, request: ChatRequest): void {
  JSON.parse(JSON.stringify(body));
  assert.ok(body.messages.length > 0);
  assert.equal(body.messages[0].role, 'user');
  body.messages.forEach((message, index) => {
    if (index > 0) assert.notEqual(message.role, body.messages[index - 1].role, 'turns alternate');
    assert.ok(message.content.length > 0);
    for (const block of message.content) {
      if ('text' in block) assert.notEqual(block.text, '');
      if ('toolUse' in block) assert.match(block.toolUse.toolUseId, toolUseIdPattern);
      if ('toolResult' in block) assert.match(block.toolResult.toolUseId, toolUseIdPattern);
    }
  });
  for (const block of body.system ?? []) assert.notEqual(block.text, '');
  assert.equal(body.inferenceConfig?.maxTokens, request.maxOutputTokens);
  for (const sequence of body.inferenceConfig?.stopSequences ?? []) assert.notEqual(sequence, '');
  if (body.toolConfig !== undefined) assert.ok(body.toolConfig.tools.length > 0);
}

function checkGeminiBody(body: ReturnType<typeof convertToGeminiRequest>, request: ChatRequest): void {
  JSON.parse(JSON.stringify(body));
  assert.ok(body.contents.length > 0);
  body.contents.forEach((content, index) => {
    if (index > 0) assert.notEqual(content.role, body.contents[index - 1].role, 'turns alternate');
    assert.ok(content.parts.length > 0);
    for (const part of content.parts) if ('text' in part) assert.notEqual(part.text, '');
  });
  assert.equal(body.generationConfig?.maxOutputTokens, request.maxOutputTokens);
  assert.equal(body.generationConfig?.seed, request.seed);
  for (const sequence of body.generationConfig?.stopSequences ?? []) assert.notEqual(sequence, '');
  if (body.tools !== undefined) assert.equal(body.tools[0].functionDeclarations.length, request.tools?.length);
}

/** The https images the gateway would have fetched, as stand-in bytes (routing and fetching are not under test). */
function fetchedImages(request: ChatRequest): { converse: Map<string, ImageBytes>; gemini: Map<string, GeminiImage> } | GatewayError {
  const result = attempt(() => collectImageUrls(request));
  if ('refused' in result) return result.refused;
  const converse = new Map<string, ImageBytes>();
  const gemini = new Map<string, GeminiImage>();
  for (const url of result.output) {
    converse.set(url, { format: 'png', bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) });
    gemini.set(url, { mimeType: 'image/png', data: 'iVBORw==' });
  }
  return { converse, gemini };
}

describe('fuzz: provider request conversion', () => {
  it('OpenAI dialects, from the client body and encoded from the neutral request', (t) => {
    const tally = new Tally();
    fc.assert(
      fc.property(chatRequest, fc.boolean(), (request, stream) => {
        for (const [name, dialect] of dialects) {
          for (const fromPassthrough of [true, false]) {
            const input: ChatRequest = fromPassthrough ? request : { ...request, passthrough: undefined };
            const result = attempt(() => convertChatRequest(input, upstreamModel, dialect, stream));
            if ('output' in result) checkOpenAIBody(result.output, input, dialect, stream, fromPassthrough);
            tally.add('output' in result ? `${name} converted` : `${name} ${result.refused.code}`);
          }
        }
      }),
      fuzzParameters(150),
    );
    t.diagnostic(tally.summary('conversions'));
  });

  it('Bedrock Converse', (t) => {
    const tally = new Tally();
    fc.assert(
      fc.property(chatRequest, (request) => {
        const images = fetchedImages(request);
        const result = images instanceof GatewayError ? { refused: images } : attempt(() => convertToConverseRequest(request, images.converse));
        if ('output' in result) checkConverseBody(result.output, request);
        tally.add('output' in result ? 'converted' : result.refused.code);
      }),
      fuzzParameters(300),
    );
    t.diagnostic(tally.summary('conversions'));
  });

  it('Vertex Gemini', (t) => {
    const tally = new Tally();
    fc.assert(
      fc.property(chatRequest, (request) => {
        const images = fetchedImages(request);
        const result = images instanceof GatewayError ? { refused: images } : attempt(() => convertToGeminiRequest(request, images.gemini));
        if ('output' in result) checkGeminiBody(result.output, request);
        tally.add('output' in result ? 'converted' : result.refused.code);
      }),
      fuzzParameters(300),
    );
    t.diagnostic(tally.summary('conversions'));
  });

  it('OpenAI-dialect embeddings, from the client body and encoded', (t) => {
    const tally = new Tally();
    const embeddingRequest: fc.Arbitrary<EmbeddingRequest> = fc
      .oneof(validEmbeddingBody, nearValidEmbeddingBody)
      .map((body) => {
        try {
          return parseEmbeddingRequest(parseJsonBody(Buffer.from(toJsonText(body))));
        } catch {
          return undefined;
        }
      })
      .filter((request): request is EmbeddingRequest => request !== undefined);
    fc.assert(
      fc.property(embeddingRequest, fc.boolean(), (request, fromPassthrough) => {
        const input: EmbeddingRequest = fromPassthrough ? request : { ...request, passthrough: undefined };
        const result = attempt(() => convertEmbeddingRequest(input, upstreamModel));
        if ('output' in result) {
          const body = JSON.parse(result.output);
          assert.equal(body.model, upstreamModel);
          if (!fromPassthrough) assert.deepEqual(body.input, request.input);
        }
        tally.add('output' in result ? 'converted' : result.refused.code);
      }),
      fuzzParameters(200),
    );
    t.diagnostic(tally.summary('conversions'));
  });
});
