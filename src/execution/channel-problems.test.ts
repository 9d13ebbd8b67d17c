import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../errors/index.ts';
import { mapBedrockError } from '../providers/bedrock/errors.ts';
import { mapOpenAIError } from '../providers/openai/errors.ts';
import { mapVertexError } from '../providers/vertex/errors.ts';
import { channelProblemOf, credentialsRefused } from './channel-problems.ts';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const openai = (status: number, body: unknown) => mapOpenAIError(status, {}, json(body), { provider: 'p', model: 'm' });

describe('channelProblemOf', () => {
  it("recognises refused credentials and a missing deployment or model on every cloud's errors", () => {
    assert.equal(channelProblemOf(openai(401, { error: { message: 'Incorrect API key provided: sk-****abcd', code: 'invalid_api_key' } })), 'authentication');
    assert.equal(channelProblemOf(openai(403, { error: { message: 'Principal does not have access' } })), 'authentication');
    assert.equal(channelProblemOf(openai(404, { error: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist.' } })), 'not_found');
    assert.equal(channelProblemOf(openai(404, { error: { message: 'The model `x` does not exist', code: 'model_not_found' } })), 'not_found');
    assert.equal(channelProblemOf(mapBedrockError(404, { 'x-amzn-errortype': 'ResourceNotFoundException:http://internal.amazon.com/' }, json({ message: 'Model not found' }), { provider: 'b', model: 'm' })), 'not_found');
    assert.equal(channelProblemOf(mapBedrockError(403, {}, json({ __type: 'UnrecognizedClientException', message: 'bad token' }), { provider: 'b', model: 'm' })), 'authentication');
    assert.equal(channelProblemOf(mapVertexError(404, {}, json({ error: { code: 404, status: 'NOT_FOUND', message: 'Publisher model not found' } }), { provider: 'v', model: 'm' })), 'not_found');
    assert.equal(channelProblemOf(mapVertexError(401, {}, json({ error: { code: 401, status: 'UNAUTHENTICATED', message: 'bad token' } }), { provider: 'v', model: 'm' })), 'authentication');
  });

  it('leaves every other failure alone', () => {
    for (const status of [400, 408, 409, 413, 422, 429, 500, 502, 503, 504]) assert.equal(channelProblemOf(openai(status, { error: { message: 'x' } })), undefined, String(status));
    const malformed = new GatewayError('upstream_error', 'p answered malformed JSON', { upstream: { provider: 'p', model: 'm', status: 200, body: '{' } });
    assert.equal(channelProblemOf(malformed), undefined);
  });
});

describe('credentialsRefused', () => {
  it("words the failure itself: the provider and the status, nothing of the upstream's text", () => {
    const error = credentialsRefused(openai(401, { error: { message: 'Incorrect API key provided: sk-****abcd' } }));
    assert.equal(error.code, 'upstream_authentication_failed');
    assert.equal(error.message, "p refused the gateway's credentials (401)");
    assert.deepEqual(error.upstream, { provider: 'p', model: 'm', status: 401, body: undefined });
    assert.equal(error.cause, undefined);
    const noToken = new GatewayError('upstream_authentication_failed', 'v: token endpoint answered 400: {"error":"invalid_grant"}', {
      upstream: { provider: 'v', model: 'm', status: undefined, body: undefined },
    });
    assert.equal(credentialsRefused(noToken).message, 'v could not obtain credentials for the gateway');
  });
});
