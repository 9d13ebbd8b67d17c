/**
 * The deployments an Azure OpenAI emulator serves, the api-versions it accepts, and each deployment's quota: requests
 * and tokens per minute over a rolling 60-second window, charged when a request is received with Azure's estimate
 * (prompt tokens + the requested maximum output), like the real service.
 */
import { MinuteWindow } from '../core/minute-window.ts';
import { ModelCatalog, isEmbeddingModel } from '../openai/models.ts';
import { isReasoningModel } from '../openai/chat-request.ts';
import { hashString } from '../core/index.ts';

export interface AzureDeployment {
  /** The underlying model, e.g. 'gpt-4o-mini', 'text-embedding-3-large'. */
  model: string;
  /** Tokens per minute (prompt + max output estimate, like Azure); unlimited when absent. */
  tpm?: number;
  /** Requests per minute; unlimited when absent. */
  rpm?: number;
  /** Prompt tokens + max output above it → 400 context_length_exceeded. Default 128000. */
  contextWindow?: number;
}

export const DEFAULT_DEPLOYMENTS: Readonly<Record<string, AzureDeployment>> = Object.freeze({
  'gpt-4o-mini': { model: 'gpt-4o-mini' },
  'gpt-4.1': { model: 'gpt-4.1' },
  'text-embedding-3-large': { model: 'text-embedding-3-large' },
  'text-embedding-3-small': { model: 'text-embedding-3-small' },
});

/**
 * Data-plane inference api-versions (GA and preview) as listed by Microsoft's API version lifecycle page. The v1 API
 * (`/openai/v1/…`) takes none, or `preview`/`latest`.
 */
export const DEFAULT_API_VERSIONS: readonly string[] = Object.freeze([
  '2023-05-15',
  '2024-02-01',
  '2024-06-01',
  '2024-10-21',
  '2024-02-15-preview',
  '2024-03-01-preview',
  '2024-04-01-preview',
  '2024-05-01-preview',
  '2024-07-01-preview',
  '2024-08-01-preview',
  '2024-09-01-preview',
  '2024-10-01-preview',
  '2024-12-01-preview',
  '2025-01-01-preview',
  '2025-02-01-preview',
  '2025-03-01-preview',
  '2025-04-01-preview',
]);

/**
 * The first dated api-version that accepts each chat request member the older ones refuse: `max_completion_tokens`
 * and `stream_options` (with `include_usage`) arrived in 2024-09-01-preview, the `developer` message role in
 * 2024-12-01-preview (Microsoft's API version lifecycle page; GA 2024-10-21 has the first two, not the role).
 */
export const API_VERSION_FEATURES = Object.freeze({
  maxCompletionTokens: '2024-09-01',
  streamOptions: '2024-09-01',
  developerRole: '2024-12-01',
});

/** Whether a dated api-version (`2024-10-21`, `2024-08-01-preview`) has the feature that arrived on `since`. */
export function apiVersionHas(apiVersion: string, since: string): boolean {
  return apiVersion.slice(0, 10) >= since;
}

export const DEFAULT_CONTEXT_WINDOW = 128_000;

/** What Azure reports as `model`: the deployed model version (embedding models report their plain name). */
const VERSIONED_NAMES: Readonly<Record<string, string>> = {
  'gpt-4o': 'gpt-4o-2024-11-20',
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4.1': 'gpt-4.1-2025-04-14',
  'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
  'gpt-4.1-nano': 'gpt-4.1-nano-2025-04-14',
  'gpt-5': 'gpt-5-2025-08-07',
  'gpt-5-mini': 'gpt-5-mini-2025-08-07',
  'gpt-5-nano': 'gpt-5-nano-2025-08-07',
  o3: 'o3-2025-04-16',
  'o3-mini': 'o3-mini-2025-01-31',
  'o4-mini': 'o4-mini-2025-04-16',
};

export function versionedModelName(model: string): string {
  return VERSIONED_NAMES[model] ?? model;
}

/** Reported for a dimension without a quota. */
const NOMINAL_REQUESTS = 10_000;
const NOMINAL_TOKENS = 1_000_000;

export interface QuotaRefusal {
  /** `call`: requests per minute; `token`: tokens per minute. */
  readonly kind: 'call' | 'token';
  readonly retryAfterMs: number;
  readonly remainingRequests: number;
  readonly remainingTokens: number;
}

/** One deployment: its model and everything about it computed once, and its quota window. */
export class DeploymentState {
  readonly name: string;
  readonly model: string;
  readonly embedding: boolean;
  readonly contextWindow: number;
  readonly rpm: number;
  readonly tpm: number;
  /** True when either quota is set. */
  readonly limited: boolean;
  /** The JSON text of the reported model name. */
  readonly modelJson: string;
  /** The JSON text of `system_fingerprint`: null for reasoning models, as Azure reports them. */
  readonly fingerprintJson: string;
  /** `x-ms-deployment-name`, `azureml-model-session`, `x-ms-rai-invoked`. */
  readonly staticHeaders: readonly string[];
  /** Rate-limit headers of an unlimited deployment. */
  readonly #unlimitedHeaders: readonly string[];
  readonly #window = new MinuteWindow();

  constructor(name: string, deployment: AzureDeployment, catalog: ModelCatalog) {
    this.name = name;
    this.model = deployment.model;
    this.embedding = isEmbeddingModel(deployment.model);
    this.contextWindow = deployment.contextWindow ?? DEFAULT_CONTEXT_WINDOW;
    this.rpm = deployment.rpm ?? Number.POSITIVE_INFINITY;
    this.tpm = deployment.tpm ?? Number.POSITIVE_INFINITY;
    this.limited = deployment.rpm !== undefined || deployment.tpm !== undefined;
    this.modelJson = JSON.stringify(versionedModelName(deployment.model));
    const fingerprint = catalog.get(deployment.model)?.fingerprint;
    this.fingerprintJson =
      this.embedding || isReasoningModel(deployment.model) || fingerprint === undefined ? 'null' : `"${fingerprint}"`;
    const hash = hashString(deployment.model);
    this.staticHeaders = [
      'x-ms-deployment-name',
      name,
      'azureml-model-session',
      `d${100 + (hash % 900)}-20250806${String(100_000 + (hash % 900_000))}`,
      'x-ms-rai-invoked',
      'true',
    ];
    this.#unlimitedHeaders = [
      'x-ratelimit-limit-requests',
      String(NOMINAL_REQUESTS),
      'x-ratelimit-limit-tokens',
      String(NOMINAL_TOKENS),
      'x-ratelimit-remaining-requests',
      String(NOMINAL_REQUESTS - 1),
      'x-ratelimit-remaining-tokens',
      String(NOMINAL_TOKENS - 1_000),
    ];
  }

  /**
   * Charges one request of `estimate` tokens at `now`, or refuses it (nothing charged) with the wait until the window
   * has room. Requests per minute are checked first, as Azure does.
   */
  take(now: number, estimate: number): QuotaRefusal | undefined {
    const window = this.#window;
    const count = window.count(now);
    if (count >= this.rpm) {
      return {
        kind: 'call',
        retryAfterMs: window.untilOldestLeaves(now),
        remainingRequests: 0,
        remainingTokens: Math.max(0, this.tpm - window.weight),
      };
    }
    if (window.weight + estimate > this.tpm) {
      return {
        kind: 'token',
        retryAfterMs: window.untilWeightFits(now, estimate, this.tpm),
        remainingRequests: Math.max(0, this.rpm - count),
        remainingTokens: Math.max(0, this.tpm - window.weight),
      };
    }
    window.record(now, estimate);
    return undefined;
  }

  /** `x-ratelimit-{limit,remaining}-{requests,tokens}` after the last charge. */
  rateHeaders(headers: string[]): void {
    if (!this.limited) {
      for (const value of this.#unlimitedHeaders) headers.push(value);
      return;
    }
    const count = this.#window.count(Date.now());
    const limitRequests = Number.isFinite(this.rpm) ? this.rpm : NOMINAL_REQUESTS;
    const limitTokens = Number.isFinite(this.tpm) ? this.tpm : NOMINAL_TOKENS;
    headers.push(
      'x-ratelimit-limit-requests',
      String(limitRequests),
      'x-ratelimit-limit-tokens',
      String(limitTokens),
      'x-ratelimit-remaining-requests',
      String(Math.max(0, limitRequests - count)),
      'x-ratelimit-remaining-tokens',
      String(Math.max(0, limitTokens - (Number.isFinite(this.tpm) ? this.#window.weight : 1_000))),
    );
  }

  resetQuota(): void {
    this.#window.reset();
  }
}

/** Builds the deployment table; throws on a bad definition. */
export function buildDeployments(definitions: Record<string, AzureDeployment>): Map<string, DeploymentState> {
  const catalog = new ModelCatalog([...new Set(Object.values(definitions).map((definition) => definition.model))]);
  const deployments = new Map<string, DeploymentState>();
  for (const [name, definition] of Object.entries(definitions)) {
    if (name === '' || name.includes('/')) throw new Error(`azure-openai emulator: bad deployment name '${name}'`);
    if (typeof definition?.model !== 'string' || definition.model === '') {
      throw new Error(`azure-openai emulator: deployment '${name}' needs a model`);
    }
    for (const field of ['tpm', 'rpm', 'contextWindow'] as const) {
      const value = definition[field];
      if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
        throw new Error(`azure-openai emulator: deployment '${name}': ${field} must be a positive integer, got ${value}`);
      }
    }
    deployments.set(name, new DeploymentState(name, definition, catalog));
  }
  return deployments;
}
