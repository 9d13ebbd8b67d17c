/**
 * The routing engine's input and output types. Types only (plus the policy list): a later step maps configuration
 * onto `ModelRouteSpec` once at start-up (`compileModelRoute`), and the execution layer builds one `RouteInput` per
 * request. Nothing here knows a provider, a socket or a clock: time comes in as `now` (epoch milliseconds, the same
 * clock for every reader) and randomness as `random` (`Math.random`, or a seeded function in tests).
 */
import type { LicenceBook } from './licences.ts';
import type { ClientPreferences } from './client-preferences.ts';
import type { BreakerReader, CapacityReader, CooldownReader, LatencyReader, TurnCounter } from '../store/index.ts';

export type { BreakerOutcome, BreakerReader, BreakerSettings, BreakerState, CapacityReader, CooldownReader, LatencyReader, TurnCounter } from '../store/index.ts';

/** How a model orders its channels for a request. */
export const routePolicies = ['primary-first', 'ordered', 'weighted', 'round-robin', 'lowest-cost', 'lowest-latency'] as const;
export type RoutePolicyName = (typeof routePolicies)[number];

/** What a channel can serve; a request needing something a channel lacks passes it over as unable. A capability not declared in configuration is assumed present. */
export interface ChannelCapabilities {
  /** Image inputs. */
  readonly vision: boolean;
  /** Function tools. */
  readonly tools: boolean;
  /** Structured outputs (`response_format: { type: 'json_schema' }`). */
  readonly jsonSchema: boolean;
  readonly streaming: boolean;
  /** Prompt plus output tokens the channel accepts; undefined when unknown, and then never checked. */
  readonly contextWindow: number | undefined;
  /** The largest output limit the channel accepts; undefined (or absent: configuration does not set it) when not checked. */
  readonly maxOutputTokens?: number | undefined;
  /**
   * The media types of inline images the channel takes (canonical: lower case, `image/jpeg`), as its provider kind
   * declares them; undefined (or absent) when any type is passed on for the upstream to judge.
   */
  readonly imageTypes?: readonly string[] | undefined;
}

/**
 * What a channel costs, to rank channels by cost: US dollars per million tokens, kept as whole micro-dollars
 * (millionths of a dollar) so that costs add up exactly: 2.50 USD per million tokens is `2_500_000`.
 */
export interface ChannelPrice {
  readonly inputMicrosPerMillion: number;
  /** Cached input tokens; the input price when absent (configuration always sets it). */
  readonly cachedInputMicrosPerMillion?: number;
  /** 0 for an embedding channel that gives no output price. */
  readonly outputMicrosPerMillion: number;
}

/** The share of an upstream quota the operator reserved for this gateway on one channel (e.g. Azure provisioned throughput), per rolling minute; each a positive whole number, at least one set. */
export interface ChannelCapacity {
  /** Tokens per minute. */
  readonly tpm: number | undefined;
  /** Requests per minute. */
  readonly rpm: number | undefined;
}

/** What the channel's provider does with request data, as the operator declared it. */
export interface DataPolicy {
  /** Nothing is stored after the response (an approved zero-data-retention arrangement). Default false. */
  readonly zeroRetention: boolean;
}

/** A channel as configuration describes it: the input of `compileModelRoute`. */
export interface RouteChannelSpec {
  /** The configured provider's name (`azure-eastus`). */
  readonly provider: string;
  /** The provider's kind (`azure-openai`, `bedrock`): client preferences may name it. */
  readonly providerKind?: string;
  /** The upstream model or deployment this channel sends. */
  readonly upstreamModel: string;
  readonly primary?: boolean;
  /** Relative share for `weighted` (and sticky) routing; default 1; 0 = only when no weighted channel is left. */
  readonly weight?: number;
  readonly price?: ChannelPrice;
  readonly capacity?: Partial<ChannelCapacity>;
  readonly capabilities?: Partial<ChannelCapabilities>;
  /** The provider's region (`eastus`, `us-east-1`). */
  readonly region?: string;
  /** Residency groups the region belongs to, as the operator declares them (`us`, `eu`); matched like the region. */
  readonly regionGroups?: readonly string[];
  /** Undefined: unknown, so it satisfies no data requirement. */
  readonly dataPolicy?: DataPolicy;
  /** Rules under which this channel declines a request (time windows, tenants, budgets…). */
  readonly declineRules?: readonly DeclineRule[];
}

export interface ModelRouteSpec {
  /** The public model name. */
  readonly model: string;
  readonly policy: RoutePolicyName;
  /** Keep a request key (user, session) on the same first channel while it stays a candidate (weighted, round-robin). */
  readonly sticky?: boolean;
  /** Output tokens assumed when the request sets no limit (lowest-cost ranking, capacity accounting); default 1,024. */
  readonly expectedOutputTokens?: number;
  readonly channels: readonly RouteChannelSpec[];
  /** Rules that, while active, put some of the route's channels ahead of the others (a commitment behind its pace). */
  readonly preferRules?: readonly PreferRule[];
}

/** A compiled channel: validated, defaults applied, lookup keys precomputed. Created once at start-up. */
export interface RouteChannel {
  /**
   * `provider/upstreamModel`: unique within a model; the key of every per-channel state store (`src/store/`), stable
   * across processes and restarts. Computed once here so that no request builds a key.
   */
  readonly id: string;
  /** Position in the model's configured channel list (maps back to the configuration's channel). */
  readonly index: number;
  readonly provider: string;
  readonly providerKind: string | undefined;
  readonly upstreamModel: string;
  readonly primary: boolean;
  readonly weight: number;
  readonly price: ChannelPrice | undefined;
  readonly capacity: ChannelCapacity | undefined;
  readonly capabilities: ChannelCapabilities;
  /** False when every capability is present and no limit is set: the capability check is skipped entirely. */
  readonly checksCapabilities: boolean;
  /** Lower case. */
  readonly region: string | undefined;
  /** Lower case. */
  readonly regionGroups: readonly string[];
  readonly dataPolicy: DataPolicy | undefined;
  readonly declineRules: readonly DeclineRule[];
  /** A 32-bit hash of `id` for rendezvous (sticky) hashing. */
  readonly hash: number;
}

/** A model's compiled route. Immutable; shared by every request. */
export interface ModelRoute {
  readonly model: string;
  readonly policy: RoutePolicyName;
  readonly sticky: boolean;
  readonly expectedOutputTokens: number;
  /** In configuration order. */
  readonly channels: readonly RouteChannel[];
  /**
   * The order channels are considered in: the primary first for `primary-first`, by weight (descending) for
   * `weighted`, configuration order otherwise. Returned as the plan's candidates, uncopied, when nothing is skipped.
   */
  readonly order: readonly RouteChannel[];
  readonly primary: RouteChannel | undefined;
  /** Rules that, while active, put the channels they prefer ahead of the others; usually none. */
  readonly preferRules: readonly PreferRule[];
  /** The smallest context window of any channel: give it to `describeRequest` so tokens are counted only when it matters. */
  readonly smallestContextWindow: number | undefined;
}

/** What routing needs to know about one request; computed once by `describeRequest`. */
export interface RequestFeatures {
  /** The request carries images. */
  readonly vision: boolean;
  readonly images: number;
  /**
   * The media types of its inline (`data:`) images, canonical (`canonicalImageType`), each once, in order of
   * appearance; absent or empty when it has none. Images named by URL have no type until they are fetched.
   */
  readonly imageTypes?: readonly string[];
  readonly tools: boolean;
  readonly jsonSchema: boolean;
  readonly streaming: boolean;
  /** Prompt tokens: exact (tokenizer) when `promptTokensExact`, otherwise an estimate (UTF-8 bytes / 4). */
  readonly promptTokens: number;
  readonly promptTokensExact: boolean;
  /** Never below the true prompt token count (every token covers at least one byte). */
  readonly promptTokensUpperBound: number;
  readonly maxOutputTokens: number | undefined;
}

export type CapacityLimit = 'tpm' | 'rpm';

/**
 * A rule under which a channel declines a request although it could serve it. Evaluated without I/O: rules that
 * depend on shared state (budgets, commitments) read a snapshot their owner keeps current.
 */
export interface DeclineRule {
  /** The operator's name for the rule (`night-batch`), shown in the trace. */
  readonly name: string;
  /** A short, bounded kind for the header and the metric label: `rule`, later `budget`, `commitment`. */
  readonly kind: string;
  declines(channel: RouteChannel, input: RouteInput): boolean;
}

/**
 * A rule under which a route puts the channels it prefers ahead of the others: while a spend commitment is behind its
 * pace, the committed provider's channels go first. The ready channels it moves behind them are passed over as
 * declined (`declined=commitment`) but stay candidates, tried after the preferred ones. Evaluated without I/O, from a
 * snapshot its owner keeps current, like a decline rule.
 */
export interface PreferRule {
  /** The operator's name for it (the commitment's), shown in the trace. */
  readonly name: string;
  /** Short and bounded, for the header and the metric label: `commitment`. */
  readonly kind: string;
  /** Whether it applies to this request (the commitment is behind its pace now). */
  active(input: RouteInput): boolean;
  prefers(channel: RouteChannel): boolean;
}

/**
 * Per-channel state the planner reads: the read halves of the stores in `src/store/`, keyed by `RouteChannel.id`
 * (round-robin turns by the model name). Synchronous reads of a replica-local view; see the contract in
 * `src/store/state-stores.ts`. Every reader is optional: absent means "nothing to report".
 */
export interface RouteState {
  readonly breakers?: BreakerReader | undefined;
  readonly cooldowns?: CooldownReader | undefined;
  readonly capacity?: CapacityReader | undefined;
  readonly latency?: LatencyReader | undefined;
  readonly licences?: LicenceBook | undefined;
  readonly roundRobin?: TurnCounter | undefined;
}

/** Requirements set by the operator for this caller (tenant or key policy), as opposed to the client's preferences. */
export interface RouteRequirements {
  /** Regions or region groups the request may be served in; undefined = anywhere. Lower case. */
  readonly allowedRegions?: readonly string[] | undefined;
  /** Only channels whose provider keeps no data. */
  readonly zeroRetention?: boolean | undefined;
  /** The caller's key: the providers it may reach (by name); undefined = any. */
  readonly keyProviders?: readonly string[] | undefined;
  /** The caller's key: regions or region groups it may be served in; undefined = anywhere. Lower case. */
  readonly keyRegions?: readonly string[] | undefined;
}

export interface RouteInput {
  readonly route: ModelRoute;
  readonly request: RequestFeatures;
  readonly preferences?: ClientPreferences | undefined;
  readonly requirements?: RouteRequirements | undefined;
  /** Who calls (for decline rules). */
  readonly tenant?: string | undefined;
  /** The sticky key (e.g. a session header's value); used only when the route is sticky. */
  readonly stickyKey?: string | undefined;
  readonly state: RouteState;
  /** Epoch milliseconds (`Date.now()`): licences and decline rules read the UTC day and time from it. */
  readonly now: number;
  /** Uniform in [0, 1). */
  readonly random: () => number;
}

export type PassKind = 'unable' | 'declined' | 'excluded';

/** Why a channel was passed over. Static reasons are shared constants; dynamic ones are built only when they occur. */
export interface PassReason {
  readonly kind: PassKind;
  /** Short and bounded (`circuit-open`, `429`, `vision`, `tpm`, `rule`, `region`, `licence-expired`…). */
  readonly code: string;
  /** Human text after the kind: `circuit open`, `429 retry-after 2s`, `capacity tpm 2,000,000 reached`. */
  readonly detail: string;
  /** `primary_passover_total{reason}`: `<kind>_<code>` in snake case (`unable_circuit_open`). */
  readonly label: string;
}

export interface SkippedChannel {
  readonly channel: RouteChannel;
  readonly reason: PassReason;
  /** Still a candidate, after every ready one (a channel cooling down after `retry-after`). */
  readonly deferred: boolean;
}
