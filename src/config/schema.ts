/**
 * The zod schema of the YAML users write (snake_case keys). Every object is strict: an unknown key is a problem,
 * reported with the closest known key. Scalars go through the parsers in values.ts, which accept what environment
 * substitution produces (text) wherever a number or boolean is expected, and phrase their own messages.
 *
 * Rules that relate several fields (a channel's provider must exist, one primary per model, what each kind
 * requires) are not here: they live in semantic-checks.ts, which runs even when this schema finds problems, so
 * one pass reports everything.
 */

import { z } from 'zod';
import {
  azureApiStyles,
  bedrockApis,
  entraCredentialKinds,
  vertexApis,
  type BedrockApi,
  type VertexApi,
  providerKinds,
  type AzureApiStyle,
  type EntraCredentialKind,
  type LogLevel,
  type ModelType,
  type ProviderKind,
  type RoutePolicy,
} from './types.ts';
import { didYouMean } from './did-you-mean.ts';
import { describeType, quoteValue } from './problem.ts';
import {
  defaultListenHost,
  defaultListenPort,
  maximumConnections,
  parseBaseUrl,
  parseBoolean,
  parseCount,
  parseDuration,
  parseListen,
  parseSize,
  type Report,
} from './values.ts';

/** Every default, in one place (the reference config in the README lists the same). */
export const defaults = {
  listen: { host: defaultListenHost, port: defaultListenPort },
  maxBodyBytes: 4 * 1024 * 1024,
  requestTimeoutMs: 600_000,
  streamIdleTimeoutMs: 60_000,
  logLevel: 'info' as LogLevel,
  logRequests: true,
  openaiBaseUrl: 'https://api.openai.com/v1',
  connections: 256,
  providerTimeoutMs: 60_000,
  modelType: 'chat' as ModelType,
  route: 'ordered' as RoutePolicy,
  ownedBy: 'interchange',
  azureApi: 'v1' as AzureApiStyle,
  bedrockApi: 'converse' as BedrockApi,
  vertexApi: 'gemini' as VertexApi,
  azureApiVersion: '2024-10-21',
  entraScope: 'https://cognitiveservices.azure.com/.default',
} as const;

/** Kinds on the roadmap that this build cannot call; named so the message can say so. */
export const laterProviderKinds = [] as const;
export const routePolicies = ['ordered'] as const satisfies readonly RoutePolicy[];
export const laterRoutePolicies = ['primary-first', 'weighted', 'lowest-cost', 'lowest-latency', 'round-robin'] as const;
export const modelTypes = ['chat', 'embedding'] as const satisfies readonly ModelType[];
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const satisfies readonly LogLevel[];

/** Starts a message that stands for one problem per unknown key (see `decodeUnknownKeys`). */
const unknownKeysMarker = '\u0003unknown-keys:';

const normaliseKey = (key: string): string => key.toLowerCase().replace(/[-_]/g, '');

/**
 * A strict object whose unknown-key problem carries, per key, its own message with a suggestion. `hints` give a
 * better message than "did you mean" for keys people predictably put in the wrong place; they are keyed by the
 * key in lower case without `_` and `-` (`apikey` matches `api_key`, `apiKey` and `API-Key`).
 */
function strictObject<Shape extends z.ZodRawShape>(shape: Shape, hints: Readonly<Record<string, string>> = {}) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      const entries = issue.keys.map((key) => [key, `unknown field${hints[normaliseKey(key)] ?? didYouMean(key, known)}`]);
      return unknownKeysMarker + JSON.stringify(entries);
    },
  });
}

/** The per-key messages hidden in an unknown-keys issue, or `undefined` for any other message. */
export function decodeUnknownKeys(message: string): Array<[key: string, message: string]> | undefined {
  if (!message.startsWith(unknownKeysMarker)) return undefined;
  return JSON.parse(message.slice(unknownKeysMarker.length)) as Array<[string, string]>;
}

type Parse<T> = (input: unknown, report: Report) => T | undefined;

function runParser<T>(parse: Parse<T>, input: unknown, context: z.RefinementCtx): T {
  let failed = false;
  const value = parse(input, (message, path) => {
    failed = true;
    context.addIssue({ code: 'custom', message, path: path === undefined ? undefined : [...path] });
  });
  return failed || value === undefined ? z.NEVER : value;
}

/** An optional scalar: absent or empty (`key:` with nothing after it) gives `fallback`. */
function optionalLeaf<T>(parse: Parse<T>, fallback: T) {
  return z
    .unknown()
    .optional()
    .transform((input, context): T => (input === undefined || input === null ? fallback : runParser(parse, input, context)));
}

/** An optional scalar without a default. */
function maybeLeaf<T>(parse: Parse<T>) {
  return z
    .unknown()
    .optional()
    .transform((input, context): T | undefined => (input === undefined || input === null ? undefined : runParser(parse, input, context)));
}

/** A required scalar; `missing` explains what belongs there. */
function requiredLeaf<T>(parse: Parse<T>, missing: string) {
  return z
    .unknown()
    .optional()
    .transform((input, context): T => {
      if (input === undefined || input === null) {
        context.addIssue({ code: 'custom', message: `required field missing${missing}` });
        return z.NEVER;
      }
      return runParser(parse, input, context);
    });
}

/** A mapping section whose absence (or `key:` with nothing after it) means "all defaults". */
function section<T extends z.ZodType>(schema: T) {
  return z.preprocess((input) => input ?? {}, schema);
}

function parseText(input: unknown, report: Report): string | undefined {
  if (typeof input === 'string') {
    if (input.trim() === '') {
      report('must not be empty');
      return undefined;
    }
    return input;
  }
  const quoteHint = typeof input === 'number' || typeof input === 'boolean' ? ' (put it in quotes to make it text)' : '';
  report(`expected text, got ${describeType(input)}${quoteHint}`);
  return undefined;
}

/** An API key: text, surrounding whitespace removed (keys read from files often end in a newline). Never shown. */
function parseSecret(input: unknown, report: Report): string | undefined {
  if (typeof input === 'string') return input.trim();
  report(`expected text, got ${describeType(input)}`);
  return undefined;
}

function choice<T extends string>(
  what: string,
  available: readonly T[],
  later: readonly string[] = [],
): Parse<T> {
  const list = available.join(', ');
  return (input, report) => {
    if (typeof input !== 'string') {
      report(`expected one of ${list}, got ${describeType(input)}`);
      return undefined;
    }
    const value = input.trim();
    if ((available as readonly string[]).includes(value)) return value as T;
    if (later.includes(value)) {
      report(`${what} ${quoteValue(value)} is not available in this build (available: ${list})`);
      return undefined;
    }
    const hint = didYouMean(value, [...available, ...later]);
    report(`unknown ${what} ${quoteValue(value)}${hint === '' ? ` (available: ${list})` : hint}`);
    return undefined;
  };
}

const parseKind = choice<ProviderKind>('kind', providerKinds, laterProviderKinds);
const parseRoute = choice<RoutePolicy>('route', routePolicies, laterRoutePolicies);
const parseModelType = choice<ModelType>('type', modelTypes);
const parseLogLevel = choice<LogLevel>('level', logLevels);
const parseAzureApi = choice<AzureApiStyle>('api', azureApiStyles);
const parseBedrockApi = choice<BedrockApi>('api', bedrockApis);
const parseVertexApi = choice<VertexApi>('api', vertexApis);
const allApis = [...azureApiStyles, ...bedrockApis, ...vertexApis];
/** Any kind's API name; which one fits the provider's kind is a semantic check. */
const parseApi = (input: unknown, report: Report): AzureApiStyle | BedrockApi | VertexApi | undefined => {
  if (typeof input === 'string' && (bedrockApis as readonly string[]).includes(input.trim())) return parseBedrockApi(input, report);
  if (typeof input === 'string' && (vertexApis as readonly string[]).includes(input.trim())) return parseVertexApi(input, report);
  return choice<AzureApiStyle>('api', azureApiStyles, allApis.filter((api) => !(azureApiStyles as readonly string[]).includes(api)))(input, report);
};
const parseEntraCredential = choice<EntraCredentialKind>('credential', entraCredentialKinds);

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the gateway or the HTTP client owns; setting them per provider would corrupt requests. */
const managedHeaders = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
]);

/** Extra upstream headers: names are HTTP tokens, values text (numbers are accepted) without line breaks. */
function parseHeaders(input: unknown, report: Report): Readonly<Record<string, string>> | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    report(`expected a mapping of header names to values (e.g. { OpenAI-Organization: org-123 }), got ${describeType(input)}`);
    return undefined;
  }
  let failed = false;
  const fail: Report = (message, path) => {
    failed = true;
    report(message, path);
  };
  const headers: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(input)) {
    if (!headerName.test(name)) {
      fail(`invalid header name ${quoteValue(name)}; names are letters, digits and !#$%&'*+.^_\`|~-`, [name]);
      continue;
    }
    const lowerName = name.toLowerCase();
    if (managedHeaders.has(lowerName)) {
      fail(`header ${quoteValue(name)} is managed by the gateway and cannot be set here`, [name]);
      continue;
    }
    const earlier = seen.get(lowerName);
    if (earlier !== undefined) {
      fail(`header ${quoteValue(name)} repeats ${quoteValue(earlier)} (header names ignore case)`, [name]);
      continue;
    }
    seen.set(lowerName, name);
    let text: string;
    if (typeof value === 'string') text = value;
    else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
    else {
      fail(`expected a header value (text), got ${describeType(value)}`, [name]);
      continue;
    }
    if (/[\r\n\0]/.test(text)) {
      fail('must not contain line breaks or NUL characters', [name]);
      continue;
    }
    Object.defineProperty(headers, name, { value: text, enumerable: true, writable: true, configurable: true });
  }
  return failed ? undefined : headers;
}

const listenSchema = optionalLeaf(parseListen, defaults.listen);

const limitsSchema = section(
  strictObject({
    max_body_bytes: optionalLeaf(parseSize, defaults.maxBodyBytes),
    request_timeout: optionalLeaf(parseDuration, defaults.requestTimeoutMs),
    stream_idle_timeout: optionalLeaf(parseDuration, defaults.streamIdleTimeoutMs),
  }),
);

const loggingSchema = section(
  strictObject({
    level: optionalLeaf(parseLogLevel, defaults.logLevel),
    requests: optionalLeaf(parseBoolean, defaults.logRequests),
  }),
);

const entraSchema = strictObject({
  credential: requiredLeaf(parseEntraCredential, ` (one of ${entraCredentialKinds.join(', ')})`),
  tenant_id: maybeLeaf(parseText),
  client_id: maybeLeaf(parseText),
  client_secret: maybeLeaf(parseSecret),
  scope: maybeLeaf(parseText),
});

export interface AwsAuthDocument {
  readonly source: 'default-chain' | 'profile' | 'static';
  readonly profile?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
}

const awsFields = ['profile', 'access_key_id', 'secret_access_key', 'session_token'] as const;

/** `aws: default-chain`, `aws: { profile }` or `aws: { access_key_id, secret_access_key, session_token? }`. */
export type GoogleAuthDocument = { readonly source: 'application-default' } | { readonly source: 'service-account-file'; readonly file: string };

/** `google: application-default` or `google: { service_account_file: path }`. */
function parseGoogleAuth(input: unknown, report: Report): GoogleAuthDocument | undefined {
  if (typeof input === 'string') {
    if (input.trim() === 'application-default') return { source: 'application-default' };
    report(`expected "application-default" or { service_account_file: path }, got ${quoteValue(input)}`);
    return undefined;
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    report(`expected "application-default" or { service_account_file: path }, got ${describeType(input)}`);
    return undefined;
  }
  const fields = input as Record<string, unknown>;
  let failed = false;
  for (const key of Object.keys(fields)) {
    if (key !== 'service_account_file') {
      report(`unknown field${didYouMean(key, ['service_account_file'])}`, [key]);
      failed = true;
    }
  }
  const file = fields.service_account_file;
  if (failed) return undefined;
  if (typeof file !== 'string' || file.trim() === '') {
    report('required field missing: service_account_file (the path of a service-account key JSON file)');
    return undefined;
  }
  return { source: 'service-account-file', file: file.trim() };
}

function parseAwsAuth(input: unknown, report: Report): AwsAuthDocument | undefined {
  if (typeof input === 'string') {
    if (input.trim() === 'default-chain') return { source: 'default-chain' };
    report(`expected "default-chain", { profile }, or { access_key_id, secret_access_key, session_token }, got ${quoteValue(input)}`);
    return undefined;
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    report(`expected "default-chain", { profile }, or { access_key_id, secret_access_key, session_token }, got ${describeType(input)}`);
    return undefined;
  }
  const fields = input as Record<string, unknown>;
  let failed = false;
  for (const key of Object.keys(fields)) {
    if (!(awsFields as readonly string[]).includes(key)) {
      report(`unknown field${didYouMean(key, awsFields)}`, [key]);
      failed = true;
    }
  }
  const text = (key: (typeof awsFields)[number]): string | undefined => {
    const value = fields[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    report(`expected text, got ${describeType(value)}`, [key]);
    failed = true;
    return undefined;
  };
  const profile = text('profile');
  const accessKeyId = text('access_key_id');
  const secretAccessKey = text('secret_access_key');
  const sessionToken = text('session_token');
  if (failed) return undefined;
  if (profile !== undefined) {
    if (accessKeyId !== undefined || secretAccessKey !== undefined || sessionToken !== undefined) {
      report('give either a profile or access keys, not both');
      return undefined;
    }
    return { source: 'profile', profile };
  }
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    report(`required field missing: ${accessKeyId === undefined ? 'access_key_id' : 'secret_access_key'} (static credentials need both keys)`);
    return undefined;
  }
  return { source: 'static', accessKeyId, secretAccessKey, sessionToken };
}

const authSchema = strictObject(
  {
    api_key: maybeLeaf(parseSecret),
    entra: z.preprocess((input) => input ?? undefined, entraSchema.optional()),
    aws: maybeLeaf(parseAwsAuth),
    google: maybeLeaf(parseGoogleAuth),
  },
  { tenantid: '; Entra settings go under auth: { entra: { credential, tenant_id, … } }', clientid: '; Entra settings go under auth: { entra: { credential, client_id, … } }' },
);

export const providerSchema = strictObject(
  {
    kind: requiredLeaf(parseKind, ` (available kinds: ${providerKinds.join(', ')})`),
    base_url: maybeLeaf(parseBaseUrl),
    endpoint: maybeLeaf(parseBaseUrl),
    api: maybeLeaf(parseApi),
    api_version: maybeLeaf(parseText),
    project: maybeLeaf(parseText),
    location: maybeLeaf(parseText),
    auth: z.preprocess((input) => input ?? undefined, authSchema.optional()),
    headers: maybeLeaf(parseHeaders),
    region: maybeLeaf(parseText),
    connections: optionalLeaf((input, report) => parseCount(input, report, 1, maximumConnections), defaults.connections),
    timeout: optionalLeaf(parseDuration, defaults.providerTimeoutMs),
  },
  {
    apikey: '; the API key goes under auth: { api_key: … }',
    url: '; did you mean "base_url" (or "endpoint" for kind azure-openai)?',
  },
);

const laterChannelField = '; not available in this build (route "ordered" tries channels in the order listed)';
export const channelSchema = strictObject(
  {
    provider: requiredLeaf(parseText, ' (the name of a provider under providers:)'),
    model: maybeLeaf(parseText),
    deployment: maybeLeaf(parseText),
    primary: optionalLeaf(parseBoolean, false),
  },
  { weight: laterChannelField, capacity: laterChannelField, priority: laterChannelField },
);

export const modelSchema = strictObject({
  type: optionalLeaf(parseModelType, defaults.modelType),
  route: optionalLeaf(parseRoute, defaults.route),
  owned_by: optionalLeaf(parseText, defaults.ownedBy),
  channels: z.array(channelSchema, {
    error: (issue) =>
      issue.code === 'invalid_type' && (issue.input === undefined || issue.input === null)
        ? 'required field missing: a model needs at least one channel ({ provider, model })'
        : undefined,
  }).min(1, 'must list at least one channel'),
});

const mapping = <T extends z.ZodType>(values: T, what: string) =>
  z.preprocess(
    (input) => input ?? {},
    z.record(z.string(), values, {
      error: (issue) =>
        issue.code === 'invalid_type' ? `expected a mapping of ${what} names to their settings, got ${describeType(issue.input)}` : undefined,
    }),
  );

export const configSchema = strictObject(
  {
    listen: listenSchema,
    limits: limitsSchema,
    logging: loggingSchema,
    providers: mapping(providerSchema, 'provider'),
    models: mapping(modelSchema, 'model'),
  },
  {
    port: '; set the address with listen: "host:port"',
    host: '; set the address with listen: "host:port"',
    agreements: '; agreements are not available in this build',
  },
);

/** What the schema produces: snake_case, scalars parsed, defaults applied (the loader maps it to GatewayConfig). */
export type ConfigDocument = z.output<typeof configSchema>;
