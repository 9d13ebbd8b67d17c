import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../errors/index.ts';
import { attemptFromError, exhaustedError } from './attempts.ts';

const unavailable = (provider: string) => new GatewayError('upstream_unavailable', `${provider} answered 503: overloaded`, { upstream: { provider, model: 'm', status: 503, body: undefined } });
const refused = (provider: string) => new GatewayError('upstream_authentication_failed', `${provider} refused the gateway's credentials (401)`, { upstream: { provider, model: 'm', status: 401, body: undefined } });

function exhausted(errors: Array<[string, GatewayError]>): GatewayError {
  const attempts = errors.map(([provider, error]) => attemptFromError(provider, 'm', error, performance.now()));
  return exhaustedError('model', attempts, errors.map(([, error]) => error));
}

describe('exhaustedError', () => {
  it('names each channel once, in the order first tried, with its attempt count and last failure', () => {
    const timedOut = new GatewayError('upstream_timeout', 'c timed out', { upstream: { provider: 'c', model: 'm', status: undefined, body: undefined } });
    const error = exhausted([['a', unavailable('a')], ['b', unavailable('b')], ['c', unavailable('c')], ['c', unavailable('c')], ['c', timedOut]]);
    assert.equal(error.message, 'Model "model" failed on 3 channels: [1] a (m): a answered 503: overloaded; [2] b (m): b answered 503: overloaded; [3] c (m), 3 attempts: c timed out');
    assert.equal(error.code, 'upstream_unavailable');
    assert.equal(exhausted([['a', unavailable('a')]]).message, 'Model "model" failed on 1 channel: [1] a (m): a answered 503: overloaded');
  });

  it('is upstream_authentication_failed only when every channel refused the credentials', () => {
    const error = exhausted([['a', refused('a')], ['b', refused('b')]]);
    assert.equal(error.code, 'upstream_authentication_failed');
    assert.equal(error.status, 502);
    assert.equal(error.type, 'api_error');
    assert.equal(exhausted([['a', refused('a')], ['b', unavailable('b')]]).code, 'upstream_error');
    assert.equal(exhausted([['a', unavailable('a')], ['b', unavailable('b')]]).code, 'upstream_unavailable');
  });
});
