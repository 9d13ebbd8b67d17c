/**
 * Graceful shutdown under streaming load, in process and through the real signal path (`interchange serve`, SIGTERM):
 * no request is taken after it begins (503 `server_shutting_down` with `connection: close` and `retry-after`, even on
 * a kept-alive connection), `/readyz` answers 503 while the listener stays up, streams in flight finish until the drain
 * deadline, and every stream still open then ends with an OpenAI error event, logged as such. A second signal ends it
 * at once.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client, request } from 'undici';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startGateway } from '../../src/server/gateway-server.ts';
import { sleep } from '../support/raw-http.ts';
import { openStream, streamingBody, type OpenStream, type StreamOutcome } from '../support/sse-client.ts';

const bin = fileURLToPath(new URL('../../bin/interchange.js', import.meta.url));
/** About 30 events 150 ms apart: still running at any drain deadline below. */
const longStream = streamingBody(150);
/** Five events 80 ms apart: done well before the drain deadline. */
const shortStream = streamingBody(80, 3);
const chatBody = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'after the signal' }] });

let emulator: RunningEmulator;
let directory: string;

before(async () => {
  emulator = await startOpenAIEmulator({ quiet: true });
  directory = await mkdtemp(join(tmpdir(), 'interchange-shutdown-'));
});
after(async () => {
  await emulator.close();
  await rm(directory, { recursive: true, force: true });
});

function yaml(server: string): string {
  return `listen: 127.0.0.1:0
logging: { level: info, requests: true }
auth: { clients: none }
store: { kind: memory }
server: { ${server} }
providers:
  upstream: { kind: openai-compatible, base_url: ${emulator.baseUrl} }
models:
  gpt-4o-mini: { channels: [ { provider: upstream, model: gpt-4o-mini } ] }
`;
}

interface Load {
  readonly clients: Client[];
  readonly long: OpenStream[];
  readonly short: OpenStream[];
  /** A connection that served one request before the shutdown and stays open (keep-alive). */
  readonly keptAlive: Client;
  /** Another, for `/readyz`. */
  readonly prober: Client;
}

/** `count` streams, half long and half short, each on its own connection, all started. */
async function startLoad(url: string, count: number): Promise<Load> {
  const clients: Client[] = [];
  const long: OpenStream[] = [];
  const short: OpenStream[] = [];
  for (let index = 0; index < count; index++) {
    const client = new Client(url);
    clients.push(client);
    (index % 2 === 0 ? long : short).push(openStream(client, index % 2 === 0 ? longStream : shortStream));
  }
  const keptAlive = new Client(url);
  const prober = new Client(url);
  clients.push(keptAlive, prober);
  for (const client of [keptAlive, prober]) await (await client.request({ path: '/v1/models', method: 'GET' })).body.text();
  await Promise.all([...long, ...short].map((stream) => stream.started));
  return { clients, long, short, keptAlive, prober };
}

/** What the gateway says to a request after the shutdown began, on a connection opened before it. */
async function assertRefused(client: Client) {
  const response = await client.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody });
  const json = (await response.body.json()) as { error: { code: string; type: string } };
  assert.equal(response.statusCode, 503);
  assert.equal(response.headers.connection, 'close');
  assert.equal(response.headers['retry-after'], '1');
  assert.equal(json.error.code, 'server_shutting_down');
  assert.equal(json.error.type, 'server_error');
}

async function assertNotReady(client: Client) {
  const response = await client.request({ path: '/readyz', method: 'GET' });
  assert.equal(response.statusCode, 503);
  assert.deepEqual(await response.body.json(), { status: 'draining' });
}

function assertEndings(outcomes: readonly StreamOutcome[], ending: string, what: string) {
  for (const [index, outcome] of outcomes.entries()) {
    assert.equal(outcome.status, 200);
    assert.equal(outcome.failure, undefined, `${what} stream ${index} was cut by ${outcome.failure}`);
    assert.equal(outcome.ending, ending, `${what} stream ${index} ended with ${outcome.ending}`);
  }
}

type LogLine = Record<string, unknown> & { msg: string };

function requestLines(lines: readonly LogLine[]): LogLine[] {
  return lines.filter((line) => line.endpoint === 'chat_completions');
}

describe('graceful shutdown, in process', () => {
  it('refuses new requests, answers /readyz 503 for the shutdown delay, lets streams finish, ends the rest with an error event', async () => {
    const lines: LogLine[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        for (const text of String(chunk).split('\n')) if (text !== '') lines.push(JSON.parse(text) as LogLine);
        done();
      },
    });
    const config = parseConfig(yaml('shutdown_delay: 500ms, drain_timeout: 1500ms'), { source: 'shutdown test' });
    const gateway = await startGateway(config, { logger: createLogger('info', { destination }), host: '127.0.0.1', port: 0 });
    const load = await startLoad(gateway.url, 64);
    // A request still waiting for its upstream's answer at the deadline.
    const waiting = request(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Slow [emulator-fault: delay-headers=5000]' }] }),
    });
    await sleep(100);
    try {
      const startedAt = performance.now();
      const closing = gateway.close({ shutdownDelayMs: 500, reason: 'test' });
      await assertRefused(load.keptAlive);
      await assertNotReady(load.prober);
      // The listener is still up during the shutdown delay: a new connection gets the same answers.
      const fresh = new Client(gateway.url);
      load.clients.push(fresh);
      await assertNotReady(fresh);
      await assertRefused(fresh);
      assert.equal((await request(`${gateway.url}/healthz`)).statusCode, 200);
      const summary = await closing;
      const closedAfter = performance.now() - startedAt;

      assertEndings(await Promise.all(load.short.map((stream) => stream.outcome)), 'done', 'short');
      const cut = await Promise.all(load.long.map((stream) => stream.outcome));
      assertEndings(cut, 'server_shutting_down', 'long');
      for (const outcome of cut) assert.ok(outcome.endedAt - startedAt >= 1450, 'a stream was ended before the drain deadline');
      assert.ok(closedAfter >= 1450 && closedAfter < 6000, `closed after ${Math.round(closedAfter)} ms; drain_timeout is 1500 ms`);
      await assert.rejects(request(`${gateway.url}/healthz`), /ECONNREFUSED/);
      const unanswered = await waiting;
      assert.equal(unanswered.statusCode, 503);
      assert.equal(unanswered.headers.connection, 'close');
      assert.equal(((await unanswered.body.json()) as { error: { code: string } }).error.code, 'server_shutting_down');

      assert.deepEqual({ inFlight: summary.inFlight, cut: summary.cut }, { inFlight: 65, cut: 33 });
      assert.ok(summary.refused >= 1);
      const logged = requestLines(lines);
      assert.equal(logged.length, 65);
      assert.equal(logged.filter((line) => line.errorCode === 'server_shutting_down').length, 33);
      assert.equal(logged.filter((line) => line.errorCode === undefined && line.status === 200).length, 32);
      assert.ok(!logged.some((line) => line.status === 499 || line.errorCode === 'client_closed_request'));
      const done = lines.find((line) => line.msg === 'shut down');
      assert.ok(done, 'no shutdown summary in the log');
      assert.equal(done.inFlight, 65);
      assert.equal(done.cut, 33);
    } finally {
      await Promise.all(load.clients.map((client) => client.destroy()));
      await gateway.close();
    }
  });
});

interface Served {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly url: string;
  readonly lines: LogLine[];
  /** Resolves once a log line with this message arrived. */
  logged(message: string): Promise<LogLine>;
  readonly exited: Promise<{ code: number | null; at: number }>;
}

async function serve(server: string): Promise<Served> {
  const file = join(directory, `serve-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, yaml(server));
  const child = spawn(process.execPath, [bin, 'serve', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  const waiting: Array<{ message: string; resolve: (line: LogLine) => void }> = [];
  let pending = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdout.on('data', (chunk) => {
    pending += chunk;
    let newline;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = JSON.parse(pending.slice(0, newline)) as LogLine;
      pending = pending.slice(newline + 1);
      lines.push(line);
      for (const waiter of waiting.filter((entry) => entry.message === line.msg)) waiter.resolve(line);
    }
  });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: performance.now() })));
  const logged = (message: string) =>
    new Promise<LogLine>((resolve, reject) => {
      const found = lines.find((line) => line.msg === message);
      if (found !== undefined) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`no "${message}" log line in time; stderr: ${stderr}`)), 15_000);
      waiting.push({
        message,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  const listening = await logged('interchange listening');
  return { child, url: String(listening.url), lines, logged, exited };
}

describe('graceful shutdown, interchange serve and SIGTERM', () => {
  it('drains on SIGTERM: refusals and /readyz 503 during the shutdown delay, cut streams end with an error event, exit 0', async () => {
    const gateway = await serve('shutdown_delay: 1500ms, drain_timeout: 3s');
    let load: Load | undefined;
    try {
      load = await startLoad(gateway.url, 24);
      const signalledAt = performance.now();
      gateway.child.kill('SIGTERM');
      const shuttingDown = await gateway.logged('shutting down');
      assert.equal(shuttingDown.reason, 'SIGTERM');
      assert.equal(shuttingDown.inFlight, 24);
      await assertRefused(load.keptAlive);
      await assertNotReady(load.prober);

      assertEndings(await Promise.all(load.short.map((stream) => stream.outcome)), 'done', 'short');
      assertEndings(await Promise.all(load.long.map((stream) => stream.outcome)), 'server_shutting_down', 'long');
      const exit = await gateway.exited;
      assert.equal(exit.code, 0);
      const tookMs = exit.at - signalledAt;
      assert.ok(tookMs >= 2950 && tookMs < 8000, `exited ${Math.round(tookMs)} ms after SIGTERM; drain_timeout is 3 s`);

      const done = gateway.lines.find((line) => line.msg === 'shut down');
      assert.ok(done, 'no shutdown summary in the log');
      assert.equal(done.inFlight, 24);
      assert.equal(done.cut, 12);
      assert.ok(Number(done.refused) >= 1);
      const logged = requestLines(gateway.lines);
      assert.equal(logged.filter((line) => line.errorCode === 'server_shutting_down').length, 12);
      assert.ok(!logged.some((line) => line.status === 499 || line.errorCode === 'client_closed_request'));
    } finally {
      await Promise.all((load?.clients ?? []).map((client) => client.destroy()));
      gateway.child.kill('SIGKILL');
    }
  });

  it('a second signal during the drain ends the streams at once with an error event and exits 143', async () => {
    const gateway = await serve('shutdown_delay: 200ms, drain_timeout: 30s');
    let load: Load | undefined;
    try {
      load = await startLoad(gateway.url, 8);
      gateway.child.kill('SIGTERM');
      await gateway.logged('shutting down');
      // The short streams finish on their own meanwhile.
      assertEndings(await Promise.all(load.short.map((stream) => stream.outcome)), 'done', 'short');
      const secondAt = performance.now();
      gateway.child.kill('SIGTERM');
      assertEndings(await Promise.all(load.long.map((stream) => stream.outcome)), 'server_shutting_down', 'long');
      const exit = await gateway.exited;
      assert.equal(exit.code, 143);
      assert.ok(exit.at - secondAt < 3000, `exited ${Math.round(exit.at - secondAt)} ms after the second signal`);
      assert.ok(gateway.lines.some((line) => line.msg === 'second signal: ending the requests in flight now'));
      const done = gateway.lines.find((line) => line.msg === 'shut down');
      assert.ok(done, 'the logs were not flushed before the exit');
      assert.equal(done.cut, 4);
    } finally {
      await Promise.all((load?.clients ?? []).map((client) => client.destroy()));
      gateway.child.kill('SIGKILL');
    }
  });
});
