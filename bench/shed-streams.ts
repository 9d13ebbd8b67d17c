// `npm run bench:shed`: 5,000 concurrent slow streams (one chunk per 100 ms, the emulator's `delay-chunks` fault) at a
// gateway pinned to one core, to show that load is shed at once (503/429 with retry-after) rather than queued, that
// /healthz stays responsive, and what the gateway's memory peaks at. The gateway runs on core 1, the OpenAI emulator
// and this load on core 0 (with taskset, when there is one), each a separate process started through
// bin/interchange.js. Bounded: one burst of --streams requests, each with a deadline, the whole run with one too.
//
//   npm run bench:shed -- [--streams 5000] [--tokens 30] [--chunk-delay 100] [--connections 256] [--max-queue 256]
//                         [--queue-timeout 1s] [--max-streams N] [--backlog 4096]
//
// Prints: completed / shed / failed counts (shed by code), time to first byte of the completed streams, time to the
// refusal of the shed ones (percentiles) as this client saw them and as the gateway's request log has them (from the
// request's arrival at the handler), the gateway's peak RSS, /healthz latency sampled every 50 ms during the run by a
// process of its own (bench/lib/health-sampler.ts: this process's own event loop is busy with the burst), and the
// kernel's listen-queue overflows during the run (TcpExt ListenOverflows: system-wide). Every client socket,
// and the gateway's to the client and to the emulator, is a file descriptor: the process limit (`ulimit -n`) must
// exceed twice --streams plus the pool's connections; the script says so when it does not.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Pool } from 'undici';
import type { ChildProcess } from 'node:child_process';
import { readRssBytes, sampleRssPeaks } from './lib/process-metrics.ts';
import { freePort, hasTaskset, killAllNow, pinProcess, startNodeProcess, stopProcess, waitForHttp } from './lib/processes.ts';
import type { ManagedProcess } from './lib/processes.ts';
import { percentile } from './lib/statistics.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = 'bin/interchange.js';
const LOAD_CORE = 0;
const GATEWAY_CORE = 1;
const READY_TIMEOUT_MS = 30_000;
const HEALTH_INTERVAL_MS = 50;
const log = (message: string) => process.stderr.write(`[shed] ${message}\n`);
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '5000' },
    tokens: { type: 'string', default: '30' },
    'chunk-delay': { type: 'string', default: '100' },
    connections: { type: 'string', default: '256' },
    'max-queue': { type: 'string', default: '256' },
    'queue-timeout': { type: 'string', default: '1s' },
    'max-streams': { type: 'string' },
    backlog: { type: 'string', default: '4096' },
  },
});
const streams = Math.min(20_000, Number(values.streams));
const tokens = Number(values.tokens);
const chunkDelayMs = Number(values['chunk-delay']);
/** A stream's length (about tokens + 3 events, one per chunk delay), and the run's bound from it. */
const streamMs = (tokens + 3) * chunkDelayMs;
const requestDeadlineMs = streamMs + 30_000;
const runDeadlineMs = requestDeadlineMs + 30_000;

function openFileLimit(): number {
  const limits = readFileSync('/proc/self/limits', 'latin1');
  const match = /Max open files\s+(\d+|unlimited)/.exec(limits);
  return match === null || match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
}

function listenOverflows(): number | undefined {
  try {
    const lines = readFileSync('/proc/net/netstat', 'latin1').split('\n').filter((line) => line.startsWith('TcpExt:'));
    const names = lines[0].trim().split(/\s+/);
    const counts = lines[1].trim().split(/\s+/);
    return Number(counts[names.indexOf('ListenOverflows')]);
  } catch {
    return undefined;
  }
}

function gatewayYaml(gatewayPort: number, emulatorPort: number): string {
  return `listen: 127.0.0.1:${gatewayPort}
limits: { request_timeout: ${Math.ceil(requestDeadlineMs / 1000)}s${values['max-streams'] === undefined ? '' : `, max_streams: ${values['max-streams']}`} }
server: { backlog: ${values.backlog} }
logging: { level: info, requests: true }
auth: { clients: none }
store: { kind: memory }
providers:
  emulator: { kind: openai-compatible, base_url: http://127.0.0.1:${emulatorPort}/v1, connections: ${values.connections}, max_queue: ${values['max-queue']}, queue_timeout: ${values['queue-timeout']} }
models:
  gpt-4o-mini: { channels: [ { provider: emulator, model: gpt-4o-mini } ] }
`;
}

type Outcome = { kind: 'completed'; firstByteMs: number } | { kind: 'shed'; code: string; shedMs: number; retryAfter: boolean } | { kind: 'failed'; reason: string };

const body = JSON.stringify({
  model: 'gpt-4o-mini',
  stream: true,
  max_tokens: tokens,
  messages: [{ role: 'user', content: `Count slowly [emulator-fault: delay-chunks=${chunkDelayMs}]` }],
});

async function oneStream(pool: Pool): Promise<Outcome> {
  const startedAt = performance.now();
  try {
    const response = await pool.request({
      path: '/v1/chat/completions',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      headersTimeout: requestDeadlineMs,
      bodyTimeout: requestDeadlineMs,
    });
    const headersMs = performance.now() - startedAt;
    if (response.statusCode !== 200) {
      const text = await response.body.text();
      let code = `HTTP ${response.statusCode}`;
      try {
        code = (JSON.parse(text) as { error: { code: string } }).error.code;
      } catch {}
      if (response.statusCode === 429 || response.statusCode === 503) return { kind: 'shed', code, shedMs: headersMs, retryAfter: response.headers['retry-after'] !== undefined };
      return { kind: 'failed', reason: code };
    }
    let firstByteMs = -1;
    let tail = '';
    for await (const chunk of response.body) {
      if (firstByteMs < 0) firstByteMs = performance.now() - startedAt;
      tail = (tail + String(chunk)).slice(-64);
    }
    return tail.trimEnd().endsWith('data: [DONE]') ? { kind: 'completed', firstByteMs } : { kind: 'failed', reason: 'stream without [DONE]' };
  } catch (error) {
    return { kind: 'failed', reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
  }
}

/** The first line a child writes to stdout (bounded by `timeoutMs`). */
function lineFrom(child: ChildProcess, timeoutMs: number, startAfter = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    let skipped = 0;
    const timer = setTimeout(() => reject(new Error('the health sampler did not answer')), timeoutMs);
    const onData = (chunk: Buffer) => {
      text += String(chunk);
      let newline = text.indexOf('\n');
      while (newline !== -1) {
        const line = text.slice(0, newline);
        text = text.slice(newline + 1);
        if (skipped++ >= startAfter) {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          resolve(line);
          return;
        }
        newline = text.indexOf('\n');
      }
    };
    child.stdout!.on('data', onData);
  });
}

/** Durations (ms) of the requests the gateway's request log records with one of `statuses`. */
function loggedDurations(logPath: string, statuses: ReadonlySet<number>): number[] {
  const durations: number[] = [];
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { status?: number; durationMs?: number; endpoint?: string };
      if (entry.endpoint === 'chat_completions' && entry.status !== undefined && statuses.has(entry.status) && typeof entry.durationMs === 'number') durations.push(entry.durationMs);
    } catch {}
  }
  return durations;
}

function summary(samples: number[]): string {
  if (samples.length === 0) return 'none';
  const sorted = Float64Array.from(samples).sort();
  const at = (quantile: number) => percentile(sorted, quantile).toFixed(1);
  return `n=${samples.length} p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const limit = openFileLimit();
  const needed = streams * 2 + Number(values.connections) + 200;
  if (limit < needed) log(`warning: the open-file limit is ${limit}, under the ${needed} descriptors this run may need; raise it (ulimit -n) or lower --streams`);
  const pinned = hasTaskset() && pinProcess(process.pid, LOAD_CORE);
  log(pinned ? `load and emulator on core ${LOAD_CORE}, gateway on core ${GATEWAY_CORE}` : 'taskset unavailable: processes are not pinned');

  const directory = mkdtempSync(join(tmpdir(), 'interchange-shed-'));
  const processes: ManagedProcess[] = [];
  try {
    const emulatorPort = await freePort();
    const emulator = startNodeProcess({
      name: 'emulator',
      nodeArguments: [CLI, 'emulate', 'openai', '--host', '127.0.0.1', '--port', String(emulatorPort), '--quiet'],
      core: LOAD_CORE,
      cwd: ROOT,
      logPath: join(directory, 'emulator.log'),
    });
    processes.push(emulator);
    await waitForHttp(`http://127.0.0.1:${emulatorPort}/v1/models`, () => true, emulator, READY_TIMEOUT_MS);

    const gatewayPort = await freePort();
    const configPath = join(directory, 'gateway.yaml');
    writeFileSync(configPath, gatewayYaml(gatewayPort, emulatorPort));
    const gateway = startNodeProcess({
      name: 'gateway',
      nodeArguments: ['--max-semi-space-size=16', CLI, 'serve', '--config', configPath],
      core: GATEWAY_CORE,
      cwd: ROOT,
      logPath: join(directory, 'gateway.log'),
    });
    processes.push(gateway);
    const origin = `http://127.0.0.1:${gatewayPort}`;
    await waitForHttp(`${origin}/healthz`, (status) => status === 200, gateway, READY_TIMEOUT_MS);
    log(`gateway ready (pid ${gateway.pid}, RSS ${((readRssBytes(gateway.pid) ?? 0) / 2 ** 20).toFixed(0)} MiB); ${streams} streams of about ${streamMs} ms`);

    // The probe's connection is open before the burst, as a load balancer's would be. It runs beside the gateway, not
    // beside the load: a probe starved of CPU by the burst it measures would report its own delay as the gateway's.
    const sampler = startNodeProcess({
      name: 'health-sampler',
      nodeArguments: [join(ROOT, 'bench', 'lib', 'health-sampler.ts'), `${origin}/healthz`, String(HEALTH_INTERVAL_MS)],
      core: GATEWAY_CORE,
      cwd: ROOT,
      logPath: null,
    });
    processes.push(sampler);
    const samplerStdout = lineFrom(sampler.child, READY_TIMEOUT_MS);
    if ((await samplerStdout) !== 'ready') throw new Error('the health sampler did not start');
    const pool = new Pool(origin, { connections: streams, pipelining: 1, connectTimeout: 30_000 });

    const rss = sampleRssPeaks(new Map([['gateway', gateway.pid]]), HEALTH_INTERVAL_MS);
    const overflowsBefore = listenOverflows();
    const sampled = lineFrom(sampler.child, runDeadlineMs + 10_000);

    const startedAt = performance.now();
    const burst = Promise.all(Array.from({ length: streams }, () => oneStream(pool)));
    let timer: NodeJS.Timeout | undefined;
    const outcomes = await Promise.race([burst, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), runDeadlineMs)))]);
    clearTimeout(timer);
    const elapsedMs = performance.now() - startedAt;
    sampler.child.stdin?.end();
    const { latenciesMs: health, failures: healthFailures } = JSON.parse(await sampled) as { latenciesMs: number[]; failures: number };
    const peaks = rss.stop();
    const overflowsAfter = listenOverflows();
    await pool.destroy();
    if (outcomes === undefined) throw new Error(`the run passed its ${runDeadlineMs} ms bound`);

    // The request log is written in batches: give the last one time to reach the file.
    await sleep(1_000);
    const completed = outcomes.filter((outcome) => outcome.kind === 'completed');
    const shed = outcomes.filter((outcome) => outcome.kind === 'shed');
    const failed = outcomes.filter((outcome) => outcome.kind === 'failed');
    const count = (items: string[]) => [...items.reduce((counts, item) => counts.set(item, (counts.get(item) ?? 0) + 1), new Map<string, number>())].map(([item, n]) => `${item} ${n}`).join(', ');
    const lines = [
      `gateway: connections ${values.connections}, max_queue ${values['max-queue']}, queue_timeout ${values['queue-timeout']}, backlog ${values.backlog}${values['max-streams'] === undefined ? '' : `, max_streams ${values['max-streams']}`}; taskset ${pinned ? 'yes' : 'no'}`,
      `streams: ${streams} (${tokens} tokens, one chunk per ${chunkDelayMs} ms), run ${(elapsedMs / 1000).toFixed(1)} s`,
      `completed: ${completed.length}, shed: ${shed.length}${shed.length === 0 ? '' : ` (${count(shed.map((outcome) => outcome.code))}; with retry-after ${shed.filter((outcome) => outcome.retryAfter).length})`}, failed: ${failed.length}${failed.length === 0 ? '' : ` (${count(failed.map((outcome) => outcome.reason))})`}`,
      `time to first byte (completed): ${summary(completed.map((outcome) => outcome.firstByteMs))}`,
      `time to shed (503/429), client: ${summary(shed.map((outcome) => outcome.shedMs))}`,
      `time to shed (503/429), gateway's request log: ${summary(loggedDurations(join(directory, 'gateway.log'), new Set([429, 503])))}`,
      `gateway peak RSS: ${(((peaks.get('gateway') ?? 0) as number) / 2 ** 20).toFixed(0)} MiB`,
      `/healthz every ${HEALTH_INTERVAL_MS} ms: ${summary(health)}; failed ${healthFailures}`,
      `listen overflows during the run (system-wide): ${overflowsBefore === undefined || overflowsAfter === undefined ? 'unknown' : overflowsAfter - overflowsBefore}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const managed of processes.reverse()) await stopProcess(managed);
    rmSync(directory, { recursive: true, force: true });
  }
}

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllNow();
    process.exit(130);
  });
}
main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
