import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapOpenAIError } from './errors.ts';

const identity = { provider: 'openai-east', model: 'gpt-4o' };
const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('mapOpenAIError', () => {
  const cases: Array<[string, number, Record<string, string>, Buffer, string, number, boolean]> = [
    ['429 with retry-after', 429, { 'retry-after': '2' }, body({ error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } }), 'upstream_rate_limited', 429, true],
    ['500', 500, {}, body({ error: { message: 'boom', type: 'server_error' } }), 'upstream_unavailable', 503, true],
    ['503', 503, {}, Buffer.from('Service Unavailable'), 'upstream_unavailable', 503, true],
    ['504', 504, {}, Buffer.from(''), 'upstream_timeout', 504, true],
    ['401', 401, {}, body({ error: { message: 'Incorrect API key provided', code: 'invalid_api_key' } }), 'upstream_authentication_failed', 502, true],
    ['404 unknown model', 404, {}, body({ error: { message: 'The model `x` does not exist', code: 'model_not_found' } }), 'upstream_error', 502, true],
    ['400 invalid request', 400, {}, body({ error: { message: "Invalid 'tools[0]'", param: 'tools[0]' } }), 'upstream_invalid_request', 400, false],
    [
      '400 context length',
      400,
      {},
      body({ error: { message: "This model's maximum context length is 128000 tokens.", code: 'context_length_exceeded', param: 'messages' } }),
      'context_length_exceeded',
      400,
      false,
    ],
    ['400 content filter', 400, {}, body({ error: { message: 'filtered', code: 'content_filter' } }), 'content_filter', 400, false],
  ];
  for (const [name, status, headers, payload, code, clientStatus, retryable] of cases) {
    it(`maps ${name} to ${code}`, () => {
      const error = mapOpenAIError(status, headers, payload, identity);
      assert.equal(error.code, code);
      assert.equal(error.status, clientStatus);
      assert.equal(error.isRetryable, retryable);
      assert.equal(error.upstream?.provider, 'openai-east');
      assert.equal(error.upstream?.status, status);
    });
  }

  it('reads retry-after and retry-after-ms', () => {
    assert.equal(mapOpenAIError(429, { 'retry-after': '3' }, Buffer.from('{}'), identity).retryAfterMs, 3000);
    assert.equal(mapOpenAIError(429, { 'retry-after-ms': '250', 'retry-after': '3' }, Buffer.from('{}'), identity).retryAfterMs, 250);
  });

  it("keeps the upstream's message and param for client errors", () => {
    const error = mapOpenAIError(400, {}, body({ error: { message: "Invalid 'tools[0]'", param: 'tools[0]' } }), identity);
    assert.equal(error.message, "Invalid 'tools[0]'");
    assert.equal(error.param, 'tools[0]');
  });
});
