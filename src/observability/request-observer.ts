/**
 * The gateway's own observer: every finished request goes into the metrics, the recent route traces and (when
 * `logging.requests` is on) one request log line. Runs after the response was written.
 */
import type { ModelConfig } from '../config/types.ts';
import type { Completion, Observer } from '../pipeline/stages.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';
import type { Logger } from './logger.ts';
import type { RecentRoutes } from './recent-routes.ts';

export interface RequestObserverOptions {
  readonly models: ReadonlyMap<string, ModelConfig>;
  readonly metrics: GatewayMetrics;
  readonly recentRoutes: RecentRoutes;
  /** Where request lines go; undefined: no request lines. */
  readonly requestLog: Logger | undefined;
}

export function createRequestObserver(options: RequestObserverOptions): Observer {
  const { models, metrics, recentRoutes, requestLog } = options;
  return {
    name: 'requests',
    observe(completion) {
      // Only configured names become label values, so clients cannot grow label cardinality.
      const model = completion.model !== undefined && models.has(completion.model) ? completion.model : 'unknown';
      const provider = completion.channel?.provider;
      const errorCode = completion.error?.code;
      const attempts = completion.attempts;
      metrics.request(completion.endpoint, model, provider ?? 'none', completion.status, completion.durationMs / 1000, completion.stream);
      if (errorCode !== undefined) metrics.error(errorCode);
      if (attempts.length > 1 && errorCode === undefined) metrics.fallback(model);
      if (provider !== undefined) {
        const metered = completion.metered;
        if (metered !== undefined && metered.costMicros > 0) metrics.cost(provider, model, completion.caller?.tenantId ?? 'none', metered.costMicros);
        if (completion.firstChunkMs !== undefined) metrics.firstChunk(model, provider, completion.firstChunkMs / 1000);
        if (errorCode === undefined && completion.usage !== undefined) metrics.tokens(provider, model, completion.usage);
      }
      const trace = completion.plan?.trace;
      const route = trace?.toHeader();
      if (trace !== undefined) {
        const passover = trace.passoverLabel();
        if (passover !== undefined) metrics.passover(passover);
        // A stream that failed after it started answered 200: its error code says it failed.
        const eventful = passover !== undefined || attempts.length > 1 || errorCode !== undefined;
        const caller = completion.caller;
        recentRoutes.add({
          requestId: completion.requestId,
          at: Date.now(),
          model,
          status: completion.status,
          error: errorCode,
          route: route!,
          trace: eventful ? trace.toJSON() : undefined,
          keyId: caller?.keyId,
          tenant: caller?.tenantId,
        });
      }
      if (requestLog === undefined) return;
      const line = {
        requestId: completion.requestId,
        endpoint: completion.endpoint,
        model: completion.model,
        stream: completion.stream,
        status: completion.status,
        durationMs: Math.round(completion.durationMs * 1000) / 1000,
        provider,
        upstreamModel: completion.channel?.upstreamModel,
        attempts: attempts.map((attempt) => ({
          provider: attempt.provider,
          upstreamModel: attempt.upstreamModel,
          outcome: attempt.outcome,
          status: attempt.status,
          durationMs: Math.round(attempt.durationMs * 1000) / 1000,
        })),
        errorCode,
        inputTokens: completion.usage?.inputTokens.total,
        outputTokens: completion.usage?.outputTokens.total,
        // Counted by the gateway because the upstream reported none (absent otherwise).
        usageEstimated: completion.usage?.estimated,
        route,
        keyId: completion.caller?.keyId,
        keyPrefix: completion.caller?.prefix,
        tenant: completion.caller?.tenantId,
        // Integer micro-units of the metering currency (absent without metering).
        costMicros: completion.metered?.costMicros,
        chargedMicros: completion.metered?.chargedMicros,
      };
      if (completion.status >= 500 || errorCode === 'upstream_stream_error') requestLog.warn(line, 'request failed');
      else requestLog.info(line, 'request');
    },
  };
}
