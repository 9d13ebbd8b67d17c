/**
 * The validated, resolved configuration the gateway runs on. The YAML schema (schema.ts) is what users write; this
 * is what the loader produces from it: defaults applied, environment references resolved, durations and sizes in
 * plain numbers. Everything downstream reads only these types.
 */

import type { CatalogEntry } from '../providers/catalog.ts';
import type { ProviderKindDefinition } from '../providers/provider-kind.ts';
import type { DeclineRuleSpec } from '../routing/decline-rules.ts';
import type { ChannelSelector } from '../routing/licences.ts';
import type { ChannelCapabilities, ChannelCapacity, ChannelPrice, DataPolicy, RoutePolicyName } from '../routing/routing-types.ts';

export type { ProviderKind } from '../providers/catalog.ts';
export type { ChannelCapabilities, ChannelCapacity, ChannelPrice, ChannelSelector, DataPolicy };
export type { DeclineConditions, UtcTimeRange, Weekday } from '../routing/decline-rules.ts';
export { weekdays } from '../routing/decline-rules.ts';

/** What every provider has, whatever its kind. */
export interface ProviderCommon<Kind extends string = string> {
  readonly name: string;
  readonly kind: Kind;
  /**
   * The API base including its version path, e.g. `https://api.openai.com/v1`; for the clouds their resource or
   * regional endpoint (`https://contoso.openai.azure.com`). No trailing slash.
   */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …` (azure-openai: as `api-key`) when set. */
  readonly apiKey: string | undefined;
  /** Extra headers sent upstream on every call (e.g. `OpenAI-Organization`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Where routing sees the provider: `region:` as written, else its kind's own notion (a Vertex location, a Bedrock region). */
  readonly region: string | undefined;
  /** Keep-alive connections per upstream origin. */
  readonly connections: number;
  /** Calls that may wait once every connection is busy (`max_queue`), and for how long (`queue_timeout`); always set from a file. */
  readonly queue?: { readonly max: number; readonly timeoutMs: number };
  /** Non-public hosts and networks the gateway may fetch client-named images from (Bedrock, Vertex Gemini); undefined: none. */
  readonly imageFetchAllow?: readonly string[];
  /** Per-attempt time allowed until the upstream's response headers arrive. */
  readonly timeoutMs: number;
  /** What the provider does with the data it is sent (`{ zeroRetention: false }` when the file says nothing). */
  readonly dataPolicy: DataPolicy;
}

/** A provider of one catalog kind: the common fields and that kind's own settings. */
type ProviderConfigOf<Definition> =
  Definition extends ProviderKindDefinition<infer Kind, infer _Shape, infer _AuthShape, infer Settings> ? ProviderCommon<Kind> & { readonly settings: Settings } : never;

/** A configured provider: a union discriminated by `kind`, one member per kind in the catalog. */
export type ProviderConfig = ProviderConfigOf<CatalogEntry>;

export type ModelType = 'chat' | 'embedding';

export interface ChannelConfig {
  readonly provider: string;
  /** The upstream model (or deployment) name this channel sends. */
  readonly model: string;
  readonly primary: boolean;
  /** Route `weighted`: this channel's relative share of the traffic. Greater than 0; default 1. */
  readonly weight: number;
  /** The capacity reserved for this channel (e.g. Azure provisioned throughput); undefined when none is declared. */
  readonly capacity: ChannelCapacity | undefined;
  /** What this channel costs, the cached input price always set; undefined when unknown (route `lowest-cost` requires it on every channel). */
  readonly price: Required<ChannelPrice> | undefined;
  /**
   * The channel's price book for metering: every price it has had, ascending by `fromMs` (the first may have none:
   * since always). Empty when no price is configured (entries then cost 0). `price` above is the entry in force when
   * the configuration loaded (what routing compares).
   */
  readonly prices: readonly DatedPrice[];
  readonly capabilities: ChannelCapabilities;
  /**
   * `native`: the upstream serves the Responses API, and a Responses request is sent to it as the client wrote it;
   * `translate`: it is encoded from the neutral request for the upstream's chat API. Resolved from the provider's kind
   * when the file says nothing.
   */
  readonly responses: 'native' | 'translate';
}

/** One price of a channel, from a day on; micro-units of the metering currency per million tokens, whole numbers. */
export interface DatedPrice {
  /** `YYYY-MM-DD` (UTC) the price takes effect; undefined: since always. */
  readonly from: string | undefined;
  /** 00:00 UTC that day (epoch ms). */
  readonly fromMs: number | undefined;
  readonly inputMicrosPerMillion: number;
  /** Defaults to the input price. */
  readonly cachedInputMicrosPerMillion: number;
  /** Tokens written into a prompt cache (Bedrock); defaults to the input price. */
  readonly cacheWriteMicrosPerMillion: number;
  readonly outputMicrosPerMillion: number;
  /** Hidden reasoning tokens; defaults to the output price. */
  readonly reasoningMicrosPerMillion: number;
}

/** `metering:`: what requests cost and what tenants are charged, and whether the ledger books them. */
export interface MeteringConfig {
  /** Every price, cap and commitment is in this currency (ISO 4217 code). Default USD. */
  readonly currency: string;
  /** Book every request that reached an upstream in the ledger. Default true. */
  readonly ledger: boolean;
  /** What tenants are charged over cost, in basis points (25% = 2500). Default 0: charged = cost. */
  readonly markupBasisPoints: number;
  /** Per tenant (by name or id): its own markup, in basis points. */
  readonly tenantMarkupBasisPoints: ReadonlyMap<string, number>;
  /** In the order written. */
  readonly budgets: readonly BudgetConfig[];
}

/** A budget's period: a UTC calendar day or month, or fixed windows of `lengthMs` from `startsAtMs`. */
export type BudgetPeriod = { readonly kind: 'day' } | { readonly kind: 'month' } | { readonly kind: 'window'; readonly lengthMs: number; readonly startsAtMs: number };

/** How much a key, team or tenant may be charged (a provider: may cost) per period. */
export interface BudgetConfig {
  readonly name: string;
  readonly scope: 'key' | 'team' | 'tenant' | 'provider';
  /** The key id, team name, tenant name or id, or provider name. */
  readonly match: string;
  /** Micro-units of the metering currency. */
  readonly amountMicros: number;
  readonly period: BudgetPeriod;
  /** Hard: refuse requests that would pass it (not for providers). Soft: log, count and audit once per period. */
  readonly hard: boolean;
  /** A provider's budget: once spent, routing passes its channels over (declined) until the period ends. */
  readonly decline: boolean;
}

/** How a model's channels are ordered for a request (routing implements each), in the order messages list them. */
export const routePolicies = ['ordered', 'primary-first', 'weighted', 'round-robin', 'lowest-cost', 'lowest-latency'] as const satisfies readonly RoutePolicyName[];
export type RoutePolicy = RoutePolicyName;

export interface StickyConfig {
  /** The request header (lower case) whose value keeps requests on the same channel. */
  readonly header: string;
}

export interface ModelConfig {
  readonly name: string;
  readonly type: ModelType;
  readonly route: RoutePolicy;
  readonly channels: readonly ChannelConfig[];
  /** Shown as `owned_by` in `/v1/models`. */
  readonly ownedBy: string;
  /** Requests with the same value of this header prefer the same channel; undefined: no stickiness. */
  readonly sticky: StickyConfig | undefined;
  /**
   * Streaming responses are held until their first token arrives within this time, so a stream that dies early can
   * still fail over to another channel; undefined: streams are passed on at once. At most `limits.requestTimeoutMs`.
   */
  readonly firstTokenTimeoutMs: number | undefined;
}

export interface LimitsConfig {
  readonly maxBodyBytes: number;
  /** The whole request's deadline, across every attempt, until the last byte. */
  readonly requestTimeoutMs: number;
  /** The longest silence allowed between two chunks of an upstream stream. */
  readonly streamIdleTimeoutMs: number;
  /** Streaming chat requests at once, over every key; one more gets 503 `server_overloaded`. Undefined: no cap. */
  readonly maxStreams: number | undefined;
}

/** The HTTP server's own bounds: how long and how large a client's request may be, and how a shutdown drains. */
export interface ServerConfig {
  /** The request line and headers must have arrived within this; otherwise 408. */
  readonly headersTimeoutMs: number;
  /** The whole request, head and body, must have arrived within this; otherwise 408. Not shorter than `headersTimeoutMs`. */
  readonly bodyTimeoutMs: number;
  /** The URL and every header name and value together, in bytes; larger gets 431. */
  readonly maxHeaderBytes: number;
  /** Header lines per request; more gets 431. */
  readonly maxHeaders: number;
  /**
   * After refusing a request whose body is still arriving (413, 503 while draining), the gateway reads and discards
   * up to this long and this many bytes before closing, so the client can read the refusal.
   */
  readonly lingerTimeoutMs: number;
  readonly lingerMaxBytes: number;
  /** On SIGTERM: how long the listener stays up answering `/readyz` 503, so load balancers stop sending. */
  readonly shutdownDelayMs: number;
  /** On SIGTERM: how long requests in flight get to finish, from the signal; then they are ended with an error. */
  readonly drainTimeoutMs: number;
  /** Open client connections; a request on one past the cap gets 503 `server_overloaded` and `connection: close`. Undefined: no cap. */
  readonly maxConnections: number | undefined;
  /** The listen backlog (connections the kernel holds before `accept`), capped by Linux at `net.core.somaxconn`. */
  readonly backlog: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggingConfig {
  readonly level: LogLevel;
  /** One structured line per request at `info`. */
  readonly requests: boolean;
}

/** The circuit breaker kept per channel. */
export interface BreakerConfig {
  /** It opens when this share of the requests in the window failed: 0 < x ≤ 1. Default 0.5. */
  readonly failureRate: number;
  /** It opens only once the window holds at least this many requests. Default 10. */
  readonly minimumRequests: number;
  /** The rolling window the failure rate is measured over. Default 30 s. */
  readonly windowMs: number;
  /** How long it stays open before letting half-open probes through. Default 30 s. */
  readonly openForMs: number;
  /** Probes let through while half-open; all must succeed for it to close. Default 2. */
  readonly halfOpenProbes: number;
}

/** Retrying the same channel after a retryable failure (whether to move on to another channel is the route's call). */
export interface RetryConfig {
  /** Extra attempts per channel; 0: none. Default 1. */
  readonly attempts: number;
  /** Exponential backoff with full jitter starts here (a `retry-after` from upstream takes precedence). Default 100 ms. */
  readonly baseDelayMs: number;
  /** The longest backoff delay; never shorter than `baseDelayMs`. Default 2 s. */
  readonly maxDelayMs: number;
}

export interface RoutingConfig {
  readonly breaker: BreakerConfig;
  readonly retries: RetryConfig;
  /** Route traces kept for the admin endpoint; 0 keeps none. Default 1000. */
  readonly recentTraces: number;
}

/** Agreement kinds this build understands. */
export const agreementKinds = ['licence', 'revenue-share', 'commitment'] as const;
export type AgreementKind = (typeof agreementKinds)[number];

/** Where an agreement is defined: the configuration file, or the admin plane (kept in the store). */
export type AgreementSource = 'config' | 'admin';

/** A licence: the channels it covers may serve its models while it is in force. */
export interface LicenceAgreement {
  readonly name: string;
  readonly kind: 'licence';
  readonly source: AgreementSource;
  /** Who granted it (statements group by party). */
  readonly party: string;
  readonly channels: ChannelSelector;
  /** The public models it covers, as written; undefined: every model those channels serve. */
  readonly models: readonly string[] | undefined;
  /**
   * The public models it covers, resolved at load time: `models` when given, otherwise every model with a channel
   * that `channels` selects, in configuration order.
   */
  readonly coveredModels: readonly string[];
  /** The first day in force, `YYYY-MM-DD` (UTC), inclusive; undefined: since always. */
  readonly from: string | undefined;
  /** The last day in force, `YYYY-MM-DD` (UTC), inclusive; undefined: no end. */
  readonly until: string | undefined;
  /** `from` as a time: 00:00 UTC that day (epoch milliseconds). */
  readonly startsAtMs: number | undefined;
  /** The first instant no longer in force: 00:00 UTC the day after `until` (epoch milliseconds). */
  readonly endsAtMs: number | undefined;
  /** While in force, no channel other than the ones it covers may serve its models. */
  readonly exclusive: boolean;
}

/**
 * A revenue share: `percent` of each matching entry's basis (what the tenant was charged, or what the upstream cost)
 * accrues to `party` while in force, until the accruals reach `cap` (then the rest of the crossing entry and everything
 * after accrue nothing, and the moment is recorded).
 */
export interface RevenueShareAgreement {
  readonly name: string;
  readonly kind: 'revenue-share';
  readonly source: AgreementSource;
  readonly party: string;
  /** 20% is 2000. */
  readonly percentBasisPoints: number;
  readonly basis: 'revenue' | 'cost';
  /** Channels it applies to (any matching); undefined: every channel. */
  readonly channels: readonly ChannelSelector[] | undefined;
  /** Public models it applies to; undefined: every model. */
  readonly models: readonly string[] | undefined;
  /** Tenants (name or id) it applies to; undefined: every tenant and requests without one. */
  readonly tenants: readonly string[] | undefined;
  readonly from: string | undefined;
  readonly until: string | undefined;
  readonly startsAtMs: number | undefined;
  /** The first instant no longer in force: 00:00 UTC the day after `until`. */
  readonly endsAtMs: number | undefined;
  /** In micro-units of the metering currency; undefined: no cap. */
  readonly capMicros: number | undefined;
}

/** A spend commitment: `amount` with `provider` between two days; statements track progress, routing may prefer it (`prefer`). */
export interface CommitmentAgreement {
  readonly name: string;
  readonly kind: 'commitment';
  readonly source: AgreementSource;
  readonly party: string;
  readonly provider: string;
  readonly amountMicros: number;
  readonly from: string;
  readonly until: string;
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  /**
   * Routing prefers the provider's channels while the commitment is behind its pace (spent less than the amount times
   * the share of its term gone by): the channels ahead of them decline and are tried after them.
   */
  readonly prefer: boolean;
}

export type AgreementConfig = LicenceAgreement | RevenueShareAgreement | CommitmentAgreement;

/** A decline rule as configured: its name and conditions, and the channels it applies to. */
export interface DeclineRuleConfig extends DeclineRuleSpec {
  readonly channel: ChannelSelector;
}

export type StoreKind = 'sqlite' | 'memory';
export type ClientAuth = 'keys' | 'none';

export interface StoreConfig {
  readonly kind: StoreKind;
  /** The SQLite file (kind sqlite), relative to the working directory. */
  readonly path: string;
}

export interface AuthConfig {
  /** `keys`: every data-plane request needs a virtual key. `none`: anyone who reaches the listener may call. */
  readonly clients: ClientAuth;
  /** `clients: none` on an address other than loopback; refused unless true. */
  readonly allowPublicWithoutKeys: boolean;
}

export interface AdminConfig {
  /** Admin tokens by name; empty: the admin plane refuses every call. */
  readonly tokens: Readonly<Record<string, string>>;
}

export interface ResponsesConfig {
  /** How long a stored response is kept (it may be continued with `previous_response_id` until then). */
  readonly retentionMs: number;
}

export interface GatewayConfig {
  readonly listen: { readonly host: string; readonly port: number };
  readonly store: StoreConfig;
  readonly auth: AuthConfig;
  readonly admin: AdminConfig;
  readonly limits: LimitsConfig;
  readonly server: ServerConfig;
  readonly logging: LoggingConfig;
  readonly providers: ReadonlyMap<string, ProviderConfig>;
  readonly models: ReadonlyMap<string, ModelConfig>;
  readonly routing: RoutingConfig;
  readonly metering: MeteringConfig;
  readonly responses: ResponsesConfig;
  /** In the order written. */
  readonly agreements: readonly AgreementConfig[];
  /** In the order written. */
  readonly declineRules: readonly DeclineRuleConfig[];
}
