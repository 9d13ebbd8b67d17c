/**
 * A small proto3-JSON reader for the Vertex AI request messages, behaving like Google's front end: field names in
 * lowerCamelCase or their proto snake_case form, `null` meaning "unset", integers as numbers or decimal strings,
 * enums by name (any case) or number, bytes as base64. It returns a copy keyed by the camelCase names and collects
 * the violations in Google's words:
 *
 *   Invalid JSON payload received. Unknown name "foo" at 'generation_config': Cannot find field.
 *   Invalid JSON payload received. Unknown name "parts" at 'contents[0]': Proto field is not repeating, cannot start list.
 *   Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32), "many"
 *   Invalid value at 'tools[0].function_declarations[0].parameters.properties[0].value' (type.googleapis.com/google.cloud.aiplatform.v1.Schema), "object"
 *
 * Paths use proto names, list indices, and `[i].value` for the i-th entry of a map. Imports nothing from the project.
 */

export type ScalarKind = 'string' | 'bool' | 'int32' | 'int64' | 'float' | 'double' | 'bytes' | 'value' | 'struct';

export type Kind =
  | ScalarKind
  | { readonly enumName: string; readonly values: readonly string[] }
  | { readonly message: string }
  | { readonly map: Kind };

export interface FieldSpec {
  /** lowerCamelCase JSON name. */
  readonly json: string;
  /** snake_case proto name (used in error paths). */
  readonly proto: string;
  readonly kind: Kind;
  readonly repeated: boolean;
}

export interface MessageSpec {
  readonly name: string;
  /** Keyed by both the JSON and the proto name. */
  readonly fields: ReadonlyMap<string, FieldSpec>;
}

export interface Violation {
  /** The proto path of the offending field; undefined at the root. */
  readonly field: string | undefined;
  readonly description: string;
}

export function snakeCase(name: string): string {
  let result = '';
  for (let index = 0; index < name.length; index++) {
    const code = name.charCodeAt(index);
    if (code >= 65 && code <= 90) result += '_' + String.fromCharCode(code + 32);
    else result += name[index];
  }
  return result;
}

/**
 * A registry of message types. Field specs are written `name: 'kind'` where kind is a scalar, `Message`,
 * `enum:Name`, `map:kind`, with a trailing `[]` for repeated fields.
 */
export class MessageRegistry {
  readonly #messages = new Map<string, MessageSpec>();
  readonly #enums = new Map<string, readonly string[]>();

  enumType(name: string, values: readonly string[]): void {
    this.#enums.set(name, values);
  }

  message(name: string, fields: Record<string, string>): void {
    const map = new Map<string, FieldSpec>();
    for (const [json, text] of Object.entries(fields)) {
      const repeated = text.endsWith('[]');
      const spec: FieldSpec = { json, proto: snakeCase(json), kind: this.#kind(repeated ? text.slice(0, -2) : text), repeated };
      map.set(json, spec);
      map.set(spec.proto, spec);
    }
    this.#messages.set(name, { name, fields: map });
  }

  #kind(text: string): Kind {
    if (text.startsWith('map:')) return { map: this.#kind(text.slice(4)) };
    if (text.startsWith('enum:')) {
      const enumName = text.slice(5);
      const values = this.#enums.get(enumName);
      if (values === undefined) throw new Error(`proto-json: unknown enum ${enumName}`);
      return { enumName, values };
    }
    switch (text) {
      case 'string':
      case 'bool':
      case 'int32':
      case 'int64':
      case 'float':
      case 'double':
      case 'bytes':
      case 'value':
      case 'struct':
        return text;
      default:
        return { message: text };
    }
  }

  get(name: string): MessageSpec {
    const spec = this.#messages.get(name);
    if (spec === undefined) throw new Error(`proto-json: unknown message ${name}`);
    return spec;
  }
}

const SCALAR_TYPE_NAMES: Record<string, string> = {
  string: 'TYPE_STRING',
  bool: 'TYPE_BOOL',
  int32: 'TYPE_INT32',
  int64: 'TYPE_INT64',
  float: 'TYPE_FLOAT',
  double: 'TYPE_DOUBLE',
  bytes: 'TYPE_BYTES',
  struct: 'type.googleapis.com/google.protobuf.Struct',
  value: 'type.googleapis.com/google.protobuf.Value',
};

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function render(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 100 ? text.slice(0, 100) + '…' : text;
}

function child(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

const BASE64_CODES = (() => {
  const table = new Uint8Array(128);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_';
  for (let index = 0; index < alphabet.length; index++) table[alphabet.charCodeAt(index)] = 1;
  return table;
})();

/** Standard or URL-safe base64, padding optional (as proto3 JSON accepts). */
export function isBase64(text: string): boolean {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--;
  if (text.length - end > 2) return false;
  for (let index = 0; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code >= 128 || BASE64_CODES[code] === 0) return false;
  }
  return end % 4 !== 1;
}

export class ProtoReader {
  readonly #registry: MessageRegistry;
  /** `google.cloud.aiplatform.v1beta1` etc., for type names in messages. */
  readonly #package: string;
  readonly violations: Violation[] = [];

  constructor(registry: MessageRegistry, protoPackage: string) {
    this.#registry = registry;
    this.#package = protoPackage;
  }

  /** Reads `value` as message `name`; the result is keyed by JSON names (unknown and null members dropped). */
  readRoot(value: unknown, name: string): Json {
    if (!isObject(value)) {
      this.violations.push({ field: undefined, description: 'Invalid JSON payload received. Root element must be a message.' });
      return {};
    }
    return this.#message(value, this.#registry.get(name), '');
  }

  #typeName(kind: Kind): string {
    if (typeof kind === 'string') return SCALAR_TYPE_NAMES[kind];
    if ('message' in kind) return `type.googleapis.com/${this.#package}.${kind.message}`;
    if ('enumName' in kind) return `type.googleapis.com/${this.#package}.${kind.enumName}`;
    return 'TYPE_MESSAGE';
  }

  #invalid(path: string, kind: Kind, value: unknown): undefined {
    this.violations.push({ field: path, description: `Invalid value at '${path}' (${this.#typeName(kind)}), ${render(value)}` });
    return undefined;
  }

  #message(value: Json, spec: MessageSpec, path: string): Json {
    const result: Json = {};
    for (const key in value) {
      const field = spec.fields.get(key);
      if (field === undefined) {
        this.violations.push({
          field: path === '' ? undefined : path,
          description: `Invalid JSON payload received. Unknown name ${JSON.stringify(key)}${path === '' ? '' : ` at '${path}'`}: Cannot find field.`,
        });
        continue;
      }
      const member = value[key];
      if (member === null || member === undefined) continue;
      const fieldPath = child(path, field.proto);
      if (field.repeated) {
        if (!Array.isArray(member)) {
          this.#invalid(fieldPath, field.kind, member);
          continue;
        }
        const list: unknown[] = [];
        for (let index = 0; index < member.length; index++) {
          const item = member[index];
          if (item === null) continue;
          const read = this.#value(item, field.kind, `${fieldPath}[${index}]`);
          if (read !== undefined) list.push(read);
        }
        result[field.json] = list;
        continue;
      }
      if (Array.isArray(member) && field.kind !== 'value') {
        this.violations.push({
          field: path === '' ? undefined : path,
          description: `Invalid JSON payload received. Unknown name ${JSON.stringify(key)}${path === '' ? '' : ` at '${path}'`}: Proto field is not repeating, cannot start list.`,
        });
        continue;
      }
      const read = this.#value(member, field.kind, fieldPath);
      if (read !== undefined) result[field.json] = read;
    }
    return result;
  }

  #value(value: unknown, kind: Kind, path: string): unknown {
    if (typeof kind === 'string') {
      switch (kind) {
        case 'value':
          return value;
        case 'struct':
          return isObject(value) ? value : this.#invalid(path, kind, value);
        case 'string':
          return typeof value === 'string' ? value : this.#invalid(path, kind, value);
        case 'bool':
          return typeof value === 'boolean' ? value : this.#invalid(path, kind, value);
        case 'bytes':
          if (typeof value !== 'string') return this.#invalid(path, kind, value);
          if (!isBase64(value)) {
            this.violations.push({
              field: path,
              description: `Invalid value at '${path}' (TYPE_BYTES), Base64 decoding failed for ${render(value)}`,
            });
            return undefined;
          }
          return value;
        case 'int32':
        case 'int64': {
          const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
          if (typeof number !== 'number' || !Number.isInteger(number)) return this.#invalid(path, kind, value);
          if (kind === 'int32' && (number > 2147483647 || number < -2147483648)) return this.#invalid(path, kind, value);
          return number;
        }
        case 'float':
        case 'double': {
          const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
          if (typeof number !== 'number' || Number.isNaN(number)) return this.#invalid(path, kind, value);
          return number;
        }
      }
    }
    if ('enumName' in kind) {
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < kind.values.length) {
        return kind.values[value];
      }
      if (typeof value === 'string') {
        const upper = value.toUpperCase();
        if (kind.values.includes(upper)) return upper;
      }
      return this.#invalid(path, kind, value);
    }
    if ('message' in kind) {
      if (!isObject(value)) return this.#invalid(path, kind, value);
      return this.#message(value, this.#registry.get(kind.message), path);
    }
    if (!isObject(value)) return this.#invalid(path, kind, value);
    const result: Json = {};
    let index = 0;
    for (const key in value) {
      const entry = value[key];
      const entryPath = `${path}[${index++}].value`;
      if (entry === null) continue;
      const read = this.#value(entry, kind.map, entryPath);
      if (read !== undefined) result[key] = read;
    }
    return result;
  }
}
