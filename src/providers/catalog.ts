/**
 * Every provider kind this build can call, in the order messages list them. The configuration loader, check-config,
 * routing start-up and adapter creation know kinds only through this list: adding a cloud adds its folder (with a
 * `ProviderKindDefinition`) and one line here.
 */
import { azureOpenAIKind } from './azure-openai/index.ts';
import { bedrockKind } from './bedrock/index.ts';
import { openaiCompatibleKind, openaiKind } from './openai/index.ts';
import type { ProviderKindDefinition } from './provider-kind.ts';
import { vertexKind } from './vertex/index.ts';

export const providerCatalog = [openaiKind, openaiCompatibleKind, azureOpenAIKind, bedrockKind, vertexKind] as const;

/** One of the catalog's definitions, with its literal types. */
export type CatalogEntry = (typeof providerCatalog)[number];
export type ProviderKind = CatalogEntry['kind'];

/** The kinds, in catalog order. */
export const providerKinds: readonly ProviderKind[] = Object.freeze(providerCatalog.map((definition) => definition.kind));

const byKind: ReadonlyMap<string, ProviderKindDefinition> = new Map(providerCatalog.map((definition) => [definition.kind, definition as ProviderKindDefinition]));

/** The definition of a kind; undefined for a name that is not in the catalog. */
export function findProviderKind(kind: string): ProviderKindDefinition | undefined {
  return byKind.get(kind);
}

/** The definition of a kind the configuration already validated. */
export function providerKind(kind: ProviderKind): ProviderKindDefinition {
  return byKind.get(kind) as ProviderKindDefinition;
}
