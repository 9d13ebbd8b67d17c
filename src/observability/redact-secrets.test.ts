import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactSecrets } from './redact-secrets.ts';

describe('redactSecrets', () => {
  it('removes keys upstreams echo, whole or masked', () => {
    assert.equal(redactSecrets('Incorrect API key provided: sk-proj-****************abcd. You can find it.'), 'Incorrect API key provided: [redacted]. You can find it.');
    assert.equal(redactSecrets('Incorrect API key provided: sk-emu****************ault.'), 'Incorrect API key provided: [redacted].');
    assert.equal(redactSecrets('got Authorization: Bearer ya29.a0AfH6SMBx-token'), 'got Authorization: Bearer [redacted]');
    assert.equal(redactSecrets('Credential=AKIAIOSFODNN7EXAMPLE/20250101/us-east-1/bedrock/aws4_request, SignedHeaders=host'), 'Credential=[redacted], SignedHeaders=host');
    assert.equal(redactSecrets('key id AKIAIOSFODNN7EXAMPLE is unknown'), 'key id [redacted] is unknown');
    assert.equal(redactSecrets('API key AIzaSyA-1234567890abcdefghijklmnop not valid'), 'API key [redacted] not valid');
    assert.equal(redactSecrets('token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl expired'), 'token [redacted] expired');
    assert.equal(redactSecrets('{"api-key": "0123456789abcdef"}'), '{"api-key": "[redacted]"}');
    assert.equal(redactSecrets('invalid key 0123456789abcdef0123456789abcdef for resource'), 'invalid key [redacted] for resource');
  });

  it('leaves ordinary error text alone', () => {
    const azure = 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.';
    assert.equal(redactSecrets(azure), azure);
    const bedrock = 'The security token included in the request is invalid.';
    assert.equal(redactSecrets(bedrock), bedrock);
    const openai = 'You can find your API key at https://platform.openai.com/account/api-keys.';
    assert.equal(redactSecrets(openai), openai);
    assert.equal(redactSecrets('The model `gpt-4o-mini-2024-07-18` does not exist'), 'The model `gpt-4o-mini-2024-07-18` does not exist');
  });
});
