/**
 * What a client asks of routing besides the request body: provider preferences (the `x-interchange-providers` header
 * or the body's `interchange` extension), residency (`x-interchange-allowed-regions`), a zero-data-retention
 * requirement (`x-interchange-zero-retention: true`), its tenant (`x-interchange-tenant`, until keys carry it) and the
 * model's sticky header. Later, the caller's key bounds all of these.
 */
import type { Caller } from '../identity/key-directory.ts';
import type { RequestHeaders } from './stages.ts';
import type { ModelConfig } from '../config/types.ts';
import type { ExecutionRuntime } from '../execution/execution-runtime.ts';
import { planRoute, type ClientPreferences, type RequestFeatures, type RoutePlan } from '../routing/index.ts';

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function readRouteRequest(headers: RequestHeaders, model: ModelConfig, preferences: ClientPreferences | undefined, caller?: Caller): RouteRequest {
  const regions = single(headers['x-interchange-allowed-regions']);
  const zeroRetention = single(headers['x-interchange-zero-retention']);
  // A key's tenant is who calls; the header says so only without keys.
  const tenant = caller === undefined ? single(headers['x-interchange-tenant']) : caller.tenantId;
  const stickyKey = model.sticky === undefined ? undefined : single(headers[model.sticky.header]);
  if (preferences === undefined && regions === undefined && zeroRetention === undefined && tenant === undefined && stickyKey === undefined) return noRouteRequest;
  return {
    keyProviders: caller?.providers,
    keyRegions: caller?.regions,
    preferences,
    allowedRegions:
      regions === undefined
        ? undefined
        : regions
            .split(',')
            .map((region) => region.trim().toLowerCase())
            .filter((region) => region !== ''),
    zeroRetention: zeroRetention === 'true' || caller?.zeroRetention === true,
    tenant,
    stickyKey,
  };
}

/** What a request asks of routing besides its content: preferences, residency, tenant, sticky key. */
export interface RouteRequest {
  /** Bounds from the caller's key. */
  readonly keyProviders?: readonly string[] | undefined;
  readonly keyRegions?: readonly string[] | undefined;
  readonly preferences: ClientPreferences | undefined;
  readonly allowedRegions: readonly string[] | undefined;
  readonly zeroRetention: boolean;
  readonly tenant: string | undefined;
  readonly stickyKey: string | undefined;
}

export const noRouteRequest: RouteRequest = Object.freeze({
  preferences: undefined,
  allowedRegions: undefined,
  zeroRetention: false,
  tenant: undefined,
  stickyKey: undefined,
});

/** Plans a request's route: the candidates in order, the channels passed over with reasons, and the trace. */
export function planRequest(runtime: ExecutionRuntime, model: ModelConfig, features: RequestFeatures, routeRequest: RouteRequest): RoutePlan {
  return planRoute({
    route: runtime.routing.routes.get(model.name)!,
    request: features,
    preferences: routeRequest.preferences,
    requirements:
      routeRequest.allowedRegions === undefined && !routeRequest.zeroRetention && routeRequest.keyProviders === undefined && routeRequest.keyRegions === undefined
        ? undefined
        : {
            allowedRegions: routeRequest.allowedRegions as string[] | undefined,
            zeroRetention: routeRequest.zeroRetention,
            keyProviders: routeRequest.keyProviders,
            keyRegions: routeRequest.keyRegions,
          },
    tenant: routeRequest.tenant,
    stickyKey: routeRequest.stickyKey,
    state: runtime.routing.readers,
    now: Date.now(),
    random: Math.random,
  });
}
