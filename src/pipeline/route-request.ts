/**
 * What a client asks of routing besides the request body: provider preferences (the `x-interchange-providers` header
 * or the body's `interchange` extension), residency (`x-interchange-allowed-regions`), a zero-data-retention
 * requirement (`x-interchange-zero-retention: true`), its tenant (`x-interchange-tenant`, until keys carry it) and the
 * model's sticky header. Later, the caller's key bounds all of these.
 */
import type { RequestHeaders } from './stages.ts';
import type { ModelConfig } from '../config/types.ts';
import { noRouteRequest, type RouteRequest } from '../execution/execute-chat.ts';
import type { ClientPreferences } from '../routing/index.ts';

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function readRouteRequest(headers: RequestHeaders, model: ModelConfig, preferences: ClientPreferences | undefined): RouteRequest {
  const regions = single(headers['x-interchange-allowed-regions']);
  const zeroRetention = single(headers['x-interchange-zero-retention']);
  const tenant = single(headers['x-interchange-tenant']);
  const stickyKey = model.sticky === undefined ? undefined : single(headers[model.sticky.header]);
  if (preferences === undefined && regions === undefined && zeroRetention === undefined && tenant === undefined && stickyKey === undefined) return noRouteRequest;
  return {
    preferences,
    allowedRegions:
      regions === undefined
        ? undefined
        : regions
            .split(',')
            .map((region) => region.trim().toLowerCase())
            .filter((region) => region !== ''),
    zeroRetention: zeroRetention === 'true',
    tenant,
    stickyKey,
  };
}
