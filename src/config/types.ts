/**
 * The validated, resolved configuration the gateway runs on. The YAML schema (schema.ts) is what users write; this
 * is what the loader produces from it: defaults applied, environment references resolved, durations and sizes in
 * plain numbers. Everything downstream reads only these types.
 */

/** Provider kinds this build can call. */
export const providerKinds = ['openai', 'openai-compatible', 'azure-openai', 'bedrock', 'vertex'] as const;
export type ProviderKind = (typeof providerKinds)[number];

/** Azure OpenAI's two URL styles: `/openai/v1/…` with the deployment as `model`, or `/openai/deployments/{name}/…?api-version=`. */
export const azureApiStyles = ['v1', 'deployments'] as const;
export type AzureApiStyle = (typeof azureApiStyles)[number];

/** Microsoft Entra ID credential sources (through @azure/identity). */
export const entraCredentialKinds = ['default', 'azure-cli', 'managed-identity', 'workload-identity', 'client-secret'] as const;
export type EntraCredentialKind = (typeof entraCredentialKinds)[number];

export interface EntraSettings {
  readonly credential: EntraCredentialKind;
  readonly tenantId: string | undefined;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  /** The token scope; Azure OpenAI's is `https://cognitiveservices.azure.com/.default`. */
  readonly scope: string;
}

/** Bedrock's two chat APIs: Converse (every model), or its OpenAI-compatible Chat Completions (OpenAI's open-weight models). */
export const bedrockApis = ['converse', 'openai'] as const;
export type BedrockApi = (typeof bedrockApis)[number];

/** Where SigV4 credentials come from: the AWS default chain (env, shared config/profile, SSO, container, instance), a named profile, or static keys. */
export type AwsCredentialSource =
  | { readonly source: 'default-chain' }
  | { readonly source: 'profile'; readonly profile: string }
  | { readonly source: 'static'; readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string | undefined };

export interface BedrockSettings {
  readonly api: BedrockApi;
  /** The AWS region requests are signed for. */
  readonly region: string;
  /** SigV4 credentials; undefined when a Bedrock API key (bearer) is used instead. */
  readonly credentials: AwsCredentialSource | undefined;
}

/** Vertex AI's two chat APIs: Gemini's native generateContent, or the OpenAI-compatible endpoint for partner and open models. */
export const vertexApis = ['gemini', 'openai'] as const;
export type VertexApi = (typeof vertexApis)[number];

/** Where Google OAuth tokens come from: application default credentials (env, gcloud, workload identity, metadata server), or a service-account key file. */
export type GoogleCredentialSource = { readonly source: 'application-default' } | { readonly source: 'service-account-file'; readonly file: string };

export interface VertexSettings {
  readonly api: VertexApi;
  readonly project: string;
  /** `global`, a region (`us-central1`), or a multi-region (`us`, `eu`). */
  readonly location: string;
  readonly credentials: GoogleCredentialSource;
}

export interface AzureSettings {
  readonly api: AzureApiStyle;
  /** Sent as `api-version` in the deployments style. */
  readonly apiVersion: string;
  /** Entra ID bearer tokens instead of the `api-key` header. */
  readonly entra: EntraSettings | undefined;
}

export interface ProviderConfig {
  readonly name: string;
  readonly kind: ProviderKind;
  /**
   * The API base including its version path, e.g. `https://api.openai.com/v1`; for azure-openai the resource endpoint
   * (`https://contoso.openai.azure.com`). No trailing slash.
   */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …` (azure-openai: as `api-key`) when set. */
  readonly apiKey: string | undefined;
  /** Extra headers sent upstream on every call (e.g. `OpenAI-Organization`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly region: string | undefined;
  /** Keep-alive connections per upstream origin. */
  readonly connections: number;
  /** Per-attempt time allowed until the upstream's response headers arrive. */
  readonly timeoutMs: number;
  /** Settings of kind azure-openai; undefined for other kinds. */
  readonly azure: AzureSettings | undefined;
  /** Settings of kind bedrock; undefined for other kinds. */
  readonly bedrock?: BedrockSettings | undefined;
  /** Settings of kind vertex; undefined for other kinds. */
  readonly vertex?: VertexSettings | undefined;
  /**
   * What the provider does with the data it is sent. The loader always sets it (`{ zeroRetention: false }` when the
   * file says nothing); optional only so that providers built by hand elsewhere keep compiling.
   */
  readonly dataPolicy?: DataPolicy;
}

export interface DataPolicy {
  /** The provider keeps no prompts or completions (e.g. an approved zero-data-retention agreement). Default false. */
  readonly zeroRetention: boolean;
}

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
  /** What this channel costs; undefined when unknown (route `lowest-cost` requires it on every channel). */
  readonly price: ChannelPrice | undefined;
  readonly capabilities: ChannelCapabilities;
}

/** A reserved capacity window: at least one of the two is set; each a positive whole number. */
export interface ChannelCapacity {
  /** Tokens per minute. */
  readonly tpm: number | undefined;
  /** Requests per minute. */
  readonly rpm: number | undefined;
}

/**
 * US dollars per million tokens, kept as whole micro-dollars (millionths of a dollar) so that costs add up exactly:
 * a price of 2.50 USD per million tokens is `2_500_000`, i.e. 2.5 micro-dollars per token.
 */
export interface ChannelPrice {
  readonly inputMicrosPerMillion: number;
  /** Defaults to the input price. */
  readonly cachedInputMicrosPerMillion: number;
  /** 0 for an embedding channel that gives no output price. */
  readonly outputMicrosPerMillion: number;
}

/** What a channel can do; a request needing something a channel lacks passes it over as unable. */
export interface ChannelCapabilities {
  /** Image inputs. Default true. */
  readonly vision: boolean;
  /** Tool (function) calling. Default true. */
  readonly tools: boolean;
  /** Structured outputs (`response_format: json_schema`). Default true. */
  readonly jsonSchema: boolean;
  /** Streaming responses. Default true. */
  readonly streaming: boolean;
  /** The context window in tokens; undefined when unknown, and then never checked. */
  readonly contextWindow: number | undefined;
}

/** How a model's channels are ordered for a request (routing implements each). */
export const routePolicies = ['ordered', 'primary-first', 'weighted', 'round-robin', 'lowest-cost', 'lowest-latency'] as const;
export type RoutePolicy = (typeof routePolicies)[number];

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

/** Channels named by provider and, optionally, the upstream model (or deployment) they send. */
export interface ChannelSelector {
  readonly provider: string;
  /** Undefined: every channel of the provider. */
  readonly model: string | undefined;
}

/** Agreement kinds this build understands. */
export const agreementKinds = ['licence'] as const;
export type AgreementKind = (typeof agreementKinds)[number];

/** A licence: the channels it covers may serve its models while it is in force. */
export interface LicenceAgreement {
  readonly name: string;
  readonly kind: 'licence';
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

export type AgreementConfig = LicenceAgreement;

/** Day names, in the order of `Date.prototype.getUTCDay()` (0 is Sunday). */
export const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof weekdays)[number];

/** A time of day range in UTC, in minutes after midnight; `startMinute > endMinute` crosses midnight. */
export interface UtcTimeRange {
  /** Inclusive, 0–1439. */
  readonly startMinute: number;
  /** Exclusive, 1–1440 (1440: midnight at the end of the day); never equal to `startMinute`. */
  readonly endMinute: number;
}

/** Conditions of a decline rule: every one given must match; at least one is given. */
export interface DeclineConditions {
  readonly hours: UtcTimeRange | undefined;
  readonly days: readonly Weekday[] | undefined;
  /** Public model names. */
  readonly models: readonly string[] | undefined;
  /** The request's tenant. */
  readonly tenants: readonly string[] | undefined;
  /** Bounds on the request's estimated prompt tokens, inclusive. */
  readonly minPromptTokens: number | undefined;
  readonly maxPromptTokens: number | undefined;
}

/** An explicit reason for a channel to decline traffic (decided without a network call). */
export interface DeclineRule {
  readonly name: string;
  readonly channel: ChannelSelector;
  readonly when: DeclineConditions;
}

export interface GatewayConfig {
  readonly listen: { readonly host: string; readonly port: number };
  readonly limits: LimitsConfig;
  readonly logging: LoggingConfig;
  readonly providers: ReadonlyMap<string, ProviderConfig>;
  readonly models: ReadonlyMap<string, ModelConfig>;
  readonly routing: RoutingConfig;
  /** In the order written. */
  readonly agreements: readonly AgreementConfig[];
  /** In the order written. */
  readonly declineRules: readonly DeclineRule[];
}
