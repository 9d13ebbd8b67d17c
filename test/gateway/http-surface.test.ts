/**
 * The gateway's HTTP surface seen with a plain HTTP client: error shapes and statuses, operations endpoints.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { startGatewayStack, type GatewayStack } from '../support/gateway-stack.ts';

let stack: GatewayStack;

before(async () => {
  stack = await startGatewayStack({ maxBodyBytes: '16kb' });
});
after(() => stack.close());

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const response = await request(`${stack.gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, json: text === '' ? undefined : JSON.parse(text) };
}

function assertOpenAIError(json: any, code: string, param: string | null = null) {
  assert.deepEqual(Object.keys(json), ['error']);
  assert.deepEqual(Object.keys(json.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(json.error.code, code);
  assert.equal(json.error.param, param);
  assert.equal(typeof json.error.message, 'string');
}

describe('gateway HTTP surface', () => {
  it('malformed JSON → 400 invalid_json with the position', async () => {
    const { status, json } = await post('/v1/chat/completions', '{"model": "gpt-4o-mini",, }');
    assert.equal(status, 400);
    assertOpenAIError(json, 'invalid_json');
    assert.match(json.error.message, /position 24/);
    assert.equal(json.error.type, 'invalid_request_error');
  });

  it('an empty body → 400 invalid_json', async () => {
    const { status, json } = await post('/v1/chat/completions', '');
    assert.equal(status, 400);
    assertOpenAIError(json, 'invalid_json');
  });

  it('a wrong type → 400 with param', async () => {
    const { status, json } = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], max_tokens: 'ten' }));
    assert.equal(status, 400);
    assertOpenAIError(json, 'invalid_request', 'max_tokens');
  });

  it('a body over the limit → 413, by content-length and by chunked transfer', async () => {
    const big = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(20_000) }] });
    const declared = await post('/v1/chat/completions', big);
    assert.equal(declared.status, 413);
    assertOpenAIError(declared.json, 'request_too_large');
    const response = await request(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Readable.from(
        (function* () {
          for (let index = 0; index < 20; index++) yield Buffer.alloc(1024, 0x20);
        })(),
      ),
    });
    assert.equal(response.statusCode, 413);
    assertOpenAIError(await response.body.json(), 'request_too_large');
  });

  it('an unknown model → 404 model_not_found', async () => {
    const { status, json } = await post('/v1/chat/completions', JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }));
    assert.equal(status, 404);
    assertOpenAIError(json, 'model_not_found', 'model');
  });

  it('an unknown path → 404 not_found; a wrong method → 405 with allow', async () => {
    const missing = await request(`${stack.gateway.url}/v1/nothing`);
    assert.equal(missing.statusCode, 404);
    assertOpenAIError(await missing.body.json(), 'not_found');
    const wrong = await request(`${stack.gateway.url}/v1/chat/completions`);
    assert.equal(wrong.statusCode, 405);
    assert.equal(wrong.headers.allow, 'POST');
    assertOpenAIError(await wrong.body.json(), 'method_not_allowed');
  });

  it('every response carries x-request-id', async () => {
    const { headers } = await post('/v1/chat/completions', '{}');
    assert.match(String(headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const { headers: echoed } = await post('/v1/chat/completions', '{}', { 'x-request-id': 'trace.abc-1' });
    assert.equal(echoed['x-request-id'], 'trace.abc-1');
  });

  it('healthz and readyz answer 200', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const response = await request(`${stack.gateway.url}${path}`);
      assert.equal(response.statusCode, 200);
      assert.ok((await response.body.json()) as object);
    }
  });

  it('metrics expose requests, latency, attempts, tokens and errors per provider and model', async () => {
    await post('/v1/chat/completions', JSON.stringify({ model: 'solo', messages: [{ role: 'user', content: 'count me' }] }));
    await post('/v1/chat/completions', JSON.stringify({ model: 'ghost', messages: [{ role: 'user', content: 'x' }] }));
    const response = await request(`${stack.gateway.url}/metrics`);
    assert.match(String(response.headers['content-type']), /text\/plain/);
    const text = await response.body.text();
    assert.match(text, /interchange_requests_total\{endpoint="chat_completions",model="solo",provider="primary",status="200"\} 1/);
    assert.match(text, /interchange_request_duration_seconds_bucket\{le="[\d.]+",endpoint="chat_completions",model="solo",provider="primary",stream="false"\}/);
    assert.match(text, /interchange_upstream_attempts_total\{provider="primary",upstream_model="gpt-4o",outcome="ok"\} 1/);
    assert.match(text, /interchange_tokens_total\{provider="primary",model="solo",kind="input"\} [1-9]/);
    assert.match(text, /interchange_errors_total\{code="model_not_found"\} [1-9]/);
    // Unknown model names never become label values.
    assert.doesNotMatch(text, /model="ghost"/);
    assert.match(text, /interchange_process_resident_memory_bytes/);
  });
});
