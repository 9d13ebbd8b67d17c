/**
 * The one place that knows every provider kind: builds an adapter from a provider's configuration.
 */
import type { ProviderConfig } from '../config/types.ts';
import type { ProviderAdapter } from './adapter.ts';
import { createOpenAIAdapter } from './openai/index.ts';

export function createAdapter(provider: ProviderConfig): ProviderAdapter {
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
  }
}

export function createAdapters(providers: ReadonlyMap<string, ProviderConfig>): Map<string, ProviderAdapter> {
  const adapters = new Map<string, ProviderAdapter>();
  for (const [name, provider] of providers) adapters.set(name, createAdapter(provider));
  return adapters;
}
