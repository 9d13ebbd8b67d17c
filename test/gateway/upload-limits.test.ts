/**
 * Uploads over `limits.max_body_bytes`: every client reads its 413, however it writes (the whole body before reading
 * anything, as Python's http.client does, or reading while it writes, as fetch does), and what the gateway reads of a
 * refused body is bounded in bytes (`server.linger_max_bytes`) and time (`server.linger_timeout`).
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { fetch, request } from 'undici';
import { startGatewayStack, type GatewayStack } from '../support/gateway-stack.ts';
import { head, RawConnection, sleep, type RawReply } from '../support/raw-http.ts';

const maxBodyBytes = 64 * 1024;
const mebibyte = 1024 * 1024;
/** Far more than the kernel's socket buffers hold, so a client still writes when the gateway answers. */
const oversized = Buffer.alloc(maxBodyBytes + 16 * mebibyte, 0x20);

let stack: GatewayStack;
let bounded: GatewayStack;

before(async () => {
  stack = await startGatewayStack({ maxBodyBytes: '64kb' });
  bounded = await startGatewayStack({ maxBodyBytes: '64kb', server: 'linger_max_bytes: 1mb, linger_timeout: 1500ms' });
});
after(() => Promise.all([stack.close(), bounded.close()]));

/** A chat request body of exactly `size` bytes. */
function bodyOfSize(size: number): string {
  const empty = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: '' }] });
  return JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(size - empty.length) }] });
}

/** Sends the head and the whole body, and only then reads, like Python's http.client. */
async function uploadBeforeReading(body: Buffer, chunked = false): Promise<RawReply & { writeError: string | undefined }> {
  const connection = new RawConnection(stack.gateway.port, { readFirst: false });
  const headers: Record<string, string | number> = { 'content-type': 'application/json' };
  if (chunked) headers['transfer-encoding'] = 'chunked';
  else headers['content-length'] = body.length;
  let writeError = await connection.write(head('POST', '/v1/chat/completions', headers));
  if (!chunked) writeError ??= await connection.write(body);
  else {
    for (let offset = 0; offset < body.length && writeError === undefined; offset += mebibyte) {
      const chunk = body.subarray(offset, offset + mebibyte);
      writeError = await connection.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
    }
    writeError ??= await connection.write('0\r\n\r\n');
  }
  return { ...(await connection.read()), writeError };
}

function assertTooLarge(reply: { status: number | undefined; headers: Readonly<Record<string, string>>; body: string }) {
  assert.equal(reply.status, 413);
  assert.equal(reply.headers.connection, 'close');
  const json = JSON.parse(reply.body);
  assert.equal(json.error.code, 'request_too_large');
  assert.equal(json.error.type, 'invalid_request_error');
}

function openConnections(target: GatewayStack): Promise<number> {
  return new Promise((resolve, reject) => target.gateway.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

/** Polls until the gateway has no open connection; resolves with the time it saw none (bounded). */
async function allClosed(target: GatewayStack, withinMs: number): Promise<number> {
  const giveUp = performance.now() + withinMs;
  while (performance.now() < giveUp) {
    if ((await openConnections(target)) === 0) return performance.now();
    await sleep(10);
  }
  assert.fail(`a connection was still open after ${withinMs} ms`);
}

describe('an upload over limits.max_body_bytes', () => {
  it('20 of 20 clients that write the whole body before reading read the 413 (16 MiB over the limit, content-length)', async () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const reply = await uploadBeforeReading(oversized);
      assert.equal(reply.writeError, undefined, `attempt ${attempt}: the upload failed with ${reply.writeError}`);
      assert.equal(reply.error, undefined, `attempt ${attempt}: reading failed with ${reply.error}`);
      assertTooLarge(reply);
    }
  });

  it('the same with chunked transfer, whose length the gateway learns only while reading', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const reply = await uploadBeforeReading(oversized, true);
      assert.equal(reply.writeError, undefined, `attempt ${attempt}: the upload failed with ${reply.writeError}`);
      assertTooLarge(reply);
    }
  });

  it('20 of 20 fetch uploads read the 413 (16 MiB over the limit)', async () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const response = await fetch(`${stack.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: oversized });
      const body = await response.text();
      assertTooLarge({ status: response.status, headers: Object.fromEntries(response.headers), body });
    }
  });

  it('the openai SDK raises its 413 with the code', async () => {
    const client = new OpenAI({ baseURL: stack.baseURL, apiKey: 'x', maxRetries: 0 });
    const content = 'x'.repeat(8 * mebibyte);
    for (let attempt = 0; attempt < 3; attempt++) {
      await assert.rejects(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError, String(error));
        assert.equal(error.status, 413);
        assert.equal(error.code, 'request_too_large');
        return true;
      });
    }
  });

  it('a body of exactly max_body_bytes is served and one byte more is refused, declared or chunked', async () => {
    for (const chunked of [false, true]) {
      for (const [size, status] of [
        [maxBodyBytes, 200],
        [maxBodyBytes + 1, 413],
      ] as const) {
        const body = Buffer.from(bodyOfSize(size));
        assert.equal(body.length, size);
        const response = await request(`${stack.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: chunked ? Readable.from([body.subarray(0, 1000), body.subarray(1000)]) : body,
        });
        const json = (await response.body.json()) as { error?: { code: string } };
        assert.equal(response.statusCode, status, `${size} bytes, ${chunked ? 'chunked' : 'content-length'}: ${JSON.stringify(json.error)}`);
        if (status === 413) assert.equal(json.error?.code, 'request_too_large');
      }
    }
  });
});

describe('what the gateway reads of a refused body is bounded', () => {
  async function refuseAfterSending(bodyBytes: number): Promise<{ connection: RawConnection; sentAt: number }> {
    const connection = new RawConnection(bounded.gateway.port);
    const sentAt = performance.now();
    await connection.write(head('POST', '/v1/chat/completions', { 'content-type': 'application/json', 'content-length': 16 * mebibyte }));
    await connection.write(Buffer.alloc(bodyBytes, 0x20));
    await connection.answered;
    assertTooLarge(connection.reply());
    return { connection, sentAt };
  }

  it('up to linger_max_bytes it keeps reading (and closes at linger_timeout); one byte more and it closes at once', async () => {
    const within = await refuseAfterSending(mebibyte);
    await sleep(500);
    assert.equal(await openConnections(bounded), 1, 'the gateway stopped reading before linger_max_bytes');
    const closedAt = await allClosed(bounded, 3000);
    const lingered = closedAt - within.sentAt;
    assert.ok(lingered >= 1450 && lingered < 2500, `closed ${Math.round(lingered)} ms after the refusal; linger_timeout is 1500 ms`);
    within.connection.close();

    const beyond = await refuseAfterSending(mebibyte + 1);
    const closedBeyondAt = await allClosed(bounded, 1000);
    assert.ok(closedBeyondAt - beyond.sentAt < 1000);
    beyond.connection.close();
  });
});
