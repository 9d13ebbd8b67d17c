/**
 * The one place that knows every provider kind: builds an adapter from a provider's configuration.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { ProviderConfig } from '../config/types.ts';
import type { ProviderAdapter } from './adapter.ts';
import { createAzureOpenAIAdapter } from './azure-openai/index.ts';
import { createBedrockAdapter } from './bedrock/index.ts';
import type { TokenProvider } from './http/bearer-token-source.ts';
import { createOpenAIAdapter } from './openai/index.ts';
import { createVertexAdapter } from './vertex/index.ts';

/** What adapters may be given instead of building it from configuration (tests inject credentials this way). */
export interface AdapterDependencies {
  /** The Entra ID credential for an azure-openai provider, by provider name. */
  readonly entraCredential?: (provider: ProviderConfig) => TokenCredential | undefined;
  /** The AWS credentials for a bedrock provider, by provider name. */
  readonly awsCredentials?: (provider: ProviderConfig) => AwsCredentialIdentityProvider | undefined;
  /** The Google token source for a vertex provider, by provider name. */
  readonly googleTokens?: (provider: ProviderConfig) => TokenProvider | undefined;
}

export function createAdapter(provider: ProviderConfig, dependencies: AdapterDependencies = {}): ProviderAdapter {
  switch (provider.kind) {
    case 'openai':
    case 'openai-compatible':
      return createOpenAIAdapter({
        name: provider.name,
        kind: provider.kind,
        baseUrl: provider.baseUrl,
        apiKey: provider.apiKey,
        headers: provider.headers,
        connections: provider.connections,
      });
    case 'azure-openai': {
      const azure = provider.azure!;
      return createAzureOpenAIAdapter(
        {
          name: provider.name,
          endpoint: provider.baseUrl,
          api: azure.api,
          apiVersion: azure.apiVersion,
          apiKey: provider.apiKey,
          entra: azure.entra,
          headers: provider.headers,
          connections: provider.connections,
        },
        { credential: dependencies.entraCredential?.(provider) },
      );
    }
    case 'bedrock': {
      const bedrock = provider.bedrock!;
      return createBedrockAdapter(
        {
          name: provider.name,
          endpoint: provider.baseUrl,
          region: bedrock.region,
          api: bedrock.api,
          apiKey: provider.apiKey,
          credentials: bedrock.credentials,
          headers: provider.headers,
          connections: provider.connections,
        },
        { credentials: dependencies.awsCredentials?.(provider) },
      );
    }
    case 'vertex': {
      const vertex = provider.vertex!;
      return createVertexAdapter(
        {
          name: provider.name,
          endpoint: provider.baseUrl,
          project: vertex.project,
          location: vertex.location,
          api: vertex.api,
          credentials: vertex.credentials,
          headers: provider.headers,
          connections: provider.connections,
        },
        { tokens: dependencies.googleTokens?.(provider) },
      );
    }
  }
}

export function createAdapters(providers: ReadonlyMap<string, ProviderConfig>, dependencies: AdapterDependencies = {}): Map<string, ProviderAdapter> {
  const adapters = new Map<string, ProviderAdapter>();
  for (const [name, provider] of providers) adapters.set(name, createAdapter(provider, dependencies));
  return adapters;
}
