/**
 * What the fuzzing found, kept as fixed cases, each at its limit's edge on both sides:
 * - `GET /v1/models/%E0` (and an admin path such as `/admin/keys/%E0`) threw a URIError in the request handler: an
 *   uncaught exception that left the request hanging (and stops a gateway without a handler for it);
 * - a body nested thousands of levels deep (a tool schema, an unknown field) parsed, then overflowed the stack where
 *   the gateway serialises it again: a 500;
 * - a key's `expires_at` past the latest time a Date holds (`9e12` seconds) was stored, then could not be shown: a 500;
 * - a refusal quoted the client's whole value (`role` of 20,000 characters) back in its message;
 * - a request line and headers over Node's limit got a bare `400 Bad Request` without an OpenAI-shaped body;
 * - `max_completion_tokens: null` reached a self-hosted server that knows only `max_tokens` (the OpenAI dialect sends
 *   one output limit, in the field the upstream knows).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'undici';
import { GatewayError } from '../../src/errors/index.ts';
import { parseChatRequest } from '../../src/frontends/openai/index.ts';
import { maxJsonDepth, parseJsonBody } from '../../src/server/read-json-body.ts';
import { stackAdminHeaders, startGatewayStack, type GatewayStack } from '../support/gateway-stack.ts';
import { assertAnswer, send } from './http-contract.ts';

const admin = { ...stackAdminHeaders, 'content-type': 'application/json' };

/** A chat body whose deepest value sits `depth` levels down (the body object itself is level 1). */
function chatBodyNested(depth: number, open: '[' | '{"a":'): Buffer {
  const close = open === '[' ? ']' : '}';
  const inner = depth - 1;
  return Buffer.from(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"x_nested":${open.repeat(inner)}1${close.repeat(inner)}}`);
}

function errorOf(answer: { text: string }): { message: string; code: string; param: string | null } {
  return JSON.parse(answer.text).error;
}

let stack: GatewayStack;
let pool: Pool;

before(async () => {
  stack = await startGatewayStack();
  pool = new Pool(stack.gateway.url, { connections: 2 });
});

after(async () => {
  await pool.close();
  await stack.close();
});

describe('fuzz regressions: JSON nesting depth', () => {
  it(`the body reader takes ${maxJsonDepth} levels and refuses ${maxJsonDepth + 1} with a 400 invalid_request`, () => {
    assert.equal(maxJsonDepth, 512);
    for (const open of ['[', '{"a":'] as const) {
      assert.doesNotThrow(() => parseJsonBody(chatBodyNested(512, open)));
      assert.throws(
        () => parseJsonBody(chatBodyNested(513, open)),
        (error: unknown) => error instanceof GatewayError && error.code === 'invalid_request' && error.status === 400 && error.message === 'The request body nests arrays and objects more than 512 levels deep.',
      );
    }
  });

  it('counts brackets only outside strings, escaped quotes included', () => {
    const brackets = '['.repeat(5000);
    assert.doesNotThrow(() => parseJsonBody(Buffer.from(JSON.stringify({ text: brackets, quoted: `\\"${brackets}\\\\`, more: `"${brackets}` }))));
    // An escaped backslash before the closing quote ends the string: the brackets after it count.
    const afterEscapedBackslash = Buffer.from(`{"text":"\\\\","a":[${'['.repeat(511)}${']'.repeat(512)}}`);
    assert.throws(() => parseJsonBody(afterEscapedBackslash), /more than 512 levels deep/);
  });

  it('through the gateway: 512 levels are served, 513 are a 400 naming the limit, and a body 100,000 deep is no 500', async () => {
    for (const open of ['[', '{"a":'] as const) {
      const served = await send(pool, 'POST', '/v1/chat/completions', chatBodyNested(512, open), { 'content-type': 'application/json' });
      assert.equal(served.status, 200, served.text);
      const refused = await send(pool, 'POST', '/v1/chat/completions', chatBodyNested(513, open), { 'content-type': 'application/json' });
      assert.equal(refused.status, 400);
      assert.equal(errorOf(refused).code, 'invalid_request');
      assert.match(errorOf(refused).message, /more than 512 levels deep/);
    }
    // Before: a tool schema or an unknown field this deep parsed and then overflowed the stack, a 500.
    const deepSchema = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}}]}`;
    const embedding = `{"model":"text-embedding-3-small","input":"hi","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    for (const [path, body] of [['/v1/chat/completions', deepSchema], ['/v1/embeddings', embedding]]) {
      const answer = await send(pool, 'POST', path, Buffer.from(body), { 'content-type': 'application/json' });
      assert.equal(answer.status, 400, answer.text);
      assert.equal(errorOf(answer).code, 'invalid_request');
    }
  });
});

describe('fuzz regressions: malformed percent-encoding in paths', () => {
  it('GET /v1/models/%E0 is a 400 invalid_request, and the gateway stays up', async () => {
    for (const path of ['/v1/models/%E0', '/v1/models/%', '/v1/models/a%zz']) {
      const answer = await send(pool, 'GET', path);
      assertAnswer(answer);
      assert.equal(answer.status, 400);
      assert.equal(errorOf(answer).code, 'invalid_request');
      assert.ok(errorOf(answer).message.includes(path), errorOf(answer).message);
    }
    // A well-formed escape still decodes: %2D is "-".
    assert.equal((await send(pool, 'GET', '/v1/models/gpt%2D4o%2Dmini')).status, 200);
    assert.equal((await send(pool, 'GET', '/healthz')).status, 200);
  });

  it('an admin path with a malformed escape is a 400 for an admin, a 401 for anyone else', async () => {
    const asAdmin = await send(pool, 'GET', '/admin/keys/%E0', undefined, admin);
    assert.equal(asAdmin.status, 400);
    assert.equal(errorOf(asAdmin).code, 'invalid_request');
    const anonymous = await send(pool, 'GET', '/admin/keys/%E0');
    assert.equal(anonymous.status, 401);
    assert.equal(errorOf(anonymous).code, 'invalid_admin_token');
    assert.equal((await send(pool, 'GET', '/healthz')).status, 200);
  });
});

describe('fuzz regressions: a key expiry past what a date can hold', () => {
  it('expires_at 8,640,000,000,000 seconds is kept and shown; one second later is a 400 naming expires_at', async () => {
    const tenant = await send(pool, 'POST', '/admin/tenants', Buffer.from(JSON.stringify({ id: 'expiry', name: 'Expiry' })), admin);
    assert.equal(tenant.status, 201, tenant.text);
    const latest = await send(pool, 'POST', '/admin/keys', Buffer.from(JSON.stringify({ tenant: 'expiry', name: 'latest', expires_at: 8_640_000_000_000 })), admin);
    assert.equal(latest.status, 201, latest.text);
    assert.equal(JSON.parse(latest.text).expires_at, '+275760-09-13T00:00:00.000Z');
    const past = await send(pool, 'POST', '/admin/keys', Buffer.from(JSON.stringify({ tenant: 'expiry', name: 'past', expires_at: 8_640_000_000_001 })), admin);
    assert.equal(past.status, 400, past.text);
    assert.equal(errorOf(past).code, 'invalid_request');
    assert.equal(errorOf(past).param, 'expires_at');
    // The same through an update, and nothing was stored by the refusals.
    const id = JSON.parse(latest.text).id as string;
    const update = await send(pool, 'PATCH', `/admin/keys/${id}`, Buffer.from(JSON.stringify({ expires_at: 9e12 })), admin);
    assert.equal(update.status, 400, update.text);
    assert.equal(JSON.parse((await send(pool, 'GET', `/admin/keys/${id}`, undefined, admin)).text).expires_at, '+275760-09-13T00:00:00.000Z');
    assert.equal(JSON.parse((await send(pool, 'GET', '/admin/keys?tenant=expiry', undefined, admin)).text).data.length, 1);
  });
});

describe('fuzz regressions: refusals quote a value, not all of it', () => {
  it('a role of 20,000 characters is named in a message of at most a few hundred', () => {
    for (const role of ['r'.repeat(20_000), { nested: 'x'.repeat(20_000) }]) {
      assert.throws(
        () => parseChatRequest({ model: 'm', messages: [{ role, content: 'hi' }] }),
        (error: unknown) => error instanceof GatewayError && error.param === 'messages[0].role' && error.message.length < 300 && error.message.includes('…'),
      );
    }
    // A short value is quoted whole.
    assert.throws(() => parseChatRequest({ model: 'm', messages: [{ role: 'robot', content: 'hi' }] }), /Invalid value for 'messages\[0\]\.role': "robot"; expected/);
  });
});

describe('fuzz regressions: no output-limit field an upstream does not know', () => {
  it('max_completion_tokens: null is not forwarded to a max_tokens-only server; a number still goes as max_tokens', async () => {
    const ask = async (limit: number | null) => {
      const body = { model: 'local', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: limit };
      const answer = await send(pool, 'POST', '/v1/chat/completions', Buffer.from(JSON.stringify(body)), { 'content-type': 'application/json' });
      assert.equal(answer.status, 200, answer.text);
      return stack.secondary.received.at(-1)!.body as Record<string, unknown>;
    };
    const unlimited = await ask(null);
    assert.equal(Object.hasOwn(unlimited, 'max_completion_tokens'), false, JSON.stringify(unlimited));
    assert.equal(Object.hasOwn(unlimited, 'max_tokens'), false);
    const limited = await ask(5);
    assert.equal(limited.max_tokens, 5);
    assert.equal(Object.hasOwn(limited, 'max_completion_tokens'), false);
  });
});

describe('fuzz regressions: requests Node cannot parse', () => {
  it('a request line and headers over the limit get an OpenAI-shaped 431, and the gateway stays up', async () => {
    const answer = await send(pool, 'GET', `/v1/models/${'a'.repeat(20_000)}`);
    assert.equal(answer.status, 431);
    assert.match(answer.contentType, /^application\/json/);
    assert.equal(errorOf(answer).code, 'request_header_fields_too_large');
    assert.equal((await send(pool, 'GET', '/healthz')).status, 200);
  });
});
