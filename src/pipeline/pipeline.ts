/**
 * The request pipeline, composed once at start-up: resolve the model, admission stages, routing, execution over the
 * planned channels, settle stages (awaited before the client's final bytes), the response, then observers.
 * Chat and embeddings run the same steps; only how a request is described to routing and how a channel is called
 * differ (an `Operation`). Knows no socket: the HTTP layer hands in a `Responder`.
 */
import type { ModelConfig, ModelType } from '../config/types.ts';
import { GatewayError, isGatewayError } from '../errors/index.ts';
import type { AttemptRecord } from '../execution/attempts.ts';
import { executeBuffered, executeChatStream, type BufferedOutcome } from '../execution/execute-chat.ts';
import type { ExecutionRuntime } from '../execution/execution-runtime.ts';
import type { CallContext, ProviderAdapter } from '../providers/adapter.ts';
import { describeEmbeddingRequest, describeRequest, noRouteError, type ModelRoute, type RequestFeatures, type RoutePlan } from '../routing/index.ts';
import type { ChatRequest, ChatResult, EmbeddingRequest, EmbeddingResult, Usage } from '../spec/index.ts';
import type { Responder } from './responder.ts';
import { planRequest, readRouteRequest } from './route-request.ts';
import type { Caller } from '../identity/key-directory.ts';
import type { AdmissionStage, Completion, Endpoint, Exchange, IdentityStage, Observer, RequestHeaders, SettleStage, Stages } from './stages.ts';

/** What differs between API operations that share the pipeline. */
interface Operation<Request, Result> {
  readonly modelType: ModelType;
  describe(request: Request, route: ModelRoute): RequestFeatures;
  call(adapter: ProviderAdapter, request: Request, context: CallContext): Promise<Result>;
  usage(result: Result): Usage | undefined;
}

const chatOperation: Operation<ChatRequest, ChatResult> = {
  modelType: 'chat',
  describe: (request, route) => describeRequest(request, { contextWindow: route.smallestContextWindow }),
  call: (adapter, request, context) => adapter.chat(request, context),
  usage: (result) => result.usage,
};

const embeddingOperation: Operation<EmbeddingRequest, EmbeddingResult> = {
  modelType: 'embedding',
  describe: (request) => describeEmbeddingRequest(request),
  call: (adapter, request, context) => adapter.embed(request, context),
  usage: (result) => embeddingUsage(result),
};

function embeddingUsage(result: EmbeddingResult): Usage {
  const inputTokens = result.inputTokens;
  const usage: Usage = {
    inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: 0, text: 0, reasoning: 0 },
  };
  return result.estimated === true ? { ...usage, estimated: true } : usage;
}

/** Where the pipeline reports what it cannot hand to a client (pino's logger is one). */
export interface PipelineLogger {
  error(fields: object, message: string): void;
}

export interface PipelineOptions {
  readonly runtime: ExecutionRuntime;
  readonly models: ReadonlyMap<string, ModelConfig>;
  readonly stages: Stages;
  /** Where a failing settle stage is reported. */
  readonly logger: PipelineLogger;
}

/** What is known of a request that failed before it became an exchange (unreadable body, invalid request). */
export interface Rejected {
  readonly requestId: string;
  readonly endpoint: Endpoint;
  readonly startedAt: number;
  readonly model: string | undefined;
  readonly stream: boolean;
  /** Who called, when the key check passed before the request failed. */
  readonly caller?: Caller;
}

type Admit = (exchange: Exchange<unknown>) => void | Promise<void>;
type Settle = (exchange: Exchange<unknown>, completion: Completion) => Promise<void>;
type Observe = (completion: Completion) => void;

export class Pipeline {
  readonly #runtime: ExecutionRuntime;
  readonly #models: ReadonlyMap<string, ModelConfig>;
  // Each undefined when no stage of its kind is configured, so an unconfigured stage costs one comparison.
  readonly #admission: Admit | undefined;
  readonly #settle: Settle | undefined;
  readonly #observe: Observe;
  readonly #logger: PipelineLogger;
  readonly #identity: IdentityStage | undefined;

  constructor(options: PipelineOptions) {
    for (const stage of options.stages.admission ?? []) {
      if (stage.needs.usage === true) throw new Error(`Admission stage "${stage.name}" needs usage, which exists only once the upstream finished: make it a settle stage.`);
    }
    this.#runtime = options.runtime;
    this.#logger = options.logger;
    this.#models = options.models;
    this.#admission = composeAdmission(options.stages.admission ?? []);
    this.#settle = composeSettle(options.stages.settle ?? [], options.logger);
    this.#observe = composeObservers(options.stages.observers ?? [], options.logger);
    this.#identity = options.stages.identity;
  }

  /** Whether requests must say who they are (`identify` before the body is read). */
  get identifies(): boolean {
    return this.#identity !== undefined;
  }

  /** The caller the headers identify; throws the refusal. Undefined when no identity stage is configured. */
  identify(headers: RequestHeaders): Caller | undefined {
    return this.#identity?.identify(headers);
  }

  /** `POST /v1/chat/completions`, JSON or streamed. */
  async chat(exchange: Exchange<ChatRequest>, responder: Responder<ChatResult>): Promise<void> {
    const request = exchange.request;
    let plan: RoutePlan;
    try {
      const admitted = this.#admit(exchange, request.model, chatOperation);
      if (admitted !== undefined) await admitted;
      plan = this.#plan(exchange, chatOperation);
    } catch (caught) {
      return this.#failEarly(exchange, request.model, request.stream, caught, responder);
    }
    if (!request.stream) return this.#buffered(exchange, plan, chatOperation, responder);

    const outcome = await executeChatStream(this.#runtime, exchange.model!, request, exchange.scope, plan, responder);
    exchange.scope.close();
    const error = outcome.ok ? undefined : outcome.error;
    const completion = completionOf(exchange, true, streamStatus(error, outcome.committedAtMs), error, outcome.channel, outcome.attempts, outcome.usage, outcome.committedAtMs);
    if (this.#settle !== undefined) await this.#settle(exchange, completion);
    if (error === undefined) responder.endStream();
    else responder.error(error, plan);
    this.#finish(exchange, completion);
  }

  /** `POST /v1/embeddings`. */
  async embed(exchange: Exchange<EmbeddingRequest>, responder: Responder<EmbeddingResult>): Promise<void> {
    let plan: RoutePlan;
    try {
      const admitted = this.#admit(exchange, exchange.request.model, embeddingOperation);
      if (admitted !== undefined) await admitted;
      plan = this.#plan(exchange, embeddingOperation);
    } catch (caught) {
      return this.#failEarly(exchange, exchange.request.model, false, caught, responder);
    }
    return this.#buffered(exchange, plan, embeddingOperation, responder);
  }

  /** A request that failed before it became an exchange: the error goes out and observers still see it. */
  reject(rejected: Rejected, caught: unknown, responder: Responder<unknown>): void {
    const error = this.asError(caught, rejected.requestId);
    responder.error(error, undefined);
    const completion: Completion = {
      requestId: rejected.requestId,
      endpoint: rejected.endpoint,
      model: rejected.model,
      modelConfig: undefined,
      stream: rejected.stream,
      status: error.status,
      error,
      channel: undefined,
      attempts: noAttempts,
      usage: undefined,
      plan: undefined,
      caller: rejected.caller,
      firstChunkMs: undefined,
      durationMs: performance.now() - rejected.startedAt,
      metered: undefined,
    };
    this.#observe(completion);
  }

  /** A bug surfaces as a 500 naming the request id; the cause goes to the log only. */
  asError(caught: unknown, requestId: string): GatewayError {
    if (isGatewayError(caught)) return caught;
    this.#logger.error({ err: caught, requestId }, 'unexpected error');
    return new GatewayError('internal_error', `Internal error; please report request id ${requestId}.`, { cause: caught });
  }

  /** Model and admission: synchronous unless an admission stage waits (then the promise to await). */
  #admit<Request>(exchange: Exchange<Request>, name: string, operation: Operation<Request, unknown>): void | Promise<void> {
    const model = this.#models.get(name);
    if (model === undefined) throw modelNotFound(name, operation.modelType);
    if (model.type !== operation.modelType) throw modelNotFound(name, operation.modelType, model.type);
    exchange.model = model;
    return this.#admission?.(exchange);
  }

  /** The route plan: the candidates in order and every pass-over, recorded on the exchange. */
  #plan<Request>(exchange: Exchange<Request>, operation: Operation<Request, unknown>): RoutePlan {
    const model = exchange.model!;
    const route = this.#runtime.routing.routes.get(model.name)!;
    const plan = planRequest(this.#runtime, model, operation.describe(exchange.request, route), readRouteRequest(exchange.headers, model, exchange.bodyPreferences, exchange.caller));
    exchange.plan = plan;
    if (plan.candidates.length === 0) throw noRouteError(plan);
    return plan;
  }

  async #buffered<Request, Result>(exchange: Exchange<Request>, plan: RoutePlan, operation: Operation<Request, Result>, responder: Responder<Result>): Promise<void> {
    const request = exchange.request;
    const outcome: BufferedOutcome<Result> = await executeBuffered(this.#runtime, exchange.model!, plan, exchange.scope, (adapter, context) =>
      operation.call(adapter, request, context),
    );
    exchange.scope.close();
    const completion = outcome.ok
      ? completionOf(exchange, false, 200, undefined, outcome.channel, outcome.attempts, operation.usage(outcome.result), undefined)
      : completionOf(exchange, false, outcome.error.status, outcome.error, undefined, outcome.attempts, undefined, undefined);
    if (this.#settle !== undefined) await this.#settle(exchange, completion);
    if (outcome.ok) responder.result(outcome.result, outcome.channel, plan, completion.metered);
    else responder.error(outcome.error, plan);
    this.#finish(exchange, completion);
  }

  #failEarly(exchange: Exchange<unknown>, model: string, stream: boolean, caught: unknown, responder: Responder<unknown>): void {
    exchange.scope.close();
    const error = this.asError(caught, exchange.requestId);
    responder.error(error, exchange.plan);
    this.#finish(exchange, { ...completionOf(exchange, stream, error.status, error, undefined, noAttempts, undefined, undefined), model });
  }

  #finish(exchange: Exchange<unknown>, completion: Completion): void {
    completion.durationMs = performance.now() - exchange.startedAt;
    const finishers = exchange.finishers;
    if (finishers !== undefined) {
      for (const finisher of finishers) {
        try {
          finisher(completion);
        } catch (error) {
          this.#logger.error({ err: error, requestId: completion.requestId }, 'finisher failed');
        }
      }
    }
    this.#observe(completion);
  }
}

const noAttempts: readonly AttemptRecord[] = Object.freeze([]);

/** A stream that failed after its first chunk reached the client still answered 200 (499 when the client left). */
function streamStatus(error: GatewayError | undefined, committedAtMs: number | undefined): number {
  if (error === undefined) return 200;
  if (committedAtMs === undefined) return error.status;
  return error.code === 'client_closed_request' ? 499 : 200;
}

function completionOf(
  exchange: Exchange<unknown>,
  stream: boolean,
  status: number,
  error: GatewayError | undefined,
  channel: Completion['channel'],
  attempts: readonly AttemptRecord[],
  usage: Usage | undefined,
  committedAtMs: number | undefined,
): Completion {
  return {
    requestId: exchange.requestId,
    endpoint: exchange.endpoint,
    model: exchange.model?.name,
    modelConfig: exchange.model,
    stream,
    status,
    error,
    channel,
    attempts,
    usage,
    plan: exchange.plan,
    caller: exchange.caller,
    firstChunkMs: committedAtMs === undefined ? undefined : committedAtMs - exchange.startedAt,
    durationMs: performance.now() - exchange.startedAt,
    metered: undefined,
  };
}

function composeAdmission(stages: readonly AdmissionStage[]): Admit | undefined {
  if (stages.length === 0) return undefined;
  if (stages.length === 1) return (exchange) => stages[0].admit(exchange);
  return (exchange) => {
    for (let index = 0; index < stages.length; index++) {
      const pending = stages[index].admit(exchange);
      // The first stage that waits turns the rest into an async chain; stages that do not wait stay synchronous.
      if (pending !== undefined) return pending.then(() => admitFrom(stages, index + 1, exchange));
    }
    return undefined;
  };
}

async function admitFrom(stages: readonly AdmissionStage[], start: number, exchange: Exchange<unknown>): Promise<void> {
  for (let index = start; index < stages.length; index++) await stages[index].admit(exchange);
}

function composeSettle(stages: readonly SettleStage[], logger: PipelineLogger): Settle | undefined {
  if (stages.length === 0) return undefined;
  return async (exchange, completion) => {
    for (const stage of stages) {
      try {
        await stage.settle(exchange, completion);
      } catch (error) {
        logger.error({ err: error, requestId: completion.requestId, stage: stage.name }, 'settle stage failed');
      }
    }
  };
}

function composeObservers(observers: readonly Observer[], logger: PipelineLogger): Observe {
  // An observer that throws is a bug: it is logged, and the observers after it still run.
  return (completion) => {
    for (const observer of observers) {
      try {
        observer.observe(completion);
      } catch (error) {
        logger.error({ err: error, requestId: completion.requestId, observer: observer.name }, 'observer failed');
      }
    }
  };
}

export function modelNotFound(name: string, wanted: ModelType, actual?: ModelType): GatewayError {
  if (actual !== undefined) {
    const what = actual === 'chat' ? 'a chat model' : 'an embedding model';
    const where = wanted === 'chat' ? '/v1/chat/completions' : '/v1/embeddings';
    return new GatewayError('model_not_found', `The model "${name}" is ${what} and is not served on ${where}.`, { param: 'model' });
  }
  return new GatewayError('model_not_found', `The model "${name}" does not exist on this gateway; GET /v1/models lists the models it serves.`, {
    param: 'model',
  });
}
