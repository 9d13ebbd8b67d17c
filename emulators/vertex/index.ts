/**
 * A local Vertex AI: Gemini's `generateContent` and `streamGenerateContent` (SSE with `alt=sse`, else a JSON array)
 * on `v1` and `v1beta1`, `:predict` for the text embedding models, and the OpenAI-compatible `endpoints/openapi/chat/completions` for partner and open models,
 * behind bearer auth (self-signed service-account JWTs verified offline, or any token `acceptToken` approves), with
 * Vertex's proto-JSON validation, google.rpc error bodies, per-model RPM quotas, context windows, thinking tokens,
 * safety-block markers and the shared fault injection. Replies are planned by the OpenAI emulator's generator, so a
 * model answers the same on every cloud. Documented in docs/emulators/vertex.md. Never imports from `src/`.
 */
import type { KeyObject } from 'node:crypto';
import { RunningEmulatorServer, startEmulatorServer, type EmulatorHandler, type RunningEmulatorBase, type EmulatorServer, type Exchange, type Fault } from '../core/index.ts';
import { readChatRequest } from '../openai/chat-request.ts';
import { sendChatCompletion } from '../openai/chat-completions.ts';
import { INVALID_JSON, isOpenAIError, sendOpenAIError } from '../openai/openai-errors.ts';
import { Authenticator } from './authentication.ts';
import { findBlockMarker } from './block-marker.ts';
import { planGeneration, responseMeta, sendGenerateContent, streamGenerateContent } from './generate-content.ts';
import { readGenerateRequest } from './generate-request.ts';
import { predictEmbeddings } from './predict.ts';
import { DEFAULT_VERTEX_MODELS, ModelTable, type ModelState, type VertexModel } from './models.ts';
import {
  INVALID_ARGUMENT_GENERIC,
  JSON_CONTENT_TYPE,
  STREAM_ERROR_CODES,
  badRequest,
  baseHeaders,
  googleError,
  inputTooLong,
  invalidArgument,
  isGoogleError,
  publisherModelNotFound,
  quotaExceeded,
  sendFaultError,
  sendGoogleError,
  sendNotFoundPage,
  statusName,
  streamErrorStatus,
  type GoogleError,
} from './vertex-errors.ts';

export type { VertexModel } from './models.ts';
export { DEFAULT_VERTEX_MODELS } from './models.ts';
export { createTestServiceAccount, mintTestToken } from './authentication.ts';
export type { MintTokenOptions, TestServiceAccount } from './authentication.ts';
export { FAULT_HEADER, FaultSpecError } from '../core/index.ts';

export interface VertexEmulatorOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** The project ID requests must name; default 'interchange-demo'. Another project → 403 PERMISSION_DENIED. */
  project?: string;
  /** Accepted locations; default DEFAULT_LOCATIONS. Another → 400 INVALID_ARGUMENT. */
  locations?: string[];
  /**
   * Bearer tokens: a self-signed JWT verified with this key (PEM or KeyObject of the test service account; RS256,
   * Vertex audience, `exp` in the future and within an hour of `iat`), or any token for which `acceptToken`
   * returns true. No auth configured → everything accepted.
   */
  publicKey?: KeyObject | string;
  acceptToken?: (token: string) => boolean;
  /** Model ID → model. Gemini IDs (`gemini-2.5-flash`) and `publisher/model` IDs for the OpenAI-compatible endpoint. Default DEFAULT_VERTEX_MODELS. */
  models?: Record<string, VertexModel>;
  /** A fault spec applied to every request without its own fault… */
  fault?: string;
  /** …or only to the first N of them. */
  faultCount?: number;
  /** No log lines on stderr. */
  quiet?: boolean;
  /** Name used in logs and as a fault-marker target; default 'vertex'. */
  name?: string;
  /** Largest accepted request body in bytes; default 64 MiB. */
  bodyLimit?: number;
}

/** `url` stands for every Vertex host (`aiplatform.googleapis.com`, `{location}-aiplatform.googleapis.com`…). */
export interface RunningVertexEmulator extends RunningEmulatorBase {
  /** Empties every model's RPM window. */
  resetQuotas(): void;
}

export const DEFAULT_PROJECT = 'interchange-demo';
export const DEFAULT_LOCATIONS: readonly string[] = Object.freeze(['global', 'us-central1', 'europe-west4', 'us', 'eu']);

interface Route {
  readonly version: string;
  readonly project: string;
  readonly location: string;
  readonly kind: 'generate' | 'stream' | 'predict' | 'chat';
  readonly publisher: string;
  readonly model: string;
  /** The gRPC method, for ErrorInfo. */
  readonly rpc: string;
}

function decode(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `/{v1|v1beta1}/projects/{p}/locations/{l}/publishers/{pub}/models/{m}:{method}` or `…/endpoints/openapi/chat/completions`. */
function parseRoute(path: string): Route | undefined {
  const segments = path.split('/');
  if (segments.length !== 10 || segments[0] !== '' || segments[2] !== 'projects' || segments[4] !== 'locations') return undefined;
  const version = segments[1];
  if (version !== 'v1' && version !== 'v1beta1') return undefined;
  const project = decode(segments[3]);
  const location = decode(segments[5]);
  if (project === '' || location === '') return undefined;
  if (segments[6] === 'endpoints') {
    if (segments[7] !== 'openapi' || segments[8] !== 'chat' || segments[9] !== 'completions') return undefined;
    return { version, project, location, kind: 'chat', publisher: '', model: '', rpc: `google.cloud.aiplatform.${version}.PredictionService.ChatCompletions` };
  }
  if (segments[6] !== 'publishers' || segments[8] !== 'models') return undefined;
  const last = decode(segments[9]);
  const colon = last.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const method = last.slice(colon + 1);
  let kind: Route['kind'];
  let rpc: string;
  if (method === 'generateContent') {
    kind = 'generate';
    rpc = 'GenerateContent';
  } else if (method === 'streamGenerateContent') {
    kind = 'stream';
    rpc = 'StreamGenerateContent';
  } else if (method === 'predict') {
    kind = 'predict';
    rpc = 'Predict';
  } else {
    return undefined;
  }
  return {
    version,
    project,
    location,
    kind,
    publisher: decode(segments[7]),
    model: last.slice(0, colon),
    rpc: `google.cloud.aiplatform.${version}.PredictionService.${rpc}`,
  };
}

function isStreamingPath(path: string): boolean {
  return path.includes(':streamGenerateContent');
}

function permissionDenied(route: Route): GoogleError {
  const resource =
    route.kind === 'chat'
      ? `projects/${route.project}/locations/${route.location}/endpoints/openapi`
      : `projects/${route.project}/locations/${route.location}/publishers/${route.publisher}/models/${route.model}`;
  return googleError(
    403,
    'PERMISSION_DENIED',
    `Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/${resource}' (or it may not exist).`,
    [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'IAM_PERMISSION_DENIED',
        domain: 'aiplatform.googleapis.com',
        metadata: { permission: 'aiplatform.endpoints.predict', resource },
      },
    ],
  );
}

class VertexHandler implements EmulatorHandler {
  readonly models: ModelTable;
  readonly #auth: Authenticator;
  readonly #project: string;
  readonly #locations: ReadonlySet<string>;

  constructor(options: VertexEmulatorOptions) {
    this.models = new ModelTable(options.models ?? DEFAULT_VERTEX_MODELS);
    this.#auth = new Authenticator(options);
    this.#project = options.project ?? DEFAULT_PROJECT;
    this.#locations = new Set(options.locations ?? DEFAULT_LOCATIONS);
  }

  handle(exchange: Exchange): void | Promise<void> {
    const route = parseRoute(exchange.path);
    if (route === undefined || exchange.method !== 'POST') return sendNotFoundPage(exchange);
    const failure = this.#auth.check(exchange, route.rpc);
    if (failure === undefined) return this.#route(exchange, route);
    if (isGoogleError(failure)) return sendGoogleError(exchange, failure, route.kind === 'stream');
    return failure.then((verdict) => {
      if (verdict === undefined) this.#route(exchange, route);
      else sendGoogleError(exchange, verdict, route.kind === 'stream');
    });
  }

  #route(exchange: Exchange, route: Route): void {
    const streaming = route.kind === 'stream';
    if (route.project !== this.#project) return sendGoogleError(exchange, permissionDenied(route), streaming);
    if (!this.#locations.has(route.location)) return sendGoogleError(exchange, invalidArgument(INVALID_ARGUMENT_GENERIC), streaming);
    if (route.kind === 'chat') return this.#chat(exchange, route);
    if (route.kind === 'predict') return this.#predict(exchange, route);
    this.#generate(exchange, route, streaming);
  }

  /** `:predict` on a text embedding model (see predict.ts). */
  #predict(exchange: Exchange, route: Route): void {
    const model = this.models.embedding(route.publisher, route.model);
    if (model === undefined) return sendGoogleError(exchange, publisherModelNotFound(route.project, route.location, route.publisher, route.model), false);
    if (exchange.bodyInvalid) {
      return sendGoogleError(exchange, badRequest([{ field: undefined, description: 'Invalid JSON payload received. Unexpected token.' }]), false);
    }
    const answer = predictEmbeddings(exchange.body, model.embedding!, model.id);
    if (isGoogleError(answer)) return sendGoogleError(exchange, answer, false);
    if (!model.take(Date.now())) return sendGoogleError(exchange, quotaExceeded(model.id, 'online_prediction_requests_per_base_model'), false);
    exchange.send(200, baseHeaders(JSON_CONTENT_TYPE), answer);
  }

  #generate(exchange: Exchange, route: Route, streaming: boolean): void {
    const fail = (failure: GoogleError) => sendGoogleError(exchange, failure, streaming);
    const model = this.models.gemini(route.publisher, route.model);
    if (model === undefined) return fail(publisherModelNotFound(route.project, route.location, route.publisher, route.model));
    const fault = exchange.fault;
    const streamError = streamErrorStatus(fault.errorAfter >= 0 ? fault.code : undefined);
    if (streamError === undefined) {
      return fail(
        invalidArgument(
          `invalid fault spec '${fault.spec}': with error-after, code must be one of ${Object.keys(STREAM_ERROR_CODES).join(', ')}`,
        ),
      );
    }
    if (exchange.bodyInvalid) {
      return fail(badRequest([{ field: undefined, description: 'Invalid JSON payload received. Unexpected token.' }]));
    }
    const input = readGenerateRequest(exchange.body, route.version, model, streaming);
    if (isGoogleError(input)) return fail(input);
    const marker = findBlockMarker(exchange.rawBody);
    if (typeof marker === 'string') return fail(invalidArgument(marker));
    if (!model.take(Date.now())) return fail(quotaExceeded(model.id));
    if (input.chat.promptTokens > model.contextWindow) return fail(inputTooLong(input.chat.promptTokens, model.contextWindow));
    const generation = planGeneration(input, model, marker, exchange.usage);
    const meta = responseMeta(model);
    if (!streaming) return sendGenerateContent(exchange, generation, meta);
    const sse = /(^|&)alt=sse(&|$)/.test(exchange.query);
    streamGenerateContent(exchange, generation, meta, sse, streamError);
  }

  /** Vertex's OpenAI-compatible endpoint: the OpenAI emulator's dialect, Vertex's auth, models and quotas. */
  #chat(exchange: Exchange, route: Route): void {
    if (exchange.bodyInvalid) return sendOpenAIError(exchange, INVALID_JSON);
    const input = readChatRequest(exchange.body);
    if (isOpenAIError(input)) return sendOpenAIError(exchange, input);
    const model: ModelState | undefined = this.models.openai(input.model);
    if (model === undefined) {
      const slash = input.model.indexOf('/');
      const publisher = slash < 0 ? 'google' : input.model.slice(0, slash);
      const name = slash < 0 ? input.model : input.model.slice(slash + 1);
      return sendGoogleError(exchange, publisherModelNotFound(route.project, route.location, publisher, name), false);
    }
    if (!model.take(Date.now())) return sendGoogleError(exchange, quotaExceeded(model.id), false);
    if (input.promptTokens > model.contextWindow) {
      return sendGoogleError(exchange, inputTooLong(input.promptTokens, model.contextWindow), false);
    }
    sendChatCompletion(exchange, input, model.openai);
  }

  sendFaultStatus(exchange: Exchange, fault: Fault): void {
    sendFaultError(exchange, fault, isStreamingPath(exchange.path));
  }

  sendEmulatorError(exchange: Exchange, status: number, message: string): void {
    sendGoogleError(exchange, googleError(status, statusName(status), message), isStreamingPath(exchange.path));
  }
}

class RunningVertex extends RunningEmulatorServer implements RunningVertexEmulator {
  readonly #handler: VertexHandler;

  constructor(server: EmulatorServer, handler: VertexHandler) {
    super(server);
    this.#handler = handler;
  }

  resetQuotas(): void {
    this.#handler.models.resetQuotas();
  }
}

/** Starts a Vertex AI emulator; resolves once it listens. Rejects on a bad option or fault spec, or a busy port. */
export async function startVertexEmulator(options: VertexEmulatorOptions = {}): Promise<RunningVertexEmulator> {
  const project = options.project ?? DEFAULT_PROJECT;
  if (typeof project !== 'string' || project === '' || project.includes('/')) {
    throw new Error(`vertex emulator: bad project '${String(project)}'`);
  }
  for (const location of options.locations ?? DEFAULT_LOCATIONS) {
    if (typeof location !== 'string' || location === '' || location.includes('/')) {
      throw new Error(`vertex emulator: bad location '${String(location)}'`);
    }
  }
  const handler = new VertexHandler(options);
  const server = await startEmulatorServer({
    name: options.name ?? 'vertex',
    host: options.host,
    port: options.port,
    quiet: options.quiet,
    fault: options.fault,
    faultCount: options.faultCount,
    bodyLimit: options.bodyLimit,
    handler,
  });
  return new RunningVertex(server, handler);
}
