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
}

export type ModelType = 'chat' | 'embedding';

export interface ChannelConfig {
  readonly provider: string;
  /** The upstream model (or deployment) name this channel sends. */
  readonly model: string;
  readonly primary: boolean;
}

export type RoutePolicy = 'ordered';

export interface ModelConfig {
  readonly name: string;
  readonly type: ModelType;
  readonly route: RoutePolicy;
  readonly channels: readonly ChannelConfig[];
  /** Shown as `owned_by` in `/v1/models`. */
  readonly ownedBy: string;
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

export interface GatewayConfig {
  readonly listen: { readonly host: string; readonly port: number };
  readonly limits: LimitsConfig;
  readonly logging: LoggingConfig;
  readonly providers: ReadonlyMap<string, ProviderConfig>;
  readonly models: ReadonlyMap<string, ModelConfig>;
}
