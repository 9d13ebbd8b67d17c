/**
 * The routing engine's inputs built once at start-up from configuration (compiled routes, the licence book) and its
 * per-channel state (breakers, cooldowns, capacity windows, latency averages, round-robin turns), which lives behind the
 * store interfaces of `src/store/`. Routing stays pure; this is where configuration and live state meet it.
 */
import type { ChannelSelector, GatewayConfig, ProviderConfig } from '../config/types.ts';
import {
  ConfiguredDeclineRule,
  ConfiguredLicenceBook,
  compileModelRoute,
  preloadTokenizer,
  selectsChannel,
  type ModelRoute,
  type DeclineRule,
  type PreferRule,
  type RouteChannelSpec,
  type RouteState,
} from '../routing/index.ts';
import { createMemoryStores, type Stores } from '../store/index.ts';

/** Every configured model's compiled route, by public model name. */
/** A decline rule built outside routing (a provider's spent budget), with the channels it applies to. */
export interface ExtraDeclineRule {
  readonly selector: ChannelSelector;
  readonly rule: DeclineRule;
}

/** A prefer rule built outside routing (a spend commitment behind its pace), with the provider it prefers. */
export interface ExtraPreferRule {
  readonly provider: string;
  readonly rule: PreferRule;
}

export function buildRoutes(config: GatewayConfig, extraRules: readonly ExtraDeclineRule[] = [], preferRules: readonly ExtraPreferRule[] = []): Map<string, ModelRoute> {
  const declineRules = [...config.declineRules.map((rule) => ({ selector: rule.channel, rule: new ConfiguredDeclineRule({ name: rule.name, when: rule.when }) as DeclineRule })), ...extraRules];
  const routes = new Map<string, ModelRoute>();
  for (const model of config.models.values()) {
    const channels = model.channels.map((channel): RouteChannelSpec => {
      const provider = config.providers.get(channel.provider) as ProviderConfig;
      const identity = { provider: channel.provider, upstreamModel: channel.model };
      return {
        provider: channel.provider,
        providerKind: provider.kind,
        upstreamModel: channel.model,
        primary: channel.primary,
        weight: channel.weight,
        price: channel.price,
        capacity: channel.capacity,
        capabilities: channel.capabilities,
        region: provider.region,
        dataPolicy: provider.dataPolicy,
        declineRules: declineRules
          .filter(({ selector }) => selectsChannel({ provider: selector.provider, model: selector.model }, identity))
          .map(({ rule }) => rule),
      };
    });
    // Only where it can change the order: the route has a channel of the provider and one of another.
    const prefer = preferRules
      .filter(({ provider }) => model.channels.some((channel) => channel.provider === provider) && model.channels.some((channel) => channel.provider !== provider))
      .map(({ rule }) => rule);
    routes.set(model.name, compileModelRoute({ model: model.name, policy: model.route, sticky: model.sticky !== undefined, channels, preferRules: prefer }));
  }
  return routes;
}

export function buildLicenceBook(config: GatewayConfig): ConfiguredLicenceBook {
  return new ConfiguredLicenceBook(
    config.agreements
      .filter((agreement) => agreement.kind === 'licence')
      .map((licence) => ({
        name: licence.name,
        party: licence.party,
        channels: { provider: licence.channels.provider, model: licence.channels.model },
        models: licence.models,
        coveredModels: licence.coveredModels,
        from: licence.from,
        until: licence.until,
        exclusive: licence.exclusive,
      })),
  );
}

/**
 * The routing state one gateway process keeps: the compiled routes and licences, and the stores (in memory, or shared
 * across replicas) that the attempt loop writes, keyed by `RouteChannel.id`.
 */
export interface RoutingState extends Stores {
  readonly routes: ReadonlyMap<string, ModelRoute>;
  readonly licences: ConfiguredLicenceBook;
  /** The same state as the planner reads it (one object for every request). */
  readonly readers: RouteState;
}

/** Builds the routing state over `stores`: by default an in-memory set with the configured breaker settings. */
export function createRoutingState(
  config: GatewayConfig,
  stores: Stores = createMemoryStores({ breaker: config.routing.breaker }),
  extraRules: readonly ExtraDeclineRule[] = [],
  preferRules: readonly ExtraPreferRule[] = [],
): RoutingState {
  const licences = buildLicenceBook(config);
  const { breakers, cooldowns, capacity, latency, roundRobin } = stores;
  const routes = buildRoutes(config, extraRules, preferRules);
  // Counting prompt tokens matters only against a context window: load the tokenizer now if any channel has one.
  if ([...routes.values()].some((route) => route.smallestContextWindow !== undefined)) preloadTokenizer();
  return {
    routes,
    licences,
    breakers,
    cooldowns,
    capacity,
    latency,
    roundRobin,
    readers: { breakers, cooldowns, capacity, latency, licences, roundRobin },
  };
}

/** Forgets live routing state: breakers closed, cooldowns and capacity windows emptied (latency averages kept). */
export function resetRoutingState(state: RoutingState): void {
  state.breakers.clear();
  state.cooldowns.clear();
  state.capacity.clear();
}
