/**
 * The gateway's HTTP server: routes paths to handlers and owns start-up and graceful shutdown. No business logic.
 */
import { createServer, maxHeaderSize, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from '../config/types.ts';
import { GatewayError } from '../errors/index.ts';
import { GatewayMetrics } from '../observability/gateway-metrics.ts';
import { createIdentityRuntime } from '../identity/identity-runtime.ts';
import type { Caller } from '../identity/key-directory.ts';
import { mayUse } from '../identity/key-stages.ts';
import type { IdentityStore } from '../store/identity-store.ts';
import { openStore } from '../store/open-store.ts';
import { handleAdmin } from './admin-api.ts';
import { createLogger, flushLogs, type Logger } from '../observability/logger.ts';
import type { Stages } from '../pipeline/stages.ts';
import type { ProviderAdapter } from '../providers/adapter.ts';
import { createAdapters, type AdapterDependencies } from '../providers/registry.ts';
import { chatCompletionsApi, embeddingsApi, handleApi } from './api-handlers.ts';
import { createGatewayContext, type GatewayContext } from './gateway-context.ts';
import { decodePathSegment, malformedPath } from './path-segments.ts';
import { requestIdOf } from './request-scope.ts';
import { sendError, sendJson } from './respond.ts';

export interface GatewayOptions {
  /** Defaults to a pino logger at the configured level on stdout. */
  readonly logger?: Logger;
  /** Adapters by provider name; defaults to the ones the configuration describes. */
  readonly adapters?: ReadonlyMap<string, ProviderAdapter>;
  /** Given to the adapters built from configuration (e.g. injected Entra ID credentials). */
  readonly adapterDependencies?: AdapterDependencies;
  /** Overrides `listen` (tests use port 0). */
  readonly host?: string;
  readonly port?: number;
  /** Time in-flight requests get to finish on close. Default 10 s. */
  readonly drainTimeoutMs?: number;
  /** Pipeline stages (admission, settle, observers) added to the gateway's own. */
  readonly stages?: Stages;
  /** Tenants and keys; defaults to the configured store (`store:`), opened here and closed with the gateway. */
  readonly identityStore?: IdentityStore;
  /** The clock of key expiry and rate limits (tests). */
  readonly clock?: () => number;
}

export interface RunningGateway {
  /** e.g. `http://127.0.0.1:8080` */
  readonly url: string;
  readonly port: number;
  readonly context: GatewayContext;
  close(): Promise<void>;
}

/** What a client whose request Node's HTTP parser refused reads: OpenAI-shaped like every other error. */
function rawErrorResponse(message: string): string {
  const body = JSON.stringify(new GatewayError('invalid_request', message).toJSON());
  return `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}
const malformedHttpResponse = rawErrorResponse('The request is not valid HTTP/1.1.');
const headersTooLargeResponse = rawErrorResponse(`The request line and headers exceed ${maxHeaderSize} bytes.`);

const healthBody = '{"status":"ok"}';
const readyBody = '{"status":"ready"}';
const notReadyBody = '{"status":"draining"}';

function route(context: GatewayContext, request: IncomingMessage, response: ServerResponse): void {
  const startedAt = performance.now();
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const method = request.method;
  const requestId = requestIdOf(request);

  switch (path) {
    case '/v1/chat/completions':
      if (method !== 'POST') return methodNotAllowed(response, requestId, 'POST');
      void handleApi(chatCompletionsApi, context, request, response, requestId, startedAt);
      return;
    case '/v1/embeddings':
      if (method !== 'POST') return methodNotAllowed(response, requestId, 'POST');
      void handleApi(embeddingsApi, context, request, response, requestId, startedAt);
      return;
    case '/v1/models':
      if (method !== 'GET') return methodNotAllowed(response, requestId, 'GET');
      return listModels(context, request, response, requestId);
    case '/healthz':
      return sendJson(response, 200, healthBody, ['x-request-id', requestId, 'cache-control', 'no-store']);
    case '/readyz':
      return sendJson(response, context.ready ? 200 : 503, context.ready ? readyBody : notReadyBody, ['x-request-id', requestId, 'cache-control', 'no-store']);
    case '/metrics':
      if (method !== 'GET') return methodNotAllowed(response, requestId, 'GET');
      context.metrics.render().then(
        (text) => {
          response.writeHead(200, ['content-type', context.metrics.contentType(), 'content-length', String(Buffer.byteLength(text))]);
          response.end(text);
        },
        (error: unknown) => sendError(response, new GatewayError('internal_error', `metrics: ${String(error)}`), requestId),
      );
      return;
  }
  if (path.startsWith('/admin/')) return handleAdmin(context, request, response, requestId, path, new URLSearchParams(query === -1 ? '' : url.slice(query + 1)));
  if (path.startsWith('/v1/models/') && method === 'GET') return modelDetail(context, request, response, requestId, path);
  sendError(response, new GatewayError('not_found', `No route for ${method} ${path}.`), requestId);
}

/** The caller of a data-plane GET, or undefined after sending the refusal; `null` when keys are off. */
function callerOf(context: GatewayContext, request: IncomingMessage, response: ServerResponse, requestId: string): Caller | null | undefined {
  if (!context.pipeline.identifies) return null;
  try {
    return context.pipeline.identify(request.headers)!;
  } catch (error) {
    sendError(response, error as GatewayError, requestId);
    return undefined;
  }
}

/** `GET /v1/models`: every model, or with keys only those the key may use. */
function listModels(context: GatewayContext, request: IncomingMessage, response: ServerResponse, requestId: string): void {
  const caller = callerOf(context, request, response, requestId);
  if (caller === undefined) return;
  if (caller === null) return sendJson(response, 200, context.modelsBody, ['x-request-id', requestId]);
  const created = Math.floor(Date.now() / 1000);
  const data = [...context.config.models.values()].filter((model) => mayUse(caller, model)).map((model) => ({ id: model.name, object: 'model', created, owned_by: model.ownedBy }));
  sendJson(response, 200, JSON.stringify({ object: 'list', data }), ['x-request-id', requestId]);
}

function modelDetail(context: GatewayContext, request: IncomingMessage, response: ServerResponse, requestId: string, path: string): void {
  const caller = callerOf(context, request, response, requestId);
  if (caller === undefined) return;
  const name = decodePathSegment(path.slice('/v1/models/'.length));
  if (name === undefined) return sendError(response, malformedPath(path), requestId);
  const model = context.config.models.get(name);
  if (model === undefined || (caller !== null && !mayUse(caller, model))) {
    sendError(response, new GatewayError('model_not_found', `The model "${name}" does not exist on this gateway.`, { param: 'model' }), requestId);
    return;
  }
  const body = JSON.stringify({ id: model.name, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: model.ownedBy });
  sendJson(response, 200, body, ['x-request-id', requestId]);
}

function methodNotAllowed(response: ServerResponse, requestId: string, allowed: string): void {
  response.setHeader('allow', allowed);
  sendError(response, new GatewayError('method_not_allowed', `Method not allowed; use ${allowed}.`), requestId);
}

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger(config.logging.level);
  const adapters = options.adapters ?? createAdapters(config.providers, options.adapterDependencies);
  const metrics = new GatewayMetrics();
  const opened = options.identityStore === undefined ? openStore(config.store) : undefined;
  const identity = await createIdentityRuntime(config, options.identityStore ?? opened!.identity, options.clock);
  const context = createGatewayContext(config, adapters, metrics, logger, identity, options.stages);
  const server: Server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 }, (request, response) =>
    route(context, request, response),
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (socket.writable) socket.end(error.code === 'HPE_HEADER_OVERFLOW' ? headersTooLargeResponse : malformedHttpResponse);
    logger.debug({ err: error }, 'client error');
  });

  const host = options.host ?? config.listen.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? config.listen.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  context.ready = true;
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    context,
    close() {
      closing ??= (async () => {
        context.ready = false;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const drain = setTimeout(() => server.closeAllConnections(), options.drainTimeoutMs ?? 10_000);
        await closed;
        clearTimeout(drain);
        if (options.adapters === undefined) await Promise.all([...adapters.values()].map((adapter) => adapter.close()));
        await opened?.close();
        await flushLogs(logger);
      })();
      return closing;
    },
  };
}
