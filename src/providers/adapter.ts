/**
 * The one interface every cloud implements. Adapters translate the canonical request (src/spec) into their cloud's
 * wire format and back, and report failures as GatewayError with `isRetryable` set, so routing can decide on a
 * fallback without knowing any cloud.
 */
import type { GatewayError } from '../errors/index.ts';
import type { Cancellation } from '../lib/cancellation.ts';
import type { ChatRequest, ChatResult, EmbeddingRequest, EmbeddingResult, StreamPart } from '../spec/index.ts';

export interface CallContext {
  /** The upstream model or deployment this channel sends. */
  readonly upstreamModel: string;
  readonly requestId: string;
  /** Fires when the client goes away or the request deadline passes; the adapter aborts its upstream call. */
  readonly cancellation: Cancellation;
  /** Time allowed for the upstream's response headers on this attempt. */
  readonly headersTimeoutMs: number;
  /** Longest silence allowed between body chunks. */
  readonly bodyTimeoutMs: number;
  /**
   * The channel's upstream serves the Responses API (`responses: native`): a Responses request goes to it as sent.
   * Unset or false: it is encoded from the neutral request.
   */
  readonly nativeResponses?: boolean;
}

/** Receives stream parts synchronously, in order. */
export interface StreamSink {
  /** Returns false when the consumer is saturated; the adapter then pauses its upstream until `onDrain` fires. */
  write(part: StreamPart): boolean;
  /** Registers the function that resumes the upstream once the consumer drained. */
  onDrain(resume: () => void): void;
}

export interface ProviderAdapter {
  /** The configured provider name (`azure-eastus`). */
  readonly name: string;
  /** The provider kind (`openai`, `openai-compatible`, …). */
  readonly kind: string;
  /** Rejects with GatewayError. */
  chat(request: ChatRequest, context: CallContext): Promise<ChatResult>;
  /**
   * Streams parts into the sink; resolves after the last part, rejects with GatewayError. A rejection before the first
   * part means nothing reached the client and the gateway may fall back.
   */
  streamChat(request: ChatRequest, context: CallContext, sink: StreamSink): Promise<void>;
  /** Rejects with GatewayError. */
  embed(request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResult>;
  /** Closes pools and timers. */
  close(): Promise<void>;
}

export type AdapterError = GatewayError;
