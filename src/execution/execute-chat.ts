/**
 * Runs a chat request against its ordered channels: one attempt per channel, falling back to the next on a retryable
 * failure as long as nothing has reached the client and the deadline allows. Knows no provider and no HTTP server.
 */
import type { ChannelConfig, ModelConfig } from '../config/types.ts';
import { GatewayError, isGatewayError } from '../errors/index.ts';
import type { CallContext, ProviderAdapter, StreamSink } from '../providers/adapter.ts';
import { planRoute } from '../routing/plan-route.ts';
import type { ChatRequest, ChatResult, FinishReason, StreamPart, Usage } from '../spec/index.ts';
import { attemptFromError, attemptSucceeded, exhaustedError, type AttemptRecord } from './attempts.ts';
import type { ExecutionRuntime, RequestScope } from './execution-runtime.ts';

export type BufferedOutcome<T> =
  | { readonly ok: true; readonly result: T; readonly channel: ChannelConfig; readonly attempts: AttemptRecord[] }
  | { readonly ok: false; readonly error: GatewayError; readonly attempts: AttemptRecord[] };

export type ChatOutcome = BufferedOutcome<ChatResult>;

/** Receives a stream once a channel produced its first part. */
export interface StreamResponder {
  /** Called once, before the first part is written, with the channel that is answering. */
  commit(channel: ChannelConfig): void;
  /** Returns false when the client is saturated. */
  write(part: StreamPart): boolean;
  onDrain(resume: () => void): void;
}

export type ChatStreamOutcome =
  | {
      readonly ok: true;
      readonly channel: ChannelConfig;
      readonly attempts: AttemptRecord[];
      readonly usage: Usage | undefined;
      readonly finishReason: FinishReason | undefined;
    }
  | {
      readonly ok: false;
      readonly error: GatewayError;
      readonly attempts: AttemptRecord[];
      /** The channel whose stream had already reached the client when it failed; undefined when nothing was sent. */
      readonly channel: ChannelConfig | undefined;
    };

/**
 * Builds the per-attempt call context, or returns the error that stops trying (cancelled, deadline passed).
 */
function callContext(runtime: ExecutionRuntime, channel: ChannelConfig, scope: RequestScope, streaming: boolean): CallContext | GatewayError {
  if (scope.cancellation.cancelled) return asGatewayError(scope.cancellation.reason);
  const remaining = scope.deadline - performance.now();
  if (remaining <= 0) return new GatewayError('upstream_timeout', 'The request deadline passed before another channel could be tried.');
  const provider = runtime.providers.get(channel.provider)!;
  const idle = runtime.limits.streamIdleTimeoutMs;
  return {
    upstreamModel: channel.model,
    requestId: scope.requestId,
    cancellation: scope.cancellation,
    headersTimeoutMs: Math.max(1, Math.min(provider.timeoutMs, remaining)),
    bodyTimeoutMs: Math.max(1, streaming ? idle : Math.min(idle, remaining)),
  };
}

function asGatewayError(error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  return new GatewayError('internal_error', `Unexpected failure: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/** Whether the request may go on to the next channel after this error. */
function mayFallBack(error: GatewayError, scope: RequestScope): boolean {
  return error.isRetryable && !scope.cancellation.cancelled;
}

function finishFailure(model: ModelConfig, attempts: AttemptRecord[], errors: GatewayError[], stop: GatewayError | undefined): GatewayError {
  if (stop !== undefined && errors.length === 0) return stop;
  if (stop !== undefined && (stop.code === 'client_closed_request' || !stop.isRetryable)) return stop;
  return exhaustedError(model.name, attempts, errors);
}

/** Runs a non-streaming call (chat or embeddings) over the planned channels with fallback. */
export async function executeBuffered<T>(
  runtime: ExecutionRuntime,
  model: ModelConfig,
  channels: readonly ChannelConfig[],
  scope: RequestScope,
  call: (adapter: ProviderAdapter, context: CallContext) => Promise<T>,
): Promise<BufferedOutcome<T>> {
  const attempts: AttemptRecord[] = [];
  const errors: GatewayError[] = [];
  for (const channel of channels) {
    const context = callContext(runtime, channel, scope, false);
    if (context instanceof GatewayError) return { ok: false, error: finishFailure(model, attempts, errors, context), attempts };
    const startedAt = performance.now();
    try {
      const result = await call(runtime.adapters.get(channel.provider)!, context);
      const record = attemptSucceeded(channel.provider, channel.model, startedAt);
      attempts.push(record);
      runtime.observer.attempt(record);
      return { ok: true, result, channel, attempts };
    } catch (caught) {
      const error = asGatewayError(caught);
      const record = attemptFromError(channel.provider, channel.model, error, startedAt);
      attempts.push(record);
      runtime.observer.attempt(record);
      if (!mayFallBack(error, scope)) return { ok: false, error: finishFailure(model, attempts, errors, error), attempts };
      errors.push(error);
    }
  }
  return { ok: false, error: exhaustedError(model.name, attempts, errors), attempts };
}

export function executeChat(runtime: ExecutionRuntime, model: ModelConfig, request: ChatRequest, scope: RequestScope): Promise<ChatOutcome> {
  return executeBuffered(runtime, model, planRoute(model, request), scope, (adapter, context) => adapter.chat(request, context));
}

export async function executeChatStream(
  runtime: ExecutionRuntime,
  model: ModelConfig,
  request: ChatRequest,
  scope: RequestScope,
  responder: StreamResponder,
): Promise<ChatStreamOutcome> {
  const channels = planRoute(model, request);
  const attempts: AttemptRecord[] = [];
  const errors: GatewayError[] = [];
  for (const channel of channels) {
    const context = callContext(runtime, channel, scope, true);
    if (context instanceof GatewayError) return { ok: false, error: finishFailure(model, attempts, errors, context), attempts, channel: undefined };
    const adapter = runtime.adapters.get(channel.provider)!;
    const startedAt = performance.now();
    let committed = false;
    let usage: Usage | undefined;
    let finishReason: FinishReason | undefined;
    const sink: StreamSink = {
      write(part) {
        if (!committed) {
          committed = true;
          responder.commit(channel);
        }
        if (part.type === 'usage') usage = part.usage;
        else if (part.type === 'finish') finishReason = part.finishReason;
        return responder.write(part);
      },
      onDrain(resume) {
        responder.onDrain(resume);
      },
    };
    try {
      await adapter.streamChat(request, context, sink);
      const record = attemptSucceeded(channel.provider, channel.model, startedAt);
      attempts.push(record);
      runtime.observer.attempt(record);
      return { ok: true, channel, attempts, usage, finishReason };
    } catch (caught) {
      const error = asGatewayError(caught);
      const record = attemptFromError(channel.provider, channel.model, error, startedAt);
      attempts.push(record);
      runtime.observer.attempt(record);
      if (committed) {
        // Bytes already reached the client: no fallback, the stream ends with an error event.
        const streamError =
          error.code === 'client_closed_request'
            ? error
            : new GatewayError('upstream_stream_error', `The stream from ${channel.provider} failed after it started: ${error.message}`, {
                upstream: error.upstream,
                cause: error,
              });
        return { ok: false, error: streamError, attempts, channel };
      }
      if (!mayFallBack(error, scope)) return { ok: false, error: finishFailure(model, attempts, errors, error), attempts, channel: undefined };
      errors.push(error);
    }
  }
  return { ok: false, error: exhaustedError(model.name, attempts, errors), attempts, channel: undefined };
}
