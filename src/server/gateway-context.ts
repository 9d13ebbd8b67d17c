/**
 * Everything the handlers share, built once at start-up from the configuration.
 */
import type { GatewayConfig } from '../config/types.ts';
import { GatewayError } from '../errors/index.ts';
import type { AttemptRecord } from '../execution/attempts.ts';
import type { ExecutionRuntime } from '../execution/execution-runtime.ts';
import type { GatewayMetrics } from '../observability/gateway-metrics.ts';
import type { Logger } from '../observability/logger.ts';
import type { ProviderAdapter } from '../providers/adapter.ts';
import type { RouteTrace } from '../routing/index.ts';
import { createRoutingState } from '../execution/routing-runtime.ts';
import { RecentRoutes } from '../observability/recent-routes.ts';

export interface GatewayContext {
  readonly config: GatewayConfig;
  readonly runtime: ExecutionRuntime;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** The `/v1/models` body, rendered once. */
  readonly modelsBody: string;
  /** Route traces of recent requests, for `GET /admin/routes`. */
  readonly recentRoutes: RecentRoutes;
  ready: boolean;
}

export interface RequestLog {
  readonly requestId: string;
  readonly endpoint: string;
  readonly model: string | undefined;
  readonly stream: boolean;
  readonly status: number;
  readonly durationMs: number;
  readonly provider: string | undefined;
  readonly upstreamModel: string | undefined;
  readonly attempts: readonly AttemptRecord[];
  readonly errorCode: string | undefined;
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  /** The request's route trace, when it got as far as planning. */
  readonly trace: RouteTrace | undefined;
}

export function createGatewayContext(config: GatewayConfig, adapters: ReadonlyMap<string, ProviderAdapter>, metrics: GatewayMetrics, logger: Logger): GatewayContext {
  const created = Math.floor(Date.now() / 1000);
  const data = [...config.models.values()].map((model) => ({ id: model.name, object: 'model', created, owned_by: model.ownedBy }));
  return {
    config,
    runtime: { adapters, providers: config.providers, limits: config.limits, observer: metrics, routing: createRoutingState(config), retries: config.routing.retries },
    metrics,
    logger,
    modelsBody: JSON.stringify({ object: 'list', data }),
    recentRoutes: new RecentRoutes(config.routing.recentTraces),
    ready: false,
  };
}

/** The metrics label for a model name: only configured names, so clients cannot grow label cardinality. */
export function modelLabel(context: GatewayContext, model: string | undefined): string {
  return model !== undefined && context.config.models.has(model) ? model : 'unknown';
}

/** Records a finished request in metrics and (when enabled) the request log. */
export function recordRequest(context: GatewayContext, entry: RequestLog): void {
  const model = modelLabel(context, entry.model);
  context.metrics.request(entry.endpoint, model, entry.provider ?? 'none', entry.status, entry.durationMs / 1000, entry.stream);
  if (entry.errorCode !== undefined) context.metrics.error(entry.errorCode);
  if (entry.attempts.length > 1 && entry.errorCode === undefined) context.metrics.fallback(model);
  const trace = entry.trace;
  const route = trace?.toHeader();
  if (trace !== undefined) {
    const passover = trace.passoverLabel();
    if (passover !== undefined) context.metrics.passover(passover);
    const eventful = passover !== undefined || entry.attempts.length > 1 || entry.status >= 400;
    context.recentRoutes.add({ requestId: entry.requestId, at: Date.now(), model, status: entry.status, route: route!, trace: eventful ? trace.toJSON() : undefined });
  }
  if (!context.config.logging.requests) return;
  const line = {
    requestId: entry.requestId,
    endpoint: entry.endpoint,
    model: entry.model,
    stream: entry.stream,
    status: entry.status,
    durationMs: Math.round(entry.durationMs * 1000) / 1000,
    provider: entry.provider,
    upstreamModel: entry.upstreamModel,
    attempts: entry.attempts.map((attempt) => ({
      provider: attempt.provider,
      upstreamModel: attempt.upstreamModel,
      outcome: attempt.outcome,
      status: attempt.status,
      durationMs: Math.round(attempt.durationMs * 1000) / 1000,
    })),
    errorCode: entry.errorCode,
    inputTokens: entry.inputTokens,
    outputTokens: entry.outputTokens,
    route,
  };
  if (entry.status >= 500) context.logger.warn(line, 'request failed');
  else context.logger.info(line, 'request');
}

export function modelNotFound(name: string, endpoint: 'chat' | 'embedding', actual?: 'chat' | 'embedding'): GatewayError {
  if (actual !== undefined) {
    const what = actual === 'chat' ? 'a chat model' : 'an embedding model';
    const where = endpoint === 'chat' ? '/v1/chat/completions' : '/v1/embeddings';
    return new GatewayError('model_not_found', `The model "${name}" is ${what} and is not served on ${where}.`, { param: 'model' });
  }
  return new GatewayError('model_not_found', `The model "${name}" does not exist on this gateway; GET /v1/models lists the models it serves.`, {
    param: 'model',
  });
}

/** A bug surfaced as a 500 that names the request id; the cause goes to the log, never to the client. */
export function internalError(caught: unknown, requestId: string, context: GatewayContext): GatewayError {
  context.logger.error({ err: caught, requestId }, 'unexpected error');
  return new GatewayError('internal_error', `Internal error; please report request id ${requestId}.`, { cause: caught });
}
