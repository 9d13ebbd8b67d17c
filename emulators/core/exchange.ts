/**
 * One request and its response inside an emulator. The response helpers apply the request's fault (cut-after,
 * malformed, delay-chunks) so vendor code only says what to send. Imports nothing from the project.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NO_FAULT, type Fault } from './faults.ts';
import { DEFAULT_USAGE, type UsageDirective } from './usage-marker.ts';

/** Response headers as a flat list: name, value, name, value… (passed to `writeHead` as is). */
export type HeaderList = string[];

/** One stream event, already encoded for the wire (an SSE `data: …\n\n` string, or binary frame). */
export type StreamEvent = string | Uint8Array;

export interface StreamOptions {
  /** Sent after the last event, e.g. `data: [DONE]\n\n`; undefined when the format has none. */
  readonly final: StreamEvent | undefined;
  /** An event the client cannot parse, for the `malformed` fault. */
  readonly malformed: StreamEvent;
  /** The vendor's in-stream error event, for the `error-after` fault. */
  readonly error: StreamEvent;
}

export interface EmulatorStats {
  /** Requests received. */
  requests: number;
  /** Requests whose client disconnected before the emulator finished its response. */
  aborted: number;
  /** Requests in flight. */
  open: number;
}

/** What an exchange needs from the server that owns it. */
export interface ExchangeOwner {
  readonly name: string;
  readonly stats: EmulatorStats;
  /** Undefined when quiet. */
  readonly log: ((line: string) => void) | undefined;
}

const EMPTY = Buffer.alloc(0);
const kExchange = Symbol('emulator.exchange');

type WithExchange = { [kExchange]?: Exchange };

export class Exchange {
  readonly owner: ExchangeOwner;
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  /** `req_` followed by 32 hex characters, unique per emulator process. */
  readonly requestId: string;
  /** `Date.now()` when the request arrived. */
  readonly startedAt: number;
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  /** The query string without `?`; empty when none. */
  readonly query: string;
  /** The raw request body. */
  rawBody: Buffer = EMPTY;
  /** The parsed JSON body; the body text when it is not JSON (then `bodyInvalid`); undefined when empty. */
  body: unknown = undefined;
  bodyInvalid = false;
  /** The fault that applies to this request. */
  fault: Fault = NO_FAULT;
  /** What the request's `[emulator-usage: …]` marker asks the reply's usage to be. */
  usage: UsageDirective = DEFAULT_USAGE;
  /** True once the response is closed: finished, cut by a fault, or abandoned by the client. */
  closed = false;

  /** @internal set when the emulator itself destroys the connection (reset, cut-after, oversized body). */
  destroyedByEmulator = false;
  /** @internal pending delay timer. */
  timer: NodeJS.Timeout | undefined = undefined;
  /** @internal body collection. */
  bodyChunks: Buffer[] | undefined = undefined;
  /** @internal */
  bodyLength = 0;
  /** @internal */
  bodyRejected = false;
  /** @internal the wait before the next stream event is over. */
  delayElapsed = false;

  #queue: StreamEvent[] = [];
  #next = 0;
  #sent = 0;
  #endAfterQueue = true;

  constructor(owner: ExchangeOwner, request: IncomingMessage, response: ServerResponse, requestId: string) {
    this.owner = owner;
    this.request = request;
    this.response = response;
    this.requestId = requestId;
    this.startedAt = Date.now();
    this.method = request.method ?? 'GET';
    const url = request.url ?? '/';
    const question = url.indexOf('?');
    this.path = question < 0 ? url : url.slice(0, question);
    this.query = question < 0 ? '' : url.slice(question + 1);
    (response as WithExchange)[kExchange] = this;
    response.on('close', onResponseClose);
  }

  /** Whole milliseconds since the request arrived. */
  elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  /**
   * Sends a complete response. `headers` gets `content-length` appended. Applies `cut-after` (headers and the first
   * n bytes, at most half the body, then the connection is destroyed) and, for 2xx, `malformed` (the body truncated
   * to half its length).
   */
  send(status: number, headers: HeaderList, body: string | Buffer): void {
    if (this.closed || this.response.headersSent) return;
    const fault = this.fault;
    if (status >= 400 && this.owner.log !== undefined) {
      this.owner.log(`${this.method} ${this.path} -> ${status}${fault.spec !== 'none' ? ` (fault: ${fault.spec})` : ''}`);
    }
    if (fault.cutAfter < 0 && !(fault.malformed && status < 300)) {
      headers.push('content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.length));
      this.response.writeHead(status, headers);
      this.response.end(body);
      return;
    }
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const half = bytes.length >> 1;
    if (fault.cutAfter >= 0) {
      headers.push('content-length', String(bytes.length));
      this.response.writeHead(status, headers);
      const partial = bytes.subarray(0, Math.min(fault.cutAfter, half));
      if (partial.length > 0) this.response.write(partial);
      else this.response.flushHeaders();
      this.cutConnection();
      return;
    }
    const truncated = bytes.subarray(0, half);
    headers.push('content-length', String(truncated.length));
    this.response.writeHead(status, headers);
    this.response.end(truncated);
  }

  /**
   * Sends a streaming response: `events` in order, then `options.final` (e.g. `data: [DONE]\n\n`) and the end of the
   * body. `transfer-encoding: chunked` is added to `headers`. Applies the stream faults:
   * - `delay-chunks`: a wait before every event after the first (the final event included);
   * - `malformed`: `options.malformed` is sent after the first event;
   * - `error-after=n`: after n events, `options.error` (the vendor's in-stream error) and the end of the body, no final;
   * - `cut-after=n`: the connection is destroyed after n events (inserted ones included); the final is never sent.
   */
  stream(status: number, headers: HeaderList, events: StreamEvent[], options: StreamOptions): void {
    if (this.closed || this.response.headersSent) return;
    const fault = this.fault;
    headers.push('transfer-encoding', 'chunked');
    this.response.writeHead(status, headers);
    if (fault.delayChunks === 0 && fault.cutAfter < 0 && fault.errorAfter < 0 && !fault.malformed) {
      if (options.final !== undefined) events.push(options.final);
      this.response.end(joinEvents(events));
      return;
    }
    let final = options.final;
    if (fault.errorAfter >= 0) {
      if (events.length > fault.errorAfter) events.length = fault.errorAfter;
      events.push(options.error);
      final = undefined;
    }
    if (fault.malformed) events.splice(events.length > 0 ? 1 : 0, 0, options.malformed);
    if (fault.cutAfter >= 0) {
      this.#endAfterQueue = false;
    } else if (final !== undefined) {
      events.push(final);
    }
    this.#queue = events;
    this.#next = 0;
    this.#sent = 0;
    this.response.flushHeaders();
    this.continueStream();
  }

  /** @internal writes the next stream events; called again by the delay timer. */
  continueStream(): void {
    const queue = this.#queue;
    const fault = this.fault;
    while (!this.closed) {
      if (fault.cutAfter >= 0 && this.#sent >= fault.cutAfter) {
        this.cutConnection();
        return;
      }
      if (this.#next >= queue.length) {
        if (this.#endAfterQueue) this.response.end();
        else this.cutConnection();
        return;
      }
      if (fault.delayChunks > 0 && this.#next > 0 && !this.delayElapsed) {
        this.timer = setTimeout(resumeStream, fault.delayChunks, this);
        return;
      }
      this.delayElapsed = false;
      this.response.write(queue[this.#next++]);
      this.#sent++;
    }
  }

  /** Destroys the connection now, before any response byte (the `reset` fault). */
  reset(): void {
    this.destroyedByEmulator = true;
    const socket = this.request.socket;
    if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  }

  /** Ends the connection once what was written so far is flushed; the response stays unfinished. */
  cutConnection(): void {
    this.destroyedByEmulator = true;
    const socket = this.response.socket;
    if (socket === null) return;
    socket.end(() => socket.destroy());
  }

  /**
   * Waits `milliseconds`, then calls `then(exchange)` unless the client went away in the meantime.
   * One timer per exchange at a time.
   */
  wait(milliseconds: number, then: (exchange: Exchange) => void): void {
    this.timer = setTimeout(afterWait, milliseconds, this, then);
  }
}

function afterWait(exchange: Exchange, then: (exchange: Exchange) => void): void {
  exchange.timer = undefined;
  if (!exchange.closed) then(exchange);
}

function resumeStream(exchange: Exchange): void {
  exchange.timer = undefined;
  exchange.delayElapsed = true;
  exchange.continueStream();
}

function onResponseClose(this: ServerResponse): void {
  const exchange = (this as WithExchange)[kExchange];
  if (exchange === undefined) return;
  exchange.closed = true;
  if (exchange.timer !== undefined) {
    clearTimeout(exchange.timer);
    exchange.timer = undefined;
  }
  const stats = exchange.owner.stats;
  stats.open--;
  if (!this.writableFinished && !exchange.destroyedByEmulator) stats.aborted++;
}

function joinEvents(events: StreamEvent[]): string | Buffer {
  let allStrings = true;
  for (const event of events) {
    if (typeof event !== 'string') {
      allStrings = false;
      break;
    }
  }
  if (allStrings) return (events as string[]).join('');
  return Buffer.concat(events.map((event) => (typeof event === 'string' ? Buffer.from(event) : event)));
}
