// Interleaved load at one connection: requests to several targets in turn (A, B, C, D, A, B, …), one at a time, each
// latency recorded for its own target. Every target then samples the same stretches of machine at a grain of one
// request, so a hiccup of the machine (a stolen time slice, a slow second) lands on all of them alike instead of on
// whichever target held the core during that round. The latency comparisons between upstreams use it: two targets
// measured this way differ by what they cost, not by when they ran.
//
// Usage:
//   node bench/interleaved-load.ts '<json InterleavedOptions>'
//     runs the warm-up, then the measured window, prints one JSON line (InterleavedResult) and exits.

import { Client } from 'undici';
import type { Dispatcher } from 'undici';
import { ContentDeltaScanner, OPENAI_CONTENT_KEY } from './lib/content-delta.ts';
import { summarize } from './lib/statistics.ts';
import type { LatencySummary } from './lib/statistics.ts';

export type InterleavedTarget = {
  label: string;
  /** Origin, e.g. http://127.0.0.1:8080 */
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
};

export type InterleavedOptions = {
  targets: InterleavedTarget[];
  streaming: boolean;
  warmupMs: number;
  durationMs: number;
  /** Cap on requests recorded per target (bounds memory); the window ends early when a target reaches it. */
  maxRequestsPerTarget: number;
  requestTimeoutMs: number;
};

export type InterleavedTargetResult = {
  label: string;
  /** Successful requests started in the window. */
  recorded: number;
  /** Failed requests (transport errors and non-2xx), any phase. */
  failures: number;
  firstError: string | null;
  /** Non-streaming: whole response. Streaming: request start to the end of the stream. */
  latency: LatencySummary | null;
  /** Streaming only: request start to the first body chunk carrying a non-empty content delta. */
  timeToFirstChunk: LatencySummary | null;
};

export type InterleavedResult = {
  streaming: boolean;
  windowSeconds: number;
  targets: InterleavedTargetResult[];
};

type Outcome = { ok: boolean; error: string | null; totalMs: number; firstChunkMs: number | null };

/** One target: its own connection and a reusable dispatch handler. */
class Lane {
  readonly client: Client;
  readonly options: Dispatcher.DispatchOptions;
  readonly scanner = new ContentDeltaScanner(OPENAI_CONTENT_KEY);
  readonly latency: Float64Array;
  readonly firstChunk: Float64Array;
  recorded = 0;
  firstChunks = 0;
  failures = 0;
  firstError: string | null = null;

  readonly target: InterleavedTarget;

  constructor(target: InterleavedTarget, maxRequests: number, streaming: boolean, timeoutMs: number) {
    this.target = target;
    this.client = new Client(target.origin, { pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 120_000 });
    const body = Buffer.from(target.body);
    this.options = { path: target.path, method: 'POST', headers: { ...target.headers, 'content-length': String(body.length) }, body };
    this.latency = new Float64Array(maxRequests);
    this.firstChunk = new Float64Array(streaming ? maxRequests : 0);
  }

  /** Sends one request and resolves when its response has ended (or failed). */
  send(streaming: boolean): Promise<Outcome> {
    return new Promise((resolve) => {
      const start = process.hrtime.bigint();
      let status = 0;
      let firstChunkAt = 0n;
      const scanner = this.scanner;
      scanner.reset();
      const elapsed = (at: bigint) => Number(at - start) / 1e6;
      this.client.dispatch(this.options, {
        onRequestStart() {},
        onResponseStart(_controller, statusCode) {
          status = statusCode;
        },
        onResponseData(_controller, chunk) {
          if (streaming && firstChunkAt === 0n && scanner.push(chunk)) firstChunkAt = process.hrtime.bigint();
        },
        onResponseEnd() {
          const end = process.hrtime.bigint();
          const ok = status >= 200 && status <= 299 && (!streaming || firstChunkAt !== 0n);
          resolve({ ok, error: ok ? null : `HTTP ${status}${streaming && firstChunkAt === 0n ? ' (no content delta)' : ''}`, totalMs: elapsed(end), firstChunkMs: firstChunkAt === 0n ? null : elapsed(firstChunkAt) });
        },
        onResponseError(_controller, error) {
          resolve({ ok: false, error: `${error.name}: ${error.message}`, totalMs: elapsed(process.hrtime.bigint()), firstChunkMs: null });
        },
      });
    });
  }

  record(outcome: Outcome): boolean {
    if (!outcome.ok) {
      this.failures++;
      this.firstError ??= outcome.error;
      return true;
    }
    if (this.recorded >= this.latency.length) return false;
    this.latency[this.recorded++] = outcome.totalMs;
    if (outcome.firstChunkMs !== null) this.firstChunk[this.firstChunks++] = outcome.firstChunkMs;
    return this.recorded < this.latency.length;
  }

  result(streaming: boolean): InterleavedTargetResult {
    return {
      label: this.target.label,
      recorded: this.recorded,
      failures: this.failures,
      firstError: this.firstError,
      latency: summarize(this.latency, this.recorded),
      timeToFirstChunk: streaming ? summarize(this.firstChunk, this.firstChunks) : null,
    };
  }
}

export async function runInterleaved(options: InterleavedOptions): Promise<InterleavedResult> {
  if (options.targets.length < 2) throw new Error('interleaved load needs at least two targets');
  const lanes = options.targets.map((target) => new Lane(target, options.maxRequestsPerTarget, options.streaming, options.requestTimeoutMs));
  try {
    const warmupEnd = performance.now() + options.warmupMs;
    for (let turn = 0; performance.now() < warmupEnd; turn++) {
      const lane = lanes[turn % lanes.length];
      const outcome = await lane.send(options.streaming);
      if (!outcome.ok) lane.record(outcome);
    }
    const start = performance.now();
    const end = start + options.durationMs;
    // Whole cycles only, so every target gets the same number of turns; each cycle in a new random order, so no target
    // always follows the same one (a gateway request right after another gateway request finds warmer caches).
    const order = [...lanes];
    let going = true;
    while (going && performance.now() < end) {
      for (let index = order.length - 1; index > 0; index--) {
        const other = Math.floor(Math.random() * (index + 1));
        [order[index], order[other]] = [order[other], order[index]];
      }
      for (const lane of order) {
        if (!lane.record(await lane.send(options.streaming))) going = false;
      }
    }
    const windowSeconds = (performance.now() - start) / 1000;
    return { streaming: options.streaming, windowSeconds, targets: lanes.map((lane) => lane.result(options.streaming)) };
  } finally {
    await Promise.all(lanes.map((lane) => lane.client.destroy().catch(() => {})));
  }
}

if (import.meta.main) {
  const options = JSON.parse(process.argv[2] ?? '') as InterleavedOptions;
  const hardLimit = setTimeout(
    () => {
      process.stderr.write('interleaved-load: hard time limit reached\n');
      process.exit(2);
    },
    options.warmupMs + options.durationMs + options.requestTimeoutMs + 30_000,
  );
  hardLimit.unref();
  runInterleaved(options).then(
    (result) => {
      process.stdout.write(JSON.stringify(result) + '\n');
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`interleaved-load: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
