/**
 * Compiles a model's route once at start-up: validates it (throwing an Error that names the model, the channel and
 * the field), applies defaults, and precomputes what every request would otherwise recompute: channel ids and
 * hashes, the order channels are considered in, the primary, the smallest context window.
 */
import { routePolicies, type ChannelCapabilities, type ModelRoute, type ModelRouteSpec, type PreferRule, type RouteChannel, type RouteChannelSpec } from './routing-types.ts';

export const defaultExpectedOutputTokens = 1_024;

/** 32-bit FNV-1a of a string's UTF-16 code units. */
export function hashString(value: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < value.length; index++) {
    hash ^= value.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function positiveInteger(value: number | undefined, where: string): number | undefined {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) throw new Error(`${where} must be a positive integer, got ${value}.`);
  return value;
}

function nonNegative(value: number, where: string): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new Error(`${where} must be a finite number ≥ 0, got ${value}.`);
  return value;
}

function compileChannel(spec: RouteChannelSpec, index: number, model: string): RouteChannel {
  const id = `${spec.provider}/${spec.upstreamModel}`;
  const where = `Model "${model}", channel ${index + 1} (${id})`;
  if (spec.provider.length === 0 || spec.upstreamModel.length === 0) throw new Error(`Model "${model}", channel ${index + 1}: provider and upstream model must not be empty.`);
  const declared = spec.capabilities ?? {};
  const capabilities: { -readonly [Key in keyof ChannelCapabilities]: ChannelCapabilities[Key] } = {
    vision: declared.vision ?? true,
    tools: declared.tools ?? true,
    jsonSchema: declared.jsonSchema ?? true,
    streaming: declared.streaming ?? true,
    contextWindow: positiveInteger(declared.contextWindow, `${where}: capabilities.context_window`),
    maxOutputTokens: positiveInteger(declared.maxOutputTokens, `${where}: capabilities.max_output_tokens`),
  };
  if (declared.imageTypes !== undefined) capabilities.imageTypes = declared.imageTypes;
  const capacity =
    spec.capacity === undefined || (spec.capacity.tpm === undefined && spec.capacity.rpm === undefined)
      ? undefined
      : { tpm: positiveInteger(spec.capacity.tpm, `${where}: capacity.tpm`), rpm: positiveInteger(spec.capacity.rpm, `${where}: capacity.rpm`) };
  if (spec.price !== undefined) {
    nonNegative(spec.price.inputMicrosPerMillion, `${where}: price.input`);
    nonNegative(spec.price.outputMicrosPerMillion, `${where}: price.output`);
  }
  return {
    id,
    index,
    provider: spec.provider,
    providerKind: spec.providerKind,
    upstreamModel: spec.upstreamModel,
    primary: spec.primary === true,
    weight: nonNegative(spec.weight ?? 1, `${where}: weight`),
    price: spec.price,
    capacity,
    capabilities,
    checksCapabilities:
      !capabilities.vision ||
      !capabilities.tools ||
      !capabilities.jsonSchema ||
      !capabilities.streaming ||
      capabilities.contextWindow !== undefined ||
      capabilities.maxOutputTokens !== undefined ||
      capabilities.imageTypes !== undefined,
    region: spec.region?.toLowerCase(),
    regionGroups: (spec.regionGroups ?? []).map((group) => group.toLowerCase()),
    dataPolicy: spec.dataPolicy,
    declineRules: spec.declineRules ?? [],
    hash: hashString(id),
  };
}

const noPreferRules: readonly PreferRule[] = Object.freeze([]);

export function compileModelRoute(spec: ModelRouteSpec): ModelRoute {
  const model = spec.model;
  if (model.length === 0) throw new Error('A model route needs the public model name.');
  if (!routePolicies.includes(spec.policy)) throw new Error(`Model "${model}": unknown route "${spec.policy}"; known: ${routePolicies.join(', ')}.`);
  if (spec.channels.length === 0) throw new Error(`Model "${model}": a route needs at least one channel.`);
  const channels = spec.channels.map((channel, index) => compileChannel(channel, index, model));
  const ids = new Set<string>();
  for (const channel of channels) {
    if (ids.has(channel.id)) throw new Error(`Model "${model}": channel ${channel.id} is listed twice.`);
    ids.add(channel.id);
  }
  const primaries = channels.filter((channel) => channel.primary);
  if (primaries.length > 1) throw new Error(`Model "${model}": only one channel may be primary (${primaries.map((channel) => channel.id).join(', ')}).`);
  const primary = primaries[0];
  if (spec.policy === 'primary-first' && primary === undefined) throw new Error(`Model "${model}": route primary-first needs one channel marked primary.`);
  if (spec.policy === 'weighted' && !channels.some((channel) => channel.weight > 0)) throw new Error(`Model "${model}": route weighted needs a channel with a weight above 0.`);
  const expectedOutputTokens = positiveInteger(spec.expectedOutputTokens, `Model "${model}": expected_output_tokens`) ?? defaultExpectedOutputTokens;

  let order: RouteChannel[];
  if (spec.policy === 'primary-first') order = [primary!, ...channels.filter((channel) => channel !== primary)];
  // Array.prototype.sort is stable: equal weights keep configuration order.
  else if (spec.policy === 'weighted') order = [...channels].sort((a, b) => b.weight - a.weight);
  else order = channels;

  let smallestContextWindow: number | undefined;
  for (const channel of channels) {
    const window = channel.capabilities.contextWindow;
    if (window !== undefined && (smallestContextWindow === undefined || window < smallestContextWindow)) smallestContextWindow = window;
  }
  return Object.freeze({
    model,
    policy: spec.policy,
    sticky: spec.sticky === true,
    expectedOutputTokens,
    channels: Object.freeze(channels),
    order: order === channels ? channels : Object.freeze(order),
    primary,
    preferRules: spec.preferRules ?? noPreferRules,
    smallestContextWindow,
  });
}
