/**
 * Client routing preferences (in the spirit of OpenRouter's provider preferences), from a header or from a body
 * extension field, validated once per request:
 *
 *   body:   { …, "interchange": { "providers": { "only": ["azure-eastus"], "ignore": ["vertex-usc1"],
 *             "order": ["bedrock-use1"], "require_region": ["eu"], "allow_fallbacks": false,
 *             "zdr": true } } }
 *   header: x-interchange-providers: only=azure-eastus,bedrock-use1; ignore=vertex-usc1; order=bedrock-use1;
 *           require_region=eu; allow_fallbacks=false; zdr=true
 *
 * Header grammar: `pair *( ";" pair )`, `pair = key "=" value`, list values separated by `,`, whitespace around
 * tokens ignored, each key at most once. Names match a channel by provider name (`azure-eastus`), channel id
 * (`azure-eastus/gpt-4o`) or provider kind (`bedrock`); regions match a channel's region or one of its region
 * groups (lower case). When both are present, each field given in the body replaces the header's.
 *
 * - only: channels matching none are excluded. ignore: channels matching any are excluded.
 * - order: matching channels go first, in this order; the rest follow in the route's order.
 * - require_region: the channel's region or a region group must be listed.
 * - allow_fallbacks=false: with `order`, only the channels it names are tried; without, only the first candidate.
 * - zdr=true: only channels whose provider keeps no data (`data_policy: { zero_retention: true }`).
 *
 * Invalid preferences are a 400 `invalid_request` naming the field. The gateway removes the extension with
 * `withoutGatewayExtension` before calling an upstream.
 */
import { closestName } from '../config-schema/did-you-mean.ts';
import { GatewayError } from '../errors/index.ts';

export const preferencesHeader = 'x-interchange-providers';
/** The body field holding gateway extensions. */
export const gatewayExtensionField = 'interchange';

export interface ClientPreferences {
  readonly only: readonly string[] | undefined;
  readonly ignore: readonly string[] | undefined;
  readonly order: readonly string[] | undefined;
  /** Lower case. */
  readonly requireRegion: readonly string[] | undefined;
  readonly allowFallbacks: boolean;
  /** `zdr`. */
  readonly zeroRetention: boolean;
}

type Field = 'only' | 'ignore' | 'order' | 'require_region' | 'allow_fallbacks' | 'zdr';
const fields: readonly Field[] = ['only', 'ignore', 'order', 'require_region', 'allow_fallbacks', 'zdr'];
const maxEntries = 32;
const maxNameLength = 200;
const namePattern = /^[\x21-\x7e]+$/;
const headerSeparators = /[,;=]/;

type Draft = { -readonly [K in keyof ClientPreferences]?: ClientPreferences[K] };

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

function unknownField(where: string, param: string, name: string): GatewayError {
  const suggestion = closestName(name, fields);
  return invalid(param, `Unknown ${where} "${name}"${suggestion === undefined ? '' : `; did you mean "${suggestion}"?`} Known: ${fields.join(', ')}.`);
}

function checkName(value: unknown, param: string, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(param, `Invalid ${param}: expected a non-empty ${what} name.`);
  if (value.length > maxNameLength || !namePattern.test(value) || headerSeparators.test(value)) {
    throw invalid(param, `Invalid ${param}: "${value.slice(0, 40)}" is not a ${what} name (visible ASCII without spaces, commas, semicolons or "=").`);
  }
  return value;
}

function checkList(values: readonly unknown[], param: string, field: Field, indexed: boolean): string[] {
  const what = field === 'require_region' ? 'region' : 'provider';
  if (values.length > maxEntries) throw invalid(param, `Invalid ${param}: at most ${maxEntries} entries.`);
  if (values.length === 0 && (field === 'only' || field === 'require_region')) {
    throw invalid(param, `Invalid ${param}: list at least one ${what} (an empty list would exclude every channel).`);
  }
  const names: string[] = [];
  for (let index = 0; index < values.length; index++) {
    const name = checkName(values[index], indexed ? `${param}[${index}]` : param, what);
    names.push(field === 'require_region' ? name.toLowerCase() : name);
  }
  return names;
}

function assign(target: Draft, field: Field, value: string[] | boolean): void {
  switch (field) {
    case 'only':
      target.only = value as string[];
      break;
    case 'ignore':
      target.ignore = value as string[];
      break;
    case 'order':
      target.order = value as string[];
      break;
    case 'require_region':
      target.requireRegion = value as string[];
      break;
    case 'allow_fallbacks':
      target.allowFallbacks = value as boolean;
      break;
    case 'zdr':
      target.zeroRetention = value as boolean;
      break;
  }
}

function complete(partial: Draft): ClientPreferences {
  return {
    only: partial.only,
    ignore: partial.ignore,
    order: partial.order,
    requireRegion: partial.requireRegion,
    allowFallbacks: partial.allowFallbacks ?? true,
    zeroRetention: partial.zeroRetention ?? false,
  };
}

function parseHeaderPartial(value: string): Draft {
  const result: Draft = {};
  const seen = new Set<string>();
  for (const pair of value.split(';')) {
    if (pair.trim().length === 0) continue;
    const equals = pair.indexOf('=');
    const key = (equals < 0 ? pair : pair.slice(0, equals)).trim().toLowerCase();
    const param = `${preferencesHeader}.${key}`;
    if (!(fields as readonly string[]).includes(key)) throw unknownField(`${preferencesHeader} key`, preferencesHeader, key);
    const field = key as Field;
    if (seen.has(field)) throw invalid(param, `Invalid ${preferencesHeader} header: "${field}" is given twice.`);
    seen.add(field);
    if (equals < 0) throw invalid(param, `Invalid ${preferencesHeader} header: "${field}" needs a value (${field}=…).`);
    const raw = pair.slice(equals + 1).trim();
    if (field === 'allow_fallbacks' || field === 'zdr') {
      if (raw !== 'true' && raw !== 'false') throw invalid(param, `Invalid ${param}: expected true or false, got "${raw.slice(0, 40)}".`);
      assign(result, field, raw === 'true');
    } else {
      const entries = raw.length === 0 ? [] : raw.split(',').map((entry) => entry.trim());
      assign(result, field, checkList(entries, param, field, false));
    }
  }
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseBodyPartial(extension: unknown): Draft | undefined {
  const root = gatewayExtensionField;
  if (!isObject(extension)) throw invalid(root, `Invalid ${root}: expected an object, e.g. { "providers": { "only": ["…"] } }.`);
  for (const key of Object.keys(extension)) {
    if (key !== 'providers') throw invalid(`${root}.${key}`, `Unknown field "${root}.${key}". Known: ${root}.providers.`);
  }
  const providers = extension.providers;
  if (providers === undefined) return undefined;
  const base = `${root}.providers`;
  if (!isObject(providers)) throw invalid(base, `Invalid ${base}: expected an object.`);
  const result: Draft = {};
  for (const key of Object.keys(providers)) {
    const param = `${base}.${key}`;
    if (!(fields as readonly string[]).includes(key)) throw unknownField('field', param, key);
    const field = key as Field;
    const value = providers[key];
    if (value === undefined || value === null) continue;
    if (field === 'allow_fallbacks' || field === 'zdr') {
      if (typeof value !== 'boolean') throw invalid(param, `Invalid ${param}: expected a boolean.`);
      assign(result, field, value);
    } else {
      if (!Array.isArray(value)) throw invalid(param, `Invalid ${param}: expected an array of names.`);
      assign(result, field, checkList(value, param, field, true));
    }
  }
  return result;
}

/** Preferences from the header alone; undefined when it is absent or empty. */
export function parsePreferencesHeader(value: string | undefined): ClientPreferences | undefined {
  if (value === undefined || value.trim().length === 0) return undefined;
  return complete(parseHeaderPartial(value));
}

/** Preferences from `body.interchange.providers` alone; undefined when absent. */
export function parsePreferencesBody(body: Record<string, unknown>): ClientPreferences | undefined {
  const extension = body[gatewayExtensionField];
  if (extension === undefined) return undefined;
  const partial = parseBodyPartial(extension);
  return partial === undefined ? undefined : complete(partial);
}

/**
 * Preferences from both sources, the body's fields replacing the header's. Undefined (and no allocation) when the
 * request carries neither, the common case.
 */
export function readClientPreferences(headerValue: string | undefined, body: Record<string, unknown>): ClientPreferences | undefined {
  const extension = body[gatewayExtensionField];
  const hasHeader = headerValue !== undefined && headerValue.trim().length > 0;
  if (extension === undefined && !hasHeader) return undefined;
  const fromHeader = hasHeader ? parseHeaderPartial(headerValue) : undefined;
  const fromBody = extension === undefined ? undefined : parseBodyPartial(extension);
  if (fromHeader === undefined && fromBody === undefined) return undefined;
  return complete({ ...fromHeader, ...fromBody });
}

/** The body without the gateway's extension field; the same object when it has none. */
export function withoutGatewayExtension(body: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(body, gatewayExtensionField)) return body;
  const { [gatewayExtensionField]: _extension, ...rest } = body;
  return rest;
}
