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
  agreementKinds,
  azureApiStyles,
  bedrockApis,
  routePolicies,
  weekdays,
  type AgreementKind,
  type Weekday,
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
  parseDate,
  parseDuration,
  parseListen,
  parseNumber,
  parsePrice,
  parseShare,
  parseSize,
  parseTimeRange,
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
  zeroRetention: false,
  weight: 1,
  capability: true,
  exclusive: false,
  breaker: { failureRate: 0.5, minimumRequests: 10, windowMs: 30_000, openForMs: 30_000, halfOpenProbes: 2 },
  retries: { attempts: 1, baseDelayMs: 100, maxDelayMs: 2_000 },
  recentTraces: 1000,
} as const;

/** Kinds on the roadmap that this build cannot call; named so the message can say so. */
export const laterProviderKinds = [] as const;
export { routePolicies };
/** Routes on the roadmap that this build cannot follow (none left: every route is available). */
export const laterRoutePolicies: readonly string[] = [];
/** Agreement kinds on the roadmap that this build cannot apply yet. */
export const laterAgreementKinds = ['revenue-share', 'commitment'] as const;
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
function strictObject<Shape extends z.ZodRawShape>(shape: Shape, hints: Readonly<Record<string, string>> = {}, missing?: string) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      // `missing` explains what belongs there when the object is required and absent.
      if (missing !== undefined && issue.code === 'invalid_type' && (issue.input === undefined || issue.input === null)) return `required field missing${missing}`;
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
const parseAgreementKind = choice<AgreementKind>('kind', agreementKinds, laterAgreementKinds);

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

/** A request header name (an HTTP token), returned in lower case as Node presents incoming headers. */
function parseHeaderName(input: unknown, report: Report): string | undefined {
  const text = parseText(input, report);
  if (text === undefined) return undefined;
  const name = text.trim();
  if (!headerName.test(name)) {
    report(`invalid header name ${quoteValue(text)}; names are letters, digits and !#$%&'*+.^_\`|~-`);
    return undefined;
  }
  return name.toLowerCase();
}

/**
 * A non-empty list whose items `parseItem` checks one by one (every item is checked, even after a problem); an item
 * equal to an earlier one (by `identity`) is a problem too.
 */
function listOf<T>(what: string, example: string, parseItem: Parse<T>, identity: (item: T) => string): Parse<readonly T[]> {
  return (input, report) => {
    if (!Array.isArray(input)) {
      report(`expected a list of ${what} names (e.g. [${example}]), got ${describeType(input)}`);
      return undefined;
    }
    if (input.length === 0) {
      report(`must list at least one ${what}`);
      return undefined;
    }
    let failed = false;
    const items: T[] = [];
    const seen = new Map<string, number>();
    input.forEach((element: unknown, index) => {
      const item = parseItem(element, (message) => {
        failed = true;
        report(message, [index]);
      });
      if (item === undefined) return;
      const key = identity(item);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        failed = true;
        report(`${quoteValue(key)} is listed twice (also at [${earlier}])`, [index]);
        return;
      }
      seen.set(key, index);
      items.push(item);
    });
    return failed ? undefined : items;
  };
}

const trimmedText: Parse<string> = (input, report) => parseText(input, report)?.trim();

/** A list of distinct, non-empty names (`[gpt-4o, gpt-4.1]`); `what` names one item in messages. */
const nameList = (what: string, example: string) => listOf(what, example, trimmedText, (name) => name);

/** Day names in week order for messages (Monday first). */
const weekOrder: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const fullDayNames: Readonly<Record<string, Weekday>> = Object.fromEntries(
  ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map((name, index) => [name, weekdays[index]]),
);

/** A three-letter day name, any case: `sat`, `Sun`. */
function parseDay(input: unknown, report: Report): Weekday | undefined {
  const name = trimmedText(input, report);
  if (name === undefined) return undefined;
  const day = name.toLowerCase();
  if ((weekdays as readonly string[]).includes(day)) return day as Weekday;
  const abbreviation = fullDayNames[day];
  const hint = abbreviation !== undefined ? `; did you mean ${JSON.stringify(abbreviation)}?` : didYouMean(day, weekOrder);
  report(`unknown day ${quoteValue(name)}${hint === '' ? ` (days: ${weekOrder.join(', ')})` : hint}`);
  return undefined;
}

/** `[sat, sun]`. */
const parseDays = listOf('day', 'sat, sun', parseDay, (day) => day);

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
    data_policy: z.preprocess(
      (input) => input ?? undefined,
      strictObject({ zero_retention: optionalLeaf(parseBoolean, defaults.zeroRetention) }, { zerodataretention: '; did you mean "zero_retention"?' }).optional(),
    ),
  },
  {
    apikey: '; the API key goes under auth: { api_key: … }',
    url: '; did you mean "base_url" (or "endpoint" for kind azure-openai)?',
  },
);

const positiveCount = (input: unknown, report: Report) => parseCount(input, report, 1, Number.MAX_SAFE_INTEGER);
const tokenCount = (input: unknown, report: Report) => parseCount(input, report, 0, Number.MAX_SAFE_INTEGER);

/** `capacity: { tpm, rpm }`; that at least one is given is a semantic check. */
const capacitySchema = strictObject(
  { tpm: maybeLeaf(positiveCount), rpm: maybeLeaf(positiveCount) },
  { tokensperminute: '; did you mean "tpm"?', requestsperminute: '; did you mean "rpm"?' },
);

/** `price: { input, cached_input, output }` in US dollars per million tokens, as micro-dollars. */
const priceSchema = strictObject(
  {
    input: requiredLeaf(parsePrice, ' (US dollars per million input tokens, e.g. 2.50)'),
    cached_input: maybeLeaf(parsePrice),
    output: maybeLeaf(parsePrice),
  },
  { cached: '; did you mean "cached_input"?', cachedinputtokens: '; did you mean "cached_input"?', currency: '; prices are in US dollars' },
);

const capabilitiesSchema = strictObject(
  {
    vision: optionalLeaf(parseBoolean, defaults.capability),
    tools: optionalLeaf(parseBoolean, defaults.capability),
    json_schema: optionalLeaf(parseBoolean, defaults.capability),
    streaming: optionalLeaf(parseBoolean, defaults.capability),
    context_window: maybeLeaf(positiveCount),
  },
  {
    images: '; did you mean "vision"?',
    functions: '; did you mean "tools"?',
    functioncalling: '; did you mean "tools"?',
    structuredoutputs: '; did you mean "json_schema"?',
    jsonmode: '; did you mean "json_schema"?',
    contextlength: '; did you mean "context_window"?',
    maxcontext: '; did you mean "context_window"?',
  },
);

const optionalObject = <T extends z.ZodType>(schema: T) => z.preprocess((input) => input ?? undefined, schema.optional());

export const channelSchema = strictObject(
  {
    provider: requiredLeaf(parseText, ' (the name of a provider under providers:)'),
    model: maybeLeaf(parseText),
    deployment: maybeLeaf(parseText),
    primary: optionalLeaf(parseBoolean, false),
    weight: optionalLeaf((input, report) => parseNumber(input, report, { above: 0, atMost: 1_000_000 }), defaults.weight),
    capacity: optionalObject(capacitySchema),
    price: optionalObject(priceSchema),
    capabilities: section(capabilitiesSchema),
  },
  { priority: '; not available in this build (route "ordered" tries channels in the order listed)' },
);

const stickySchema = strictObject({
  header: requiredLeaf(parseHeaderName, ' (the request header whose value keeps requests on one channel, e.g. x-session-id)'),
});

export const modelSchema = strictObject({
  type: optionalLeaf(parseModelType, defaults.modelType),
  route: optionalLeaf(parseRoute, defaults.route),
  owned_by: optionalLeaf(parseText, defaults.ownedBy),
  sticky: optionalObject(stickySchema),
  first_token_timeout: maybeLeaf(parseDuration),
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

const list = <T extends z.ZodType>(items: T, what: string, example: string) =>
  z.preprocess(
    (input) => input ?? [],
    z.array(items, {
      error: (issue) => (issue.code === 'invalid_type' ? `expected a list of ${what} (${example}), got ${describeType(issue.input)}` : undefined),
    }),
  );

const routingSchema = section(
  strictObject(
    {
      breaker: section(
        strictObject({
          failure_rate: optionalLeaf(parseShare, defaults.breaker.failureRate),
          minimum_requests: optionalLeaf((input, report) => parseCount(input, report, 1, 1_000_000), defaults.breaker.minimumRequests),
          window: optionalLeaf(parseDuration, defaults.breaker.windowMs),
          open_for: optionalLeaf(parseDuration, defaults.breaker.openForMs),
          half_open_probes: optionalLeaf((input, report) => parseCount(input, report, 1, 1000), defaults.breaker.halfOpenProbes),
        }),
      ),
      retries: section(
        strictObject(
          {
            attempts: optionalLeaf((input, report) => parseCount(input, report, 0, 10), defaults.retries.attempts),
            base_delay: optionalLeaf(parseDuration, defaults.retries.baseDelayMs),
            max_delay: optionalLeaf(parseDuration, defaults.retries.maxDelayMs),
          },
          { retries: '; did you mean "attempts"?', maxattempts: '; did you mean "attempts" (extra attempts per channel)?' },
        ),
      ),
      recent_traces: optionalLeaf((input, report) => parseCount(input, report, 0, 100_000), defaults.recentTraces),
    },
    { traces: '; did you mean "recent_traces"?' },
  ),
);

/** `{ provider, model }`; `missing` explains what belongs there when the selector is required. */
const channelSelectorSchema = (missing?: string) =>
  strictObject(
    {
      provider: requiredLeaf(parseText, ' (the name of a provider under providers:)'),
      model: maybeLeaf(parseText),
    },
    { deployment: '; write the upstream model or deployment name under model' },
    missing,
  );

/** What an agreement of a kind this build cannot apply yet is reduced to: its kind, which says so. */
function onlyKindOfLaterAgreement(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const kind = (input as Record<string, unknown>).kind;
  return typeof kind === 'string' && (laterAgreementKinds as readonly string[]).includes(kind.trim()) ? { kind } : input;
}

/**
 * A licence. `name`, `party` and `channels` are required, but that is a semantic check: an agreement of a kind this
 * build cannot apply yet reports only its kind, not the fields a licence would need.
 */
const agreementSchema = z.preprocess(
  onlyKindOfLaterAgreement,
  strictObject(
    {
      name: maybeLeaf(trimmedText),
      kind: requiredLeaf(parseAgreementKind, ` (available kinds: ${agreementKinds.join(', ')})`),
      party: maybeLeaf(trimmedText),
      channels: optionalObject(channelSelectorSchema()),
      models: maybeLeaf(nameList('model', 'gpt-4o')),
      from: maybeLeaf(parseDate),
      until: maybeLeaf(parseDate),
      exclusive: optionalLeaf(parseBoolean, defaults.exclusive),
    },
    {
      appliesto: '; a licence names its channels under channels: { provider, model } and its models under models: [...]',
      to: '; did you mean "until"?',
      start: '; did you mean "from"?',
      end: '; did you mean "until"?',
    },
  ),
);

const declineConditionsSchema = strictObject(
  {
    hours: maybeLeaf(parseTimeRange),
    days: maybeLeaf(parseDays),
    models: maybeLeaf(nameList('model', 'gpt-4o')),
    tenants: maybeLeaf(nameList('tenant', 'batch-team')),
    min_prompt_tokens: maybeLeaf(tokenCount),
    max_prompt_tokens: maybeLeaf(tokenCount),
  },
  {},
  ': the conditions under which the channel declines (hours, days, models, tenants, min_prompt_tokens, max_prompt_tokens)',
);

const declineRuleSchema = strictObject(
  {
    name: requiredLeaf(trimmedText, ' (a name for the rule, shown in route traces)'),
    channel: channelSelectorSchema(': the channel that declines, { provider, model }'),
    when: declineConditionsSchema,
  },
  { channels: '; did you mean "channel"? (a decline rule names one provider, optionally one model)' },
);

export const configSchema = strictObject(
  {
    listen: listenSchema,
    limits: limitsSchema,
    logging: loggingSchema,
    routing: routingSchema,
    providers: mapping(providerSchema, 'provider'),
    models: mapping(modelSchema, 'model'),
    agreements: list(agreementSchema, 'agreements', '- { name, kind, party, channels, … }'),
    decline_rules: list(declineRuleSchema, 'decline rules', '- { name, channel, when }'),
  },
  {
    port: '; set the address with listen: "host:port"',
    host: '; set the address with listen: "host:port"',
  },
);

/** What the schema produces: snake_case, scalars parsed, defaults applied (the loader maps it to GatewayConfig). */
export type ConfigDocument = z.output<typeof configSchema>;
