import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import type { AwsCredentialIdentity } from '@smithy/types';
import { createBearerAuthenticator, createSigV4Authenticator, memoizeCredentials } from './auth.ts';

describe('memoizeCredentials', () => {
  it('fetches once for concurrent callers and caches credentials without expiry for ever', async () => {
    let calls = 0;
    const provider = memoizeCredentials(async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { accessKeyId: 'A', secretAccessKey: 'S' };
    });
    const all = await Promise.all(Array.from({ length: 10 }, () => provider()));
    assert.ok(all.every((identity) => identity.accessKeyId === 'A'));
    await provider();
    assert.equal(calls, 1);
  });

  it('refreshes expiring credentials 5 minutes before they expire', async () => {
    let now = 0;
    let calls = 0;
    const provider = memoizeCredentials(
      async (): Promise<AwsCredentialIdentity> => {
        calls++;
        return { accessKeyId: `A${calls}`, secretAccessKey: 'S', sessionToken: 'T', expiration: new Date(now + 60 * 60_000) };
      },
      5 * 60_000,
      () => now,
    );
    assert.equal((await provider()).accessKeyId, 'A1');
    now = 54 * 60_000;
    assert.equal((await provider()).accessKeyId, 'A1');
    now = 56 * 60_000;
    assert.equal((await provider()).accessKeyId, 'A2');
    assert.equal(calls, 2);
  });

  it('says clearly when credentials cannot be had, and tries again next time', async () => {
    let fail = true;
    const provider = memoizeCredentials(async () => {
      if (fail) throw new Error('Could not load credentials from any providers');
      return { accessKeyId: 'A', secretAccessKey: 'S' };
    });
    await assert.rejects(provider(), /AWS credentials could not be obtained: Could not load credentials from any providers/);
    fail = false;
    assert.equal((await provider()).accessKeyId, 'A');
  });
});

describe('SigV4 authenticator', () => {
  it('signs service bedrock in the region, over the path encoded twice, verifiable by an independent signer', async () => {
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session' };
    const authenticate = createSigV4Authenticator({
      endpoint: new URL('http://127.0.0.1:9000'),
      region: 'us-west-2',
      credentials: async () => credentials,
      headers: {},
    });
    const path = '/model/openai.gpt-oss-120b-1%3A0/converse';
    const body = '{"messages":[]}';
    const headers = await authenticate(path, body);
    assert.equal(headers.host, undefined, 'undici sends Host itself');
    assert.equal(headers['x-amz-security-token'], 'session');
    assert.match(headers.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-west-2\/bedrock\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/);

    // What a server recomputes from the request as received.
    const verifier = new SignatureV4({ service: 'bedrock', region: 'us-west-2', credentials, sha256: Hash.bind(null, 'sha256'), uriEscapePath: true, applyChecksum: false });
    const { authorization, ...unsigned } = headers;
    const date = headers['x-amz-date'];
    const signingDate = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
    const recomputed = await verifier.sign(
      new HttpRequest({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 9000, path, headers: { ...unsigned, host: '127.0.0.1:9000' }, body }),
      { signingDate },
    );
    assert.equal(recomputed.headers.authorization, authorization);
  });

  it('a Bedrock API key is a bearer token, the same headers object every time', async () => {
    const authenticate = createBearerAuthenticator('bedrock-api-key', { 'x-extra': '1' });
    const first = await authenticate('/a', '{}');
    assert.equal(first.authorization, 'Bearer bedrock-api-key');
    assert.equal(first['x-extra'], '1');
    assert.equal(await authenticate('/b', '{"x":1}'), first);
  });
});
