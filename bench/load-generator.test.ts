import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { LoadGenerator } from './load-generator.ts';
import { VERTEX_DIRECT_BODY, VERTEX_DIRECT_REQUEST } from './lib/request-body.ts';

let delayMs = 0;
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const answer = () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    };
    if (delayMs === 0) answer();
    else setTimeout(answer, delayMs);
  });
});
let origin = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('each segment reports the latencies of its own window, and the segments add up to the whole', async () => {
  const generator = new LoadGenerator({
    origin,
    path: '/',
    body: '{}',
    headers: { 'content-type': 'application/json' },
    streaming: false,
    connections: 1,
    maxRequests: 100_000,
    requestTimeoutMs: 5_000,
    lifetimeMs: 30_000,
  });
  try {
    delayMs = 0;
    const fast = await generator.segment(20, 150, () => {});
    delayMs = 20;
    const slow = await generator.segment(20, 200, () => {});
    const whole = generator.summary();
    assert.ok(fast.latency !== null && slow.latency !== null && whole.latency !== null);
    // Each segment sees only its own requests: the slow one only 20 ms answers, the fast one mostly immediate ones.
    assert.ok(slow.latency.min >= 18, `slow segment min ${slow.latency.min} ms`); // a 20 ms timer fires up to 1 ms early
    assert.ok(fast.latency.p50 < 10, `fast segment p50 ${fast.latency.p50} ms`);
    assert.ok(fast.latency.count > slow.latency.count);
    assert.equal(fast.latency.count + slow.latency.count, whole.recorded);
    assert.equal(whole.latency.min, fast.latency.min);
    assert.ok(whole.latency.max >= slow.latency.max);
    assert.equal(fast.timeToFirstChunk, null);
  } finally {
    await generator.close();
  }
});

test('the load generator records Gemini streams (CRLF framing, no [DONE]) as complete, with a time to first text', async (t) => {
  let truncate = false;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]}}]}\r\n\r\n');
      if (!truncate) response.write('data: {"candidates":[{"content":{"role":"model","parts":[{"text":"!"}]},"finishReason":"STOP"}]}\r\n\r\n');
      response.end();
    });
  });
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const run = async () => {
    const generator = new LoadGenerator({
      origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      path: VERTEX_DIRECT_REQUEST.streamingPath!,
      body: VERTEX_DIRECT_BODY,
      headers: VERTEX_DIRECT_REQUEST.headers,
      streaming: true,
      format: 'gemini',
      connections: 2,
      maxRequests: 10_000,
      requestTimeoutMs: 2000,
      lifetimeMs: 10_000,
    });
    await generator.segment(0, 150, () => {});
    const result = generator.summary();
    await generator.close();
    return result;
  };
  const complete = await run();
  assert.ok(complete.recorded > 0);
  assert.equal(complete.incompleteStreams, 0);
  assert.equal(complete.timeToFirstChunk?.count, complete.recorded);
  assert.equal(complete.meanEventsPerStream, 2);
  truncate = true;
  const cut = await run();
  assert.ok(cut.recorded > 0);
  assert.equal(cut.incompleteStreams, cut.recorded);
});
