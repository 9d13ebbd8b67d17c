/**
 * Writes a pipeline outcome to an HTTP response with a frontend's encoders: a JSON body, an SSE stream (with
 * back-pressure passed up to the upstream), or an OpenAI-shaped error. Carries the gateway's identifying headers.
 */
import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../errors/index.ts';
import { formatMicros } from '../metering/cost.ts';
import type { Responder } from '../pipeline/responder.ts';
import type { Metered } from '../pipeline/stages.ts';
import type { RouteChannel, RoutePlan } from '../routing/index.ts';
import type { StreamPart } from '../spec/index.ts';
import { sendError, sendJson } from './respond.ts';

/** How a frontend writes stream parts: one encoder per response. */
export interface StreamEncoding {
  /** The event text for a part; '' when the part produces nothing for this client. */
  encode(part: StreamPart): string;
  /** The event that ends a started stream that failed. */
  error(error: GatewayError): string;
  /** The text that ends a stream that succeeded. */
  readonly done: string;
}

export class HttpResponder<Result> implements Responder<Result> {
  readonly #response: ServerResponse;
  readonly #requestId: string;
  readonly #encodeResult: (result: Result) => string;
  readonly #stream: StreamEncoding | undefined;
  // Events decoded in one upstream read go out as one chunk, written once the I/O phase is over (setImmediate): a write
  // per event costs a chunk header and a socket write each, and when the upstream's last event arrived in the same read
  // the end of the stream (settled by then) carries them all in its one write.
  #pending = '';
  #resume: (() => void) | undefined = undefined;
  #drainWatched = false;

  constructor(response: ServerResponse, requestId: string, encodeResult: (result: Result) => string, stream?: StreamEncoding) {
    this.#response = response;
    this.#requestId = requestId;
    this.#encodeResult = encodeResult;
    this.#stream = stream;
  }

  result(result: Result, channel: RouteChannel, plan: RoutePlan, metered: Metered | undefined): void {
    const headers = servedHeaders([], this.#requestId, channel, plan);
    // What the caller's tenant is charged: amount and currency, e.g. `0.001250 USD`.
    if (metered !== undefined) headers.push('x-interchange-cost', formatMicros(metered.chargedMicros, metered.currency));
    sendJson(this.#response, 200, this.#encodeResult(result), headers);
  }

  commit(channel: RouteChannel, plan: RoutePlan): void {
    const headers = ['content-type', 'text/event-stream; charset=utf-8', 'cache-control', 'no-cache', 'x-accel-buffering', 'no'];
    this.#response.writeHead(200, servedHeaders(headers, this.#requestId, channel, plan));
  }

  write(part: StreamPart): boolean {
    const text = this.#stream!.encode(part);
    if (text === '') return true;
    if (this.#pending === '') setImmediate(flushPending, this);
    this.#pending += text;
    return !this.#response.writableNeedDrain;
  }

  onDrain(resume: () => void): void {
    this.#resume = resume;
    if (!this.#drainWatched) {
      this.#drainWatched = true;
      this.#response.on('drain', () => this.#resume?.());
    }
  }

  /** @internal writes the events gathered this tick. */
  flush(): void {
    if (this.#pending === '' || this.#response.destroyed) return;
    const text = this.#pending;
    this.#pending = '';
    this.#response.write(text);
  }

  endStream(): void {
    const unsent = this.#pending;
    this.#pending = '';
    this.#response.end(unsent + this.#stream!.done);
  }

  error(error: GatewayError, plan: RoutePlan | undefined): void {
    const response = this.#response;
    if (!response.headersSent) return sendError(response, error, this.#requestId, plan?.trace.toHeader());
    // The stream had started: end it with an error event, never a silent truncation.
    const unsent = this.#pending;
    this.#pending = '';
    if (!response.destroyed) response.end(unsent + (this.#stream === undefined ? '' : this.#stream.error(error)));
  }
}

/** The headers that say who served a response: the request id, the provider, the upstream model and the route. */
function servedHeaders(headers: string[], requestId: string, channel: RouteChannel, plan: RoutePlan): string[] {
  headers.push('x-request-id', requestId, 'x-interchange-provider', channel.provider, 'x-interchange-model', channel.upstreamModel, 'x-interchange-route', plan.trace.toHeader());
  return headers;
}

function flushPending(responder: { flush(): void }): void {
  responder.flush();
}
