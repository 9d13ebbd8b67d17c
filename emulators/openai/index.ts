/**
 * A local OpenAI API: `/v1/chat/completions` (JSON and SSE, tools, structured outputs, images), `/v1/responses`
 * (JSON and SSE, stored for retrieval and `previous_response_id`), `/v1/embeddings`, `/v1/models`, with OpenAI's
 * exact wire format, deterministic replies and fault injection.
 * Behaviour and the fault grammar are documented in docs/emulators/openai.md and docs/emulators.md. Never imports from `src/`.
 */
import { RunningEmulatorServer, startEmulatorServer, type EmulatorHandler, type RunningEmulatorBase, type EmulatorServer, type Exchange, type Fault } from '../core/index.ts';
import { readChatRequest } from './chat-request.ts';
import { sendChatCompletion } from './chat-completions.ts';
import { readEmbeddingRequest, sendEmbeddings } from './embeddings.ts';
import { readResponsesRequest } from './responses-request.ts';
import { ResponseStore, planResponse, sendResponse, storedResponseBody } from './responses.ts';
import { DEFAULT_MODELS, ModelCatalog, isEmbeddingModel } from './models.ts';
import {
  INVALID_JSON,
  MISSING_API_KEY,
  incorrectApiKey,
  invalidMethod,
  invalidRequest,
  invalidUrl,
  isOpenAIError,
  modelNotFound,
  sendEmulatorError,
  sendFaultError,
  sendOpenAIError,
} from './openai-errors.ts';
import { EVENT_STREAM_CONTENT_TYPE, JSON_CONTENT_TYPE, responseHeaders } from './response-headers.ts';

export { DEFAULT_MODELS } from './models.ts';
export { FAULT_HEADER, FaultSpecError } from '../core/index.ts';

export interface OpenAIEmulatorOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** When set, require `Authorization: Bearer <apiKey>`, else 401 invalid_api_key. */
  apiKey?: string;
  /** Models served; others get 404 model_not_found. Default: DEFAULT_MODELS. */
  models?: string[];
  /** A fault spec applied to every request without its own fault… */
  fault?: string;
  /** …or only to the first N of them. */
  faultCount?: number;
  /** No log lines on stderr. */
  quiet?: boolean;
  /** Name used in logs and as a fault-marker target (`[emulator-fault@NAME: …]`); default 'openai'. */
  name?: string;
  /** Largest accepted request body in bytes; default 64 MiB. */
  bodyLimit?: number;
}

export interface RunningEmulator extends RunningEmulatorBase {
  /** `url` + '/v1'. */
  readonly baseUrl: string;
}

const MODEL_PATH_PREFIX = '/v1/models/';
const RESPONSE_PATH_PREFIX = '/v1/responses/';

class OpenAIHandler implements EmulatorHandler {
  readonly #models: ModelCatalog;
  readonly #authorization: string | undefined;
  readonly #responses = new ResponseStore();

  constructor(options: OpenAIEmulatorOptions) {
    this.#models = new ModelCatalog(options.models ?? DEFAULT_MODELS);
    this.#authorization = options.apiKey === undefined ? undefined : `Bearer ${options.apiKey}`;
  }

  handle(exchange: Exchange): void {
    if (this.#authorization !== undefined) {
      const given = exchange.request.headers.authorization;
      if (given !== this.#authorization) {
        const key = given?.startsWith('Bearer ') ? given.slice(7).trim() : '';
        sendOpenAIError(exchange, key === '' ? MISSING_API_KEY : incorrectApiKey(key));
        return;
      }
    }
    const path = exchange.path;
    const method = exchange.method;
    switch (path) {
      case '/v1/chat/completions':
        if (method !== 'POST') return sendOpenAIError(exchange, invalidMethod(method, path));
        return this.#chat(exchange);
      case '/v1/responses':
        if (method !== 'POST') return sendOpenAIError(exchange, invalidMethod(method, path));
        return this.#createResponse(exchange);
      case '/v1/embeddings':
        if (method !== 'POST') return sendOpenAIError(exchange, invalidMethod(method, path));
        return this.#embeddings(exchange);
      case '/v1/models':
        if (method !== 'GET') return sendOpenAIError(exchange, invalidMethod(method, path));
        return exchange.send(200, responseHeaders(exchange, JSON_CONTENT_TYPE), this.#models.listJson);
    }
    if (path.startsWith(MODEL_PATH_PREFIX) && path.length > MODEL_PATH_PREFIX.length) {
      if (method !== 'GET') return sendOpenAIError(exchange, invalidMethod(method, path));
      const id = decodeURIComponent(path.slice(MODEL_PATH_PREFIX.length));
      const model = this.#models.get(id);
      if (model === undefined) return sendOpenAIError(exchange, modelNotFound(id));
      return exchange.send(200, responseHeaders(exchange, JSON_CONTENT_TYPE), model.json);
    }
    if (path.startsWith(RESPONSE_PATH_PREFIX)) {
      const id = path.slice(RESPONSE_PATH_PREFIX.length);
      if (id !== '' && !id.includes('/')) return this.#storedResponse(exchange, decodeURIComponent(id));
    }
    sendOpenAIError(exchange, invalidUrl(method, path));
  }

  #createResponse(exchange: Exchange): void {
    if (exchange.bodyInvalid) return sendOpenAIError(exchange, INVALID_JSON);
    const input = readResponsesRequest(exchange.body, this.#responses.conversation);
    if (isOpenAIError(input)) return sendOpenAIError(exchange, input);
    const model = input.chat.model;
    if (this.#models.get(model) === undefined) return sendOpenAIError(exchange, modelNotFound(model));
    if (isEmbeddingModel(model)) {
      const failure = invalidRequest(`The model '${model}' does not support the Responses API.`, 'model', 'unsupported_model');
      return sendOpenAIError(exchange, failure);
    }
    const headers = responseHeaders(exchange, input.chat.stream ? EVENT_STREAM_CONTENT_TYPE : JSON_CONTENT_TYPE);
    sendResponse(exchange, input, planResponse(input, exchange.usage), this.#responses, JSON.stringify(model), headers);
  }

  /** `GET` and `DELETE /v1/responses/{id}`. */
  #storedResponse(exchange: Exchange, id: string): void {
    const method = exchange.method;
    if (method !== 'GET' && method !== 'DELETE') return sendOpenAIError(exchange, invalidMethod(method, exchange.path));
    const body = storedResponseBody(this.#responses, method, exchange.query, id);
    if (isOpenAIError(body)) return sendOpenAIError(exchange, body);
    exchange.send(200, responseHeaders(exchange, JSON_CONTENT_TYPE), body);
  }

  #chat(exchange: Exchange): void {
    if (exchange.bodyInvalid) return sendOpenAIError(exchange, INVALID_JSON);
    const input = readChatRequest(exchange.body);
    if (isOpenAIError(input)) return sendOpenAIError(exchange, input);
    const model = this.#models.get(input.model);
    if (model === undefined) return sendOpenAIError(exchange, modelNotFound(input.model));
    if (isEmbeddingModel(input.model)) {
      return sendOpenAIError(exchange, {
        ...invalidRequest(
          'This is not a chat model and thus not supported in the v1/chat/completions endpoint. Did you mean to use v1/completions?',
          'model',
        ),
        status: 404,
      });
    }
    sendChatCompletion(exchange, input, model);
  }

  #embeddings(exchange: Exchange): void {
    if (exchange.bodyInvalid) return sendOpenAIError(exchange, INVALID_JSON);
    const input = readEmbeddingRequest(exchange.body);
    if (isOpenAIError(input)) return sendOpenAIError(exchange, input);
    if (this.#models.get(input.model) === undefined) return sendOpenAIError(exchange, modelNotFound(input.model));
    if (!isEmbeddingModel(input.model)) {
      return sendOpenAIError(exchange, invalidRequest('You are not allowed to generate embeddings from this model', 'model'));
    }
    sendEmbeddings(exchange, input);
  }

  sendFaultStatus(exchange: Exchange, fault: Fault): void {
    const body = exchange.body;
    const model =
      typeof body === 'object' && body !== null && typeof (body as { model?: unknown }).model === 'string'
        ? ((body as { model: string }).model)
        : undefined;
    sendFaultError(exchange, fault, model);
  }

  sendEmulatorError(exchange: Exchange, status: number, message: string): void {
    sendEmulatorError(exchange, status, message);
  }
}

class RunningOpenAIEmulator extends RunningEmulatorServer implements RunningEmulator {
  readonly baseUrl: string;

  constructor(server: EmulatorServer) {
    super(server);
    this.baseUrl = server.url + '/v1';
  }
}

/** Starts an OpenAI emulator; resolves once it listens. Rejects on a bad fault spec or a busy port. */
export async function startOpenAIEmulator(options: OpenAIEmulatorOptions = {}): Promise<RunningEmulator> {
  const server = await startEmulatorServer({
    name: options.name ?? 'openai',
    host: options.host,
    port: options.port,
    quiet: options.quiet,
    fault: options.fault,
    faultCount: options.faultCount,
    bodyLimit: options.bodyLimit,
    handler: new OpenAIHandler(options),
  });
  return new RunningOpenAIEmulator(server);
}
