import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../errors/index.ts';
import { parseEmbeddingRequest } from './parse-embedding-request.ts';

describe('parseEmbeddingRequest', () => {
  it('takes a model name of exactly 256 characters and refuses 257, as long as a configured name can be', () => {
    assert.equal(parseEmbeddingRequest({ model: 'm'.repeat(256), input: 'x' }).model, 'm'.repeat(256));
    assert.throws(
      () => parseEmbeddingRequest({ model: 'm'.repeat(257), input: 'x' }),
      (error: unknown) => error instanceof GatewayError && error.status === 400 && error.param === 'model' && !error.message.includes('m'.repeat(257)),
    );
  });

  it('accepts a string, strings, tokens and token lists, always as a list', () => {
    assert.deepEqual(parseEmbeddingRequest({ model: 'e', input: 'one' }).input, ['one']);
    assert.deepEqual(parseEmbeddingRequest({ model: 'e', input: ['a', 'b'] }).input, ['a', 'b']);
    assert.deepEqual(parseEmbeddingRequest({ model: 'e', input: [1, 2, 3] }).input, [[1, 2, 3]]);
    assert.deepEqual(parseEmbeddingRequest({ model: 'e', input: [[1], [2, 3]] }).input, [[1], [2, 3]]);
  });

  it('keeps the body as sent as the OpenAI pass-through, without copying it', () => {
    const body = { model: 'e', input: 'x', extra: { a: 1 } };
    const request = parseEmbeddingRequest(body);
    assert.equal(request.passthrough?.dialect, 'openai-embeddings');
    assert.equal(request.passthrough?.body, body);
  });

  it('defaults the encoding to float and keeps dimensions', () => {
    const request = parseEmbeddingRequest({ model: 'e', input: 'x', dimensions: 256 });
    assert.equal(request.encodingFormat, 'float');
    assert.equal(request.dimensions, 256);
    assert.equal(parseEmbeddingRequest({ model: 'e', input: 'x', encoding_format: 'base64' }).encodingFormat, 'base64');
  });

  for (const [name, body, param] of [
    ['no model', { input: 'x' }, 'model'],
    ['no input', { model: 'e' }, 'input'],
    ['an empty list', { model: 'e', input: [] }, 'input'],
    ['mixed input', { model: 'e', input: ['a', 1] }, 'input'],
    ['an empty string', { model: 'e', input: ['a', ''] }, 'input[1]'],
    ['bad dimensions', { model: 'e', input: 'x', dimensions: -1 }, 'dimensions'],
    ['an unknown encoding', { model: 'e', input: 'x', encoding_format: 'hex' }, 'encoding_format'],
  ] as const) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => parseEmbeddingRequest(body),
        (error: unknown) => error instanceof GatewayError && error.code === 'invalid_request' && error.param === param,
      );
    });
  }
});
