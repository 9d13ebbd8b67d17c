/**
 * A client's JSON Schema (tool `parameters`, `response_format.json_schema.schema`) in the form Gemini on Vertex takes.
 *
 * Vertex offers two fields for each: `parameters` / `responseSchema`, a protobuf `Schema` (a subset of OpenAPI 3.0
 * that every Gemini model accepts, but that refuses any keyword it does not know with a 400 "Unknown name"), and
 * `parametersJsonSchema` / `responseJsonSchema`, which take JSON Schema as is but only on recent models. The gateway
 * sends the OpenAPI subset whenever the schema converts without forbidding anything it allowed, and falls back to the
 * JSON Schema field (the client's schema untouched) only when it cannot; Google's own SDK likewise converts plain JSON
 * Schema to the subset and sends declared JSON Schema documents to the JSON field. So a plain schema works on every
 * Gemini model, and a schema only recent models can express still reaches them.
 *
 * Conversion (JSON Schema → the OpenAPI subset):
 * - `type` upper-cased (`STRING`, `NUMBER`, `INTEGER`, `BOOLEAN`, `ARRAY`, `OBJECT`); a type list with `null`, an
 *   `anyOf`/`oneOf` branch `{type:'null'}`, a `null` in `enum` and OpenAPI's own `nullable: true` all become
 *   `nullable: true`; a list of several types becomes `anyOf` with one branch per type. A missing type is inferred
 *   from `properties` (object), `items` (array) or string-only `enum`/`const` (string).
 * - `$ref` to anywhere in the same document (`#/$defs/…`, `#/definitions/…`, any JSON pointer) is inlined, its
 *   siblings applied over the target; `allOf` is merged into one schema (properties and `required` united);
 *   `oneOf` becomes `anyOf`.
 * - `const` becomes a one-value `enum`. Vertex takes `enum` on strings only: enums and consts of other types are
 *   dropped (the type is kept), which allows more, never less.
 * - Kept: `description`, `title`, `properties`, `required` (names that are properties), `items`, `minItems`,
 *   `maxItems`, `minLength`, `maxLength`, `pattern`, `minimum`, `maximum`, `minProperties`, `maxProperties`, and
 *   `format` where Vertex knows it (`date-time` on strings, `float`/`double`, `int32`/`int64`).
 * - Dropped (they only annotate or narrow, so dropping them never refuses a valid value): `$schema`, `$id`,
 *   `$comment`, `$defs`, `definitions`, `additionalProperties: false`, `default`, `examples`, `exclusiveMinimum`,
 *   `exclusiveMaximum`, `multipleOf`, `uniqueItems`, `not`, `if`/`then`/`else`, `strict`, other formats, and every
 *   keyword this converter does not know.
 * - For response schemas, `propertyOrdering` lists the properties in the client's order (Gemini otherwise orders the
 *   generated keys itself).
 *
 * Not expressible (→ the JSON Schema field): a recursive `$ref`, a `$ref` outside the document, an object with
 * free-form keys (`additionalProperties` true or a schema, `patternProperties`, or no properties at all below the
 * root), an array without `items` or with tuple items (`prefixItems`, `items: [...]`), a value of any type (`{}`,
 * `true`), `type: 'null'` alone, and schemas nested deeper than 32 levels or inlined past 5,000 nodes.
 */

export type GeminiSchema = Record<string, unknown>;

type JsonSchema = Record<string, unknown>;

export interface ToolParametersField {
  parameters?: GeminiSchema;
  parametersJsonSchema?: unknown;
}

export interface ResponseSchemaField {
  responseSchema?: GeminiSchema;
  responseJsonSchema?: unknown;
}

const maxDepth = 32;
const maxNodes = 5000;
const maxReferenceHops = 32;

const typeNames: Record<string, string> = {
  string: 'STRING',
  number: 'NUMBER',
  integer: 'INTEGER',
  boolean: 'BOOLEAN',
  array: 'ARRAY',
  object: 'OBJECT',
};

const formatsByType: Record<string, ReadonlySet<string>> = {
  STRING: new Set(['date-time']),
  NUMBER: new Set(['float', 'double']),
  INTEGER: new Set(['int32', 'int64']),
};

/** Keywords that say nothing about which values are valid. */
const annotationKeywords = new Set(['description', 'title', '$schema', '$id', '$comment', 'default', 'examples', 'example', 'deprecated', 'readOnly', 'writeOnly']);

/**
 * The declaration field for a tool's parameters: none for a function without parameters (no schema, or an object
 * schema without properties that allows no others: Vertex refuses an OBJECT with empty `properties`), `parameters`
 * when the schema converts, else `parametersJsonSchema`.
 */
export function convertToolParameters(schema: Record<string, unknown> | undefined): ToolParametersField {
  if (schema === undefined || schema === null) return {};
  if (isEmptyObjectSchema(schema)) return {};
  const converted = convertToGeminiSchema(schema, false);
  return converted === undefined ? { parametersJsonSchema: schema } : { parameters: converted };
}

/** The generation-config field for a response schema: `responseSchema` when it converts, else `responseJsonSchema`. */
export function convertResponseSchema(schema: Record<string, unknown>): ResponseSchemaField {
  const converted = convertToGeminiSchema(schema, true);
  return converted === undefined ? { responseJsonSchema: schema } : { responseSchema: converted };
}

/**
 * A JSON Schema in Vertex's OpenAPI subset, or undefined when the subset cannot express it without refusing values
 * the schema allows. `propertyOrdering`: list each object's properties in the client's order.
 */
export function convertToGeminiSchema(schema: unknown, propertyOrdering: boolean): GeminiSchema | undefined {
  if (!isObject(schema)) return undefined;
  const context: Context = { root: schema, propertyOrdering, nodes: 0, references: [] };
  return convertNode(schema, context, 0);
}

/** `{ type: 'object' }` with no properties and no other keys allowed: a function that takes no arguments. */
export function isEmptyObjectSchema(schema: Record<string, unknown>): boolean {
  if (schema.type !== undefined && schema.type !== 'object') return false;
  const properties = schema.properties;
  if (isObject(properties) && Object.keys(properties).length > 0) return false;
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
    // JSON Schema's default (`additionalProperties` absent) is "any keys", but a tool declared as `{type:'object'}`
    // means "no arguments" in practice (OpenAI's own examples); an explicit `true` or schema means free-form keys.
    return false;
  }
  for (const keyword of ['$ref', 'anyOf', 'oneOf', 'allOf', 'patternProperties', 'items', 'enum', 'const']) {
    if (schema[keyword] !== undefined) return false;
  }
  return true;
}

interface Context {
  readonly root: JsonSchema;
  readonly propertyOrdering: boolean;
  nodes: number;
  /** The `$ref`s being inlined, outermost first: a `$ref` already in the list is recursive. */
  readonly references: string[];
}

function convertNode(schema: unknown, context: Context, depth: number): GeminiSchema | undefined {
  if (!isObject(schema)) return undefined;
  if (depth > maxDepth || ++context.nodes > maxNodes) return undefined;

  if (typeof schema.$ref === 'string') {
    const reference = schema.$ref;
    if (context.references.includes(reference)) return undefined;
    const target = resolveReference(context.root, reference);
    if (target === undefined) return undefined;
    context.references.push(reference);
    const { $ref: _reference, ...siblings } = schema;
    const result = convertNode({ ...target, ...siblings }, context, depth + 1);
    context.references.pop();
    return result;
  }

  if (Array.isArray(schema.allOf)) {
    const merged = mergeAllOf(schema, context);
    return merged === undefined ? undefined : convertNode(merged, context, depth + 1);
  }

  if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf)) return convertAnyOf(schema, context, depth);

  let nullable = schema.nullable === true;
  let types: string[];
  if (typeof schema.type === 'string') types = [schema.type];
  else if (Array.isArray(schema.type)) types = schema.type.filter((type): type is string => typeof type === 'string');
  else {
    const inferred = inferType(schema);
    if (inferred === undefined) return undefined;
    types = [inferred];
  }
  if (types.includes('null')) {
    nullable = true;
    types = types.filter((type) => type !== 'null');
  }
  if (Array.isArray(schema.enum) && schema.enum.includes(null)) nullable = true;
  if (types.length === 0) return undefined;
  if (types.length === 1) return convertTyped(schema, types[0], nullable, context, depth);

  const branches: GeminiSchema[] = [];
  for (const type of types) {
    const branch = convertTyped(withoutAnnotations(schema), type, false, context, depth + 1);
    if (branch === undefined) return undefined;
    branches.push(branch);
  }
  return withAnnotations(schema, { anyOf: branches }, nullable);
}

function convertAnyOf(schema: JsonSchema, context: Context, depth: number): GeminiSchema | undefined {
  const { anyOf, oneOf, ...siblings } = schema;
  const candidates = [...(Array.isArray(anyOf) ? anyOf : []), ...(Array.isArray(oneOf) ? oneOf : [])];
  let nullable = siblings.nullable === true;
  const branches: unknown[] = [];
  for (const candidate of candidates) {
    if (isNullSchema(candidate)) nullable = true;
    else branches.push(candidate);
  }
  if (branches.length === 0) return undefined;
  if (branches.length === 1) {
    // `anyOf: [X, null]` (how zod and pydantic spell an optional value): X itself, nullable.
    const merged = mergeSchemas(siblings, branches[0], context);
    if (merged === undefined) return undefined;
    if (nullable) merged.nullable = true;
    return convertNode(merged, context, depth + 1);
  }
  const structural = withoutAnnotations(siblings);
  delete structural.nullable;
  const converted: GeminiSchema[] = [];
  for (const branch of branches) {
    const merged = Object.keys(structural).length === 0 ? branch : mergeSchemas(structural, branch, context);
    const result = merged === undefined ? undefined : convertNode(merged, context, depth + 1);
    if (result === undefined) return undefined;
    converted.push(result);
  }
  return withAnnotations(siblings, { anyOf: converted }, nullable);
}

function convertTyped(schema: JsonSchema, type: string, nullable: boolean, context: Context, depth: number): GeminiSchema | undefined {
  const geminiType = typeNames[type];
  if (geminiType === undefined) return undefined;
  const result: GeminiSchema = { type: geminiType };
  if (typeof schema.title === 'string' && schema.title !== '') result.title = schema.title;
  if (typeof schema.description === 'string' && schema.description !== '') result.description = schema.description;
  if (nullable) result.nullable = true;

  const format = schema.format;
  if (typeof format === 'string' && formatsByType[geminiType]?.has(format)) result.format = format;

  switch (geminiType) {
    case 'STRING': {
      const values = Array.isArray(schema.enum) ? schema.enum.filter((value) => value !== null) : schema.const !== undefined ? [schema.const] : undefined;
      if (values !== undefined && values.length > 0 && values.every((value) => typeof value === 'string')) result.enum = values;
      copyCount(schema, result, 'minLength');
      copyCount(schema, result, 'maxLength');
      if (typeof schema.pattern === 'string') result.pattern = schema.pattern;
      break;
    }
    case 'NUMBER':
    case 'INTEGER':
      if (typeof schema.minimum === 'number') result.minimum = schema.minimum;
      if (typeof schema.maximum === 'number') result.maximum = schema.maximum;
      break;
    case 'ARRAY': {
      if (schema.prefixItems !== undefined || !isObject(schema.items)) return undefined;
      const items = convertNode(schema.items, context, depth + 1);
      if (items === undefined) return undefined;
      result.items = items;
      copyCount(schema, result, 'minItems');
      copyCount(schema, result, 'maxItems');
      break;
    }
    case 'OBJECT': {
      if (schema.patternProperties !== undefined) return undefined;
      const additional = schema.additionalProperties;
      if (additional !== undefined && additional !== false && !(isObject(additional) && isEmptyFalseLike(additional))) return undefined;
      if (!isObject(schema.properties)) return undefined;
      const properties: Record<string, GeminiSchema> = {};
      const names: string[] = [];
      for (const [name, property] of Object.entries(schema.properties)) {
        if (property === false) continue; // a property that may not appear: leaving it out says the same
        const converted = convertNode(property, context, depth + 1);
        if (converted === undefined) return undefined;
        properties[name] = converted;
        names.push(name);
      }
      if (names.length === 0) return undefined;
      result.properties = properties;
      if (Array.isArray(schema.required)) {
        const required = schema.required.filter((name, index, all): name is string => typeof name === 'string' && name in properties && all.indexOf(name) === index);
        if (required.length > 0) result.required = required;
      }
      copyCount(schema, result, 'minProperties');
      copyCount(schema, result, 'maxProperties');
      if (context.propertyOrdering && names.length > 1) result.propertyOrdering = names;
      break;
    }
  }
  return result;
}

/** `additionalProperties: { not: {} }`: the long spelling of `false`. */
function isEmptyFalseLike(schema: JsonSchema): boolean {
  const keys = Object.keys(schema);
  return keys.length === 1 && isObject(schema.not) && Object.keys(schema.not).length === 0;
}

function inferType(schema: JsonSchema): string | undefined {
  if (schema.properties !== undefined || schema.required !== undefined || schema.additionalProperties !== undefined) return 'object';
  if (schema.items !== undefined || schema.prefixItems !== undefined) return 'array';
  const values = Array.isArray(schema.enum) ? schema.enum.filter((value) => value !== null) : schema.const !== undefined ? [schema.const] : undefined;
  if (values !== undefined && values.length > 0 && values.every((value) => typeof value === 'string')) return 'string';
  return undefined;
}

function isNullSchema(schema: unknown): boolean {
  if (!isObject(schema)) return false;
  if (schema.type === 'null') return true;
  if (schema.const === null && schema.type === undefined) return true;
  return Array.isArray(schema.enum) && schema.enum.length === 1 && schema.enum[0] === null && schema.type === undefined;
}

/** `allOf` folded into its parent: one schema whose properties and `required` are the union of the branches'. */
function mergeAllOf(schema: JsonSchema, context: Context): JsonSchema | undefined {
  const { allOf, ...rest } = schema;
  let merged: JsonSchema | undefined = rest;
  for (const branch of allOf as unknown[]) {
    merged = mergeSchemas(merged, branch, context);
    if (merged === undefined) return undefined;
  }
  return merged;
}

/**
 * Two schemas a value must both satisfy, as one: `$ref`s at the top resolved first, properties met in both merged
 * through `allOf`, `required` united, nested `allOf` kept for the next pass; other keywords keep the first schema's.
 */
function mergeSchemas(first: JsonSchema, second: unknown, context: Context): JsonSchema | undefined {
  const left = dereference(first, context);
  const right = dereference(second, context);
  if (left === undefined || right === undefined) return undefined;
  const merged: JsonSchema = { ...left };
  for (const [keyword, value] of Object.entries(right)) {
    const existing = merged[keyword];
    if (existing === undefined) {
      merged[keyword] = value;
    } else if (keyword === 'properties' && isObject(existing) && isObject(value)) {
      const properties: JsonSchema = { ...existing };
      for (const [name, property] of Object.entries(value)) {
        properties[name] = properties[name] === undefined ? property : { allOf: [properties[name], property] };
      }
      merged.properties = properties;
    } else if (keyword === 'required' && Array.isArray(existing) && Array.isArray(value)) {
      merged.required = [...new Set([...existing, ...value])];
    } else if (keyword === 'allOf' && Array.isArray(existing) && Array.isArray(value)) {
      merged.allOf = [...existing, ...value];
    } else if (keyword === 'type' && existing !== value) {
      // integer ∧ number = integer; any other clash has no value, which the subset cannot say: keep the first.
      if ((existing === 'number' && value === 'integer') || (existing === 'integer' && value === 'number')) merged.type = 'integer';
    }
  }
  return merged;
}

/** A schema with its top-level `$ref` chain inlined (siblings over the target), or undefined when it cannot be. */
function dereference(schema: unknown, context: Context): JsonSchema | undefined {
  if (!isObject(schema)) return undefined;
  let current = schema;
  const seen: string[] = [];
  for (let hops = 0; typeof current.$ref === 'string'; hops++) {
    const reference = current.$ref;
    if (hops >= maxReferenceHops || seen.includes(reference) || context.references.includes(reference)) return undefined;
    seen.push(reference);
    const target = resolveReference(context.root, reference);
    if (target === undefined) return undefined;
    const { $ref: _reference, ...siblings } = current;
    current = { ...target, ...siblings };
  }
  return current;
}

/** A JSON pointer within the same document (`#`, `#/$defs/Name`, `#/definitions/a~1b`); undefined for others. */
function resolveReference(root: JsonSchema, reference: string): JsonSchema | undefined {
  if (!reference.startsWith('#')) return undefined;
  let pointer: string;
  try {
    pointer = decodeURIComponent(reference.slice(1));
  } catch {
    return undefined;
  }
  if (pointer === '') return root;
  if (!pointer.startsWith('/')) return undefined;
  let current: unknown = root;
  for (const token of pointer.slice(1).split('/')) {
    const key = token.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current)) current = current[Number(key)];
    else if (isObject(current) && Object.hasOwn(current, key)) current = current[key];
    else return undefined;
  }
  return isObject(current) ? current : undefined;
}

function withoutAnnotations(schema: JsonSchema): JsonSchema {
  const result: JsonSchema = {};
  for (const [keyword, value] of Object.entries(schema)) if (!annotationKeywords.has(keyword)) result[keyword] = value;
  return result;
}

/** An `anyOf` result with the title, description and nullability of the schema it came from. */
function withAnnotations(schema: JsonSchema, result: GeminiSchema, nullable: boolean): GeminiSchema {
  const annotated: GeminiSchema = {};
  if (typeof schema.title === 'string' && schema.title !== '') annotated.title = schema.title;
  if (typeof schema.description === 'string' && schema.description !== '') annotated.description = schema.description;
  if (nullable) annotated.nullable = true;
  return Object.assign(annotated, result);
}

function copyCount(schema: JsonSchema, result: GeminiSchema, keyword: string): void {
  const value = schema[keyword];
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) result[keyword] = value;
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
