/**
 * A Responses API event stream (`event: response.output_text.delta` / `data: {…}` …) as stream parts: `start` on
 * `response.created`, text, reasoning and function call deltas, then `finish` and `usage` from the response that
 * `response.completed` (or `response.incomplete`) carries. An `error` event or `response.failed` fails the stream with
 * the upstream's error; before the first part, another channel may still serve.
 */
import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';
import { GatewayError } from '../../errors/index.ts';
import type { StreamPart } from '../../spec/index.ts';
import type { StreamSink } from '../adapter.ts';
import { answeredUpstream, truncateBody, unusableAnswer, type UpstreamIdentity } from '../http/transport-error.ts';
import { convertResponsesUsage, responsesFinishReason, type ResponseObject } from './convert-responses.ts';

/** The largest single SSE event accepted from an upstream before the stream is refused (a completed response repeats the whole output). */
const maxEventBytes = 8 * 1024 * 1024;

interface ResponsesEvent {
  type?: unknown;
  delta?: unknown;
  output_index?: unknown;
  item?: { type?: unknown; call_id?: unknown; name?: unknown; arguments?: unknown } | null;
  response?: ResponseObject | null;
  code?: unknown;
  message?: unknown;
}

export class ResponsesStreamDecoder {
  readonly #sink: StreamSink;
  readonly #identity: UpstreamIdentity;
  readonly #parser: EventSourceParser;
  readonly #textDecoder = new TextDecoder();
  #started = false;
  #finished = false;
  #saturated = false;
  #error: GatewayError | undefined = undefined;
  /** Each function call's output index → its tool call index; made when the first call arrives. */
  #toolIndexes: Map<number, number> | undefined = undefined;

  constructor(sink: StreamSink, identity: UpstreamIdentity) {
    this.#sink = sink;
    this.#identity = identity;
    this.#parser = createParser({ onEvent: (event) => this.#onEvent(event), maxBufferSize: maxEventBytes });
  }

  /** True once any part reached the sink. */
  get started(): boolean {
    return this.#started;
  }

  /** The error that stopped decoding, if any. */
  get error(): GatewayError | undefined {
    return this.#error;
  }

  /** Feeds a body chunk; returns false when the sink asked to pause. */
  push(chunk: Buffer): boolean {
    if (this.#error !== undefined || this.#finished) return true;
    this.#saturated = false;
    try {
      this.#parser.feed(this.#textDecoder.decode(chunk, { stream: true }));
    } catch (error) {
      this.#fail(`stream event larger than ${maxEventBytes} bytes`, error);
    }
    return !this.#saturated;
  }

  /** Call when the upstream body ended; returns the error that makes the stream incomplete, if any. */
  end(): GatewayError | undefined {
    if (this.#error === undefined && !this.#finished) {
      this.#fail(this.#started ? 'stream ended before response.completed' : 'stream ended before its first event');
    }
    return this.#error;
  }

  #onEvent(message: EventSourceMessage): void {
    if (this.#error !== undefined || this.#finished) return;
    const data = message.data;
    if (data === '[DONE]') return;
    let event: ResponsesEvent;
    try {
      event = JSON.parse(data) as ResponsesEvent;
    } catch (error) {
      this.#fail(`malformed stream event: ${truncateBody(data, 120)}`, error);
      return;
    }
    if (event === null || typeof event !== 'object') {
      this.#fail(`stream event is not an object: ${truncateBody(data, 120)}`);
      return;
    }
    switch (event.type ?? message.event) {
      case 'response.created':
        this.#start(event.response);
        return;
      case 'response.output_text.delta':
        if (typeof event.delta === 'string' && event.delta !== '') this.#write({ type: 'text-delta', delta: event.delta });
        return;
      case 'response.reasoning_text.delta':
      case 'response.reasoning_summary_text.delta':
        if (typeof event.delta === 'string' && event.delta !== '') this.#write({ type: 'reasoning-delta', delta: event.delta });
        return;
      case 'response.output_item.added': {
        const item = event.item;
        if (item?.type !== 'function_call' || typeof event.output_index !== 'number') return;
        const indexes = (this.#toolIndexes ??= new Map());
        const index = indexes.size;
        indexes.set(event.output_index, index);
        this.#write({
          type: 'tool-call-delta',
          index,
          id: typeof item.call_id === 'string' ? item.call_id : undefined,
          name: typeof item.name === 'string' ? item.name : undefined,
          argumentsDelta: typeof item.arguments === 'string' ? item.arguments : '',
        });
        return;
      }
      case 'response.output_item.done': {
        // The items the gateway models arrive as deltas; any other (a hosted tool's call) is handed on whole.
        const item = event.item;
        const type = item?.type;
        if (typeof type === 'string' && type !== 'message' && type !== 'reasoning' && type !== 'function_call') this.#write({ type: 'output-item', item: item as Record<string, unknown> });
        return;
      }
      case 'response.function_call_arguments.delta': {
        const index = typeof event.output_index === 'number' ? this.#toolIndexes?.get(event.output_index) : undefined;
        if (index !== undefined && typeof event.delta === 'string' && event.delta !== '') {
          this.#write({ type: 'tool-call-delta', index, id: undefined, name: undefined, argumentsDelta: event.delta });
        }
        return;
      }
      case 'response.completed':
      case 'response.incomplete': {
        const response = event.response ?? {};
        this.#start(response);
        this.#finished = true;
        this.#write({ type: 'finish', finishReason: responsesFinishReason(response, this.#toolIndexes !== undefined) });
        const usage = convertResponsesUsage(response.usage);
        if (usage !== undefined) this.#write({ type: 'usage', usage });
        return;
      }
      case 'error':
        this.#upstreamError(event.code, event.message);
        return;
      case 'response.failed':
        this.#upstreamError(event.response?.error?.code, event.response?.error?.message);
        return;
      default:
        // Lifecycle and `.done` events repeat what the deltas said.
        return;
    }
  }

  /** The stream's start, once: from `response.created`, or from the first response seen when a server skips it. */
  #start(response: ResponseObject | null | undefined): void {
    if (this.#started) return;
    this.#started = true;
    this.#write({
      type: 'start',
      id: typeof response?.id === 'string' ? response.id : '',
      created: typeof response?.created_at === 'number' ? response.created_at : Math.floor(Date.now() / 1000),
      model: typeof response?.model === 'string' && response.model !== '' ? response.model : this.#identity.model,
    });
  }

  #write(part: StreamPart): void {
    if (!this.#started && part.type !== 'start') this.#start(undefined);
    if (!this.#sink.write(part)) this.#saturated = true;
  }

  /** The upstream's own error in the stream: a rate limit or a too-long context as such, anything else the upstream's fault. */
  #upstreamError(code: unknown, message: unknown): void {
    const text = `${this.#identity.provider}: stream error${typeof code === 'string' ? ` ${code}` : ''}: ${typeof message === 'string' ? message : 'unknown error'}`;
    const upstream = answeredUpstream(this.#identity);
    if (code === 'rate_limit_exceeded') this.#error = new GatewayError('upstream_rate_limited', text, { upstream });
    else if (code === 'context_length_exceeded') this.#error = new GatewayError('context_length_exceeded', text, { upstream, param: 'input' });
    else this.#error = new GatewayError('upstream_error', text, { upstream });
  }

  #fail(message: string, cause?: unknown): void {
    this.#error = unusableAnswer(this.#identity, `${this.#identity.provider}: ${message}`, cause);
  }
}
