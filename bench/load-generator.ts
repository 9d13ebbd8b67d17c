// The load generator: its own process (pinned to core 0 by run-bench.ts), one undici Client per connection,
// pipelining 1, closed loop (each connection sends its next request as soon as the previous response ends).
// Every latency is recorded (bounded by maxRequests) with process.hrtime.bigint(), so percentiles are exact.
//
// Load comes in segments: warm-up (not recorded), a measured window, then a drain of the requests in flight
// (recorded: they started in the window). Between segments the connections stay open and idle, so run-bench.ts can
// alternate targets in short rounds and machine noise spreads over all of them alike.
//
// Usage:
//   node bench/load-generator.ts '<json GeneratorOptions>'
//     then, on stdin, one JSON command a line: {"command":"segment","warmupMs":200,"durationMs":1000} … and
//     {"command":"finish"}. Stdout gets one JSON event a line: ready, measure-start, measure-end, segment, result.
//     Exits when stdin closes or after options.lifetimeMs, whichever comes first.
//   node bench/load-generator.ts '<json GeneratorOptions>' --once <warmupMs> <durationMs>
//     one segment, then the result, then exit (for trying it by hand).

import { createInterface } from 'node:readline';
import { Client } from 'undici';
import type { Dispatcher } from 'undici';
import { ContentDeltaScanner, countDataEvents, GEMINI_TEXT_KEY, MarkerScanner, OPENAI_CONTENT_KEY } from './lib/content-delta.ts';
import type { ResponseFormat } from './lib/request-body.ts';
import { summarize } from './lib/statistics.ts';
import type { LatencySummary } from './lib/statistics.ts';

export type GeneratorOptions = {
  /** Origin, e.g. http://127.0.0.1:8080 */
  origin: string;
  path: string;
  body: string;
  headers: Record<string, string>;
  streaming: boolean;
  /** How responses look (default openai): Gemini streams have `"text"` parts and end with a finishReason, no [DONE]. */
  format?: ResponseFormat;
  connections: number;
  /** Cap on requests recorded over all segments (bounds memory); when hit, the current window ends early. */
  maxRequests: number;
  /** Per-request headers/body timeout. */
  requestTimeoutMs: number;
  /** Hard limit on the life of the process. */
  lifetimeMs: number;
};

export type SegmentResult = {
  seconds: number;
  completed: number;
  requestsPerSecond: number;
  /** CPU used by this process during the window, as a fraction of one core. */
  generatorCpu: number;
  /** The latencies of this segment alone (requests started in its window): run-bench.ts pairs rounds with them. */
  latency: LatencySummary | null;
  /** Streaming only: this segment's times to first content chunk. */
  timeToFirstChunk: LatencySummary | null;
};

export type LoadResult = {
  connections: number;
  streaming: boolean;
  segments: SegmentResult[];
  /** Seconds of all measured windows together. */
  windowSeconds: number;
  /** Successful responses completed inside the measured windows, per second of window. */
  requestsPerSecond: number;
  completedInWindow: number;
  /** Requests started in a measured window and completed (the latency sample). */
  recorded: number;
  capped: boolean;
  /** Transport errors and timeouts, in any phase (warm-up included). */
  errors: number;
  /** Responses with a status outside 2xx, in any phase. */
  non2xx: number;
  /** Streams that ended without any content delta or without `data: [DONE]` (Gemini: without a finishReason). */
  incompleteStreams: number;
  firstError: string | null;
  /** Non-streaming: whole response. Streaming: full stream, request start to last byte. */
  latency: LatencySummary | null;
  /** Streaming only: request start to the first body chunk carrying a non-empty content delta. */
  timeToFirstChunk: LatencySummary | null;
  meanResponseBytes: number;
  /** Streaming only: mean SSE `data:` events per stream. */
  meanEventsPerStream: number;
  /** CPU used by this process during the windows, as a fraction of one core (near 1 = generator saturated). */
  generatorCpu: number;
};

type Phase = 'idle' | 'warmup' | 'measure' | 'drain';

const DONE_MARKER = Buffer.from('[DONE]');

function now(): bigint {
  return process.hrtime.bigint();
}

function toMilliseconds(nanoseconds: bigint): number {
  return Number(nanoseconds) / 1e6;
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** One connection: a Client and a reusable dispatch handler; sends the next request when the last one ends. */
class Connection {
  generator: LoadGenerator;
  client: Client;
  scanner: ContentDeltaScanner;
  /** Gemini only: has the stream said `"finishReason"` (its end; Gemini sends no [DONE]). */
  finishScanner: MarkerScanner | null;
  dispatchOptions: Dispatcher.DispatchOptions;
  handler: Dispatcher.DispatchHandler;
  start = 0n;
  /** The request was sent inside a measured window: its latency is kept. */
  recordable = false;
  firstChunkAt = 0n;
  statusCode = 0;
  bytes = 0;
  events = 0;
  lastChunk: Buffer | null = null;
  active = false;
  idleWaiter: (() => void) | null = null;

  constructor(generator: LoadGenerator, body: Buffer) {
    this.generator = generator;
    const { options } = generator;
    const gemini = options.format === 'gemini';
    this.scanner = new ContentDeltaScanner(gemini ? GEMINI_TEXT_KEY : OPENAI_CONTENT_KEY);
    this.finishScanner = gemini ? new MarkerScanner('"finishReason"') : null;
    this.client = new Client(options.origin, {
      pipelining: 1,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
      keepAliveTimeout: 120_000,
    });
    this.dispatchOptions = {
      path: options.path,
      method: 'POST',
      headers: { ...options.headers, 'content-length': String(body.length) },
      body,
    };
    const connection = this;
    this.handler = {
      onRequestStart() {},
      onResponseStart(_controller, statusCode) {
        connection.statusCode = statusCode;
      },
      onResponseData(_controller, chunk) {
        connection.onData(chunk);
      },
      onResponseEnd() {
        connection.onEnd();
      },
      onResponseError(_controller, error) {
        connection.onError(error);
      },
    };
  }

  send(): void {
    const { generator } = this;
    const phase = generator.phase;
    if (phase === 'idle' || phase === 'drain' || generator.capped) {
      this.active = false;
      const waiter = this.idleWaiter;
      this.idleWaiter = null;
      waiter?.();
      return;
    }
    this.active = true;
    this.recordable = phase === 'measure';
    this.statusCode = 0;
    this.bytes = 0;
    this.events = 0;
    this.lastChunk = null;
    this.firstChunkAt = 0n;
    this.scanner.reset();
    this.finishScanner?.reset();
    this.start = now();
    this.client.dispatch(this.dispatchOptions, this.handler);
  }

  onData(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (!this.generator.options.streaming) return;
    if (this.firstChunkAt === 0n && this.scanner.push(chunk)) this.firstChunkAt = now();
    this.events += countDataEvents(chunk);
    this.lastChunk = chunk;
    this.finishScanner?.push(chunk);
  }

  onEnd(): void {
    const end = now();
    const { generator } = this;
    const ok = this.statusCode >= 200 && this.statusCode <= 299;
    // Throughput: every successful completion that lands inside the window.
    if (ok && generator.phase === 'measure') generator.segmentCompleted++;
    if (!ok) {
      // Failures count in every phase, warm-up included: a target that fails is never a fast target.
      generator.non2xx++;
      if (generator.firstError === null) generator.firstError = `HTTP ${this.statusCode}`;
    } else if (this.recordable) {
      // Latency: every request started inside the window (those in flight at its end are drained and kept).
      if (generator.recorded < generator.latency.length) {
        generator.latency[generator.recorded++] = toMilliseconds(end - this.start);
        generator.responseBytes += this.bytes;
        if (generator.options.streaming) {
          generator.dataEvents += this.events;
          if (this.firstChunkAt === 0n || !this.endsWithDone()) generator.incompleteStreams++;
          if (this.firstChunkAt !== 0n) {
            generator.firstChunk[generator.firstChunkRecorded++] = toMilliseconds(this.firstChunkAt - this.start);
          }
        }
        if (generator.recorded === generator.latency.length) generator.capped = true;
      }
    }
    this.send();
  }

  endsWithDone(): boolean {
    if (this.finishScanner !== null) return this.finishScanner.found;
    const chunk = this.lastChunk;
    if (chunk === null) return false;
    // `data: [DONE]` is the last event; allow trailing newlines.
    return chunk.indexOf(DONE_MARKER, Math.max(0, chunk.length - 24)) !== -1;
  }

  onError(error: Error): void {
    this.generator.error(`${error.name}: ${error.message}`);
    // Back off a little so a dead target does not turn into a hot loop.
    setTimeout(() => this.send(), 10);
  }

  waitIdle(): Promise<void> {
    if (!this.active) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiter = resolve;
    });
  }
}

export class LoadGenerator {
  options: GeneratorOptions;
  connections: Connection[] = [];
  phase: Phase = 'idle';
  latency: Float64Array;
  firstChunk: Float64Array;
  recorded = 0;
  firstChunkRecorded = 0;
  segmentCompleted = 0;
  errors = 0;
  non2xx = 0;
  incompleteStreams = 0;
  firstError: string | null = null;
  responseBytes = 0;
  dataEvents = 0;
  capped = false;
  segments: SegmentResult[] = [];
  cpuMicroseconds = 0;

  constructor(options: GeneratorOptions) {
    this.options = options;
    this.latency = new Float64Array(options.maxRequests);
    this.firstChunk = new Float64Array(options.streaming ? options.maxRequests : 0);
    const body = Buffer.from(options.body);
    for (let index = 0; index < options.connections; index++) this.connections.push(new Connection(this, body));
  }

  error(message: string): void {
    this.errors++;
    if (this.firstError === null) this.firstError = message;
  }

  /** Warm-up, measured window, drain. `onEdge` is told when the window starts and ends. */
  async segment(warmupMs: number, durationMs: number, onEdge: (edge: 'measure-start' | 'measure-end') => void): Promise<SegmentResult> {
    const recordedBefore = this.recorded;
    const firstChunksBefore = this.firstChunkRecorded;
    this.phase = 'warmup';
    for (const connection of this.connections) if (!connection.active) connection.send();
    if (warmupMs > 0) await sleep(warmupMs);

    this.segmentCompleted = 0;
    this.phase = 'measure';
    const measureStart = now();
    const cpuStart = process.cpuUsage();
    onEdge('measure-start');
    const deadline = measureStart + BigInt(Math.round(durationMs * 1e6));
    while (!this.capped) {
      const left = toMilliseconds(deadline - now());
      if (left <= 0) break;
      await sleep(Math.min(50, Math.max(1, left)));
    }
    const measureEnd = now();
    this.phase = 'drain';
    const cpu = process.cpuUsage(cpuStart);
    onEdge('measure-end');

    // Let in-flight requests finish (bounded).
    const drained = Promise.all(this.connections.map((connection) => connection.waitIdle()));
    const timeout = sleep(this.options.requestTimeoutMs + 1000).then(() => 'timeout' as const);
    if ((await Promise.race([drained, timeout])) === 'timeout') {
      this.error('drain timed out: requests still in flight after the window');
    }
    this.phase = 'idle';

    const seconds = Number(measureEnd - measureStart) / 1e9;
    const cpuMicroseconds = cpu.user + cpu.system;
    this.cpuMicroseconds += cpuMicroseconds;
    const result: SegmentResult = {
      seconds,
      completed: this.segmentCompleted,
      requestsPerSecond: this.segmentCompleted / seconds,
      generatorCpu: cpuMicroseconds / 1e6 / seconds,
      // Summarized after the drain, between windows: the sort never runs while a target is measured.
      latency: summarize(this.latency.subarray(recordedBefore, this.recorded), this.recorded - recordedBefore),
      timeToFirstChunk: this.options.streaming
        ? summarize(this.firstChunk.subarray(firstChunksBefore, this.firstChunkRecorded), this.firstChunkRecorded - firstChunksBefore)
        : null,
    };
    this.segments.push(result);
    return result;
  }

  summary(): LoadResult {
    let windowSeconds = 0;
    let completed = 0;
    for (const segment of this.segments) {
      windowSeconds += segment.seconds;
      completed += segment.completed;
    }
    const streaming = this.options.streaming;
    return {
      connections: this.options.connections,
      streaming,
      segments: this.segments,
      windowSeconds,
      requestsPerSecond: windowSeconds > 0 ? completed / windowSeconds : 0,
      completedInWindow: completed,
      recorded: this.recorded,
      capped: this.capped,
      errors: this.errors,
      non2xx: this.non2xx,
      incompleteStreams: this.incompleteStreams,
      firstError: this.firstError,
      latency: summarize(this.latency, this.recorded),
      timeToFirstChunk: streaming ? summarize(this.firstChunk, this.firstChunkRecorded) : null,
      meanResponseBytes: this.recorded === 0 ? 0 : this.responseBytes / this.recorded,
      meanEventsPerStream: this.recorded === 0 || !streaming ? 0 : this.dataEvents / this.recorded,
      generatorCpu: windowSeconds > 0 ? this.cpuMicroseconds / 1e6 / windowSeconds : 0,
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((connection) => connection.client.destroy().catch(() => {})));
  }
}

function emit(event: object): void {
  process.stdout.write(JSON.stringify(event) + '\n');
}

type Command = { command: 'segment'; warmupMs: number; durationMs: number } | { command: 'finish' };

async function serve(generator: LoadGenerator): Promise<void> {
  emit({ event: 'ready' });
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const command = JSON.parse(line) as Command;
    if (command.command === 'segment') {
      const result = await generator.segment(command.warmupMs, command.durationMs, (edge) => emit({ event: edge }));
      emit({ event: 'segment', ...result });
    } else if (command.command === 'finish') {
      emit({ event: 'result', ...generator.summary() });
      await generator.close();
      process.exit(0);
    }
  }
  // stdin closed without "finish": the harness is gone.
  process.exit(3);
}

if (import.meta.main) {
  const options = JSON.parse(process.argv[2] ?? '') as GeneratorOptions;
  const hardLimit = setTimeout(() => {
    process.stderr.write('load-generator: hard time limit reached\n');
    process.exit(2);
  }, options.lifetimeMs);
  hardLimit.unref();
  const generator = new LoadGenerator(options);
  const once = process.argv.indexOf('--once');
  const work =
    once === -1
      ? serve(generator)
      : generator
          .segment(Number(process.argv[once + 1]), Number(process.argv[once + 2]), () => {})
          .then(async () => {
            emit({ event: 'result', ...generator.summary() });
            await generator.close();
            process.exit(0);
          });
  work.catch((error: unknown) => {
    process.stderr.write(`load-generator: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
