/**
 * The gateway's HTTP server: routes paths to handlers, bounds what clients may send, and owns start-up and graceful
 * shutdown (shutdown.ts). No business logic.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from '../config/types.ts';
import { GatewayError } from '../errors/index.ts';
import { GatewayMetrics } from '../observability/gateway-metrics.ts';
import { createIdentityRuntime } from '../identity/identity-runtime.ts';
import type { Caller } from '../identity/key-directory.ts';
import { mayUse } from '../identity/key-stages.ts';
import type { AgreementStore } from '../store/agreement-store.ts';
import type { IdentityStore } from '../store/identity-store.ts';
import { MemoryAgreementStore } from '../store/memory/memory-agreement-store.ts';
import { MemoryResponseStore } from '../store/memory/memory-response-store.ts';
import { startResponsePurge } from '../store/purge-responses.ts';
import type { ResponseStore } from '../store/response-store.ts';

/** How often expired stored responses are deleted. */
const responsePurgeIntervalMs = 60_000;
import { openStore } from '../store/open-store.ts';
import { MemoryIdentityStore } from '../store/memory/memory-identity-store.ts';
import { MemorySecretStore } from '../store/memory/memory-secret-store.ts';
import type { SecretStore } from '../store/secret-store.ts';
import { masterKeysFromEnv, type MasterKeys } from '../secrets/master-keys.ts';
import { SecretAdmin } from '../secrets/secret-admin.ts';
import { handleAdmin } from './admin-api.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import type { Stages } from '../pipeline/stages.ts';
import type { ProviderAdapter } from '../providers/adapter.ts';
import { createAdapters, type AdapterDependencies } from '../providers/registry.ts';
import { chatCompletionsApi, embeddingsApi, handleApi } from './api-handlers.ts';
import { handleStoredResponse, responsesApi } from './responses-api.ts';
import { handleClientError } from './client-errors.ts';
import { createGatewayContext, prepareReconfiguration, type GatewayContext, type MeteringRuntime } from './gateway-context.ts';
import { withAdminAgreements } from '../config/load-config.ts';
import { AccrualTotals } from '../metering/accruals.ts';
import { AgreementAdmin } from '../metering/agreement-admin.ts';
import { CommitmentBook, commitments } from '../metering/commitments.ts';
import { loadBudgets } from '../metering/load-budgets.ts';
import { LedgerWriter } from '../metering/ledger-writer.ts';
import type { LedgerStore } from '../store/ledger-store.ts';
import { MemoryLedgerStore } from '../store/memory/memory-ledger-store.ts';
import { capConnections } from './connection-cap.ts';
import { arrivedAt, paceRequests } from './request-pacer.ts';
import { InFlight } from './in-flight.ts';
import { decodePathSegment, malformedPath } from './path-segments.ts';
import { requestIdOf } from './request-scope.ts';
import { sendError, sendJson } from './respond.ts';
import { GatewayShutdown, type CloseOptions, type ShutdownSummary } from './shutdown.ts';

export type { CloseOptions, ShutdownSummary } from './shutdown.ts';

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
  /** Overrides `server.drain_timeout`: the time in-flight requests get to finish on close. */
  readonly drainTimeoutMs?: number;
  /** Pipeline stages (admission, settle, observers) added to the gateway's own. */
  readonly stages?: Stages;
  /** Tenants and keys; defaults to the configured store (`store:`), opened here and closed with the gateway. */
  readonly identityStore?: IdentityStore;
  /** The clock of key expiry and rate limits (tests). */
  readonly clock?: () => number;
  /** The ledger; defaults to the configured store's (memory beside a given `identityStore`). */
  readonly ledgerStore?: LedgerStore;
  /** Agreements made through the admin plane; defaults to the configured store's (memory beside a given `identityStore`). */
  readonly agreementStore?: AgreementStore;
  /** Stored responses (the Responses API); defaults to the configured store's (memory beside a given `identityStore`). */
  readonly responseStore?: ResponseStore;
  /** Stored secrets; defaults to the configured store's (memory beside a given `identityStore`). */
  readonly secretStore?: SecretStore;
  /** Defaults to `INTERCHANGE_MASTER_KEYS` / `INTERCHANGE_MASTER_KEY` (a `MasterKeyProblem` when written wrongly). */
  readonly masterKeys?: MasterKeys;
}

export interface RunningGateway {
  /** e.g. `http://127.0.0.1:8080` */
  readonly url: string;
  readonly port: number;
  readonly context: GatewayContext;
  /** The HTTP server (e.g. to count its open connections). */
  readonly server: Server;
  /**
   * Stops gracefully (shutdown.ts): no new request is taken, requests in flight finish until the drain deadline and
   * the rest are ended with an error. Resolves once every connection and adapter is closed and the logs are flushed.
   */
  close(options?: CloseOptions): Promise<ShutdownSummary>;
  /** During a close: ends the requests still running now instead of at the drain deadline. */
  closeNow(): void;
}

const healthBody = '{"status":"ok"}';
const readyBody = '{"status":"ready"}';
const notReadyBody = '{"status":"draining"}';

function route(context: GatewayContext, inFlight: InFlight, request: IncomingMessage, response: ServerResponse): void {
  const startedAt = arrivedAt(request) ?? performance.now();
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const method = request.method;
  const requestId = requestIdOf(request);

  switch (path) {
    case '/v1/chat/completions':
      if (method !== 'POST') return methodNotAllowed(response, requestId, 'POST');
      void handleApi(chatCompletionsApi, context, inFlight, request, response, requestId, startedAt);
      return;
    case '/v1/responses':
      if (method !== 'POST') return methodNotAllowed(response, requestId, 'POST');
      void handleApi(responsesApi, context, inFlight, request, response, requestId, startedAt);
      return;
    case '/v1/embeddings':
      if (method !== 'POST') return methodNotAllowed(response, requestId, 'POST');
      void handleApi(embeddingsApi, context, inFlight, request, response, requestId, startedAt);
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
  if (path.startsWith('/v1/responses/')) {
    const segments = path.slice('/v1/responses/'.length).split('/').map(decodePathSegment);
    if (!segments.every((segment): segment is string => segment !== undefined && segment !== '')) return sendError(response, malformedPath(path), requestId);
    return handleStoredResponse(context, request, response, requestId, segments, new URLSearchParams(query === -1 ? '' : url.slice(query + 1)));
  }
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

export async function startGateway(fileConfig: GatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  let config = fileConfig;
  const logger = options.logger ?? createLogger(config.logging.level);
  const adapters = options.adapters ?? createAdapters(config.providers, options.adapterDependencies);
  const metrics = new GatewayMetrics();
  const opened = options.identityStore === undefined ? openStore(config.store) : undefined;
  // Names a key may be limited to are the running configuration's, which a reload replaces.
  const known = { models: () => context.config.models.keys(), providers: () => context.config.providers.keys() };
  const identity = await createIdentityRuntime(config, options.identityStore ?? opened!.identity, options.clock, known);
  const given = options.identityStore;
  const agreementStore = options.agreementStore ?? opened?.agreements ?? new MemoryAgreementStore((entry) => (given instanceof MemoryIdentityStore ? given.recordAudit(entry) : undefined));
  const storedAgreements = await agreementStore.listAgreements();
  try {
    // The admin plane's agreements apply from the first request, checked beside the file's.
    config = withAdminAgreements(config, storedAgreements);
  } catch (error) {
    await opened?.close();
    if (options.adapters === undefined) await Promise.all([...adapters.values()].map((adapter) => adapter.close()));
    throw error;
  }
  const secretStore = options.secretStore ?? opened?.secrets ?? new MemorySecretStore((entry) => (given instanceof MemoryIdentityStore ? given.recordAudit(entry) : undefined));
  const secrets = new SecretAdmin(secretStore, options.masterKeys ?? masterKeysFromEnv(process.env), options.clock);
  const ledger = config.metering.ledger ? (options.ledgerStore ?? opened?.ledger ?? new MemoryLedgerStore()) : undefined;
  const metering: MeteringRuntime = {
    ledger,
    writer: ledger === undefined ? undefined : new LedgerWriter(ledger, logger, () => metrics.ledgerWriteFailed()),
    // Revenue shares' caps hold across restarts: what each accrued so far is read once, here.
    totals: ledger === undefined ? new AccrualTotals() : AccrualTotals.from(await ledger.agreementTotals()),
    budgets: await loadBudgets(config, ledger, identity, options.clock ?? Date.now),
    commitments: new CommitmentBook((options.clock ?? Date.now)()),
    now: options.clock,
  };
  // Before the first request: a commitment's preference holds from the start.
  await metering.commitments.load(commitments(config), ledger);
  const responses = options.responseStore ?? opened?.responses ?? new MemoryResponseStore();
  // Expired stored responses are unreadable at once; this only gives their room back.
  const purge = startResponsePurge(responses, logger, { intervalMs: responsePurgeIntervalMs });
  const agreements = new AgreementAdmin({
    store: agreementStore,
    stored: storedAgreements,
    config: () => context.config,
    prepare: (next) => {
      const commit = prepareReconfiguration(context, next, context.runtime.adapters);
      return () => {
        commit();
        // The commit logs a failed read: the view then shows the spend as unknown.
        return metering.commitments.load(commitments(next), ledger).catch(() => undefined);
      };
    },
    totals: metering.totals,
    commitments: metering.commitments,
    now: options.clock,
  });
  const context = createGatewayContext(config, adapters, metrics, logger, identity, options.stages, secrets, metering, agreements, responses);
  const limits = config.server;
  const inFlight = new InFlight();
  const routed = (request: IncomingMessage, response: ServerResponse): void => route(context, inFlight, request, response);
  const server: Server = createServer({
    keepAliveTimeout: 65_000,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.bodyTimeoutMs,
    // How often Node looks for requests past those two timeouts (its default, 30 s, would add up to that much).
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 10))),
    // Node refuses a head whose URL and header names and values reach this many bytes.
    maxHeaderSize: limits.maxHeaderBytes + 1,
  });
  const serve = capConnections(server, limits, routed);
  server.on('request', paceRequests(serve));
  // One header more is refused like a head too large (HPE_HEADER_OVERFLOW).
  server.maxHeadersCount = limits.maxHeaders;
  server.on('clientError', (error: Error & { code?: string }, socket) => handleClientError(error, socket, limits, metrics, logger));

  const host = options.host ?? config.listen.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A burst of connections waits in the kernel's accept queue; past it, clients' SYNs are dropped and retried
    // seconds later. Node's default is 511; Linux caps any value at net.core.somaxconn.
    server.listen({ port: options.port ?? config.listen.port, host, backlog: limits.backlog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  context.ready = true;
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const shutdown = new GatewayShutdown({
    server,
    context,
    inFlight,
    limits,
    drainTimeoutMs: options.drainTimeoutMs ?? limits.drainTimeoutMs,
    serve,
    async release() {
      await purge.stop();
      await metering.writer?.flush();
      if (options.adapters === undefined) await Promise.all([...adapters.values()].map((adapter) => adapter.close()));
      await opened?.close();
    },
  });
  return {
    url,
    port,
    context,
    server,
    close: (closeOptions) => shutdown.close(closeOptions),
    closeNow: () => shutdown.closeNow(),
  };
}
