/**
 * A local Amazon Bedrock Runtime: Converse and ConverseStream (`POST /model/{modelId}/converse[-stream]`), InvokeModel
 * for the Titan and Cohere text embedding models (`POST /model/{modelId}/invoke`) and the
 * OpenAI-compatible Chat Completions endpoint (`POST /openai/v1/chat/completions`), with AWS Signature V4 and Bedrock
 * API key auth, Bedrock's validation rules and error shapes, binary event streams, per-model RPM quotas, prompt
 * caching, stop-reason markers and the shared fault injection. Replies are planned by the OpenAI emulator's generator,
 * so a model answers the same on every cloud. Documented in docs/emulators/bedrock.md. Never imports from `src/`.
 */
import { RunningEmulatorServer, startEmulatorServer, type EmulatorHandler, type RunningEmulatorBase, type EmulatorServer, type Exchange, type Fault } from '../core/index.ts';
import { readChatRequest } from '../openai/chat-request.ts';
import { sendChatCompletion } from '../openai/chat-completions.ts';
import {
  INVALID_JSON,
  invalidRequest,
  isOpenAIError,
  modelNotFound,
  sendEmulatorError as sendOpenAIEmulatorError,
  sendFaultError as sendOpenAIFaultError,
  sendOpenAIError,
} from '../openai/openai-errors.ts';
import { Authenticator, type BedrockCredentials } from './authentication.ts';
import {
  INPUT_TOO_LONG,
  INVALID_MODEL,
  MALFORMED_REQUEST,
  STREAM_EXCEPTION_TYPES,
  THROTTLED,
  THROTTLED_MESSAGE,
  UNKNOWN_OPERATION,
  emulatorError,
  isAwsError,
  sendAwsError,
  sendFaultError,
  streamExceptionType,
} from './bedrock-errors.ts';
import { NO_CACHE, planReply, sendConverse, streamConverse, type CacheUsage } from './converse.ts';
import { CONVERSE_EMBEDDING_MODEL, INVOKE_CHAT_MODEL, invokeCohere, invokeTitan } from './invoke-model.ts';
import { readConverseRequest } from './converse-request.ts';
import { DEFAULT_BEDROCK_MODELS, ModelTable, type BedrockModel, type ModelState } from './models.ts';
import { PromptCache } from './prompt-cache.ts';
import { findStopMarker } from './stop-marker.ts';

export type { BedrockCredentials } from './authentication.ts';
export type { BedrockModel } from './models.ts';
export { DEFAULT_BEDROCK_MODELS } from './models.ts';
export { GUARDRAIL_BLOCKED_MESSAGE } from './converse.ts';
export { FAULT_HEADER, FaultSpecError } from '../core/index.ts';

export interface BedrockEmulatorOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Signatures must be scoped to this region and the service `bedrock`; default 'us-east-1'. */
  region?: string;
  /** Accepted SigV4 credentials; default DEFAULT_CREDENTIALS. */
  credentials?: BedrockCredentials[];
  /** Accepted Bedrock API keys (`Authorization: Bearer <key>`); default none. */
  apiKeys?: string[];
  /** Model ID → model. Default DEFAULT_BEDROCK_MODELS. Any other ID → 400 "The provided model identifier is invalid." */
  models?: Record<string, BedrockModel>;
  /** A fault spec applied to every request without its own fault… */
  fault?: string;
  /** …or only to the first N of them. */
  faultCount?: number;
  /** No log lines on stderr. */
  quiet?: boolean;
  /** Name used in logs and as a fault-marker target; default 'bedrock'. */
  name?: string;
  /** Largest accepted request body in bytes; default 64 MiB. */
  bodyLimit?: number;
}

/** `url` is the endpoint. */
export interface RunningBedrockEmulator extends RunningEmulatorBase {
  readonly region: string;
  /** Empties every model's RPM window. */
  resetQuotas(): void;
  /** Forgets every cached prompt prefix (the next request with a cache point writes again). */
  resetPromptCache(): void;
}

export const DEFAULT_CREDENTIALS: readonly BedrockCredentials[] = Object.freeze([
  { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'emulator-secret' },
]);

const MODEL_PREFIX = '/model/';
const OPENAI_CHAT_PATH = '/openai/v1/chat/completions';

class BedrockHandler implements EmulatorHandler {
  readonly models: ModelTable;
  readonly cache = new PromptCache();
  readonly #auth: Authenticator;

  constructor(options: BedrockEmulatorOptions, region: string) {
    this.models = new ModelTable(options.models ?? DEFAULT_BEDROCK_MODELS);
    this.#auth = new Authenticator(region, options.credentials ?? DEFAULT_CREDENTIALS, options.apiKeys ?? []);
  }

  async handle(exchange: Exchange): Promise<void> {
    const failure = await this.#auth.authenticate(exchange);
    if (failure !== undefined) return sendAwsError(exchange, failure);
    const path = exchange.path;
    if (exchange.method !== 'POST') return sendAwsError(exchange, UNKNOWN_OPERATION);
    if (path === OPENAI_CHAT_PATH) return this.#openai(exchange);
    if (!path.startsWith(MODEL_PREFIX)) return sendAwsError(exchange, UNKNOWN_OPERATION);
    const rest = path.slice(MODEL_PREFIX.length);
    const slash = rest.lastIndexOf('/');
    const operation = slash <= 0 ? '' : rest.slice(slash + 1);
    if (operation === 'invoke') return this.#invoke(exchange, rest.slice(0, slash));
    if (operation !== 'converse' && operation !== 'converse-stream') return sendAwsError(exchange, UNKNOWN_OPERATION);
    this.#converse(exchange, rest.slice(0, slash), operation === 'converse-stream');
  }

  /** The model a `{modelId}` path segment names, or undefined. */
  #model(encodedModel: string): ModelState | undefined {
    let identifier: string;
    try {
      identifier = encodedModel.includes('%') ? decodeURIComponent(encodedModel) : encodedModel;
    } catch {
      return undefined;
    }
    return this.models.resolve(identifier);
  }

  #converse(exchange: Exchange, encodedModel: string, stream: boolean): void {
    const model = this.#model(encodedModel);
    if (model === undefined) return sendAwsError(exchange, INVALID_MODEL);
    if (model.embedding !== undefined) return sendAwsError(exchange, CONVERSE_EMBEDDING_MODEL);
    const fault = exchange.fault;
    const exceptionType = streamExceptionType(fault.errorAfter >= 0 ? fault.code : undefined);
    if (exceptionType === undefined) {
      return sendAwsError(
        exchange,
        emulatorError(400, `invalid fault spec '${fault.spec}': with error-after, code must be one of ${STREAM_EXCEPTION_TYPES.join(', ')}`),
      );
    }
    if (exchange.bodyInvalid) return sendAwsError(exchange, MALFORMED_REQUEST);
    const input = readConverseRequest(exchange.body ?? {}, model.id, stream);
    if (isAwsError(input)) return sendAwsError(exchange, input);
    const marker = findStopMarker(exchange.rawBody);
    if (typeof marker === 'string') return sendAwsError(exchange, emulatorError(400, marker));
    const now = Date.now();
    if (!model.take(now)) return sendAwsError(exchange, THROTTLED);
    if (input.chat.promptTokens > model.contextWindow) return sendAwsError(exchange, INPUT_TOO_LONG);
    const usage = exchange.usage;
    const reply = planReply(input, model.contextWindow, marker?.reason, usage);
    let cache: CacheUsage = NO_CACHE;
    if (usage.cached !== undefined || usage.cacheWrite !== undefined) {
      cache = { reported: true, read: usage.cached ?? 0, write: usage.cacheWrite ?? 0 };
    } else if (input.cache !== undefined) {
      const hit = this.cache.touch(input.cache.key, now, input.cache.ttlMs);
      cache = { reported: true, read: hit ? input.cache.tokens : 0, write: hit ? 0 : input.cache.tokens };
    } else if (input.cacheRequested) {
      cache = { reported: true, read: 0, write: 0 };
    }
    if (stream) streamConverse(exchange, input, reply, cache, exceptionType);
    else sendConverse(exchange, input, reply, cache);
  }

  /** InvokeModel: the embedding models' own bodies (see invoke-model.ts). */
  #invoke(exchange: Exchange, encodedModel: string): void {
    const model = this.#model(encodedModel);
    if (model === undefined) return sendAwsError(exchange, INVALID_MODEL);
    if (model.embedding === undefined) return sendAwsError(exchange, INVOKE_CHAT_MODEL);
    if (exchange.bodyInvalid) return sendAwsError(exchange, MALFORMED_REQUEST);
    const body = exchange.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return sendAwsError(exchange, MALFORMED_REQUEST);
    const reply = model.embedding === 'titan-v2' ? invokeTitan(exchange, body as Record<string, unknown>) : invokeCohere(body as Record<string, unknown>);
    if (isAwsError(reply)) return sendAwsError(exchange, reply);
    if (!model.take(Date.now())) return sendAwsError(exchange, THROTTLED);
    exchange.send(200, reply.headers, reply.body);
  }

  /** Bedrock's OpenAI-compatible Chat Completions: the OpenAI emulator's dialect, Bedrock's models and quotas. */
  #openai(exchange: Exchange): void {
    if (exchange.bodyInvalid) return sendOpenAIError(exchange, INVALID_JSON);
    const input = readChatRequest(exchange.body);
    if (isOpenAIError(input)) return sendOpenAIError(exchange, input);
    const model = this.models.resolve(input.model);
    if (model === undefined || model.embedding !== undefined) return sendOpenAIError(exchange, modelNotFound(input.model));
    if (!model.take(Date.now())) {
      return sendOpenAIError(exchange, { ...invalidRequest(THROTTLED_MESSAGE, null, 'rate_limit_exceeded'), status: 429, type: 'rate_limit_error' });
    }
    if (input.promptTokens > model.contextWindow) {
      return sendOpenAIError(
        exchange,
        invalidRequest(
          `This model's maximum context length is ${model.contextWindow} tokens. However, your messages resulted in ` +
            `${input.promptTokens} tokens. Please reduce the length of the messages.`,
          'messages',
          'context_length_exceeded',
        ),
      );
    }
    sendChatCompletion(exchange, input, model.openai);
  }

  sendFaultStatus(exchange: Exchange, fault: Fault): void {
    if (exchange.path === OPENAI_CHAT_PATH) {
      const body = exchange.body;
      const model = typeof body === 'object' && body !== null ? (body as { model?: unknown }).model : undefined;
      return sendOpenAIFaultError(exchange, fault, typeof model === 'string' ? model : undefined);
    }
    sendFaultError(exchange, fault);
  }

  sendEmulatorError(exchange: Exchange, status: number, message: string): void {
    if (exchange.path === OPENAI_CHAT_PATH) return sendOpenAIEmulatorError(exchange, status, message);
    sendAwsError(exchange, emulatorError(status, message));
  }
}

class RunningBedrock extends RunningEmulatorServer implements RunningBedrockEmulator {
  readonly #handler: BedrockHandler;
  readonly region: string;

  constructor(server: EmulatorServer, handler: BedrockHandler, region: string) {
    super(server);
    this.#handler = handler;
    this.region = region;
  }

  resetQuotas(): void {
    this.#handler.models.resetQuotas();
  }

  resetPromptCache(): void {
    this.#handler.cache.clear();
  }
}

/** Starts a Bedrock emulator; resolves once it listens. Rejects on a bad option or fault spec, or a busy port. */
export async function startBedrockEmulator(options: BedrockEmulatorOptions = {}): Promise<RunningBedrockEmulator> {
  const region = options.region ?? 'us-east-1';
  if (typeof region !== 'string' || !/^[a-z0-9-]{1,30}$/.test(region)) {
    throw new Error(`bedrock emulator: bad region '${String(region)}'`);
  }
  const handler = new BedrockHandler(options, region);
  const server = await startEmulatorServer({
    name: options.name ?? 'bedrock',
    host: options.host,
    port: options.port,
    quiet: options.quiet,
    fault: options.fault,
    faultCount: options.faultCount,
    bodyLimit: options.bodyLimit,
    handler,
  });
  return new RunningBedrock(server, handler, region);
}
