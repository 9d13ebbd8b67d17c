import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { LoadGenerator } from './load-generator.ts';

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
