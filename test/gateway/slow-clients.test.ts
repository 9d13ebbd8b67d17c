/**
 * Clients that send too slowly or too much before their body: `server.headers_timeout` and `server.body_timeout` (408),
 * `server.max_header_bytes` and `server.max_headers` (431), each answered with an OpenAI-shaped error, and each limit
 * tried on both sides of its edge.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { startGatewayStack, type GatewayStack } from '../support/gateway-stack.ts';
import { head, RawConnection, sleep, type RawReply } from '../support/raw-http.ts';

const headersTimeoutMs = 400;
const bodyTimeoutMs = 900;
const maxHeaderBytes = 2048;
const maxHeaders = 20;
/** Timers fire late on a busy machine; an answer must come within this after its deadline. */
const slackMs = 1500;

let stack: GatewayStack;

before(async () => {
  stack = await startGatewayStack({
    server: `headers_timeout: ${headersTimeoutMs}ms, body_timeout: ${bodyTimeoutMs}ms, max_header_bytes: ${maxHeaderBytes}, max_headers: ${maxHeaders}`,
  });
});
after(() => stack.close());

function assertRefused(reply: RawReply, status: number, code: string) {
  assert.equal(reply.status, status, `expected ${status} ${code}, got ${reply.status}: ${reply.body}`);
  assert.equal(reply.headers['content-type'], 'application/json');
  assert.equal(reply.headers.connection, 'close');
  assert.match(reply.headers['x-request-id'] ?? '', /^[\w.:-]+$/);
  const json = JSON.parse(reply.body);
  assert.deepEqual(Object.keys(json.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(json.error.code, code);
  assert.equal(json.error.type, 'invalid_request_error');
}

/** Writes `parts` one by one, `gapMs` apart, then reads the answer. */
async function sendSlowly(parts: readonly string[], gapMs: number): Promise<{ reply: RawReply; startedAt: number; endedAt: number }> {
  const connection = new RawConnection(stack.gateway.port);
  const startedAt = performance.now();
  for (const [index, part] of parts.entries()) {
    if (index > 0) await Promise.race([sleep(gapMs), connection.ended]);
    if (connection.socket.writable) await connection.write(part);
  }
  const endedAt = await connection.ended;
  connection.close();
  return { reply: connection.reply(), startedAt, endedAt };
}

const chatBody = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'slowly' }] });

describe('server.headers_timeout', () => {
  it('a head that stops arriving gets 408 request_timeout once the timeout passes, not before', async () => {
    const connection = new RawConnection(stack.gateway.port);
    const startedAt = performance.now();
    await connection.write('GET /v1/models HTTP/1.1\r\nhost: 127.0.0.1\r\n');
    const endedAt = await connection.ended;
    const reply = connection.reply();
    connection.close();
    assertRefused(reply, 408, 'request_timeout');
    assert.match(JSON.parse(reply.body).error.message, /server\.headers_timeout/);
    const waited = endedAt - startedAt;
    assert.ok(waited >= headersTimeoutMs - 5 && waited < headersTimeoutMs + slackMs, `answered after ${Math.round(waited)} ms`);
  });

  it('a head that arrives slowly but whole before the timeout is served', async () => {
    const { reply } = await sendSlowly(['GET /v1/models HTTP/1.1\r\n', 'host: 127.0.0.1\r\n', 'connection: close\r\n', '\r\n'], headersTimeoutMs / 8);
    assert.equal(reply.status, 200, reply.body);
  });
});

describe('server.body_timeout', () => {
  const requestHead = head('POST', '/v1/chat/completions', { 'content-type': 'application/json', 'content-length': chatBody.length, connection: 'close' });

  it('a body sent a byte at a time gets 408 request_timeout once the whole request took longer than the timeout', async () => {
    const bytes = [...chatBody];
    const { reply, startedAt, endedAt } = await sendSlowly([requestHead, ...bytes], 50);
    assertRefused(reply, 408, 'request_timeout');
    assert.match(JSON.parse(reply.body).error.message, /server\.body_timeout/);
    const waited = endedAt - startedAt;
    assert.ok(waited >= bodyTimeoutMs - 5 && waited < bodyTimeoutMs + slackMs, `answered after ${Math.round(waited)} ms`);
    // The handler answered it: counted like any other refused request.
    const metrics = await (await request(`${stack.gateway.url}/metrics`)).body.text();
    assert.match(metrics, /interchange_errors_total\{code="request_timeout"\} [1-9]/);
  });

  it('a body that arrives slowly but whole before the timeout is served', async () => {
    const third = Math.ceil(chatBody.length / 3);
    const parts = [requestHead, chatBody.slice(0, third), chatBody.slice(third, 2 * third), chatBody.slice(2 * third)];
    const { reply } = await sendSlowly(parts, bodyTimeoutMs / 6);
    assert.equal(reply.status, 200, reply.body);
    assert.equal(JSON.parse(reply.body).object, 'chat.completion');
  });
});

describe('server.max_header_bytes and server.max_headers', () => {
  /** A head whose URL and header names and values add up to `size` bytes, or that has `count` headers. */
  function headOfSize(size: number): string {
    const path = '/v1/models';
    const fixed = path.length + 'host'.length + '127.0.0.1'.length + 'connection'.length + 'close'.length + 'x-pad'.length;
    return head('GET', path, { connection: 'close', 'x-pad': 'a'.repeat(size - fixed) });
  }
  function headWith(count: number): string {
    // `host` and `connection` are two of them.
    const headers: Record<string, string> = { connection: 'close' };
    for (let index = 0; index < count - 2; index++) headers[`x-extra-${index}`] = 'v';
    return head('GET', '/v1/models', headers);
  }

  it('exactly max_header_bytes is served; one byte more gets 431 with an OpenAI error', async () => {
    const within = await sendSlowly([headOfSize(maxHeaderBytes)], 0);
    assert.equal(within.reply.status, 200, within.reply.body);
    const beyond = await sendSlowly([headOfSize(maxHeaderBytes + 1)], 0);
    assertRefused(beyond.reply, 431, 'request_header_fields_too_large');
  });

  it('exactly max_headers headers are served; one more gets 431 with an OpenAI error', async () => {
    const within = await sendSlowly([headWith(maxHeaders)], 0);
    assert.equal(within.reply.status, 200, within.reply.body);
    const beyond = await sendSlowly([headWith(maxHeaders + 1)], 0);
    assertRefused(beyond.reply, 431, 'request_header_fields_too_large');
  });

  it('a client that writes a large body after a refused head, before reading, still reads the 431', async () => {
    const body = Buffer.alloc(16 * 1024 * 1024, 0x20);
    for (let attempt = 0; attempt < 5; attempt++) {
      const connection = new RawConnection(stack.gateway.port, { readFirst: false });
      const tooLarge = head('POST', '/v1/chat/completions', { 'content-length': body.length, 'x-pad': 'a'.repeat(maxHeaderBytes) });
      const writeError = (await connection.write(tooLarge)) ?? (await connection.write(body));
      assert.equal(writeError, undefined, `attempt ${attempt}: the upload failed with ${writeError}`);
      assertRefused(await connection.read(), 431, 'request_header_fields_too_large');
    }
  });
});
