/**
 * Load is shed, not queued without bound: a full upstream pool (its connections busy, its wait queue full or the wait
 * over) answers 503 `upstream_saturated` with `retry-after` at once or moves to the next channel; `limits.max_streams`
 * and `server.max_connections` answer 503 `server_overloaded`; `/healthz` answers meanwhile. Slow streams come from
 * the OpenAI emulator's `delay-chunks` fault.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Pool } from 'undici';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';

interface Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly retryAfter: string | undefined;
  readonly connection: string | undefined;
  /** `done` when the stream ended with `[DONE]`. */
  readonly ending: string | undefined;
  readonly route: string | undefined;
  /** Milliseconds from sending to the response headers. */
  readonly headersMs: number;
}

/** One chunk every `delayMs`, about `tokens` + 3 of them. */
function slowStream(model: string, delayMs: number, tokens: number): string {
  return JSON.stringify({ model, stream: true, max_tokens: tokens, messages: [{ role: 'user', content: `Count slowly [emulator-fault: delay-chunks=${delayMs}]` }] });
}

async function send(dispatcher: Client | Pool, body: string, path = '/v1/chat/completions'): Promise<Answer> {
  const startedAt = performance.now();
  const response = await dispatcher.request({ path, method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const headersMs = performance.now() - startedAt;
  const text = await response.body.text();
  const header = (name: string) => {
    const value = response.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  let code: string | undefined;
  let ending: string | undefined;
  if (response.statusCode === 200) ending = text.trimEnd().endsWith('data: [DONE]') ? 'done' : 'other';
  else code = (JSON.parse(text) as { error: { code: string } }).error.code;
  return { status: response.statusCode, code, retryAfter: header('retry-after'), connection: header('connection'), ending, route: header('x-interchange-route'), headersMs };
}

async function startShedGateway(emulators: { slow: RunningEmulator; spare: RunningEmulator }, sections: string, slowQueue: string): Promise<RunningGateway> {
  const yaml = `
listen: 127.0.0.1:0
${sections}
logging: { level: silent, requests: false }
auth: { clients: none }
store: { kind: memory }
providers:
  slow: { kind: openai-compatible, base_url: \${SLOW_URL}, timeout: 10s, ${slowQueue} }
  spare: { kind: openai-compatible, base_url: \${SPARE_URL}, timeout: 10s }
models:
  one:
    channels: [ { provider: slow, model: gpt-4o-mini } ]
  two:
    channels: [ { provider: slow, model: gpt-4o-mini }, { provider: spare, model: gpt-4o-mini } ]
`;
  const config = parseConfig(yaml, { env: { SLOW_URL: emulators.slow.baseUrl, SPARE_URL: emulators.spare.baseUrl }, source: 'load-shedding test' });
  return startGateway(config, { logger: createLogger('silent'), host: '127.0.0.1', port: 0, drainTimeoutMs: 500 });
}

let slow: RunningEmulator;
let spare: RunningEmulator;
before(async () => {
  slow = await startOpenAIEmulator({ quiet: true, name: 'slow' });
  spare = await startOpenAIEmulator({ quiet: true, name: 'spare' });
});
after(async () => {
  await Promise.all([slow.close(), spare.close()]);
});

describe('a saturated upstream pool (connections: 2, max_queue: 1)', () => {
  let gateway: RunningGateway;
  let pool: Pool;
  before(async () => {
    gateway = await startShedGateway({ slow, spare }, 'limits: { request_timeout: 20s }', 'connections: 2, max_queue: 1, queue_timeout: 400ms');
    pool = new Pool(gateway.url, { connections: 16 });
  });
  after(async () => {
    await pool.close();
    await gateway.close();
  });

  it('runs 2, lets 1 wait up to queue_timeout, and refuses the 4th at once with 503 upstream_saturated and retry-after', async () => {
    // Two streams of about 2 s hold both connections.
    const running = [send(pool, slowStream('one', 200, 7)), send(pool, slowStream('one', 200, 7))];
    await waitFor(() => slow.stats.open === 2);
    const waiting = send(pool, slowStream('one', 200, 7));
    await sleep(50);
    const refused = await send(pool, slowStream('one', 200, 7));
    assert.equal(refused.status, 503);
    assert.equal(refused.code, 'upstream_saturated');
    assert.equal(refused.retryAfter, '1');
    assert.ok(refused.headersMs < 300, `refused after ${Math.round(refused.headersMs)} ms, not at once`);

    const timedOut = await waiting;
    assert.equal(timedOut.status, 503);
    assert.equal(timedOut.code, 'upstream_saturated');
    assert.equal(timedOut.retryAfter, '1');
    // It waited queue_timeout (400 ms) after the 50 ms before the 4th, and not the streams' 2 s.
    assert.ok(timedOut.headersMs >= 350 && timedOut.headersMs < 1_500, `the waiting call was answered after ${Math.round(timedOut.headersMs)} ms`);

    for (const answer of await Promise.all(running)) {
      assert.equal(answer.status, 200);
      assert.equal(answer.ending, 'done');
    }
    // Every slot came back: two more streams run at once.
    const again = await Promise.all([send(pool, slowStream('one', 10, 2)), send(pool, slowStream('one', 10, 2))]);
    assert.deepEqual(
      again.map((answer) => answer.ending),
      ['done', 'done'],
    );
  });

  it('serves the waiting call once a connection frees up within queue_timeout', async () => {
    const running = [send(pool, slowStream('one', 50, 2)), send(pool, slowStream('one', 50, 2))];
    await waitFor(() => slow.stats.open === 2);
    const waiting = await send(pool, slowStream('one', 10, 2));
    assert.equal(waiting.status, 200);
    assert.equal(waiting.ending, 'done');
    for (const answer of await Promise.all(running)) assert.equal(answer.ending, 'done');
  });

  it('moves a refused call to the next channel', async () => {
    const running = [send(pool, slowStream('one', 200, 5)), send(pool, slowStream('one', 200, 5)), send(pool, slowStream('one', 200, 5))];
    await waitFor(() => slow.stats.open === 2);
    await sleep(50);
    const spareBefore = spare.stats.requests;
    const answer = await send(pool, slowStream('two', 10, 2));
    assert.equal(answer.status, 200);
    assert.equal(answer.ending, 'done');
    assert.equal(spare.stats.requests, spareBefore + 1, 'the spare channel served it');
    assert.ok(answer.headersMs < 300, `fell back after ${Math.round(answer.headersMs)} ms`);
    await Promise.all(running);
  });
});

/**
 * The burst's client, gateway and emulator share this process (and the machine may be busy), so "at once" is measured
 * against what queueing would cost: a stream here lasts about 1.8 s, and queued without bound the last of 200 would
 * start after 200 / 4 of them.
 */
describe('a burst of 200 slow streams (connections: 4, max_queue: 4, queue_timeout: 300ms)', () => {
  let gateway: RunningGateway;
  let pool: Pool;
  let probe: Client;
  before(async () => {
    gateway = await startShedGateway({ slow, spare }, 'limits: { request_timeout: 20s }', 'connections: 4, max_queue: 4, queue_timeout: 300ms');
    pool = new Pool(gateway.url, { connections: 200 });
    probe = new Client(gateway.url);
  });
  after(async () => {
    await Promise.all([pool.close(), probe.close()]);
    await gateway.close();
  });

  it('completes what the pool holds and sheds the rest with 503 + retry-after at once; /healthz answers meanwhile', async () => {
    // The probe's connection is open before the burst, as a load balancer's would be.
    await (await probe.request({ path: '/healthz', method: 'GET' })).body.text();
    const sentAt = performance.now();
    const burst = Array.from({ length: 200 }, () => send(pool, slowStream('one', 100, 15)));
    const health: number[] = [];
    let burstOver = false;
    void Promise.allSettled(burst).then(() => (burstOver = true));
    for (let sample = 0; sample < 40 && !burstOver; sample++) {
      const startedAt = performance.now();
      const response = await probe.request({ path: '/healthz', method: 'GET' });
      await response.body.text();
      assert.equal(response.statusCode, 200);
      health.push(performance.now() - startedAt);
      await sleep(50);
    }
    const answers = await Promise.all(burst);
    const elapsed = performance.now() - sentAt;
    const completed = answers.filter((answer) => answer.status === 200 && answer.ending === 'done');
    const shed = answers.filter((answer) => answer.status === 503);
    assert.equal(completed.length + shed.length, 200, 'every stream completed or was shed');
    assert.ok(completed.length >= 4, `${completed.length} completed`);
    assert.ok(shed.length >= 200 - 8, `${shed.length} shed`);
    for (const answer of shed) {
      assert.equal(answer.code, 'upstream_saturated');
      assert.equal(answer.retryAfter, '1');
      // At once, or after the 300 ms queue_timeout; never once a stream has ended.
      assert.ok(answer.headersMs < 1_500, `shed after ${Math.round(answer.headersMs)} ms`);
    }
    assert.ok(elapsed < 6_000, `the burst took ${Math.round(elapsed)} ms`);
    assert.ok(health.length > 0, 'no /healthz sample was taken during the burst');
    assert.ok(Math.max(...health) < 500, `/healthz took up to ${Math.round(Math.max(...health))} ms`);
  });
});

describe('limits.max_streams: 2', () => {
  let gateway: RunningGateway;
  let pool: Pool;
  before(async () => {
    gateway = await startShedGateway({ slow, spare }, 'limits: { request_timeout: 20s, max_streams: 2 }', 'connections: 16');
    pool = new Pool(gateway.url, { connections: 8 });
  });
  after(async () => {
    await pool.close();
    await gateway.close();
  });

  it('runs 2 streams and refuses the 3rd at once with 503 server_overloaded and retry-after; a JSON request is not a stream', async () => {
    const running = [send(pool, slowStream('one', 150, 5)), send(pool, slowStream('one', 150, 5))];
    await waitFor(() => slow.stats.open === 2);
    const refused = await send(pool, slowStream('one', 10, 2));
    assert.equal(refused.status, 503);
    assert.equal(refused.code, 'server_overloaded');
    assert.equal(refused.retryAfter, '1');
    assert.ok(refused.headersMs < 300, `refused after ${Math.round(refused.headersMs)} ms`);
    const json = await send(pool, JSON.stringify({ model: 'one', messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(json.status, 200);
    for (const answer of await Promise.all(running)) assert.equal(answer.ending, 'done');
    // The slots came back, refused or not.
    const again = await Promise.all([send(pool, slowStream('one', 10, 2)), send(pool, slowStream('one', 10, 2))]);
    assert.deepEqual(
      again.map((answer) => answer.status),
      [200, 200],
    );
  });
});

describe('server.max_connections: 3', () => {
  let gateway: RunningGateway;
  const clients: Client[] = [];
  before(async () => {
    gateway = await startShedGateway({ slow, spare }, 'server: { max_connections: 3 }', 'connections: 16');
  });
  after(async () => {
    await Promise.all(clients.map((client) => (client.closed || client.destroyed ? undefined : client.close())));
    await gateway.close();
  });

  const connect = () => {
    const client = new Client(gateway.url);
    clients.push(client);
    return client;
  };
  const request = JSON.stringify({ model: 'one', messages: [{ role: 'user', content: 'hi' }] });

  it('serves 3 connections and answers a request on the 4th with 503 server_overloaded, retry-after and connection: close', async () => {
    for (let index = 0; index < 3; index++) {
      const answer = await send(connect(), request);
      assert.equal(answer.status, 200, `connection ${index + 1}`);
      assert.notEqual(answer.connection, 'close');
    }
    const fourth = connect();
    const refused = await send(fourth, request);
    assert.equal(refused.status, 503);
    assert.equal(refused.code, 'server_overloaded');
    assert.equal(refused.retryAfter, '1');
    assert.equal(refused.connection, 'close');

    // A probe on a connection past the cap is still answered, and closed.
    const probe = connect();
    const response = await probe.request({ path: '/healthz', method: 'GET' });
    await response.body.text();
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers.connection, 'close');

    // One of the three goes: a new connection is served again.
    await clients[0].close();
    await sleep(100);
    const next = await send(connect(), request);
    assert.equal(next.status, 200);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 10 ms for at most 3 s. */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let tries = 0; tries < 300; tries++) {
    if (condition()) return;
    await sleep(10);
  }
  assert.fail('timed out waiting for a condition');
}
