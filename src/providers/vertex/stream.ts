/**
 * Gemini `streamGenerateContent?alt=sse` as stream parts. One decoder per upstream stream; its state lives in the
 * instance.
 *
 * Framing: server-sent events with CRLF line ends and no `[DONE]`; each `data:` event is a whole
 * `GenerateContentResponse`. The body's end is the stream's end.
 *
 * Events: text parts → `text-delta`; parts marked `thought: true` → `reasoning-delta`; each `functionCall` part (Gemini
 * streams a call whole, in one part) → one `tool-call-delta` carrying the id, the name and the whole arguments
 * (calls numbered 0, 1… in order of appearance; ids as tool-call-ids.ts gives them); the candidate's `finishReason`
 * → `finish` (`tool-calls` when any function call was seen). `usageMetadata` comes on many chunks, cumulative: the
 * last one that carries a count is kept as it came and converted once, into the one `usage` part, when the body ends
 * (counts so far are never added up).
 *
 * The `start` part (id `chatcmpl-<requestId>`, `created` from `createTime`, model from `modelVersion`) is written just
 * before the first part that carries something, so an error or a blocked prompt before any content leaves `started`
 * false and the gateway can still fall back or answer with a proper error status.
 *
 * Failures never throw out of `push` or `end`; they set `error`, after which nothing more is written:
 * - `{"error":{…}}` in a data event → mapped as an error response (errors.ts); retryable only while nothing reached
 *   the client.
 * - `promptFeedback.blockReason` without candidates → `content_filter`, as for non-streaming calls.
 * - malformed JSON, an event that is not an object, an event larger than 8 MiB → `upstream_error`.
 * - a body that ends before any candidate carried a `finishReason` → `upstream_error` ("ended before its finish
 *   reason"): Gemini always sends one on the last chunk, so its absence means the stream was cut.
 * Once the finish part is written the answer is complete: later events are read only for usage, and a malformed or
 * error event after the finish is ignored.
 */
import { createParser, type EventSourceMessage, type EventSourceParser, type ParseError } from 'eventsource-parser';
import { GatewayError } from '../../errors/index.ts';
import type { StreamPart } from '../../spec/index.ts';
import type { StreamSink } from '../adapter.ts';
import { truncateBody, type UpstreamIdentity } from '../http/transport-error.ts';
import { createdOf, firstCandidate, promptBlockError, responseKeyOf, type GeminiResponse, type GeminiResponsePart } from './convert-response.ts';
import { carriesTokenCount, convertGeminiUsage, type GeminiUsageMetadata } from './convert-usage.ts';
import { httpStatusOf, mapGoogleRpcStatus, rpcStatusOf } from './errors.ts';
import { mapGeminiFinishReason } from './map-finish-reason.ts';
import { toolCallId } from './tool-call-ids.ts';

/** The largest single SSE event accepted from an upstream before the stream is refused. */
const maxEventBytes = 8 * 1024 * 1024;

export class GeminiStreamDecoder {
  readonly #sink: StreamSink;
  readonly #identity: UpstreamIdentity;
  readonly #requestId: string;
  readonly #parser: EventSourceParser;
  readonly #textDecoder = new TextDecoder();
  #responseKey: string | undefined = undefined;
  #created = 0;
  #model: string | undefined = undefined;
  #sawEvent = false;
  #started = false;
  #finished = false;
  #ended = false;
  #saturated = false;
  #toolCalls = 0;
  #usageMetadata: GeminiUsageMetadata | undefined = undefined;
  #error: GatewayError | undefined = undefined;

  /** `requestId` mints the completion id (`chatcmpl-<requestId>`) and, when Gemini sends no `responseId`, tool-call ids. */
  constructor(sink: StreamSink, identity: UpstreamIdentity, requestId: string) {
    this.#sink = sink;
    this.#identity = identity;
    this.#requestId = requestId;
    this.#parser = createParser({
      onEvent: (event) => this.#onEvent(event),
      onError: (error) => this.#onParseError(error),
      maxBufferSize: maxEventBytes,
    });
  }

  /** True once any part reached the sink. */
  get started(): boolean {
    return this.#started;
  }

  /** The error that stopped decoding, if any. */
  get error(): GatewayError | undefined {
    return this.#error;
  }

  /** Feeds a body chunk; returns false when the sink asked to pause. Never throws. */
  push(chunk: Buffer): boolean {
    if (this.#error !== undefined || this.#ended) return true;
    this.#saturated = false;
    try {
      this.#parser.feed(this.#textDecoder.decode(chunk, { stream: true }));
    } catch (error) {
      // A parser that overflowed, a bug in an event handler, or a sink that throws: reported, never thrown.
      this.#fail(`stream could not be decoded: ${(error as Error).message}`, error);
    }
    return !this.#saturated;
  }

  /** Call when the upstream body ended; returns the error that makes the stream incomplete, if any. Never throws. */
  end(): GatewayError | undefined {
    if (this.#error !== undefined) return this.#error;
    if (this.#ended) return undefined;
    try {
      // An event whose blank line never came (the body ended right after it) is still read; a cut one then fails as
      // malformed JSON.
      this.#parser.feed(`${this.#textDecoder.decode()}\n\n`);
    } catch (error) {
      this.#fail(`stream could not be decoded: ${(error as Error).message}`, error);
    }
    if (this.#error !== undefined) return this.#error;
    if (!this.#finished) {
      this.#fail(this.#sawEvent ? 'stream ended before its finish reason' : 'stream ended before its first event');
      return this.#error;
    }
    this.#ended = true;
    const usage = convertGeminiUsage(this.#usageMetadata);
    this.#usageMetadata = undefined;
    if (usage !== undefined) {
      try {
        this.#sink.write({ type: 'usage', usage });
      } catch (error) {
        this.#fail(`stream could not be decoded: ${(error as Error).message}`, error);
        return this.#error;
      }
    }
    return undefined;
  }

  #onParseError(error: ParseError): void {
    if (error.type === 'max-buffer-size-exceeded') this.#fail(`stream event larger than ${maxEventBytes} bytes`, error);
    // Unknown fields and bad `retry` values are not Gemini's; SSE says to ignore them.
  }

  #onEvent(event: EventSourceMessage): void {
    if (this.#error !== undefined) return;
    const data = event.data;
    if (data === '' || data === '[DONE]') return;
    this.#sawEvent = true;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (error) {
      if (!this.#finished) this.#fail(`malformed stream event: ${truncateBody(data, 120)}`, error);
      return;
    }
    const rpcStatus = rpcStatusOf(parsed);
    if (rpcStatus !== undefined) {
      if (this.#finished) return;
      const status = httpStatusOf(rpcStatus);
      this.#failWith(mapGoogleRpcStatus(rpcStatus, status, {}, this.#upstream(truncateBody(data)), truncateBody(data, 200)));
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      if (!this.#finished) this.#fail(`stream event is not an object: ${truncateBody(data, 120)}`);
      return;
    }
    this.#onResponse(parsed as GeminiResponse);
  }

  #onResponse(response: GeminiResponse): void {
    let responseKey = this.#responseKey;
    if (responseKey === undefined) {
      this.#responseKey = responseKey = responseKeyOf(response, this.#requestId);
      this.#created = createdOf(response.createTime);
    }
    if (this.#model === undefined && typeof response.modelVersion === 'string' && response.modelVersion !== '') this.#model = response.modelVersion;
    const usageMetadata = response.usageMetadata;
    if (usageMetadata !== undefined && carriesTokenCount(usageMetadata)) this.#usageMetadata = usageMetadata;
    if (this.#finished) return;

    const candidate = firstCandidate(response.candidates);
    if (candidate === undefined) {
      const blocked = promptBlockError(response, this.#identity);
      if (blocked !== undefined) this.#failWith(blocked);
      // Otherwise a chunk with only usage or metadata: nothing to write.
      return;
    }
    const parts = candidate.content?.parts;
    if (Array.isArray(parts)) {
      for (const part of parts as GeminiResponsePart[]) {
        if (part === null || typeof part !== 'object') continue;
        if (typeof part.text === 'string') {
          if (part.text !== '') this.#write(part.thought === true ? { type: 'reasoning-delta', delta: part.text } : { type: 'text-delta', delta: part.text });
        } else if (part.functionCall !== undefined && part.functionCall !== null) {
          const call = part.functionCall;
          if (typeof call !== 'object' || typeof call.name !== 'string' || call.name === '') {
            this.#fail('a functionCall part without a name');
            return;
          }
          const index = this.#toolCalls++;
          this.#write({
            type: 'tool-call-delta',
            index,
            id: toolCallId(call.id, responseKey, index, call.name),
            name: call.name,
            argumentsDelta: JSON.stringify(call.args ?? {}),
          });
        }
      }
    }
    const finishReason = candidate.finishReason;
    if (typeof finishReason === 'string' && finishReason !== '') {
      this.#write({ type: 'finish', finishReason: mapGeminiFinishReason(finishReason, this.#toolCalls > 0) });
      this.#finished = true;
    }
  }

  #write(part: StreamPart): void {
    if (!this.#started) {
      this.#started = true;
      if (!this.#sink.write({ type: 'start', id: `chatcmpl-${this.#requestId}`, created: this.#created, model: this.#model ?? this.#identity.model })) {
        this.#saturated = true;
      }
    }
    if (!this.#sink.write(part)) this.#saturated = true;
  }

  #upstream(body: string | undefined): { provider: string; model: string; status: number; body: string | undefined } {
    return { provider: this.#identity.provider, model: this.#identity.model, status: 200, body };
  }

  /** A stream the gateway cannot read: `upstream_error`, retryable (routing also checks `started`). */
  #fail(message: string, cause?: unknown): void {
    if (this.#error !== undefined) return;
    this.#error = new GatewayError('upstream_error', `${this.#identity.provider}: ${message}`, { upstream: this.#upstream(undefined), cause });
  }

  /** An error Gemini reported in the stream; it stays retryable only while nothing reached the client. */
  #failWith(error: GatewayError): void {
    if (this.#error !== undefined) return;
    const retryable = error.isRetryable && !this.#started;
    this.#error =
      error.isRetryable === retryable
        ? error
        : new GatewayError(error.code, error.message, {
            param: error.param,
            retryable,
            status: error.status,
            retryAfterMs: error.retryAfterMs,
            upstream: error.upstream,
            cause: error.cause,
          });
  }
}
