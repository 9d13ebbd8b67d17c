/**
 * Adapter creation: each provider's adapter, built by its kind's definition in the catalog.
 */
import type { ProviderConfig } from '../config/types.ts';
import type { ProviderAdapter } from './adapter.ts';
import { providerKind } from './catalog.ts';
import type { AdapterDependencies } from './provider-kind.ts';

export type { AdapterDependencies } from './provider-kind.ts';

export function createAdapter(provider: ProviderConfig, dependencies: AdapterDependencies = {}): ProviderAdapter {
  return providerKind(provider.kind).createAdapter(provider, dependencies);
}

export function createAdapters(providers: ReadonlyMap<string, ProviderConfig>, dependencies: AdapterDependencies = {}): Map<string, ProviderAdapter> {
  const adapters = new Map<string, ProviderAdapter>();
  for (const [name, provider] of providers) adapters.set(name, createAdapter(provider, dependencies));
  return adapters;
}
