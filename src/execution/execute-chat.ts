/**
 * Runs a request over the channels its route plan ordered: one attempt per channel, falling back to the next on a
 * retryable failure as long as nothing has reached the client and the deadline allows. Every attempt updates the
 * channel's breaker, capacity window and latency average, and the route trace. A `retry-after` cools the channel
 * down; when the last channel left fails retryably, it is retried `retries.attempts` more times with exponential
 * backoff and jitter (honouring retry-after) within the deadline, unless the channel's own configuration failed
 * (refused credentials, deployment or model not found). Knows no provider and no HTTP server.
 */
import type { ModelConfig } from '../config/types.ts';
import { GatewayError, isGatewayError, type ErrorCode } from '../errors/index.ts';
import { Cancellation } from '../lib/cancellation.ts';
import { sleep } from '../lib/sleep.ts';
import type { CallContext, ProviderAdapter, StreamSink } from '../providers/adapter.ts';
import type { RouteChannel, RoutePlan } from '../routing/index.ts';
import type { ChatRequest, FinishReason, StreamPart, Usage } from '../spec/index.ts';
import { attemptFromError, attemptSucceeded, exhaustedError, type AttemptRecord } from './attempts.ts';
import { channelProblemOf, credentialsRefused } from './channel-problems.ts';
import type { ExecutionRuntime, RequestScope } from './execution-runtime.ts';
import { nextDelay } from './retry-backoff.ts';

/** The longest a request waits for a rate-limited or backed-off channel. */
export const maxRetryWaitMs = 30_000;

export type BufferedOutcome<T> =
  | { readonly ok: true; readonly result: T; readonly channel: RouteChannel; readonly attempts: AttemptRecord[] }
  | { readonly ok: false; readonly error: GatewayError; readonly attempts: AttemptRecord[] };

/** Receives a stream once a channel produced its first part. */
export interface StreamResponder {
  /** Called once, before the first part is written, with the channel that is answering. */
  commit(channel: RouteChannel, plan: RoutePlan): void;
  /** Returns false when the client is saturated. */
  write(part: StreamPart): boolean;
  onDrain(resume: () => void): void;
}

export type ChatStreamOutcome =
  | {
      readonly ok: true;
      readonly channel: RouteChannel;
      readonly attempts: AttemptRecord[];
      readonly usage: Usage | undefined;
      readonly finishReason: FinishReason | undefined;
      /** `performance.now()` when the first part was handed to the responder. */
      readonly committedAtMs: number | undefined;
    }
  | {
      readonly ok: false;
      readonly error: GatewayError;
      readonly attempts: AttemptRecord[];
      /** The channel whose stream had already reached the client when it failed; undefined when nothing was sent. */
      readonly channel: RouteChannel | undefined;
      /** Usage the failed stream reported before it broke off, if any (what the upstream may still charge). */
      readonly usage: Usage | undefined;
      readonly committedAtMs: number | undefined;
    };

function asGatewayError(error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  return new GatewayError('internal_error', `Unexpected failure: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/** Failures that count against a channel's breaker: the channel's fault, not the client's or a rate limit. */
const breakerFailures = new Set<ErrorCode>(['upstream_unavailable', 'upstream_timeout', 'upstream_error', 'upstream_authentication_failed', 'upstream_stream_error']);

type LoopOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly channel: RouteChannel; readonly attempts: AttemptRecord[] }
  | { readonly ok: false; readonly error: GatewayError; readonly attempts: AttemptRecord[]; readonly committed: RouteChannel | undefined };

interface Attempt<T> {
  run(adapter: ProviderAdapter, channel: RouteChannel, context: CallContext): Promise<T>;
  /** Whether the attempt now running has already sent bytes to the client (then it must not fall back). */
  committed(): boolean;
  /** Milliseconds from the attempt's start to its first token, when it streamed one. */
  firstTokenMs(): number | undefined;
}

/** The attempt loop shared by every operation. */
async function runChannels<T>(runtime: ExecutionRuntime, model: ModelConfig, plan: RoutePlan, scope: RequestScope, streaming: boolean, attempt: Attempt<T>): Promise<LoopOutcome<T>> {
  const { candidates, trace } = plan;
  const routing = runtime.routing;
  const attempts: AttemptRecord[] = [];
  const errors: GatewayError[] = [];
  const fail = (error: GatewayError, committed?: RouteChannel): LoopOutcome<T> => ({ ok: false, error, attempts, committed });
  let retries = 0;
  for (let index = 0; index < candidates.length; index++) {
    const channel = candidates[index];
    const last = index === candidates.length - 1;
    if (scope.cancellation.cancelled) return fail(asGatewayError(scope.cancellation.reason));

    // A channel cooling down comes last: wait for it only when nothing else is left and the deadline allows.
    const cooling = routing.cooldowns.remainingMs(channel.id, Date.now());
    if (cooling > 0) {
      if (!last || cooling > Math.min(maxRetryWaitMs, scope.deadline - performance.now())) {
        trace.attemptCooling(channel, cooling);
        const skipped = new GatewayError('upstream_rate_limited', `${channel.provider} is rate limited for another ${Math.ceil(cooling / 1000)} s (retry-after)`, {
          retryAfterMs: cooling,
        });
        attempts.push(attemptFromError(channel.provider, channel.upstreamModel, skipped, performance.now()));
        errors.push(skipped);
        continue;
      }
      try {
        await sleep(cooling, scope.cancellation);
      } catch (reason) {
        return fail(asGatewayError(reason));
      }
    }

    if (!routing.breakers.allowRequest(channel.id, Date.now())) {
      trace.attemptBreakerHalfOpen(channel);
      const skipped = new GatewayError('upstream_unavailable', `${channel.provider} is unavailable (circuit breaker)`);
      attempts.push(attemptFromError(channel.provider, channel.upstreamModel, skipped, performance.now()));
      errors.push(skipped);
      continue;
    }

    const remaining = scope.deadline - performance.now();
    if (remaining <= 0) {
      const timeout = new GatewayError('upstream_timeout', 'The request deadline passed before another channel could be tried.');
      return fail(errors.length === 0 ? timeout : exhaustedError(model.name, attempts, [...errors, timeout]));
    }
    if (channel.capacity !== undefined) routing.capacity.record(channel.id, plan.estimatedTokens, 1, Date.now());
    const provider = runtime.providers.get(channel.provider)!;
    const idle = runtime.limits.streamIdleTimeoutMs;
    const context: CallContext = {
      upstreamModel: channel.upstreamModel,
      requestId: scope.requestId,
      cancellation: scope.cancellation,
      headersTimeoutMs: Math.max(1, Math.min(provider.timeoutMs, remaining)),
      bodyTimeoutMs: Math.max(1, streaming ? idle : Math.min(idle, remaining)),
      nativeResponses: model.channels[channel.index].responses === 'native',
    };
    const startedAt = performance.now();
    try {
      const value = await attempt.run(runtime.adapters.get(channel.provider)!, channel, context);
      const record = attemptSucceeded(channel.provider, channel.upstreamModel, startedAt);
      attempts.push(record);
      runtime.observer.attempt(record);
      routing.breakers.record(channel.id, 'success', Date.now());
      const firstToken = attempt.firstTokenMs();
      routing.latency.observe(channel.id, firstToken ?? record.durationMs);
      if (!attempt.committed()) trace.attemptSucceeded(channel, record.durationMs, firstToken);
      return { ok: true, value, channel, attempts };
    } catch (caught) {
      let error = asGatewayError(caught);
      const problem = channelProblemOf(error);
      if (problem !== undefined) {
        runtime.observer.channelProblem(channel, problem, error);
        if (problem === 'authentication') error = credentialsRefused(error);
      }
      const record = attemptFromError(channel.provider, channel.upstreamModel, error, startedAt);
      attempts.push(record);
      runtime.observer.attempt(record);
      const committed = attempt.committed();
      trace.attemptFailed(channel, error.upstream?.status, error.code, record.durationMs, committed);
      // Saturation is the gateway's own pool being full, which says nothing of the channel's health.
      if (error.code !== 'client_closed_request' && error.code !== 'upstream_saturated') routing.breakers.record(channel.id, breakerFailures.has(error.code) ? 'failure' : 'success', Date.now());
      if (committed) return fail(error, channel);
      if (error.code === 'client_closed_request' || scope.cancellation.cancelled) return fail(error);
      if (!error.isRetryable) return fail(error);
      errors.push(error);
      // A saturated pool is shed, neither cooled down (others' requests would skip a channel that frees up any moment)
      // nor retried after a backoff (its queue already waited): the next channel, or the client, gets the retry-after.
      if (error.code === 'upstream_saturated') continue;
      if (error.retryAfterMs !== undefined) routing.cooldowns.coolDown(channel.id, Date.now() + error.retryAfterMs);
      // The last channel left: back off (honouring retry-after) and try it again, if the deadline allows. Not when the
      // channel's configuration failed: its key or deployment will not have changed a moment later.
      if (last && problem === undefined) {
        const delay = nextDelay(retries + 1, error.retryAfterMs, Math.random, runtime.retries);
        if (delay !== undefined && delay <= Math.min(maxRetryWaitMs, scope.deadline - performance.now())) {
          retries++;
          if (error.retryAfterMs === undefined) {
            try {
              await sleep(delay, scope.cancellation);
            } catch (reason) {
              return fail(asGatewayError(reason));
            }
          }
          index--;
        }
      }
    }
  }
  return fail(exhaustedError(model.name, attempts, errors));
}

const noFirstToken = (): undefined => undefined;
const neverCommitted = (): boolean => false;

/** Runs a non-streaming call (chat or embeddings) over the planned channels with fallback. */
export async function executeBuffered<T>(
  runtime: ExecutionRuntime,
  model: ModelConfig,
  plan: RoutePlan,
  scope: RequestScope,
  call: (adapter: ProviderAdapter, context: CallContext) => Promise<T>,
): Promise<BufferedOutcome<T>> {
  const outcome = await runChannels(runtime, model, plan, scope, false, {
    run: (adapter, _channel, context) => call(adapter, context),
    committed: neverCommitted,
    firstTokenMs: noFirstToken,
  });
  return outcome.ok ? { ok: true, result: outcome.value, channel: outcome.channel, attempts: outcome.attempts } : { ok: false, error: outcome.error, attempts: outcome.attempts };
}

/**
 * Streams over the planned channels. With `firstTokenTimeoutMs`, the response is held until the first token (text,
 * reasoning or a tool call) arrives within that time: a stream that dies before it, or does not produce it in time,
 * still falls over to the next channel.
 */
export async function executeChatStream(
  runtime: ExecutionRuntime,
  model: ModelConfig,
  request: ChatRequest,
  scope: RequestScope,
  plan: RoutePlan,
  responder: StreamResponder,
): Promise<ChatStreamOutcome> {
  const holdFor = model.firstTokenTimeoutMs;
  let committed = false;
  let committedAtMs: number | undefined;
  let usage: Usage | undefined;
  let finishReason: FinishReason | undefined;
  let firstTokenMs: number | undefined;
  const outcome = await runChannels(runtime, model, plan, scope, true, {
    run(adapter, channel, context) {
      usage = undefined;
      finishReason = undefined;
      firstTokenMs = undefined;
      const startedAt = performance.now();
      let held: StreamPart[] | undefined = holdFor === undefined ? undefined : [];
      let attemptContext = context;
      let timer: NodeJS.Timeout | undefined;
      let stopListening: (() => void) | undefined;
      if (holdFor !== undefined) {
        // The attempt gets its own cancellation, so a missed first-token deadline aborts this channel only.
        const cancellation = new Cancellation();
        stopListening = context.cancellation.listen((reason) => cancellation.cancel(reason));
        timer = setTimeout(() => {
          if (firstTokenMs === undefined) {
            cancellation.cancel(new GatewayError('upstream_timeout', `${channel.provider} sent no first token within ${holdFor} ms (first_token_timeout)`));
          }
        }, holdFor);
        attemptContext = { ...context, cancellation };
      }
      const commit = (): void => {
        committed = true;
        committedAtMs = performance.now();
        plan.trace.attemptSucceeded(channel, performance.now() - startedAt, firstTokenMs);
        responder.commit(channel, plan);
      };
      const sink: StreamSink = {
        write(part) {
          if (part.type === 'usage') usage = part.usage;
          else if (part.type === 'finish') finishReason = part.finishReason;
          else if (firstTokenMs === undefined && part.type !== 'start' && part.type !== 'annotation') firstTokenMs = performance.now() - startedAt;
          if (held !== undefined) {
            held.push(part);
            if (firstTokenMs === undefined && part.type !== 'finish' && part.type !== 'usage') return true;
            // The first token (or the end) arrived: commit and release what was held.
            const release = held;
            held = undefined;
            if (timer !== undefined) clearTimeout(timer);
            commit();
            let flowing = true;
            for (const heldPart of release) flowing = responder.write(heldPart) && flowing;
            return flowing;
          }
          if (!committed) commit();
          return responder.write(part);
        },
        onDrain(resume) {
          responder.onDrain(resume);
        },
      };
      return adapter.streamChat(request, attemptContext, sink).finally(() => {
        if (timer !== undefined) clearTimeout(timer);
        stopListening?.();
      });
    },
    committed: () => committed,
    firstTokenMs: () => firstTokenMs,
  });
  if (outcome.ok) return { ok: true, channel: outcome.channel, attempts: outcome.attempts, usage, finishReason, committedAtMs };
  const { error, committed: channel } = outcome;
  // The client leaving, or the gateway ending the stream as it shuts down, is not the upstream's failure.
  if (channel === undefined || error.code === 'client_closed_request' || error.code === 'server_shutting_down') {
    return { ok: false, error, attempts: outcome.attempts, channel, usage, committedAtMs };
  }
  // Bytes already reached the client: no fallback, the stream ends with an error event.
  const streamError = new GatewayError('upstream_stream_error', `The stream from ${channel.provider} failed after it started: ${error.message}`, {
    upstream: error.upstream,
    cause: error,
  });
  return { ok: false, error: streamError, attempts: outcome.attempts, channel, usage, committedAtMs };
}
