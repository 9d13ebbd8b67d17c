/**
 * Adapter creation: each provider's adapter, built by its kind's definition in the catalog.
 */
import type { ProviderAdapter } from './adapter.ts';
import { providerKind, type ProviderKind } from './catalog.ts';
import type { AdapterDependencies, AdapterSource } from './provider-kind.ts';

export type { AdapterDependencies } from './provider-kind.ts';

/** A configured provider as adapter creation reads it (the configuration's `ProviderConfig` is one). */
export type ConfiguredProvider = AdapterSource<ProviderKind, unknown>;

export function createAdapter(provider: ConfiguredProvider, dependencies: AdapterDependencies = {}): ProviderAdapter {
  return providerKind(provider.kind).createAdapter(provider, dependencies);
}

export function createAdapters(providers: ReadonlyMap<string, ConfiguredProvider>, dependencies: AdapterDependencies = {}): Map<string, ProviderAdapter> {
  const adapters = new Map<string, ProviderAdapter>();
  for (const [name, provider] of providers) adapters.set(name, createAdapter(provider, dependencies));
  return adapters;
}
