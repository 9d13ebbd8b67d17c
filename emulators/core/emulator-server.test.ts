import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { startEmulatorServer, type EmulatorHandler, type EmulatorServer } from './emulator-server.ts';
import type { Exchange } from './exchange.ts';
import type { Fault } from './faults.ts';

/** A minimal vendor: `/echo` returns the parsed body, `/stream` five SSE events and a final `[END]`. */
const handler: EmulatorHandler = {
  handle(exchange: Exchange) {
    if (exchange.path === '/stream') {
      const events = ['data: 1\n\n', 'data: 2\n\n', 'data: 3\n\n', 'data: 4\n\n', 'data: 5\n\n'];
      exchange.stream(200, ['content-type', 'text/event-stream'], events, {
        final: 'data: [END]\n\n',
        malformed: 'data: {broken\n\n',
        error: 'data: {"error":true}\n\n',
      });
      return;
    }
    if (exchange.path === '/async') {
      return Promise.reject(new Error('boom'));
    }
    exchange.send(200, ['content-type', 'application/json'], JSON.stringify({ body: exchange.body, invalid: exchange.bodyInvalid, query: exchange.query }));
  },
  sendFaultStatus(exchange: Exchange, fault: Fault) {
    exchange.send(fault.status, ['content-type', 'text/plain'], `fault ${fault.status}`);
  },
  sendEmulatorError(exchange: Exchange, status: number, message: string) {
    exchange.send(status, ['content-type', 'text/plain'], message);
  },
};

let server: EmulatorServer;
const agent = new Agent({ keepAliveTimeout: 10_000 });

before(async () => {
  server = await startEmulatorServer({ name: 'test', quiet: true, handler, bodyLimit: 1024, recordLimit: 3 });
});

after(async () => {
  await server.close();
  await agent.close();
});

async function call(path: string, options: { body?: string; fault?: string; method?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.fault !== undefined) headers['x-emulator-fault'] = options.fault;
  const response = await request(server.url + path, {
    method: (options.method ?? (options.body === undefined ? 'GET' : 'POST')) as 'GET',
    headers,
    body: options.body,
    dispatcher: agent,
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), 'condition reached in time');
}

describe('emulator server', () => {
  it('parses JSON bodies, keeps invalid ones as text, and passes the query string', async () => {
    assert.deepEqual(JSON.parse((await call('/echo?a=1', { body: '{"x":[1,2]}' })).text), {
      body: { x: [1, 2] },
      invalid: false,
      query: 'a=1',
    });
    assert.deepEqual(JSON.parse((await call('/echo', { body: 'not json' })).text), {
      body: 'not json',
      invalid: true,
      query: '',
    });
  });

  it('keeps only the last recordLimit requests, oldest first', async () => {
    for (let index = 0; index < 5; index++) await call(`/echo?n=${index}`, { body: `{"n":${index}}` });
    assert.deepEqual(
      server.received.map((entry) => entry.path),
      ['/echo?n=2', '/echo?n=3', '/echo?n=4'],
    );
    assert.deepEqual(server.received[2].body, { n: 4 });
    assert.equal(server.received[2].method, 'POST');
  });

  it('answers 413 through the handler when the body is over the limit', async () => {
    const response = await call('/echo', { body: 'x'.repeat(5000) });
    assert.equal(response.status, 413);
    assert.match(response.text, /limit is 1024 bytes/);
  });

  it('turns a handler failure into a 500 through the handler', async () => {
    const response = await call('/async');
    assert.equal(response.status, 500);
    assert.match(response.text, /boom/);
  });

  it('streams events then the final event', async () => {
    const response = await call('/stream');
    assert.equal(response.text, 'data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\ndata: 5\n\ndata: [END]\n\n');
    assert.equal(response.headers['transfer-encoding'], 'chunked');
  });

  it('malformed inserts the bad event after the first one and still ends normally', async () => {
    const response = await call('/stream', { fault: 'malformed' });
    assert.equal(response.text, 'data: 1\n\ndata: {broken\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\ndata: 5\n\ndata: [END]\n\n');
  });

  it('error-after sends n events, the error event, and ends the body without the final event', async () => {
    assert.equal((await call('/stream', { fault: 'error-after=2' })).text, 'data: 1\n\ndata: 2\n\ndata: {"error":true}\n\n');
    assert.equal((await call('/stream', { fault: 'error-after=0' })).text, 'data: {"error":true}\n\n');
    assert.equal(
      (await call('/stream', { fault: 'error-after=9' })).text,
      'data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\ndata: 5\n\ndata: {"error":true}\n\n',
    );
  });

  it('cut-after counts events (the malformed one included) and never sends the final event', async () => {
    for (const [spec, expected] of [
      ['cut-after=2', 'data: 1\n\ndata: 2\n\n'],
      ['cut-after=2, malformed', 'data: 1\n\ndata: {broken\n\n'],
      ['cut-after=99', 'data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\ndata: 5\n\n'],
    ] as const) {
      const response = await request(server.url + '/stream', { headers: { 'x-emulator-fault': spec }, dispatcher: agent });
      let text = '';
      await assert.rejects(async () => {
        for await (const piece of response.body) text += String(piece);
      });
      assert.equal(text, expected, spec);
    }
  });

  it('status faults go to the handler, after delay-headers', async () => {
    const started = performance.now();
    const response = await call('/echo', { fault: 'delay-headers=60, status=502', body: '{}' });
    assert.ok(performance.now() - started >= 55);
    assert.equal(response.status, 502);
    assert.equal(response.text, 'fault 502');
  });

  it('counts a client that leaves during delay-chunks as aborted, and the stream stops', async () => {
    const before = { ...server.stats };
    const controller = new AbortController();
    const response = await request(server.url + '/stream', {
      headers: { 'x-emulator-fault': 'delay-chunks=1000' },
      signal: controller.signal,
      dispatcher: agent,
    });
    await until(() => server.stats.open === before.open + 1);
    assert.equal(response.statusCode, 200);
    controller.abort();
    await assert.rejects(response.body.text());
    await until(() => server.stats.aborted === before.aborted + 1);
    await until(() => server.stats.open === before.open);
  });

  it('does not count emulator-made cuts as client aborts', async () => {
    const before = server.stats.aborted;
    await assert.rejects(call('/echo', { fault: 'reset' }));
    await assert.rejects(call('/stream', { fault: 'cut-after=1' }));
    await until(() => server.stats.open === 0);
    assert.equal(server.stats.aborted, before);
  });

  it('close() resolves with idle keep-alive connections and requests in flight', async () => {
    const local = await startEmulatorServer({ name: 'closing', quiet: true, handler });
    const localAgent = new Agent();
    await request(local.url + '/echo', { dispatcher: localAgent }).then((response) => response.body.text());
    const pending = request(local.url + '/echo', { headers: { 'x-emulator-fault': 'delay-headers=5000' }, dispatcher: localAgent });
    await until(() => local.stats.open === 1);
    const started = performance.now();
    await local.close();
    assert.ok(performance.now() - started < 1000);
    await assert.rejects(pending);
    await localAgent.close();
  });
});
