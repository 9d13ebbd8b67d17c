/**
 * Bedrock ConverseStream (`application/vnd.amazon.eventstream`) as stream parts. One decoder per upstream stream; its
 * state lives in the instance.
 *
 * Framing: each message is `total length (4) | headers length (4) | prelude CRC (4) | headers | payload | message
 * CRC (4)`, big-endian. Frames may span body chunks and several may share one, so the decoder keeps the bytes of an
 * unfinished frame between pushes. The prelude CRC is checked as soon as 12 bytes are in, so a corrupt length is
 * refused at once instead of waiting for bytes that never come; each whole frame is then decoded, both CRCs checked,
 * by @smithy/eventstream-codec.
 *
 * Events: `messageStart` → `start` (id minted, model = the channel's upstream model), `contentBlockStart` with a
 * `toolUse` → the call's first `tool-call-delta` (id and name), `contentBlockDelta` → `text-delta`, `tool-call-delta`
 * (partial JSON input) or `reasoning-delta`, `messageStop` → `finish`, `metadata` → one `usage` part after the finish.
 * Tool calls are numbered 0, 1, 2… in order of appearance, whatever their content block index.
 *
 * The `start` part is written just before the first part that carries something (a delta or the finish), not at
 * `messageStart`: an exception that arrives before any content (throttling, a model stream error) then leaves
 * `started` false, and the gateway can still fall back to another channel.
 *
 * Failures never throw out of `push` or `end`: an exception frame (`:message-type` `exception` or `error`), a CRC
 * mismatch, an oversized or malformed frame, a stream cut mid-frame or one that ends before `messageStop` all set
 * `error`, after which nothing more is written.
 */
import { constants as bufferConstants } from 'node:buffer';
import { crc32 } from 'node:zlib';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { GatewayError } from '../../errors/index.ts';
import type { StreamPart, Usage } from '../../spec/index.ts';
import type { StreamSink } from '../adapter.ts';
import { truncateBody, type UpstreamIdentity } from '../http/transport-error.ts';
import { convertConverseUsage, type ConverseUsage } from './convert-usage.ts';
import { mapBedrockException } from './errors.ts';
import { mapConverseStopReason } from './map-finish-reason.ts';

/** The event stream format's own ceilings: 16 MiB a message, 128 KiB of headers. */
const maxFrameBytes = Math.min(16 * 1024 * 1024, bufferConstants.MAX_LENGTH);
const maxHeaderBytes = 128 * 1024;
const preludeBytes = 12;
const minimumFrameBytes = 16;

/** Stateless between calls to `decode`; shared by every decoder. */
const codec = new EventStreamCodec(toUtf8, fromUtf8);
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** The HTTP status each in-stream exception is modelled with, for mapping and for logs. */
const exceptionStatus: Record<string, number> = {
  internalServerException: 500,
  modelStreamErrorException: 424,
  validationException: 400,
  throttlingException: 429,
  serviceUnavailableException: 503,
};

interface ConverseStreamEvent {
  role?: unknown;
  contentBlockIndex?: unknown;
  start?: { toolUse?: { toolUseId?: unknown; name?: unknown } };
  delta?: {
    text?: unknown;
    toolUse?: { input?: unknown };
    reasoningContent?: { text?: unknown };
  };
  stopReason?: unknown;
  usage?: ConverseUsage;
  message?: unknown;
  originalStatusCode?: unknown;
  originalMessage?: unknown;
}

export class ConverseStreamDecoder {
  readonly #sink: StreamSink;
  readonly #identity: UpstreamIdentity;
  readonly #id: string;
  /** Chunks holding the start of an unfinished frame, kept between pushes and joined once the frame is whole. */
  #pending: Buffer[] = [];
  #pendingLength = 0;
  /** Bytes the unfinished frame needs before decoding can go on: its whole length once the prelude is in. */
  #needed = preludeBytes;
  #created = 0;
  #messageStarted = false;
  #started = false;
  #finished = false;
  #done = false;
  #saturated = false;
  #usage: Usage | undefined = undefined;
  /** Content block index → tool call index. */
  readonly #toolIndexByBlock = new Map<number, number>();
  #error: GatewayError | undefined = undefined;

  /** `requestId`, when given, mints the completion id (`chatcmpl-<requestId>`); otherwise the frontend mints it. */
  constructor(sink: StreamSink, identity: UpstreamIdentity, requestId?: string) {
    this.#sink = sink;
    this.#identity = identity;
    this.#id = requestId === undefined ? '' : `chatcmpl-${requestId}`;
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
    if (this.#error !== undefined || this.#done) return true;
    this.#saturated = false;
    try {
      this.#consume(chunk);
    } catch (error) {
      // A bug in an event handler or a sink that throws: reported, never thrown into the transport.
      this.#fail(`stream could not be decoded: ${(error as Error).message}`, error);
    }
    return !this.#saturated;
  }

  /** Call when the upstream body ended; returns the error that makes the stream incomplete, if any. */
  end(): GatewayError | undefined {
    if (this.#error !== undefined) return this.#error;
    if (this.#done) return undefined;
    if (this.#pendingLength > 0 && !this.#finished) {
      const expected = this.#needed > preludeBytes ? ` of ${this.#needed}` : '';
      this.#fail(`stream ended in the middle of an event frame (${this.#pendingLength}${expected} bytes)`);
      return this.#error;
    }
    if (!this.#finished) {
      this.#fail(this.#messageStarted ? 'stream ended before messageStop' : 'stream ended before its first event');
      return this.#error;
    }
    // Bytes after messageStop that never made a whole frame cost only the usage; the answer itself is complete.
    this.#dropPending();
    this.#done = true;
    return undefined;
  }

  #consume(chunk: Buffer): void {
    let bytes = chunk;
    if (this.#pendingLength > 0) {
      const total = this.#pendingLength + chunk.length;
      this.#pending.push(chunk);
      if (total < this.#needed) {
        // Still short of the frame: joined once, when it is whole (a frame in many small reads costs one copy).
        this.#pendingLength = total;
        return;
      }
      bytes = Buffer.concat(this.#pending, total);
      this.#dropPending();
    }
    let offset = 0;
    let needed = preludeBytes;
    while (this.#error === undefined && !this.#done) {
      const available = bytes.length - offset;
      if (available < preludeBytes) break;
      const length = bytes.readUInt32BE(offset);
      const headersLength = bytes.readUInt32BE(offset + 4);
      if (crc32(bytes.subarray(offset, offset + 8)) !== bytes.readUInt32BE(offset + 8)) {
        this.#fail('event frame prelude checksum mismatch (corrupt stream)');
        return;
      }
      if (length < minimumFrameBytes || length > maxFrameBytes || headersLength > maxHeaderBytes || headersLength > length - minimumFrameBytes) {
        this.#fail(`event frame of ${length} bytes with ${headersLength} bytes of headers is out of bounds`);
        return;
      }
      if (available < length) {
        needed = length;
        break;
      }
      this.#onFrame(bytes.subarray(offset, offset + length));
      offset += length;
    }
    if (this.#error === undefined && !this.#done && offset < bytes.length) {
      // Copied, so a large chunk is not pinned by the few bytes of a frame's start.
      this.#pending.push(Buffer.from(bytes.subarray(offset)));
      this.#pendingLength = bytes.length - offset;
      this.#needed = needed;
    }
  }

  #dropPending(): void {
    if (this.#pendingLength === 0) return;
    this.#pending = [];
    this.#pendingLength = 0;
    this.#needed = preludeBytes;
  }

  #onFrame(frame: Buffer): void {
    let headers: Record<string, { type: string; value: unknown }>;
    let body: Uint8Array;
    try {
      const message = codec.decode(frame);
      headers = message.headers as Record<string, { type: string; value: unknown }>;
      body = message.body;
    } catch (error) {
      this.#fail(`corrupt event frame: ${(error as Error).message}`, error);
      return;
    }
    const messageType = headerString(headers, ':message-type') ?? 'event';
    if (messageType === 'error') {
      // An unmodelled error: the type and message travel in headers.
      const code = headerString(headers, ':error-code') ?? 'InternalFailure';
      const message = headerString(headers, ':error-message') ?? code;
      this.#failWith(mapBedrockException(code, message, 500, this.#upstream(`${code}: ${message}`)));
      return;
    }
    let text: string;
    let payload: ConverseStreamEvent | undefined;
    try {
      text = textDecoder.decode(body);
      payload = (text === '' ? {} : JSON.parse(text)) as ConverseStreamEvent;
    } catch (error) {
      if (messageType === 'exception') {
        payload = undefined;
        text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
      } else {
        this.#fail(`malformed event payload: ${truncateBody(Buffer.from(body.buffer, body.byteOffset, body.byteLength), 120)}`, error);
        return;
      }
    }
    if (messageType === 'exception') {
      this.#onException(headerString(headers, ':exception-type') ?? 'internalServerException', payload, text);
      return;
    }
    if (payload === null || typeof payload !== 'object') {
      this.#fail(`event payload is not an object: ${truncateBody(text, 120)}`);
      return;
    }
    if (messageType !== 'event') return;
    this.#onEvent(headerString(headers, ':event-type'), payload);
  }

  #onException(type: string, payload: ConverseStreamEvent | null | undefined, text: string): void {
    const fields = payload !== null && typeof payload === 'object' ? payload : {};
    let message = typeof fields.message === 'string' && fields.message !== '' ? fields.message : text !== '' ? truncateBody(text, 200) : type;
    if (typeof fields.originalMessage === 'string' && fields.originalMessage !== '' && fields.originalMessage !== message) {
      message = `${message} (model said${typeof fields.originalStatusCode === 'number' ? ` ${fields.originalStatusCode}` : ''}: ${fields.originalMessage})`;
    }
    this.#failWith(mapBedrockException(type, message, exceptionStatus[type] ?? 500, this.#upstream(truncateBody(text))));
  }

  #onEvent(type: string | undefined, event: ConverseStreamEvent): void {
    switch (type) {
      case 'messageStart':
        if (!this.#messageStarted) {
          this.#messageStarted = true;
          this.#created = Math.floor(Date.now() / 1000);
        }
        return;
      case 'contentBlockStart': {
        const toolUse = event.start?.toolUse;
        if (toolUse === undefined || toolUse === null) return;
        const blockIndex = event.contentBlockIndex;
        if (typeof blockIndex !== 'number' || typeof toolUse.toolUseId !== 'string' || typeof toolUse.name !== 'string') {
          this.#fail('contentBlockStart with a toolUse lacks contentBlockIndex, toolUseId or name');
          return;
        }
        const index = this.#toolIndexByBlock.size;
        this.#toolIndexByBlock.set(blockIndex, index);
        this.#write({ type: 'tool-call-delta', index, id: toolUse.toolUseId, name: toolUse.name, argumentsDelta: '' });
        return;
      }
      case 'contentBlockDelta': {
        const delta = event.delta;
        if (delta === undefined || delta === null || typeof delta !== 'object') return;
        if (typeof delta.text === 'string') {
          if (delta.text !== '') this.#write({ type: 'text-delta', delta: delta.text });
          return;
        }
        if (delta.toolUse !== undefined && delta.toolUse !== null) {
          const index = typeof event.contentBlockIndex === 'number' ? this.#toolIndexByBlock.get(event.contentBlockIndex) : undefined;
          if (index === undefined) {
            this.#fail(`toolUse input for content block ${String(event.contentBlockIndex)} arrived without its contentBlockStart`);
            return;
          }
          const input = delta.toolUse.input;
          if (typeof input === 'string' && input !== '') this.#write({ type: 'tool-call-delta', index, id: undefined, name: undefined, argumentsDelta: input });
          return;
        }
        const reasoning = delta.reasoningContent?.text;
        if (typeof reasoning === 'string' && reasoning !== '') this.#write({ type: 'reasoning-delta', delta: reasoning });
        // Reasoning signatures, redacted reasoning, citations and images have no OpenAI chunk field: dropped.
        return;
      }
      case 'messageStop': {
        if (this.#finished) return;
        const stopReason = typeof event.stopReason === 'string' ? event.stopReason : undefined;
        if (stopReason === 'model_context_window_exceeded' && !this.#started) {
          // Nothing was generated: the prompt alone filled the window. Reported as the non-streaming call reports it.
          this.#failWith(
            new GatewayError('context_length_exceeded', `${this.#identity.provider}: the prompt and the answer did not fit the model's context window`, {
              param: 'messages',
              upstream: this.#upstream(undefined),
            }),
          );
          return;
        }
        this.#finished = true;
        this.#write({ type: 'finish', finishReason: mapConverseStopReason(stopReason) });
        // Usage that came early (never seen from Bedrock, tolerated) follows the finish at once.
        if (this.#usage !== undefined) this.#flushUsage();
        return;
      }
      case 'metadata': {
        const usage = convertConverseUsage(event.usage);
        if (usage !== undefined) this.#usage = usage;
        if (this.#finished) this.#flushUsage();
        return;
      }
      default:
        // contentBlockStop, and event types newer than this decoder: nothing to pass on.
        return;
    }
  }

  /** Writes the usage once, after the finish; the stream is then complete and later bytes are ignored. */
  #flushUsage(): void {
    const usage = this.#usage;
    this.#usage = undefined;
    this.#done = true;
    this.#dropPending();
    if (usage !== undefined) this.#write({ type: 'usage', usage });
  }

  #write(part: StreamPart): void {
    if (!this.#started) {
      this.#started = true;
      if (!this.#messageStarted) {
        // Content before messageStart: tolerated, the start part is still first.
        this.#messageStarted = true;
        this.#created = Math.floor(Date.now() / 1000);
      }
      if (!this.#sink.write({ type: 'start', id: this.#id, created: this.#created, model: this.#identity.model })) this.#saturated = true;
    }
    if (!this.#sink.write(part)) this.#saturated = true;
  }

  #upstream(body: string | undefined): { provider: string; model: string; status: number; body: string | undefined } {
    return { provider: this.#identity.provider, model: this.#identity.model, status: 200, body };
  }

  /** A stream the gateway cannot read: `upstream_error`, retryable (routing also checks `started`). */
  #fail(message: string, cause?: unknown): void {
    this.#error = new GatewayError('upstream_error', `${this.#identity.provider}: ${message}`, { upstream: this.#upstream(undefined), cause });
    this.#dropPending();
  }

  /**
   * Records an error Bedrock reported in the stream. It stays retryable (throttling, unavailable, internal and model
   * stream errors) only while nothing reached the client.
   */
  #failWith(error: GatewayError): void {
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
    this.#dropPending();
  }
}

function headerString(headers: Record<string, { type: string; value: unknown }>, name: string): string | undefined {
  const header = headers[name];
  return header !== undefined && typeof header.value === 'string' ? header.value : undefined;
}
