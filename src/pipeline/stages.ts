/**
 * What a request is while the pipeline runs it (an exchange), what it became (a completion), and the stages that may
 * look at it: admission before routing, settle after the upstream finished and before the client's final bytes,
 * observers after the response. Types only.
 */
import type { ModelConfig } from '../config/types.ts';
import type { GatewayError } from '../errors/index.ts';
import type { AttemptRecord } from '../execution/attempts.ts';
import type { RequestScope } from '../execution/execution-runtime.ts';
import type { Caller } from '../identity/key-directory.ts';
import type { ClientPreferences, RouteChannel, RoutePlan } from '../routing/index.ts';
import type { Usage } from '../spec/index.ts';

/** The API surface a request arrived on (a metrics label and a request-log field). */
export type Endpoint = 'chat_completions' | 'responses' | 'embeddings';

/** Request headers as Node parses them: lower-case names. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** A request's cancellation and deadline, closed by the pipeline once no upstream call is left to make. */
export interface ExchangeScope extends RequestScope {
  close(): void;
}

/** One client request on its way through the pipeline. */
export interface Exchange<Request> {
  readonly requestId: string;
  readonly endpoint: Endpoint;
  /** `performance.now()` when the request arrived. */
  readonly startedAt: number;
  readonly headers: RequestHeaders;
  /** The neutral request the frontend parsed. */
  readonly request: Request;
  /** Routing preferences the client sent in the body's `interchange` extension (the header is read by routing). */
  readonly bodyPreferences: ClientPreferences | undefined;
  /** Cancellation (client gone, deadline passed) and the deadline. */
  readonly scope: ExchangeScope;
  /** Who is calling: the key check's answer, made before the body was read (undefined with `auth.clients: none`). */
  caller: Caller | undefined;
  /** Set once the model is resolved. */
  model: ModelConfig | undefined;
  /**
   * Run once the request is over, whatever became of it (admitted or not, served or failed), before observers: where a
   * stage gives back what it held (a stream slot, unused reserved tokens). Undefined until a stage adds one.
   */
  finishers: Array<(completion: Completion) => void> | undefined;
  /** Set once routing planned the request. */
  plan: RoutePlan | undefined;
}

/** What became of a request that reached execution: the input of settle stages and observers. */
export interface Completion {
  readonly requestId: string;
  readonly endpoint: Endpoint;
  /** The public model name the client asked for, when the body got that far. */
  readonly model: string | undefined;
  /** The model as configured, when it exists. */
  readonly modelConfig: ModelConfig | undefined;
  readonly stream: boolean;
  /** The HTTP status the client sees (200 for a stream that started, even when it later failed; 499 client gone). */
  readonly status: number;
  readonly error: GatewayError | undefined;
  /** The channel that served (or whose stream had started when it failed). */
  readonly channel: RouteChannel | undefined;
  readonly attempts: readonly AttemptRecord[];
  readonly usage: Usage | undefined;
  readonly plan: RoutePlan | undefined;
  /** Who called, when a key was checked. */
  readonly caller: Caller | undefined;
  /** Milliseconds from arrival to the first chunk written (streams that started). */
  readonly firstChunkMs: number | undefined;
  /** Milliseconds from arrival to the last byte; observers see that, settle stages the time so far. */
  durationMs: number;
  /** What it cost and what its tenant is charged, once the metering stage settled it; undefined without metering. */
  metered: Metered | undefined;
}

/** Integer micro-units of `currency`. */
export interface Metered {
  readonly costMicros: number;
  readonly chargedMicros: number;
  readonly currency: string;
}

/** What a stage reads besides the neutral request: declared so the composition can check and document it. */
export interface StageNeeds {
  /** Request headers the stage reads (lower case), e.g. `authorization` for a key check. */
  readonly headers?: readonly string[];
  /** The stage reads `Completion.usage` (settle stages only: usage exists once the upstream finished). */
  readonly usage?: boolean;
}

/**
 * Runs before routing. Rejects by throwing a `GatewayError` (the client gets it as an OpenAI-shaped error and nothing
 * is sent upstream). Return nothing to go on synchronously; a promise only when the stage truly waits.
 */
export interface AdmissionStage {
  readonly name: string;
  readonly needs: StageNeeds;
  admit(exchange: Exchange<unknown>): void | Promise<void>;
}

/**
 * Runs once the upstream finished (successfully or not) and before the final bytes reach the client, so a stage can
 * make a record durable first (the ledger's hook). A returned promise is awaited. A stage that throws is logged and
 * the response still goes out: the client paid for it upstream already.
 */
export interface SettleStage {
  readonly name: string;
  readonly needs: StageNeeds;
  settle(exchange: Exchange<unknown>, completion: Completion): void | Promise<void>;
}

/** Runs after the response was written (metrics, request log, recent routes). Must not wait; one that throws is logged and the others still run. */
export interface Observer {
  readonly name: string;
  observe(completion: Completion): void;
}

/**
 * Tells who is calling from the request headers alone, before the body is read, so a caller without a valid key costs
 * no body read or parse and learns nothing of which models exist. Throws a `GatewayError` to refuse.
 */
export interface IdentityStage {
  readonly name: string;
  readonly needs: StageNeeds;
  identify(headers: RequestHeaders): Caller;
}

export interface Stages {
  readonly identity?: IdentityStage;
  readonly admission?: readonly AdmissionStage[];
  readonly settle?: readonly SettleStage[];
  readonly observers?: readonly Observer[];
}
