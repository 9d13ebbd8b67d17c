/**
 * Everything the handlers share, built once at start-up from the configuration: the runtime, the composed pipeline,
 * metrics and the recent route traces. A configuration reload (`reconfigureGatewayContext`) replaces what the
 * configuration shapes.
 */
import { isDeepStrictEqual } from 'node:util';
import type { GatewayConfig } from '../config/types.ts';
import type { ExecutionRuntime } from '../execution/execution-runtime.ts';
import { createRoutingState } from '../execution/routing-runtime.ts';
import { ChannelProblemLog, createAttemptObserver } from '../observability/channel-problem-log.ts';
import type { GatewayMetrics } from '../observability/gateway-metrics.ts';
import { requestLogger, type Logger } from '../observability/logger.ts';
import { RecentRoutes } from '../observability/recent-routes.ts';
import { createRequestObserver } from '../observability/request-observer.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
import type { Stages } from '../pipeline/stages.ts';
import type { ProviderAdapter } from '../providers/adapter.ts';
import type { IdentityRuntime } from '../identity/identity-runtime.ts';
import type { SecretAdmin } from '../secrets/secret-admin.ts';
import { AccrualTotals } from '../metering/accruals.ts';
import type { AgreementAdmin } from '../metering/agreement-admin.ts';
import type { LedgerWriter } from '../metering/ledger-writer.ts';
import { meteringStage } from '../metering/metering-stage.ts';
import { budgetStage } from '../metering/budget-stage.ts';
import { BudgetBook } from '../metering/budgets.ts';
import { budgetDeclineRules } from '../metering/budget-decline.ts';
import { CommitmentBook, commitmentPreferRules, commitments } from '../metering/commitments.ts';
import type { LedgerStore } from '../store/ledger-store.ts';
import { MemoryResponseStore } from '../store/memory/memory-response-store.ts';
import type { ResponseStore } from '../store/response-store.ts';
import { adminTokenDigests, type AdminTokenDigests } from './admin-tokens.ts';
import { OpenStreams, streamCapStage } from './stream-cap.ts';

export interface GatewayContext {
  readonly config: GatewayConfig;
  readonly runtime: ExecutionRuntime;
  readonly pipeline: Pipeline;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** The `/v1/models` body, rendered once. */
  readonly modelsBody: string;
  /** Route traces of recent requests, for `GET /admin/routes`. */
  readonly recentRoutes: RecentRoutes;
  /** Streams open over every key, for `limits.max_streams` (kept across a reload). */
  readonly openStreams: OpenStreams;
  /** Keys, tenants, rate limits and the admin operations. */
  readonly identity: IdentityRuntime;
  /** `admin.tokens` as SHA-256 digests, by name. */
  readonly adminTokens: AdminTokenDigests;
  /** Stored secrets (`/admin/secrets`); undefined when the gateway was built without a store of them. */
  readonly secrets?: SecretAdmin;
  /** Stored responses of the Responses API (`previous_response_id`, `GET /v1/responses/{id}`). */
  readonly responses: ResponseStore;
  /** Agreements made through the admin plane (`/admin/agreements`); undefined when the gateway was built without a store of them. */
  readonly agreements?: AgreementAdmin;
  /** The ledger and its writer (undefined with `metering.ledger: false`), and revenue-share totals; kept across a reload. */
  readonly metering: MeteringRuntime;
  ready: boolean;
}

export interface MeteringRuntime {
  readonly ledger: LedgerStore | undefined;
  readonly writer: LedgerWriter | undefined;
  readonly totals: AccrualTotals;
  readonly budgets: BudgetBook;
  /** Spend per commitment, for routing's preference (kept across a reload). */
  readonly commitments: CommitmentBook;
  /** Epoch ms (tests inject one). */
  readonly now?: () => number;
}

export function noMetering(): MeteringRuntime {
  return { ledger: undefined, writer: undefined, totals: new AccrualTotals(), budgets: new BudgetBook(), commitments: new CommitmentBook(Date.now()) };
}

export function createGatewayContext(
  config: GatewayConfig,
  adapters: ReadonlyMap<string, ProviderAdapter>,
  metrics: GatewayMetrics,
  logger: Logger,
  identity: IdentityRuntime,
  stages: Stages = {},
  secrets?: SecretAdmin,
  metering: MeteringRuntime = noMetering(),
  agreements?: AgreementAdmin,
  responses: ResponseStore = new MemoryResponseStore(),
): GatewayContext {
  const context: GatewayContext = { metrics, logger, identity, secrets, agreements, responses, metering, ...assemble(config, adapters, metrics, logger, identity, stages, undefined, metering), ready: false };
  stagesOf.set(context, stages);
  return context;
}

/** The stages each context was composed with, for a reload to compose them again. */
const stagesOf = new WeakMap<GatewayContext, Stages>();

/**
 * Puts a new configuration in place, with `adapters` for its providers. A request takes the pipeline once its body is
 * read, so requests in flight finish on the pipeline (runtime, adapters, limits) they started with. Routing state
 * (breakers, cooldowns, capacity windows, latency, turns) carries over unless the breaker settings changed; the
 * recent route traces carry over unless their number changed. Tenants, keys and rate-limit state carry over; the admin
 * tokens are the new configuration's; `store` and `auth` take effect at the next start.
 */
export function reconfigureGatewayContext(context: GatewayContext, config: GatewayConfig, adapters: ReadonlyMap<string, ProviderAdapter>): void {
  prepareReconfiguration(context, config, adapters)();
}

/**
 * Builds everything a configuration shapes (throwing, with nothing changed, when it cannot be) and returns the step
 * that puts it in place: a change that must also be stored (an admin agreement) is stored in between.
 */
export function prepareReconfiguration(context: GatewayContext, config: GatewayConfig, adapters: ReadonlyMap<string, ProviderAdapter>): () => void {
  const parts = assemble(config, adapters, context.metrics, context.logger, context.identity, stagesOf.get(context) ?? {}, context, context.metering);
  return () => {
    // A commitment new to this process prefers nothing until its past spend is read.
    context.metering.commitments.load(commitments(config), context.metering.ledger).catch((error: unknown) => {
      context.logger.error({ err: error }, 'could not read the commitments\' spend from the ledger; they prefer nothing until the next reload');
    });
    // Only a reload writes these fields; everything else reads them.
    Object.assign(context, parts);
  };
}

function assemble(
  config: GatewayConfig,
  adapters: ReadonlyMap<string, ProviderAdapter>,
  metrics: GatewayMetrics,
  logger: Logger,
  identity: IdentityRuntime,
  stages: Stages,
  previous: GatewayContext | undefined,
  metering: MeteringRuntime,
): Pick<GatewayContext, 'config' | 'runtime' | 'pipeline' | 'modelsBody' | 'recentRoutes' | 'adminTokens' | 'openStreams'> {
  const created = Math.floor(Date.now() / 1000);
  const data = [...config.models.values()].map((model) => ({ id: model.name, object: 'model', created, owned_by: model.ownedBy }));
  const keepState = previous !== undefined && isDeepStrictEqual(previous.config.routing.breaker, config.routing.breaker);
  const runtime: ExecutionRuntime = {
    adapters,
    providers: config.providers,
    limits: config.limits,
    observer: createAttemptObserver(metrics, new ChannelProblemLog(logger)),
    routing: createRoutingState(config, keepState ? previous.runtime.routing : undefined, budgetDeclineRules(config, metering.budgets), commitmentPreferRules(config, metering.commitments)),
    retries: config.routing.retries,
  };
  const recentRoutes =
    previous !== undefined && previous.config.routing.recentTraces === config.routing.recentTraces ? previous.recentRoutes : new RecentRoutes(config.routing.recentTraces);
  // The gateway's own observer runs last, after any observer a deployment adds.
  const requests = createRequestObserver({
    models: config.models,
    metrics,
    recentRoutes,
    requestLog: config.logging.requests ? requestLogger(logger) : undefined,
  });
  const openStreams = previous?.openStreams ?? new OpenStreams();
  const metered = meteringStage({
    config,
    writer: metering.writer,
    totals: metering.totals,
    budgets: metering.budgets,
    commitments: metering.commitments,
    now: metering.now,
    onSoftBudgetPassed: (budget, spentMicros) => {
      metrics.budgetPassed(budget.name);
      logger.warn({ budget: budget.name, scope: budget.scope, match: budget.match, amountMicros: budget.amountMicros, spentMicros }, 'soft budget passed');
      void identity.store.appendAudit({ at: (metering.now ?? Date.now)(), actor: 'gateway', action: 'budget.passed', target: budget.name, before: null, after: { spentMicros, amountMicros: budget.amountMicros } });
    },
  });
  const budgets = budgetStage(config, metering.budgets, metering.now);
  const maxStreams = config.limits.maxStreams;
  const pipeline = new Pipeline({
    runtime,
    models: config.models,
    logger,
    stages: {
      identity: identity.identity,
      // The key's own checks first: a deployment's stages see only admitted callers.
      // The overall stream cap before any key's: a refused stream takes no slot of its key.
      // Budgets after the key's limits: a request refused for its rate holds no reservation.
      admission: [...(maxStreams === undefined ? [] : [streamCapStage(openStreams, maxStreams)]), ...identity.admission, ...(budgets === undefined ? [] : [budgets]), ...(stages.admission ?? [])],
      // Metering first: a deployment's settle stages see the request's cost.
      settle: [...(metered === undefined ? [] : [metered]), ...(stages.settle ?? [])],
      observers: [...(stages.observers ?? []), requests],
    },
  });
  return { config, runtime, pipeline, openStreams, modelsBody: JSON.stringify({ object: 'list', data }), recentRoutes, adminTokens: adminTokenDigests(config.admin.tokens) };
}
