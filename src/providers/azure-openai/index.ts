/**
 * The `azure-openai` provider: Azure OpenAI, the OpenAI dialect with Azure's URLs (the v1 style, or deployments with
 * an api-version), Azure's authentication (`api-key`, or Entra ID bearer tokens) and Azure's content filter
 * annotations. Requests, responses, streams, finish reasons, usage and errors are the OpenAI dialect's: Azure speaks
 * it, so this folder holds only what differs.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { ProviderAdapter } from '../adapter.ts';
import { createUpstreamPool, type UpstreamQueueOptions } from '../http/upstream-pool.ts';
import { createOpenAIDialectAdapter, type OpenAIDialect, type OpenAIOperation, type UpstreamHeaderSet } from '../openai/openai-dialect-adapter.ts';
import type { AnnotationFields } from '../openai/stream.ts';
import { createEntraCredential, type EntraCredentialSettings } from './entra-credential.ts';
import { BearerTokenSource } from '../http/bearer-token-source.ts';
import { defineProviderKind } from '../provider-kind.ts';
import { azureOpenAISettings } from './settings.ts';

export interface AzureOpenAIProviderSettings {
  readonly name: string;
  /** The resource endpoint, e.g. `https://contoso.openai.azure.com`. */
  readonly endpoint: string;
  readonly api: 'v1' | 'deployments';
  /** Sent as `api-version` in the deployments style. */
  readonly apiVersion: string;
  readonly apiKey: string | undefined;
  readonly entra: (EntraCredentialSettings & { readonly scope: string }) | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  /** The wait for a connection once all are busy; defaults to `defaultUpstreamQueue`. */
  readonly queue?: UpstreamQueueOptions;
}

export interface AzureOpenAIDependencies {
  /** Replaces the credential the settings name (tests run offline with one whose tokens they control). */
  readonly credential?: TokenCredential;
}

/** Azure's content filter annotations: passed on only to clients that ask. */
export const azureAnnotations: AnnotationFields = Object.freeze({
  prompt: Object.freeze(['prompt_filter_results']),
  choice: Object.freeze(['content_filter_results']),
});

/**
 * What a data-plane api-version accepts, from Microsoft's API version lifecycle page: `max_completion_tokens` and
 * `stream_options` arrived with 2024-09-01-preview (so GA 2024-06-01 has neither, GA 2024-10-21 both), the
 * `developer` role with 2024-12-01-preview. Versions are dated (`YYYY-MM-DD[-preview]`), so the date orders them; the
 * v1 API takes no api-version and has everything.
 */
export function azureDialect(api: 'v1' | 'deployments', apiVersion: string): OpenAIDialect {
  const date = api === 'v1' || !/^\d{4}-\d{2}-\d{2}/.test(apiVersion) ? undefined : apiVersion.slice(0, 10);
  const current = date === undefined || date >= '2024-09-01';
  return Object.freeze({
    maxTokensField: current ? 'as-sent' : 'max_tokens',
    streamOptions: current,
    developerRole: date === undefined || date >= '2024-12-01',
  });
}

export function createAzureOpenAIAdapter(settings: AzureOpenAIProviderSettings, dependencies: AzureOpenAIDependencies = {}): ProviderAdapter {
  const endpoint = new URL(settings.endpoint);
  const basePath = endpoint.pathname.replace(/\/+$/, '');
  const pool = createUpstreamPool(endpoint.origin, { connections: settings.connections, queue: settings.queue });
  const baseHeaders = Object.freeze({ ...settings.headers, 'content-type': 'application/json' });

  let headers: () => UpstreamHeaderSet | Promise<UpstreamHeaderSet>;
  if (settings.entra !== undefined || dependencies.credential !== undefined) {
    const credential = dependencies.credential ?? createEntraCredential(settings.entra!);
    const scope = settings.entra?.scope ?? 'https://cognitiveservices.azure.com/.default';
    const tokens = new BearerTokenSource(() => credential.getToken(scope), `Entra ID token for ${scope}`, baseHeaders);
    headers = () => tokens.headers();
  } else {
    const keyed = Object.freeze({ ...baseHeaders, 'api-key': settings.apiKey ?? '' });
    headers = () => keyed;
  }

  const apiVersion = encodeURIComponent(settings.apiVersion);
  const path =
    settings.api === 'v1'
      ? (operation: OpenAIOperation) => `${basePath}/openai/v1/${operation}`
      : (operation: OpenAIOperation, deployment: string) =>
          `${basePath}/openai/deployments/${encodeURIComponent(deployment)}/${operation}?api-version=${apiVersion}`;

  return createOpenAIDialectAdapter({
    name: settings.name,
    kind: 'azure-openai',
    pool,
    dialect: azureDialect(settings.api, settings.apiVersion),
    path,
    headers,
    annotations: azureAnnotations,
    close: () => pool.close(),
  });
}

export const azureOpenAIKind = defineProviderKind(azureOpenAISettings, (provider, dependencies) =>
  createAzureOpenAIAdapter(
    {
      name: provider.name,
      endpoint: provider.baseUrl,
      api: provider.settings.api,
      apiVersion: provider.settings.apiVersion,
      apiKey: provider.apiKey,
      entra: provider.settings.entra,
      headers: provider.headers,
      connections: provider.connections,
      queue: provider.queue,
    },
    { credential: dependencies.entraCredential?.(provider) },
  ),
);
