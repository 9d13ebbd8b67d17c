import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorCode } from '../../errors/index.ts';
import type { UpstreamHeaders } from '../http/upstream-call.ts';
import { mapVertexError, parseErrorBody } from './errors.ts';

const identity = { provider: 'vertex-usc1', model: 'gemini-2.5-flash' };

const rpc = (code: number, status: string, message: string, details?: unknown[]): Buffer =>
  Buffer.from(JSON.stringify({ error: { code, message, status, ...(details === undefined ? {} : { details }) } }));

interface Case {
  name: string;
  status: number;
  body: Buffer;
  headers?: UpstreamHeaders;
  code: ErrorCode;
  httpStatus: number;
  retryable: boolean;
  retryAfterMs?: number;
  message?: RegExp;
}

describe('mapVertexError', () => {
  const cases: Case[] = [
    {
      name: 'RESOURCE_EXHAUSTED → rate limited, retryable',
      status: 429,
      body: rpc(429, 'RESOURCE_EXHAUSTED', 'Resource exhausted. Please try again later.'),
      code: 'upstream_rate_limited',
      httpStatus: 429,
      retryable: true,
      retryAfterMs: undefined,
    },
    {
      name: 'RESOURCE_EXHAUSTED with a RetryInfo detail',
      status: 429,
      body: rpc(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED' },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7.5s' },
      ]),
      code: 'upstream_rate_limited',
      httpStatus: 429,
      retryable: true,
      retryAfterMs: 7500,
    },
    {
      name: 'RESOURCE_EXHAUSTED: a retry-after header wins over RetryInfo',
      status: 429,
      headers: { 'retry-after': '2' },
      body: rpc(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '30s' }]),
      code: 'upstream_rate_limited',
      httpStatus: 429,
      retryable: true,
      retryAfterMs: 2000,
    },
    {
      name: 'UNAVAILABLE → unavailable, retryable, with retry-after',
      status: 503,
      headers: { 'retry-after': '1' },
      body: rpc(503, 'UNAVAILABLE', 'The service is currently unavailable.'),
      code: 'upstream_unavailable',
      httpStatus: 503,
      retryable: true,
      retryAfterMs: 1000,
    },
    {
      name: 'INVALID_ARGUMENT about the input token count → context_length_exceeded',
      status: 400,
      body: rpc(400, 'INVALID_ARGUMENT', 'The input token count (1203412) exceeds the maximum number of tokens allowed (1048576).'),
      code: 'context_length_exceeded',
      httpStatus: 400,
      retryable: false,
      message: /input token count/,
    },
    {
      name: 'INVALID_ARGUMENT, newer wording of the token limit',
      status: 400,
      body: rpc(400, 'INVALID_ARGUMENT', 'The input token count exceeds the maximum number of tokens allowed 1048576.'),
      code: 'context_length_exceeded',
      httpStatus: 400,
      retryable: false,
    },
    {
      name: 'other INVALID_ARGUMENT → upstream_invalid_request with the upstream message',
      status: 400,
      body: rpc(400, 'INVALID_ARGUMENT', 'Unable to submit request because it has an empty text parameter.'),
      code: 'upstream_invalid_request',
      httpStatus: 400,
      retryable: false,
      message: /^Unable to submit request because it has an empty text parameter\.$/,
    },
    {
      name: 'UNAUTHENTICATED → authentication failed with 401, retryable',
      status: 401,
      body: rpc(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'),
      code: 'upstream_authentication_failed',
      httpStatus: 401,
      retryable: true,
    },
    {
      name: 'PERMISSION_DENIED → authentication failed with 403, retryable',
      status: 403,
      body: rpc(403, 'PERMISSION_DENIED', "Permission 'aiplatform.endpoints.predict' denied on resource."),
      code: 'upstream_authentication_failed',
      httpStatus: 403,
      retryable: true,
      message: /aiplatform\.endpoints\.predict/,
    },
    {
      name: 'NOT_FOUND → upstream_error with 404, retryable',
      status: 404,
      body: rpc(404, 'NOT_FOUND', 'Publisher Model `projects/p/locations/us-central1/publishers/google/models/gemini-9` was not found.'),
      code: 'upstream_error',
      httpStatus: 404,
      retryable: true,
    },
    {
      name: 'FAILED_PRECONDITION (the account) → upstream_error, retryable',
      status: 400,
      body: rpc(400, 'FAILED_PRECONDITION', 'Billing is disabled for project p.'),
      code: 'upstream_error',
      httpStatus: 400,
      retryable: true,
    },
    {
      name: 'INTERNAL → unavailable, retryable',
      status: 500,
      body: rpc(500, 'INTERNAL', 'Internal error encountered.'),
      code: 'upstream_unavailable',
      httpStatus: 503,
      retryable: true,
    },
    {
      name: 'DEADLINE_EXCEEDED → timeout, retryable',
      status: 504,
      body: rpc(504, 'DEADLINE_EXCEEDED', 'Deadline expired before operation could complete.'),
      code: 'upstream_timeout',
      httpStatus: 504,
      retryable: true,
    },
    {
      name: 'a body wrapped in a list',
      status: 429,
      body: Buffer.from(JSON.stringify([{ error: { code: 429, message: 'Resource exhausted.', status: 'RESOURCE_EXHAUSTED' } }])),
      code: 'upstream_rate_limited',
      httpStatus: 429,
      retryable: true,
    },
    {
      name: 'an HTML 502 from a proxy: the HTTP status decides',
      status: 502,
      body: Buffer.from('<html><body>Bad Gateway</body></html>'),
      code: 'upstream_unavailable',
      httpStatus: 503,
      retryable: true,
      message: /Bad Gateway/,
    },
    {
      name: 'an empty 429',
      status: 429,
      body: Buffer.alloc(0),
      code: 'upstream_rate_limited',
      httpStatus: 429,
      retryable: true,
      message: /HTTP 429/,
    },
    {
      name: 'an empty 400',
      status: 400,
      body: Buffer.alloc(0),
      code: 'upstream_invalid_request',
      httpStatus: 400,
      retryable: false,
    },
    {
      name: 'an unexpected status without a canonical code',
      status: 302,
      body: Buffer.from('moved'),
      code: 'upstream_error',
      httpStatus: 502,
      retryable: true,
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const error = mapVertexError(testCase.status, testCase.headers ?? {}, testCase.body, identity);
      assert.equal(error.code, testCase.code);
      assert.equal(error.status, testCase.httpStatus);
      assert.equal(error.isRetryable, testCase.retryable);
      if ('retryAfterMs' in testCase) assert.equal(error.retryAfterMs, testCase.retryAfterMs);
      if (testCase.message !== undefined) assert.match(error.message, testCase.message);
      assert.deepEqual(error.upstream, { provider: identity.provider, model: identity.model, status: testCase.status, body: testCase.body.toString('utf8').slice(0, 500) });
    });
  }

  it('parseErrorBody reads both shapes and nothing else', () => {
    assert.deepEqual(parseErrorBody('{"error":{"code":400,"status":"INVALID_ARGUMENT"}}'), { code: 400, status: 'INVALID_ARGUMENT' });
    assert.deepEqual(parseErrorBody('[{"error":{"code":404}}]'), { code: 404 });
    assert.equal(parseErrorBody('{"message":"x"}'), undefined);
    assert.equal(parseErrorBody('{"error":"text"}'), undefined);
    assert.equal(parseErrorBody('not json'), undefined);
  });
});
