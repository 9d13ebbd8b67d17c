/**
 * Clients never choose an upstream host: whatever a request names (the Host header, an absolute request target, a
 * model or provider preference that looks like a URL), the gateway calls only the upstreams its configuration lists.
 * A decoy listener on loopback counts every connection made to it.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { RawConnection } from '../support/raw-http.ts';
import { startGatewayStack, type GatewayStack } from '../support/gateway-stack.ts';

let stack: GatewayStack;
let decoy: Server;
let decoyPort = 0;
let decoyConnections = 0;

before(async () => {
  decoy = createServer((socket) => {
    decoyConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => decoy.listen(0, '127.0.0.1', resolve));
  decoyPort = (decoy.address() as { port: number }).port;
  stack = await startGatewayStack();
});
after(async () => {
  await stack.close();
  await new Promise<void>((resolve) => decoy.close(() => resolve()));
});

const chat = (model: string, extra: Record<string, unknown> = {}) => JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });

async function post(body: string, headers: Record<string, string> = {}): Promise<{ status: number; code: string | undefined }> {
  const response = await request(`${stack.gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const parsed = (await response.body.json()) as { error?: { code: string } };
  return { status: response.statusCode, code: parsed.error?.code };
}

describe('upstream hosts come from configuration only', () => {
  it('a Host header naming another server changes nothing: the configured upstream answers', async () => {
    const served = stack.primary.stats.requests;
    const answer = await post(chat('solo'), { host: `127.0.0.1:${decoyPort}` });
    assert.equal(answer.status, 200);
    assert.equal(stack.primary.stats.requests, served + 1);
    assert.equal(decoyConnections, 0);
  });

  it('a model, a provider preference or an interchange extension that names a URL is refused, and nothing connects to it', async () => {
    const url = `http://127.0.0.1:${decoyPort}/v1`;
    const answers = [
      await post(chat(url)),
      await post(chat('gpt-4o-mini'), { 'x-interchange-providers': `only=${url}` }),
      await post(chat('gpt-4o-mini', { interchange: { only: [url] } })),
      await post(chat('gpt-4o-mini', { interchange: { order: [`127.0.0.1:${decoyPort}`], allow_fallbacks: false } })),
    ];
    for (const answer of answers) assert.ok(answer.status >= 400 && answer.status < 500, `answered ${answer.status} ${answer.code}`);
    assert.equal(decoyConnections, 0);
  });

  it('an absolute request target naming another server is not proxied (404)', async () => {
    const connection = new RawConnection(stack.gateway.port);
    const body = chat('solo');
    await connection.write(
      `POST http://127.0.0.1:${decoyPort}/v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:${decoyPort}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    const reply = await connection.read();
    assert.equal(reply.status, 404);
    assert.match(reply.body, /"code":"not_found"/);
    assert.equal(decoyConnections, 0);
  });
});
