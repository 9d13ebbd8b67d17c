import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapBedrockError } from './errors.ts';

const identity = { provider: 'bedrock-use1', model: 'anthropic.claude-sonnet-4-5' };
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const typed = (type: string) => ({ 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` });

describe('mapBedrockError', () => {
  const cases: Array<[string, number, Record<string, string>, Buffer, string, number, boolean]> = [
    ['ThrottlingException', 429, typed('ThrottlingException'), json({ message: 'Too many requests, please wait before trying again.' }), 'upstream_rate_limited', 429, true],
    ['ServiceQuotaExceededException', 400, typed('ServiceQuotaExceededException'), json({ message: 'Too many tokens per day' }), 'upstream_rate_limited', 429, true],
    ['ServiceUnavailableException', 503, typed('ServiceUnavailableException'), json({ message: 'Service unavailable' }), 'upstream_unavailable', 503, true],
    ['InternalServerException', 500, typed('InternalServerException'), json({ message: 'Internal error' }), 'upstream_unavailable', 503, true],
    ['ModelNotReadyException', 429, typed('ModelNotReadyException'), json({ message: 'Model is not ready' }), 'upstream_unavailable', 503, true],
    ['ModelTimeoutException', 408, typed('ModelTimeoutException'), json({ message: 'Model timed out' }), 'upstream_timeout', 504, true],
    ['ModelErrorException', 424, typed('ModelErrorException'), json({ message: 'The model failed' }), 'upstream_error', 502, true],
    [
      'ValidationException, input too long',
      400,
      typed('ValidationException'),
      json({ message: 'Input is too long for requested model.' }),
      'context_length_exceeded',
      400,
      false,
    ],
    [
      'ValidationException, too many input tokens',
      400,
      typed('ValidationException'),
      json({ message: 'The model returned the following errors: too many input tokens' }),
      'context_length_exceeded',
      400,
      false,
    ],
    [
      'ValidationException, Anthropic prompt too long',
      400,
      typed('ValidationException'),
      json({ message: 'prompt is too long: 210000 tokens > 200000 maximum' }),
      'context_length_exceeded',
      400,
      false,
    ],
    [
      'ValidationException, input and max_tokens exceed the context limit',
      400,
      typed('ValidationException'),
      json({ message: 'input length and `max_tokens` exceed context limit: 197000 + 8192 > 200000' }),
      'context_length_exceeded',
      400,
      false,
    ],
    ['ValidationException, other', 400, typed('ValidationException'), json({ message: 'temperature: must be <= 1' }), 'upstream_invalid_request', 400, false],
    [
      'ValidationException, model does not support a feature',
      400,
      typed('ValidationException'),
      json({ message: "This model doesn't support tool use." }),
      'upstream_invalid_request',
      400,
      true,
    ],
    [
      'ValidationException, invalid model identifier',
      400,
      typed('ValidationException'),
      json({ message: 'The provided model identifier is invalid.' }),
      'upstream_error',
      502,
      true,
    ],
    [
      'ValidationException, on-demand throughput',
      400,
      typed('ValidationException'),
      json({ message: 'Invocation of model ID x with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.' }),
      'upstream_error',
      502,
      true,
    ],
    ['AccessDeniedException', 403, typed('AccessDeniedException'), json({ message: "You don't have access to the model with the specified model ID." }), 'upstream_authentication_failed', 403, true],
    ['ResourceNotFoundException', 404, typed('ResourceNotFoundException'), json({ message: 'Model not found' }), 'upstream_error', 404, true],
    ['UnrecognizedClientException', 403, typed('UnrecognizedClientException'), json({ message: 'The security token included in the request is invalid.' }), 'upstream_authentication_failed', 502, true],
    ['InvalidSignatureException', 403, typed('InvalidSignatureException'), json({ message: 'The request signature we calculated does not match' }), 'upstream_authentication_failed', 502, true],
    ['ExpiredTokenException', 403, typed('ExpiredTokenException'), json({ message: 'The security token included in the request is expired' }), 'upstream_authentication_failed', 502, true],
    ['a type in the body (__type with namespace)', 403, {}, json({ __type: 'com.amazon.coral.service#UnrecognizedClientException', Message: 'bad token' }), 'upstream_authentication_failed', 502, true],
    ['no type, 429', 429, {}, json({ message: 'slow down' }), 'upstream_rate_limited', 429, true],
    ['no type, 502 HTML from a proxy', 502, {}, Buffer.from('<html>Bad Gateway</html>'), 'upstream_unavailable', 503, true],
    ['no type, 504', 504, {}, Buffer.from(''), 'upstream_timeout', 504, true],
    ['no type, 400', 400, {}, json({ message: 'Malformed input request' }), 'upstream_invalid_request', 400, false],
    ['no type, 418', 418, {}, Buffer.from('teapot'), 'upstream_error', 502, true],
  ];
  for (const [name, status, headers, body, code, clientStatus, retryable] of cases) {
    it(`maps ${name} to ${code} (${clientStatus})`, () => {
      const error = mapBedrockError(status, headers, body, identity);
      assert.equal(error.code, code);
      assert.equal(error.status, clientStatus);
      assert.equal(error.isRetryable, retryable);
      assert.equal(error.upstream?.provider, 'bedrock-use1');
      assert.equal(error.upstream?.status, status);
    });
  }

  it('passes the client its own validation message, and names the channel for gateway-side failures', () => {
    assert.equal(mapBedrockError(400, typed('ValidationException'), json({ message: 'temperature: must be <= 1' }), identity).message, 'temperature: must be <= 1');
    assert.equal(
      mapBedrockError(429, typed('ThrottlingException'), json({ message: 'Too many requests' }), identity).message,
      'bedrock-use1 answered ThrottlingException: Too many requests',
    );
    assert.equal(mapBedrockError(400, typed('ValidationException'), json({ message: 'Input is too long for requested model.' }), identity).param, 'messages');
  });

  it('reads retry-after when Bedrock or a proxy sends it', () => {
    assert.equal(mapBedrockError(429, { ...typed('ThrottlingException'), 'retry-after': '2' }, json({}), identity).retryAfterMs, 2000);
    assert.equal(mapBedrockError(429, typed('ThrottlingException'), json({}), identity).retryAfterMs, undefined);
  });

  it('prefers the header type over the body, and falls back to the body text for the message', () => {
    const error = mapBedrockError(400, { 'x-amzn-errortype': ['ThrottlingException'] }, json({ __type: 'ValidationException', message: 'm' }), identity);
    assert.equal(error.code, 'upstream_rate_limited');
    assert.match(mapBedrockError(503, {}, Buffer.from('upstream connect error'), identity).message, /upstream connect error/);
    assert.match(mapBedrockError(503, {}, Buffer.alloc(0), identity).message, /HTTP 503/);
  });
});
