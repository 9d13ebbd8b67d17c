import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { runInterleaved } from './interleaved-load.ts';

const servers: Server[] = [];
const origins: string[] = [];

/** A server answering after `delayMs` with `status`; streaming answers carry one content delta. */
function serve(delayMs: number, status = 200): Server {
  return createServer((request, response) => {
    request.resume();
    request.on('end', () =>
      setTimeout(() => {
        if (request.url === '/stream') {
          response.writeHead(status, { 'content-type': 'text/event-stream' });
          response.write('data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n');
          setTimeout(() => response.end('data: {"choices":[{"delta":{"content":"Hi"}}]}\n\ndata: [DONE]\n\n'), 10);
          return;
        }
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end('{}');
      }, delayMs),
    );
  });
}

before(async () => {
  for (const server of [serve(0), serve(20), serve(0, 500)]) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    origins.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
});
after(async () => {
  for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
});

const target = (label: string, origin: string, path = '/') => ({ label, origin, path, headers: { 'content-type': 'application/json' }, body: '{}' });

test('interleaved load: every target gets the same turns, each latency is its own target\'s, failures are counted apart', async () => {
  const result = await runInterleaved({
    targets: [target('fast', origins[0]), target('slow', origins[1]), target('broken', origins[2])],
    streaming: false,
    warmupMs: 20,
    durationMs: 400,
    maxRequestsPerTarget: 10_000,
    requestTimeoutMs: 5_000,
  });
  const [fast, slow, broken] = result.targets;
  assert.deepEqual(result.targets.map((t) => t.label), ['fast', 'slow', 'broken']);
  assert.ok(slow.recorded > 5);
  assert.equal(fast.recorded, slow.recorded);
  assert.ok(slow.latency!.min >= 18, `slow min ${slow.latency!.min}`); // a 20 ms timer fires up to 1 ms early
  assert.ok(fast.latency!.p50 < slow.latency!.min);
  assert.equal(broken.recorded, 0);
  assert.ok(broken.failures > 5);
  assert.equal(broken.firstError, 'HTTP 500');
  assert.equal(fast.timeToFirstChunk, null);
});

test('interleaved streaming load records the time to the first content delta, not to the first byte', async () => {
  const result = await runInterleaved({
    targets: [target('a', origins[0], '/stream'), target('b', origins[0], '/stream')],
    streaming: true,
    warmupMs: 0,
    durationMs: 250,
    maxRequestsPerTarget: 10_000,
    requestTimeoutMs: 5_000,
  });
  for (const measured of result.targets) {
    assert.ok(measured.recorded > 3);
    // The content delta comes 10 ms after the role chunk (a timer fires up to 1 ms early): the first chunk with content is that one.
    assert.ok(measured.timeToFirstChunk!.min >= 8.5, `${measured.label} TTFC min ${measured.timeToFirstChunk!.min}`);
    assert.ok(measured.latency!.min >= measured.timeToFirstChunk!.min);
  }
});
