/**
 * A local Azure OpenAI resource: deployment-style (`/openai/deployments/{deployment}/…?api-version=…`) and v1
 * (`/openai/v1/…`) chat completions and embeddings, and v1 responses, with Azure's wire format (content-filter
 * annotations, versioned model names, gateway error bodies), `api-key` and Microsoft Entra bearer auth, per-deployment
 * RPM/TPM quotas, content-filter markers and the shared fault injection. Replies are planned by the OpenAI emulator's generator, so a
 * model answers the same on both clouds. Documented in docs/emulators/azure-openai.md. Never imports from `src/`.
 */
import { countTokens, RunningEmulatorServer, startEmulatorServer, type EmulatorHandler, type RunningEmulatorBase, type EmulatorServer, type Exchange, type Fault } from '../core/index.ts';
import { readChatRequest } from '../openai/chat-request.ts';
import { embeddingsBody, readEmbeddingRequest } from '../openai/embeddings.ts';
import { ModelCatalog } from '../openai/models.ts';
import { INVALID_JSON, invalidRequest, invalidValue, isOpenAIError, type OpenAIError } from '../openai/openai-errors.ts';
import { readResponsesRequest } from '../openai/responses-request.ts';
import { ResponseStore, storedResponseBody } from '../openai/responses.ts';
import { JSON_CONTENT_TYPE, baseHeaders, deploymentHeaders } from './azure-headers.ts';
import {
  API_VERSION_NOT_SUPPORTED,
  DEPLOYMENT_NOT_FOUND,
  INPUT_TOO_LONG,
  INVALID_KEY,
  INVALID_TOKEN,
  RESOURCE_NOT_FOUND,
  contextLengthExceeded,
  describeOperation,
  emulatorErrorBody,
  faultBody,
  modelErrorBody,
  operationNotSupported,
  promptFilteredBody,
  rateLimitBody,
  sendAzureError,
  type OperationName,
} from './azure-errors.ts';
import { sendAzureChat } from './chat.ts';
import { findContentFilterMarker, promptResults } from './content-filter.ts';
import { sendAzureResponse } from './responses.ts';
import {
  API_VERSION_FEATURES,
  DEFAULT_API_VERSIONS,
  DEFAULT_DEPLOYMENTS,
  apiVersionHas,
  buildDeployments,
  type AzureDeployment,
  type DeploymentState,
} from './deployments.ts';

export type { AzureDeployment } from './deployments.ts';
export { DEFAULT_API_VERSIONS, DEFAULT_DEPLOYMENTS } from './deployments.ts';
export { FAULT_HEADER, FaultSpecError } from '../core/index.ts';

export interface AzureOpenAIEmulatorOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** The accepted `api-key` header value (and, on the v1 API only, `Authorization: Bearer <apiKey>`). */
  apiKey?: string;
  /** Microsoft Entra bearer tokens are accepted when this returns true. No auth configured at all → everything accepted. */
  acceptToken?: (token: string) => boolean;
  /** Deployment name → deployment. Default DEFAULT_DEPLOYMENTS. */
  deployments?: Record<string, AzureDeployment>;
  /** The api-versions accepted by the deployment-style API. Default DEFAULT_API_VERSIONS. */
  apiVersions?: string[];
  /** A fault spec applied to every request without its own fault… */
  fault?: string;
  /** …or only to the first N of them. */
  faultCount?: number;
  /** No log lines on stderr. */
  quiet?: boolean;
  /** Name used in logs and as a fault-marker target; default 'azure-openai'. */
  name?: string;
  /** `x-ms-region`; default 'East US'. */
  region?: string;
  /** Largest accepted request body in bytes; default 64 MiB. */
  bodyLimit?: number;
}

/** `url` is the resource endpoint. */
export interface RunningAzureOpenAIEmulator extends RunningEmulatorBase {
  /** Empties every deployment's RPM/TPM window. */
  resetQuotas(): void;
}

const DEPLOYMENTS_PREFIX = '/openai/deployments/';
const V1_PREFIX = '/openai/v1/';
const CHAT_PATH = '/chat/completions';
const EMBEDDINGS_PATH = '/embeddings';
const RESPONSES_PATH = '/responses';
const RESPONSE_PATH_PREFIX = '/responses/';
const V1_API_VERSIONS = new Set(['preview', 'latest']);

/** The value of `api-version` in a query string; undefined when absent. */
function apiVersionOf(query: string): string | undefined {
  if (query === '') return undefined;
  let start: number;
  if (query.startsWith('api-version=')) {
    start = 12;
  } else {
    const at = query.indexOf('&api-version=');
    if (at < 0) return undefined;
    start = at + 13;
  }
  const end = query.indexOf('&', start);
  const value = end < 0 ? query.slice(start) : query.slice(start, end);
  return value.includes('%') || value.includes('+') ? decodeURIComponent(value.replace(/\+/g, ' ')) : value;
}

const DATED_VERSION = /^\d{4}-\d{2}-\d{2}/;
const ROLES_BEFORE_DEVELOPER = ['system', 'assistant', 'user', 'function', 'tool'];

/**
 * What a dated api-version refuses because it predates it: a body member it does not know (`Unrecognized request
 * argument supplied: stream_options`, Azure's words), or the `developer` role (in OpenAI's invalid-value words).
 */
function olderVersionRefusal(body: unknown, apiVersion: string): OpenAIError | undefined {
  if (typeof body !== 'object' || body === null || !DATED_VERSION.test(apiVersion)) return undefined;
  const request = body as Record<string, unknown>;
  for (const [member, since] of [
    ['stream_options', API_VERSION_FEATURES.streamOptions],
    ['max_completion_tokens', API_VERSION_FEATURES.maxCompletionTokens],
  ] as const) {
    if (member in request && !apiVersionHas(apiVersion, since)) return invalidRequest(`Unrecognized request argument supplied: ${member}`);
  }
  if (!apiVersionHas(apiVersion, API_VERSION_FEATURES.developerRole) && Array.isArray(request.messages)) {
    const index = request.messages.findIndex((message) => (message as { role?: unknown } | null)?.role === 'developer');
    if (index >= 0) return invalidValue(`messages[${index}].role`, 'developer', ROLES_BEFORE_DEVELOPER);
  }
  return undefined;
}

function looksLikeJwt(token: string): boolean {
  const first = token.indexOf('.');
  return first > 0 && token.indexOf('.', first + 1) > first + 1;
}

class AzureOpenAIHandler implements EmulatorHandler {
  readonly deployments: Map<string, DeploymentState>;
  readonly #apiVersions: ReadonlySet<string>;
  readonly #apiKey: string | undefined;
  readonly #acceptToken: ((token: string) => boolean) | undefined;
  readonly #authRequired: boolean;
  readonly #region: string;
  readonly #modelsJson: string;
  readonly #responses = new ResponseStore();

  constructor(options: AzureOpenAIEmulatorOptions) {
    this.deployments = buildDeployments(options.deployments ?? DEFAULT_DEPLOYMENTS);
    this.#apiVersions = new Set(options.apiVersions ?? DEFAULT_API_VERSIONS);
    this.#apiKey = options.apiKey;
    this.#acceptToken = options.acceptToken;
    this.#authRequired = options.apiKey !== undefined || options.acceptToken !== undefined;
    this.#region = options.region ?? 'East US';
    const models = [...new Set([...this.deployments.values()].map((deployment) => deployment.model))];
    this.#modelsJson = new ModelCatalog(models).listJson;
  }

  handle(exchange: Exchange): void {
    const path = exchange.path;
    const v1 = path.startsWith(V1_PREFIX);
    if (this.#authRequired) {
      const failure = this.#authenticate(exchange, v1);
      if (failure !== undefined) return this.#error(exchange, 401, failure);
    }
    if (v1) return this.#v1(exchange, path.slice(V1_PREFIX.length - 1));
    if (!path.startsWith(DEPLOYMENTS_PREFIX)) return this.#error(exchange, 404, RESOURCE_NOT_FOUND);
    const rest = path.slice(DEPLOYMENTS_PREFIX.length);
    const slash = rest.indexOf('/');
    const operation = slash <= 0 ? '' : rest.slice(slash);
    if ((operation !== CHAT_PATH && operation !== EMBEDDINGS_PATH) || exchange.method !== 'POST') {
      return this.#error(exchange, 404, RESOURCE_NOT_FOUND);
    }
    const apiVersion = apiVersionOf(exchange.query);
    if (apiVersion === undefined) return this.#error(exchange, 404, RESOURCE_NOT_FOUND);
    if (!this.#apiVersions.has(apiVersion)) return this.#error(exchange, 400, API_VERSION_NOT_SUPPORTED);
    const encoded = rest.slice(0, slash);
    const deployment = this.deployments.get(encoded.includes('%') ? decodeURIComponent(encoded) : encoded);
    if (deployment === undefined) return this.#error(exchange, 404, DEPLOYMENT_NOT_FOUND);
    if (operation === CHAT_PATH) this.#chat(exchange, deployment, apiVersion);
    else this.#embeddings(exchange, deployment, apiVersion);
  }

  #v1(exchange: Exchange, operation: string): void {
    const apiVersion = apiVersionOf(exchange.query);
    if (apiVersion !== undefined && !V1_API_VERSIONS.has(apiVersion)) {
      return this.#error(exchange, 400, API_VERSION_NOT_SUPPORTED);
    }
    if (operation === '/models') {
      if (exchange.method !== 'GET') return this.#error(exchange, 404, RESOURCE_NOT_FOUND);
      return exchange.send(200, baseHeaders(exchange, JSON_CONTENT_TYPE, this.#region), this.#modelsJson);
    }
    if (operation === RESPONSES_PATH) {
      if (exchange.method !== 'POST') return this.#error(exchange, 404, RESOURCE_NOT_FOUND);
      return this.#createResponse(exchange, apiVersion);
    }
    if (operation.startsWith(RESPONSE_PATH_PREFIX)) {
      const id = operation.slice(RESPONSE_PATH_PREFIX.length);
      if (id !== '' && !id.includes('/')) return this.#storedResponse(exchange, decodeURIComponent(id));
    }
    if ((operation !== CHAT_PATH && operation !== EMBEDDINGS_PATH) || exchange.method !== 'POST') {
      return this.#error(exchange, 404, RESOURCE_NOT_FOUND);
    }
    if (exchange.bodyInvalid) return this.#modelError(exchange, INVALID_JSON);
    const body = exchange.body;
    const model = typeof body === 'object' && body !== null ? (body as { model?: unknown }).model : undefined;
    if (typeof model !== 'string') {
      // The generator reports the missing or mistyped `model` in OpenAI's words.
      const failure = operation === CHAT_PATH ? readChatRequest(body) : readEmbeddingRequest(body);
      return this.#modelError(exchange, failure as OpenAIError);
    }
    const deployment = this.deployments.get(model);
    if (deployment === undefined) return this.#error(exchange, 404, DEPLOYMENT_NOT_FOUND);
    if (operation === CHAT_PATH) this.#chat(exchange, deployment, apiVersion);
    else this.#embeddings(exchange, deployment, apiVersion);
  }

  /** Undefined when the request may pass; else the 401 body. */
  #authenticate(exchange: Exchange, v1: boolean): string | undefined {
    const headers = exchange.request.headers;
    const key = headers['api-key'];
    if (typeof key === 'string') return this.#apiKey !== undefined && key === this.#apiKey ? undefined : INVALID_KEY;
    const authorization = headers.authorization;
    if (typeof authorization !== 'string' || !/^bearer /i.test(authorization)) return INVALID_KEY;
    const token = authorization.slice(7).trim();
    if (v1 && this.#apiKey !== undefined && token === this.#apiKey) return undefined;
    if (this.#acceptToken !== undefined) {
      let accepted = false;
      try {
        accepted = this.#acceptToken(token) === true;
      } catch {
        accepted = false;
      }
      if (accepted) return undefined;
    }
    // On the v1 API a bearer value is a key or a token; what does not look like a token is answered as a bad key.
    return v1 && !looksLikeJwt(token) ? INVALID_KEY : INVALID_TOKEN;
  }

  #chat(exchange: Exchange, deployment: DeploymentState, apiVersion: string | undefined): void {
    if (deployment.embedding) {
      return this.#error(exchange, 400, operationNotSupported('chatCompletion', deployment.model));
    }
    if (exchange.bodyInvalid) return this.#modelError(exchange, INVALID_JSON);
    if (apiVersion !== undefined) {
      const refusal = olderVersionRefusal(exchange.body, apiVersion);
      if (refusal !== undefined) return this.#modelError(exchange, refusal);
    }
    const input = readChatRequest(exchange.body, deployment.model);
    if (isOpenAIError(input)) return this.#modelError(exchange, input);
    const maxTokens = Number.isFinite(input.maxTokens) ? input.maxTokens : undefined;
    const estimate = input.promptTokens + (maxTokens ?? 0);
    if (estimate > deployment.contextWindow) {
      return this.#modelError(exchange, contextLengthExceeded(deployment.contextWindow, input.promptTokens, maxTokens));
    }
    if (deployment.limited && !this.#charge(exchange, deployment, estimate, 'ChatCompletions_Create', apiVersion)) return;
    const marker = findContentFilterMarker(exchange.rawBody);
    if (typeof marker === 'string') return this.#error(exchange, 400, emulatorErrorBody(400, marker));
    if (marker !== undefined && marker.target === 'prompt') {
      return this.#error(exchange, 400, promptFilteredBody(promptResults(marker.category)));
    }
    sendAzureChat(exchange, input, deployment, this.#region, marker?.category);
  }

  /** `POST /openai/v1/responses`: checked in the order chat is, from the deployment the body's `model` names. */
  #createResponse(exchange: Exchange, apiVersion: string | undefined): void {
    if (exchange.bodyInvalid) return this.#modelError(exchange, INVALID_JSON);
    const body = exchange.body;
    const model = typeof body === 'object' && body !== null ? (body as { model?: unknown }).model : undefined;
    if (typeof model !== 'string') {
      // The reader reports the missing or mistyped `model` in OpenAI's words.
      return this.#modelError(exchange, readResponsesRequest(body, this.#responses.conversation) as OpenAIError);
    }
    const deployment = this.deployments.get(model);
    if (deployment === undefined) return this.#error(exchange, 404, DEPLOYMENT_NOT_FOUND);
    if (deployment.embedding) return this.#error(exchange, 400, operationNotSupported('responses', deployment.model));
    const input = readResponsesRequest(body, this.#responses.conversation, deployment.model);
    if (isOpenAIError(input)) return this.#modelError(exchange, input);
    const estimate = input.chat.promptTokens + (input.maxOutputTokens ?? 0);
    if (estimate > deployment.contextWindow) return this.#modelError(exchange, INPUT_TOO_LONG);
    if (deployment.limited && !this.#charge(exchange, deployment, estimate, 'Responses_Create', apiVersion)) return;
    const marker = findContentFilterMarker(exchange.rawBody);
    if (typeof marker === 'string') return this.#error(exchange, 400, emulatorErrorBody(400, marker));
    if (marker !== undefined && marker.target === 'prompt') {
      return this.#error(exchange, 400, promptFilteredBody(promptResults(marker.category)));
    }
    sendAzureResponse(exchange, input, deployment, this.#region, this.#responses, marker !== undefined);
  }

  /** `GET` and `DELETE /openai/v1/responses/{id}`. */
  #storedResponse(exchange: Exchange, id: string): void {
    const method = exchange.method;
    if (method !== 'GET' && method !== 'DELETE') return this.#error(exchange, 404, RESOURCE_NOT_FOUND);
    const body = storedResponseBody(this.#responses, method, exchange.query, id);
    if (isOpenAIError(body)) return this.#modelError(exchange, body);
    exchange.send(200, baseHeaders(exchange, JSON_CONTENT_TYPE, this.#region), body);
  }

  #embeddings(exchange: Exchange, deployment: DeploymentState, apiVersion: string | undefined): void {
    if (!deployment.embedding) return this.#error(exchange, 400, operationNotSupported('embeddings', deployment.model));
    if (exchange.bodyInvalid) return this.#modelError(exchange, INVALID_JSON);
    const input = readEmbeddingRequest(exchange.body, deployment.model);
    if (isOpenAIError(input)) return this.#modelError(exchange, input);
    if (deployment.limited) {
      let tokens = 0;
      for (const entry of input.inputs) tokens += typeof entry === 'string' ? countTokens(entry) : entry.length;
      if (!this.#charge(exchange, deployment, tokens, 'Embeddings_Create', apiVersion)) return;
    }
    const body = embeddingsBody(input, deployment.model);
    exchange.send(200, deploymentHeaders(exchange, JSON_CONTENT_TYPE, this.#region, deployment), body);
  }

  /** Charges the deployment's quota; on refusal sends Azure's 429 and returns false. */
  #charge(
    exchange: Exchange,
    deployment: DeploymentState,
    estimate: number,
    operation: OperationName,
    apiVersion: string | undefined,
  ): boolean {
    const refusal = deployment.take(Date.now(), estimate);
    if (refusal === undefined) return true;
    const seconds = Math.ceil(refusal.retryAfterMs / 1000);
    const headers = baseHeaders(exchange, JSON_CONTENT_TYPE, this.#region);
    for (const value of deployment.staticHeaders) headers.push(value);
    headers.push(
      'retry-after',
      String(seconds),
      'retry-after-ms',
      String(refusal.retryAfterMs),
      'x-ratelimit-remaining-requests',
      String(refusal.remainingRequests),
      'x-ratelimit-remaining-tokens',
      String(Number.isFinite(refusal.remainingTokens) ? refusal.remainingTokens : 999_000),
    );
    exchange.send(429, headers, rateLimitBody(operation, apiVersion ?? 'v1', refusal.kind, seconds));
    return false;
  }

  #error(exchange: Exchange, status: number, body: string): void {
    sendAzureError(exchange, status, body, this.#region);
  }

  #modelError(exchange: Exchange, failure: OpenAIError): void {
    sendAzureError(exchange, failure.status, modelErrorBody(failure), this.#region);
  }

  sendFaultStatus(exchange: Exchange, fault: Fault): void {
    const retryAfter =
      fault.retryAfter ?? (fault.retryAfterMs !== undefined ? Math.ceil(fault.retryAfterMs / 1000) : 1);
    const { operation, apiVersion } = describeOperation(exchange.path, apiVersionOf(exchange.query));
    const extra: string[] = [];
    if (fault.status === 429 || fault.retryAfter !== undefined || fault.retryAfterMs !== undefined) {
      extra.push('retry-after', String(retryAfter), 'retry-after-ms', String(fault.retryAfterMs ?? retryAfter * 1000));
    }
    if (fault.status === 429) extra.push('x-ratelimit-remaining-requests', '0', 'x-ratelimit-remaining-tokens', '0');
    const headers = baseHeaders(exchange, JSON_CONTENT_TYPE, this.#region);
    const body = faultBody(fault, headers[3], operation, apiVersion, retryAfter);
    for (const value of extra) headers.push(value);
    exchange.send(fault.status, headers, body);
  }

  sendEmulatorError(exchange: Exchange, status: number, message: string): void {
    sendAzureError(exchange, status, emulatorErrorBody(status, message), this.#region);
  }
}

class RunningAzureOpenAI extends RunningEmulatorServer implements RunningAzureOpenAIEmulator {
  readonly #handler: AzureOpenAIHandler;

  constructor(server: EmulatorServer, handler: AzureOpenAIHandler) {
    super(server);
    this.#handler = handler;
  }

  resetQuotas(): void {
    for (const deployment of this.#handler.deployments.values()) deployment.resetQuota();
  }
}

/** Starts an Azure OpenAI emulator; resolves once it listens. Rejects on a bad option, fault spec or a busy port. */
export async function startAzureOpenAIEmulator(options: AzureOpenAIEmulatorOptions = {}): Promise<RunningAzureOpenAIEmulator> {
  const handler = new AzureOpenAIHandler(options);
  const server = await startEmulatorServer({
    name: options.name ?? 'azure-openai',
    host: options.host,
    port: options.port,
    quiet: options.quiet,
    fault: options.fault,
    faultCount: options.faultCount,
    bodyLimit: options.bodyLimit,
    handler,
  });
  return new RunningAzureOpenAI(server, handler);
}
