/**
 * Runs a request against its ordered channels: one attempt per channel, falling back to the next on a retryable
 * failure as long as nothing has reached the client and the deadline allows. A `retry-after` hint cools the channel
 * down (later requests try it last); when the last channel left is rate limited, the request waits the hint out and
 * tries it again, within the deadline. Knows no provider and no HTTP server.
 */
import type { ChannelConfig, ModelConfig } from '../config/types.ts';
import { GatewayError, isGatewayError } from '../errors/index.ts';
import { sleep } from '../lib/sleep.ts';
import type { CallContext, ProviderAdapter, StreamSink } from '../providers/adapter.ts';
import { planRoute } from '../routing/plan-route.ts';
import type { ChatRequest, ChatResult, FinishReason, StreamPart, Usage } from '../spec/index.ts';
import { attemptFromError, attemptSucceeded, exhaustedError, type AttemptRecord } from './attempts.ts';
import type { ExecutionRuntime, RequestScope } from './execution-runtime.ts';

/** The longest a request waits for a rate-limited channel (a retry-after beyond it fails over or fails at once). */
export const maxRetryWaitMs = 30_000;
/** How often one request retries the same channel after a retry-after. */
export const maxRetriesPerChannel = 2;

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

function asGatewayError(error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  return new GatewayError('internal_error', `Unexpected failure: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

type LoopOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly channel: ChannelConfig; readonly attempts: AttemptRecord[] }
  | { readonly ok: false; readonly error: GatewayError; readonly attempts: AttemptRecord[]; readonly committed: ChannelConfig | undefined };

interface Attempt<T> {
  run(adapter: ProviderAdapter, channel: ChannelConfig, context: CallContext): Promise<T>;
  /** Whether the attempt now running has already sent bytes to the client (then it must not fall back). */
  committed(): boolean;
}

/** The attempt loop shared by every operation. */
async function runChannels<T>(runtime: ExecutionRuntime, model: ModelConfig, channels: readonly ChannelConfig[], scope: RequestScope, streaming: boolean, attempt: Attempt<T>): Promise<LoopOutcome<T>> {
  const attempts: AttemptRecord[] = [];
  const errors: GatewayError[] = [];
  const fail = (error: GatewayError, committed?: ChannelConfig): LoopOutcome<T> => ({ ok: false, error, attempts, committed });
  let retries = 0;
  for (let index = 0; index < channels.length; index++) {
    const channel = channels[index];
    const last = index === channels.length - 1;
    if (scope.cancellation.cancelled) return fail(asGatewayError(scope.cancellation.reason));

    // A channel cooling down comes last: wait for it only if that fits the deadline and the retry limit.
    const cooling = runtime.cooldowns.remainingMs(channel, performance.now());
    if (cooling > 0) {
      if (cooling > Math.min(maxRetryWaitMs, scope.deadline - performance.now())) {
        const skipped = new GatewayError('upstream_rate_limited', `${channel.provider} is rate limited for another ${Math.ceil(cooling / 1000)} s (retry-after)`, {
          retryAfterMs: cooling,
        });
        attempts.push(attemptFromError(channel.provider, channel.model, skipped, performance.now()));
        errors.push(skipped);
        continue;
      }
      try {
        await sleep(cooling, scope.cancellation);
      } catch (reason) {
        return fail(asGatewayError(reason));
      }
    }

    const remaining = scope.deadline - performance.now();
    if (remaining <= 0) {
      const timeout = new GatewayError('upstream_timeout', 'The request deadline passed before another channel could be tried.');
      return fail(errors.length === 0 ? timeout : exhaustedError(model.name, attempts, [...errors, timeout]));
    }
    const provider = runtime.providers.get(channel.provider)!;
    const idle = runtime.limits.streamIdleTimeoutMs;
    const context: CallContext = {
      upstreamModel: channel.model,
      requestId: scope.requestId,
      cancellation: scope.cancellation,
      headersTimeoutMs: Math.max(1, Math.min(provider.timeoutMs, remaining)),
      bodyTimeoutMs: Math.max(1, streaming ? idle : Math.min(idle, remaining)),
    };
    const startedAt = performance.now();
    try {
      const value = await attempt.run(runtime.adapters.get(channel.provider)!, channel, context);
      const record = attemptSucceeded(channel.provider, channel.model, startedAt);
      attempts.push(record);
      runtime.observer.attempt(record);
      return { ok: true, value, channel, attempts };
    } catch (caught) {
      const error = asGatewayError(caught);
      const record = attemptFromError(channel.provider, channel.model, error, startedAt);
      attempts.push(record);
      runtime.observer.attempt(record);
      if (attempt.committed()) return fail(error, channel);
      if (error.code === 'client_closed_request' || scope.cancellation.cancelled) return fail(error);
      if (!error.isRetryable) return fail(error);
      errors.push(error);
      if (error.retryAfterMs !== undefined) {
        runtime.cooldowns.coolDown(channel, performance.now() + error.retryAfterMs);
        // The last channel left: wait the hint out and try it again, if the deadline allows.
        if (last && retries < maxRetriesPerChannel && error.retryAfterMs <= Math.min(maxRetryWaitMs, scope.deadline - performance.now())) {
          retries++;
          index--;
        }
      }
    }
  }
  return fail(exhaustedError(model.name, attempts, errors));
}

/** Runs a non-streaming call (chat or embeddings) over the planned channels with fallback. */
export async function executeBuffered<T>(
  runtime: ExecutionRuntime,
  model: ModelConfig,
  channels: readonly ChannelConfig[],
  scope: RequestScope,
  call: (adapter: ProviderAdapter, context: CallContext) => Promise<T>,
): Promise<BufferedOutcome<T>> {
  const outcome = await runChannels(runtime, model, channels, scope, false, {
    run: (adapter, _channel, context) => call(adapter, context),
    committed: () => false,
  });
  return outcome.ok ? { ok: true, result: outcome.value, channel: outcome.channel, attempts: outcome.attempts } : { ok: false, error: outcome.error, attempts: outcome.attempts };
}

export function executeChat(runtime: ExecutionRuntime, model: ModelConfig, request: ChatRequest, scope: RequestScope): Promise<ChatOutcome> {
  const channels = planRoute(model, request, runtime.cooldowns, performance.now());
  return executeBuffered(runtime, model, channels, scope, (adapter, context) => adapter.chat(request, context));
}

export async function executeChatStream(
  runtime: ExecutionRuntime,
  model: ModelConfig,
  request: ChatRequest,
  scope: RequestScope,
  responder: StreamResponder,
): Promise<ChatStreamOutcome> {
  let committed = false;
  let usage: Usage | undefined;
  let finishReason: FinishReason | undefined;
  const channels = planRoute(model, request, runtime.cooldowns, performance.now());
  const outcome = await runChannels(runtime, model, channels, scope, true, {
    run(adapter, channel, context) {
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
      return adapter.streamChat(request, context, sink);
    },
    committed: () => committed,
  });
  if (outcome.ok) return { ok: true, channel: outcome.channel, attempts: outcome.attempts, usage, finishReason };
  const { error, committed: channel } = outcome;
  if (channel === undefined || error.code === 'client_closed_request') return { ok: false, error, attempts: outcome.attempts, channel };
  // Bytes already reached the client: no fallback, the stream ends with an error event.
  const streamError = new GatewayError('upstream_stream_error', `The stream from ${channel.provider} failed after it started: ${error.message}`, {
    upstream: error.upstream,
    cause: error,
  });
  return { ok: false, error: streamError, attempts: outcome.attempts, channel };
}
