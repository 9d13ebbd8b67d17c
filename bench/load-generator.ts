// The load generator, its own process (pinned to core 0 by run-bench.ts): one undici Client per connection,
// pipelining 1, closed loop (a connection sends its next request as soon as the last response ends). Every latency is
// kept (up to maxRequests), timed with process.hrtime.bigint(), so percentiles are exact.
//
// Load comes in segments: warm-up (not recorded), a measured window, then a drain of the requests in flight (kept:
// they started in the window). Connections stay open between segments, so run-bench.ts can alternate targets.
//
// Usage: node bench/load-generator.ts '<json GeneratorOptions>', then on stdin one JSON command a line:
// {"command":"segment","warmupMs":200,"durationMs":1000} … {"command":"finish"}. Stdout gets one JSON event a line:
// ready, measure-start, measure-end, segment, result. Exits when stdin closes or after lifetimeMs.

import { createInterface } from 'node:readline';
import { Client } from 'undici';
import type { Dispatcher } from 'undici';
import { countDataEvents, GEMINI_FINISH, GEMINI_TEXT, OPENAI_CONTENT, RESPONSES_DELTA, RESPONSES_END, StreamMatcher } from './lib/content-delta.ts';
import type { ResponseFormat } from './lib/request-body.ts';
import { summarize } from './lib/statistics.ts';
import type { LatencySummary } from './lib/statistics.ts';

export type GeneratorOptions = {
  origin: string;
  path: string;
  body: string;
  headers: Record<string, string>;
  streaming: boolean;
  /** Default openai. Gemini streams carry `"text"` parts and end with a finishReason, no [DONE]. */
  format?: ResponseFormat;
  connections: number;
  /** Cap on latencies kept over all segments (bounds memory); when hit, the current window ends early. */
  maxRequests: number;
  requestTimeoutMs: number;
  /** Hard limit on the life of the process. */
  lifetimeMs: number;
};

export type SegmentResult = {
  seconds: number;
  completed: number;
  requestsPerSecond: number;
  /** This process's CPU during the window, as a fraction of one core. */
  generatorCpu: number;
  /** Latencies of the requests started in this segment's window. */
  latency: LatencySummary | null;
  timeToFirstChunk: LatencySummary | null;
};

export type LoadResult = {
  connections: number;
  streaming: boolean;
  segments: SegmentResult[];
  windowSeconds: number;
  /** Successful responses completed inside the measured windows, per second of window. */
  requestsPerSecond: number;
  completedInWindow: number;
  /** Requests started in a window and completed: the latency sample. */
  recorded: number;
  capped: boolean;
  /** Transport errors and timeouts, in any phase (warm-up included). */
  errors: number;
  non2xx: number;
  /** Streams without a content delta or without their end (`data: [DONE]`; Gemini: a finishReason). */
  incompleteStreams: number;
  firstError: string | null;
  /** Non-streaming: the whole response. Streaming: request start to the stream's last byte. */
  latency: LatencySummary | null;
  /** Streaming: request start to the first body chunk carrying a non-empty content delta. */
  timeToFirstChunk: LatencySummary | null;
  meanResponseBytes: number;
  meanEventsPerStream: number;
  generatorCpu: number;
};

type Phase = 'idle' | 'warmup' | 'measure' | 'drain';

const DONE_MARKER = Buffer.from('[DONE]');
const now = () => process.hrtime.bigint();
const milliseconds = (nanoseconds: bigint) => Number(nanoseconds) / 1e6;
const sleep = (delay: number) => new Promise((resolve) => setTimeout(resolve, delay));

/** One connection: a Client and one reusable dispatch handler; sends the next request when the last one ends. */
class Connection {
  generator: LoadGenerator;
  client: Client;
  scanner: StreamMatcher;
  /** Gemini: the stream's end is a `"finishReason"`, not [DONE]. */
  finishScanner: StreamMatcher | null;
  dispatchOptions: Dispatcher.DispatchOptions;
  handler: Dispatcher.DispatchHandler;
  start = 0n;
  /** Sent inside a measured window: its latency is kept. */
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
    const format = options.format ?? 'openai';
    this.scanner = new StreamMatcher(format === 'gemini' ? GEMINI_TEXT : format === 'responses' ? RESPONSES_DELTA : OPENAI_CONTENT);
    this.finishScanner = format === 'gemini' ? new StreamMatcher(GEMINI_FINISH) : format === 'responses' ? new StreamMatcher(RESPONSES_END) : null;
    this.client = new Client(options.origin, {
      pipelining: 1,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
      keepAliveTimeout: 120_000,
    });
    this.dispatchOptions = { path: options.path, method: 'POST', headers: { ...options.headers, 'content-length': String(body.length) }, body };
    this.handler = {
      onRequestStart: () => {},
      onResponseStart: (_controller, statusCode) => {
        this.statusCode = statusCode;
      },
      onResponseData: (_controller, chunk) => this.onData(chunk),
      onResponseEnd: () => this.onEnd(),
      onResponseError: (_controller, error) => {
        this.generator.error(`${error.name}: ${error.message}`);
        // Back off a little so a dead target does not turn into a hot loop.
        setTimeout(() => this.send(), 10);
      },
    };
  }

  send(): void {
    const { phase, capped } = this.generator;
    if (phase === 'idle' || phase === 'drain' || capped) {
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
    const generator = this.generator;
    const ok = this.statusCode >= 200 && this.statusCode <= 299;
    if (ok && generator.phase === 'measure') generator.segmentCompleted++;
    if (!ok) {
      // Counted in every phase, warm-up included: a target that fails is never a fast target.
      generator.non2xx++;
      generator.firstError ??= `HTTP ${this.statusCode}`;
    } else if (this.recordable && generator.recorded < generator.latency.length) {
      generator.latency[generator.recorded++] = milliseconds(end - this.start);
      generator.responseBytes += this.bytes;
      if (generator.options.streaming) {
        generator.dataEvents += this.events;
        if (this.firstChunkAt === 0n || !this.ended()) generator.incompleteStreams++;
        if (this.firstChunkAt !== 0n) generator.firstChunk[generator.firstChunkRecorded++] = milliseconds(this.firstChunkAt - this.start);
      }
      if (generator.recorded === generator.latency.length) generator.capped = true;
    }
    this.send();
  }

  ended(): boolean {
    if (this.finishScanner !== null) return this.finishScanner.found;
    // `data: [DONE]` is the last event, maybe followed by newlines.
    const chunk = this.lastChunk;
    return chunk !== null && chunk.indexOf(DONE_MARKER, Math.max(0, chunk.length - 24)) !== -1;
  }

  waitIdle(): Promise<void> {
    return this.active ? new Promise((resolve) => (this.idleWaiter = resolve)) : Promise.resolve();
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
    this.firstError ??= message;
  }

  /** Warm-up, measured window, drain; `onEdge` is told when the window starts and ends. */
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
    for (let left = durationMs; left > 0 && !this.capped; left = milliseconds(deadline - now())) await sleep(Math.min(50, Math.max(1, left)));
    const seconds = Number(now() - measureStart) / 1e9;
    this.phase = 'drain';
    const cpu = process.cpuUsage(cpuStart);
    onEdge('measure-end');

    const drained = Promise.all(this.connections.map((connection) => connection.waitIdle()));
    if ((await Promise.race([drained, sleep(this.options.requestTimeoutMs + 1000).then(() => 'timeout')])) === 'timeout') {
      this.error('drain timed out: requests still in flight after the window');
    }
    this.phase = 'idle';

    this.cpuMicroseconds += cpu.user + cpu.system;
    const result: SegmentResult = {
      seconds,
      completed: this.segmentCompleted,
      requestsPerSecond: this.segmentCompleted / seconds,
      generatorCpu: (cpu.user + cpu.system) / 1e6 / seconds,
      // Summarized after the drain: the sort never runs while a target is measured.
      latency: summarize(this.latency.subarray(recordedBefore, this.recorded), this.recorded - recordedBefore),
      timeToFirstChunk: this.options.streaming
        ? summarize(this.firstChunk.subarray(firstChunksBefore, this.firstChunkRecorded), this.firstChunkRecorded - firstChunksBefore)
        : null,
    };
    this.segments.push(result);
    return result;
  }

  summary(): LoadResult {
    const windowSeconds = this.segments.reduce((sum, segment) => sum + segment.seconds, 0);
    const completed = this.segments.reduce((sum, segment) => sum + segment.completed, 0);
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

if (import.meta.main) {
  const options = JSON.parse(process.argv[2] ?? '') as GeneratorOptions;
  setTimeout(() => {
    process.stderr.write('load-generator: hard time limit reached\n');
    process.exit(2);
  }, options.lifetimeMs).unref();
  const emit = (event: object) => process.stdout.write(JSON.stringify(event) + '\n');
  const generator = new LoadGenerator(options);
  const serve = async () => {
    emit({ event: 'ready' });
    for await (const line of createInterface({ input: process.stdin })) {
      if (line.trim() === '') continue;
      const command = JSON.parse(line) as { command: 'segment'; warmupMs: number; durationMs: number } | { command: 'finish' };
      if (command.command === 'segment') {
        emit({ event: 'segment', ...(await generator.segment(command.warmupMs, command.durationMs, (edge) => emit({ event: edge }))) });
      } else {
        emit({ event: 'result', ...generator.summary() });
        await generator.close();
        process.exit(0);
      }
    }
    // stdin closed without "finish": the harness is gone.
    process.exit(3);
  };
  serve().catch((error: unknown) => {
    process.stderr.write(`load-generator: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
