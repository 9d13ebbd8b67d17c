/**
 * Builds one deterministic JSON value that satisfies a JSON schema: tool-call arguments and structured outputs.
 * Covers what function-calling and structured-output schemas use: type (and type lists), const, enum, default,
 * properties/required, items/prefixItems, minItems/maxItems, anyOf/oneOf (first usable branch), allOf (merged),
 * $ref into `#/$defs` or `#/definitions`, string formats and length bounds, numeric bounds and multipleOf.
 * `pattern` is not honoured. Every declared property is filled, required or not; recursion stops at depth 12
 * (optional properties are then left out and arrays left empty). Imports nothing from the project.
 */

type Schema = Record<string, unknown>;

const MAX_DEPTH = 12;

const FORMAT_EXAMPLES: Record<string, string> = {
  'date-time': '2025-01-01T00:00:00Z',
  date: '2025-01-01',
  time: '00:00:00Z',
  duration: 'P1D',
  email: 'user@example.com',
  'idn-email': 'user@example.com',
  hostname: 'example.com',
  'idn-hostname': 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  uri: 'https://example.com/',
  'uri-reference': 'https://example.com/',
  iri: 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000',
};

/** A value valid against `schema`. `name` seeds string values (`example <name>`). */
export function instanceFromSchema(schema: unknown, name = 'value'): unknown {
  return build(schema, isObject(schema) ? schema : {}, name, 0);
}

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolve(schema: Schema, root: Schema, depth: number): Schema {
  let current = schema;
  let hops = 0;
  while (typeof current.$ref === 'string' && hops < 16) {
    const target = lookup(root, current.$ref);
    if (!isObject(target)) return {};
    current = target;
    hops++;
  }
  if (Array.isArray(current.allOf) && depth < MAX_DEPTH) current = mergeAllOf(current, root, depth);
  return current;
}

function lookup(root: Schema, reference: string): unknown {
  if (reference === '#') return root;
  if (!reference.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const rawPart of reference.slice(2).split('/')) {
    const part = rawPart.replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isObject(node)) return undefined;
    node = node[part];
  }
  return node;
}

function mergeAllOf(schema: Schema, root: Schema, depth: number): Schema {
  const merged: Schema = { ...schema };
  delete merged.allOf;
  const properties: Schema = isObject(schema.properties) ? { ...schema.properties } : {};
  const required = new Set<string>(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  for (const part of schema.allOf as unknown[]) {
    if (!isObject(part)) continue;
    const resolved = resolve(part, root, depth + 1);
    for (const key of Object.keys(resolved)) {
      if (key === 'properties' || key === 'required') continue;
      if (merged[key] === undefined) merged[key] = resolved[key];
    }
    if (isObject(resolved.properties)) Object.assign(properties, resolved.properties);
    if (Array.isArray(resolved.required)) for (const key of resolved.required) required.add(String(key));
  }
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.size > 0) merged.required = [...required];
  return merged;
}

function primaryType(schema: Schema): string | undefined {
  const type = schema.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) {
    for (const entry of type) if (entry !== 'null') return String(entry);
    return 'null';
  }
  if (isObject(schema.properties) || schema.additionalProperties !== undefined || Array.isArray(schema.required)) {
    return 'object';
  }
  if (schema.items !== undefined || Array.isArray(schema.prefixItems)) return 'array';
  return undefined;
}

function build(rawSchema: unknown, root: Schema, name: string, depth: number): unknown {
  if (rawSchema === true || !isObject(rawSchema)) return {};
  const schema = resolve(rawSchema, root, depth);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('default' in schema && schema.default !== undefined) return schema.default;
  const branches = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
  if (branches !== undefined && branches.length > 0 && primaryType(schema) === undefined) {
    let chosen: unknown = branches[0];
    for (const branch of branches) {
      if (isObject(branch) && branch.type !== 'null') {
        chosen = branch;
        break;
      }
    }
    return build(chosen, root, name, depth + 1);
  }
  switch (primaryType(schema)) {
    case 'object':
      return buildObject(schema, root, depth);
    case 'array':
      return buildArray(schema, root, name, depth);
    case 'string':
      return buildString(schema, name);
    case 'integer':
      return buildNumber(schema, true);
    case 'number':
      return buildNumber(schema, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return `example ${name}`;
  }
}

function buildObject(schema: Schema, root: Schema, depth: number): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? (schema.required as unknown[]).map(String) : [];
  const deep = depth >= MAX_DEPTH;
  for (const key of Object.keys(properties)) {
    if (deep && !required.includes(key)) continue;
    result[key] = build(properties[key], root, key, depth + 1);
  }
  for (const key of required) {
    if (!(key in result)) {
      const additional = schema.additionalProperties;
      result[key] = isObject(additional) ? build(additional, root, key, depth + 1) : `example ${key}`;
    }
  }
  return result;
}

function buildArray(schema: Schema, root: Schema, name: string, depth: number): unknown[] {
  const result: unknown[] = [];
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
  const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0;
  const maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : Number.POSITIVE_INFINITY;
  if (depth >= MAX_DEPTH && minItems === 0) return result;
  for (const item of prefix) {
    if (result.length >= maxItems) return result;
    result.push(build(item, root, name, depth + 1));
  }
  const want = Math.min(Math.max(minItems, 1), maxItems);
  const items = schema.items;
  if (items === false) return result;
  while (result.length < want) result.push(build(items ?? {}, root, name, depth + 1));
  return result;
}

function buildString(schema: Schema, name: string): string {
  const format = typeof schema.format === 'string' ? FORMAT_EXAMPLES[schema.format] : undefined;
  let value = format ?? `example ${name}`;
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
  if (value.length > maxLength) value = value.slice(0, maxLength);
  if (value.length < minLength) value = value + 'x'.repeat(minLength - value.length);
  return value;
}

function buildNumber(schema: Schema, integer: boolean): number {
  const step = integer ? 1 : 0.5;
  let low = Number.NEGATIVE_INFINITY;
  let high = Number.POSITIVE_INFINITY;
  if (typeof schema.minimum === 'number') low = schema.minimum;
  if (typeof schema.exclusiveMinimum === 'number') low = Math.max(low, schema.exclusiveMinimum + step);
  if (typeof schema.maximum === 'number') high = schema.maximum;
  if (typeof schema.exclusiveMaximum === 'number') high = Math.min(high, schema.exclusiveMaximum - step);
  let value = integer ? 1 : 1.5;
  if (value < low) value = low;
  if (value > high) value = high;
  if (integer) value = Math.ceil(value);
  const multipleOf = typeof schema.multipleOf === 'number' && schema.multipleOf > 0 ? schema.multipleOf : 0;
  if (multipleOf > 0) {
    value = Math.ceil(value / multipleOf) * multipleOf;
    if (value > high) value = Math.floor(high / multipleOf) * multipleOf;
  }
  return value;
}
