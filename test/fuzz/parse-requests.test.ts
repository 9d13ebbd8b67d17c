/**
 * Fuzzing the body reader and the OpenAI frontend's parsers as pure functions: any JSON value, any near-valid body and
 * any raw bytes either become a neutral request that mirrors the body, or a GatewayError with status 400 whose message
 * names the field. Never another exception type.
 *
 * Default runs keep `npm test` fast; `FUZZ_RUNS=100000 npx node --test test/fuzz/` is the long run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GatewayError } from '../../src/errors/index.ts';
import { parseChatRequest, parseEmbeddingRequest } from '../../src/frontends/openai/index.ts';
import { parseJsonBody } from '../../src/server/read-json-body.ts';
import type { ChatRequest, EmbeddingRequest } from '../../src/spec/index.ts';
import { fuzzParameters, nearValidChatBody, nearValidEmbeddingBody, rawBodies, Tally, toJsonText, validChatBody, validEmbeddingBody } from './fuzz-support.ts';

/** What the parsers may throw: a 400 with a stable code and a message that names the field it blames. */
export function assertClientError(error: unknown, codes: readonly string[]): GatewayError {
  if (!(error instanceof GatewayError)) throw new assert.AssertionError({ message: `expected a GatewayError, got ${(error as Error)?.stack ?? String(error)}` });
  assert.equal(error.status, 400, error.message);
  assert.ok(codes.includes(error.code), `code ${error.code}: ${error.message}`);
  assert.ok(error.message.length > 0 && error.message.length <= 600, `message of ${error.message.length} characters: ${error.message.slice(0, 200)}…`);
  if (error.param !== null && error.param !== '') {
    // The message names the field, or the object it belongs to (`messages[0]` for a missing `messages[0].content`).
    const owner = error.param.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
    assert.ok(error.message.includes(error.param) || error.message.includes(`'${owner}'`), `message does not name ${error.param}: ${error.message}`);
  }
  return error;
}

/** Parses as the gateway does (JSON text in), returning the request or the error's code. */
function outcome<T>(parse: () => T, codes: readonly string[]): { request: T } | { code: string } {
  try {
    return { request: parse() };
  } catch (error) {
    return { code: assertClientError(error, codes).code };
  }
}

const chatCodes = ['invalid_request', 'unsupported_parameter'];
const bodyCodes = ['invalid_json', 'invalid_request'];

/** A generated value as the gateway reads it: JSON text through the body reader; the reader's refusal otherwise. */
function readBody(value: unknown): { body: unknown } | { code: string } {
  try {
    return { body: parseJsonBody(Buffer.from(typeof value === 'object' && value instanceof Buffer ? value : toJsonText(value))) };
  } catch (error) {
    return { code: assertClientError(error, bodyCodes).code };
  }
}

/** The neutral request says what the body said. */
function assertMirrors(request: ChatRequest, body: Record<string, any>): void {
  assert.equal(request.model, body.model);
  assert.equal(request.messages.length, body.messages.length);
  request.messages.forEach((message, index) => assert.equal(message.role, body.messages[index].role));
  assert.equal(request.stream, body.stream === true);
  if (request.includeUsage) assert.ok(request.stream);
  assert.equal(request.maxOutputTokens, body.max_completion_tokens ?? body.max_tokens ?? undefined);
  if (request.maxOutputTokens !== undefined) assert.ok(Number.isInteger(request.maxOutputTokens) && request.maxOutputTokens >= 1);
  if (request.temperature !== undefined) assert.ok(request.temperature >= 0 && request.temperature <= 2);
  if (request.topP !== undefined) assert.ok(request.topP >= 0 && request.topP <= 1);
  if (request.stop !== undefined) {
    assert.ok(request.stop.length >= 1 && request.stop.length <= 4);
    for (const sequence of request.stop) assert.equal(typeof sequence, 'string');
  }
  if (request.tools !== undefined) {
    assert.ok(request.tools.length > 0);
    for (const tool of request.tools) assert.match(tool.name, /^[a-zA-Z0-9_-]{1,64}$/);
  }
  const choice = request.toolChoice;
  if (typeof choice === 'object') assert.ok(request.tools?.some((tool) => tool.name === choice.name));
  if (choice === 'required') assert.ok(request.tools !== undefined);
  assert.equal(request.passthrough?.body, body);
  // Everything but the client's own body is plain data the translators can copy and serialise.
  JSON.stringify({ ...request, passthrough: undefined });
}

function assertEmbeddingMirrors(request: EmbeddingRequest, body: Record<string, any>): void {
  assert.equal(request.model, body.model);
  assert.ok(request.input.length >= 1 && request.input.length <= 2048);
  for (const input of request.input) assert.ok(input.length > 0);
  if (request.dimensions !== undefined) assert.ok(Number.isInteger(request.dimensions) && request.dimensions >= 1);
  assert.ok(request.encodingFormat === 'float' || request.encodingFormat === 'base64');
  assert.equal(request.passthrough?.body, body);
}

describe('fuzz: the chat completions parser', () => {
  it('takes any JSON value to a request or a 400', (t) => {
    const tally = new Tally();
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const read = readBody(value);
        const result = 'body' in read ? outcome(() => parseChatRequest(read.body), chatCodes) : read;
        tally.add('request' in result ? 'accepted' : result.code);
      }),
      fuzzParameters(400),
    );
    t.diagnostic(tally.summary('JSON values'));
  });

  it('takes valid and near-valid bodies to a request that mirrors them, or a 400 naming the field', (t) => {
    const tally = new Tally();
    fc.assert(
      fc.property(fc.oneof(validChatBody, nearValidChatBody, nearValidChatBody), fc.boolean(), (value, annotations) => {
        const read = readBody(value);
        const result = 'body' in read ? outcome(() => parseChatRequest(read.body, { providerAnnotations: annotations }), chatCodes) : read;
        if ('request' in result && 'body' in read) assertMirrors(result.request, read.body as Record<string, unknown>);
        tally.add('request' in result ? 'accepted' : result.code);
      }),
      fuzzParameters(600),
    );
    t.diagnostic(tally.summary('bodies'));
  });

  it('takes any bytes through the body reader and the parser to a request or a 400', (t) => {
    const tally = new Tally();
    fc.assert(
      fc.property(rawBodies(fc.oneof(validChatBody, nearValidChatBody)), (bytes) => {
        const read = readBody(bytes);
        const result = 'body' in read ? outcome(() => parseChatRequest(read.body), chatCodes) : read;
        tally.add('request' in result ? 'accepted' : result.code);
      }),
      fuzzParameters(300),
    );
    t.diagnostic(tally.summary('raw bodies'));
  });
});

describe('fuzz: the embeddings parser', () => {
  it('takes any JSON value, valid or near-valid body to a request that mirrors it, or a 400', (t) => {
    const tally = new Tally();
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), validEmbeddingBody, nearValidEmbeddingBody, nearValidEmbeddingBody), (value) => {
        const read = readBody(value);
        const result = 'body' in read ? outcome(() => parseEmbeddingRequest(read.body), ['invalid_request']) : read;
        if ('request' in result && 'body' in read) assertEmbeddingMirrors(result.request, read.body as Record<string, unknown>);
        tally.add('request' in result ? 'accepted' : result.code);
      }),
      fuzzParameters(400),
    );
    t.diagnostic(tally.summary('bodies'));
  });

  it('takes any bytes through the body reader and the parser to a request or a 400', (t) => {
    const tally = new Tally();
    fc.assert(
      fc.property(rawBodies(fc.oneof(validEmbeddingBody, nearValidEmbeddingBody)), (bytes) => {
        const read = readBody(bytes);
        const result = 'body' in read ? outcome(() => parseEmbeddingRequest(read.body), ['invalid_request']) : read;
        tally.add('request' in result ? 'accepted' : result.code);
      }),
      fuzzParameters(200),
    );
    t.diagnostic(tally.summary('raw bodies'));
  });
});
