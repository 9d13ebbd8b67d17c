/**
 * The zod schema of the YAML users write (snake_case keys). Every object is strict: an unknown key is a problem,
 * reported with the closest known key. Scalars go through the parsers in config-schema/values.ts, which accept what
 * environment substitution produces (text) wherever a number or boolean is expected, and phrase their own messages.
 * A provider entry's kind-specific fields come from the provider catalog (each kind's `settings.ts`).
 *
 * Rules that relate several fields (a channel's provider must exist, one primary per model, what each kind
 * requires) are not here: they live in semantic-checks.ts and in each kind's `check`, which run even when this schema
 * finds problems, so one pass reports everything.
 */

import { z } from 'zod';
import {
  agreementKinds,
  routePolicies,
  weekdays,
  type AgreementKind,
  type ClientAuth,
  type StoreKind,
  type Weekday,
  type LogLevel,
  type ModelType,
  type ProviderKind,
  type RevenueShareAgreement,
  type RoutePolicy,
} from './types.ts';
import { didYouMean } from '../config-schema/did-you-mean.ts';
import { hostAllowProblem } from '../config-schema/host-allow-list.ts';
import {
  choice,
  maybeLeaf,
  oneOrList,
  optionalLeaf,
  optionalObject,
  parseSecret,
  parseText,
  requiredLeaf,
  section,
  strictObject,
  trimmedText,
  type Parse,
} from '../config-schema/fields.ts';
import { describeType, quoteValue } from '../config-schema/problem.ts';
import {
  defaultListenHost,
  defaultListenPort,
  maximumConnections,
  parseAmount,
  parseBoolean,
  parseCount,
  parseCurrency,
  parseDate,
  parseDuration,
  parseListen,
  parseNumber,
  parsePercent,
  parsePrice,
  parseShare,
  parseSize,
  parseTimeRange,
  type Report,
} from '../config-schema/values.ts';
import { providerCatalog, providerKinds } from '../providers/catalog.ts';

export { decodeUnknownKeys } from '../config-schema/fields.ts';

/** Every default outside the provider kinds' own settings, in one place (docs/configuration.md lists the same). */
export const defaults = {
  listen: { host: defaultListenHost, port: defaultListenPort },
  maxBodyBytes: 4 * 1024 * 1024,
  requestTimeoutMs: 600_000,
  streamIdleTimeoutMs: 60_000,
  logLevel: 'info' as LogLevel,
  logRequests: true,
  connections: 256,
  /** Calls that may wait for a busy upstream pool's connection, and for how long; past that, 503 upstream_saturated. */
  upstreamQueue: { max: 256, timeoutMs: 1_000 },
  providerTimeoutMs: 60_000,
  modelType: 'chat' as ModelType,
  route: 'ordered' as RoutePolicy,
  ownedBy: 'interchange',
  zeroRetention: false,
  weight: 1,
  capability: true,
  exclusive: false,
  /** A revenue share's basis: what tenants were charged. */
  basis: 'revenue' as RevenueShareBasis,
  metering: { currency: 'USD', ledger: true, markupBasisPoints: 0 },
  breaker: { failureRate: 0.5, minimumRequests: 10, windowMs: 30_000, openForMs: 30_000, halfOpenProbes: 2 },
  retries: { attempts: 1, baseDelayMs: 100, maxDelayMs: 2_000 },
  recentTraces: 1000,
  storePath: './data/interchange.db',
  /** How long a stored response (the Responses API) is kept: 30 days, as OpenAI keeps them. */
  responseRetentionMs: 30 * 86_400_000,
  clientAuth: 'keys' as ClientAuth,
  server: {
    headersTimeoutMs: 20_000,
    // 100 MiB at about 2.8 Mbit/s.
    bodyTimeoutMs: 300_000,
    maxHeaderBytes: 16 * 1024,
    maxHeaders: 100,
    lingerTimeoutMs: 10_000,
    lingerMaxBytes: 128 * 1024 * 1024,
    shutdownDelayMs: 5_000,
    drainTimeoutMs: 10_000,
    // Linux caps it at net.core.somaxconn.
    backlog: 4096,
  },
} as const;

/** Kinds on the roadmap that this build cannot call; named so the message can say so. */
export const laterProviderKinds = [] as const;
export { routePolicies };
/** Routes on the roadmap that this build cannot follow (none left: every route is available). */
export const laterRoutePolicies: readonly string[] = [];
/** Agreement kinds on the roadmap that this build cannot apply yet (none left). */
export const laterAgreementKinds: readonly string[] = [];
export const modelTypes = ['chat', 'embedding'] as const satisfies readonly ModelType[];
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const satisfies readonly LogLevel[];

const parseKind = choice<ProviderKind>('kind', providerKinds, laterProviderKinds);
const parseRoute = choice<RoutePolicy>('route', routePolicies, laterRoutePolicies);
const parseModelType = choice<ModelType>('type', modelTypes);
const parseLogLevel = choice<LogLevel>('level', logLevels);
const parseAgreementKind = choice<AgreementKind>('kind', agreementKinds, laterAgreementKinds);
type RevenueShareBasis = RevenueShareAgreement['basis'];
const parseBasis = choice<RevenueShareBasis>('basis', ['revenue', 'cost']);

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

/** An `image_fetch_allow` entry: a host name, an address or a network. */
function parseAllowedHost(input: unknown, report: Report): string | undefined {
  const text = parseText(input, report);
  if (text === undefined) return undefined;
  const problem = hostAllowProblem(text);
  if (problem !== undefined) report(problem);
  return problem === undefined ? text : undefined;
}

/** `[sat, sun]`. */
const parseDays = listOf('day', 'sat, sun', parseDay, (day) => day);

const listenSchema = optionalLeaf(parseListen, defaults.listen);

const limitsSchema = section(
  strictObject({
    max_body_bytes: optionalLeaf(parseSize, defaults.maxBodyBytes),
    request_timeout: optionalLeaf(parseDuration, defaults.requestTimeoutMs),
    stream_idle_timeout: optionalLeaf(parseDuration, defaults.streamIdleTimeoutMs),
    max_streams: maybeLeaf((input, report) => parseCount(input, report, 1, Number.MAX_SAFE_INTEGER)),
  }),
);

const parseStoreKind = choice<StoreKind>('kind', ['sqlite', 'memory']);
const parseClientAuth = choice<ClientAuth>('clients', ['keys', 'none']);

/** The embedded store: one SQLite file (created on first start), or memory (nothing survives a restart). */
const storeSchema = section(
  strictObject({
    kind: optionalLeaf(parseStoreKind, 'sqlite' as StoreKind),
    path: optionalLeaf(trimmedText, defaults.storePath),
  }),
);

/** Who may call the data plane: `clients: keys` (virtual keys, the default) or `none`. */
const clientAuthSchema = section(
  strictObject(
    {
      clients: optionalLeaf(parseClientAuth, defaults.clientAuth),
      allow_public_without_keys: optionalLeaf(parseBoolean, false),
    },
    { mode: '; did you mean "clients"? (keys or none)' },
  ),
);

/** Admin tokens by name (the name is what the audit log records). */
function parseAdminTokens(input: unknown, report: Report): Readonly<Record<string, string>> | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    report(`expected a mapping of token names to tokens (e.g. { ops: \${INTERCHANGE_ADMIN_TOKEN} }), got ${describeType(input)}`);
    return undefined;
  }
  const tokens: Record<string, string> = {};
  let failed = false;
  for (const [name, value] of Object.entries(input)) {
    const token = parseSecret(value, (message) => report(message, [name]));
    if (token === undefined) {
      failed = true;
      continue;
    }
    if (token.length < 16) {
      report('an admin token must be at least 16 characters', [name]);
      failed = true;
      continue;
    }
    Object.defineProperty(tokens, name, { value: token, enumerable: true, writable: true, configurable: true });
  }
  return failed ? undefined : tokens;
}

/** A retention: days (`30d`, 1 to 3650) or a duration (`12h`); at least a minute. */
function parseRetention(input: unknown, report: Report): number | undefined {
  const days = typeof input === 'string' ? /^\s*(\d{1,4})d\s*$/.exec(input) : null;
  const retention = days !== null ? Number(days[1]) * 86_400_000 : parseDuration(input, report);
  if (retention === undefined) return undefined;
  if (retention < 60_000 || retention > 3650 * 86_400_000) {
    report('must be from 1m to 3650d');
    return undefined;
  }
  return retention;
}

/** The Responses API: how long stored responses (`store: true`, the default) are kept for `previous_response_id`. */
const responsesSchema = section(
  strictObject({
    retention: optionalLeaf(parseRetention, defaults.responseRetentionMs),
  }),
);

const adminSchema = section(
  strictObject({
    tokens: optionalLeaf(parseAdminTokens, {}),
  }),
);

/** A duration that may be zero (`0`, `0s`): none at all. */
function parseDelay(input: unknown, report: Report): number | undefined {
  if (input === 0 || (typeof input === 'string' && /^0+(?:\.0+)?\s*(?:ms|s|m|h)?$/i.test(input.trim()))) return 0;
  return parseDuration(input, report);
}

const serverSchema = section(
  strictObject(
    {
      headers_timeout: optionalLeaf(parseDuration, defaults.server.headersTimeoutMs),
      body_timeout: optionalLeaf(parseDuration, defaults.server.bodyTimeoutMs),
      max_header_bytes: optionalLeaf((input, report) => parseSize(input, report, 1024 * 1024), defaults.server.maxHeaderBytes),
      max_headers: optionalLeaf((input, report) => parseCount(input, report, 1, 10_000), defaults.server.maxHeaders),
      linger_timeout: optionalLeaf(parseDuration, defaults.server.lingerTimeoutMs),
      linger_max_bytes: optionalLeaf(parseSize, defaults.server.lingerMaxBytes),
      shutdown_delay: optionalLeaf(parseDelay, defaults.server.shutdownDelayMs),
      drain_timeout: optionalLeaf(parseDuration, defaults.server.drainTimeoutMs),
      max_connections: maybeLeaf((input, report) => parseCount(input, report, 1, Number.MAX_SAFE_INTEGER)),
      backlog: optionalLeaf((input, report) => parseCount(input, report, 1, 65_535), defaults.server.backlog),
    },
    {
      requesttimeout: '; did you mean "body_timeout"? (limits.request_timeout is the deadline once the body is read)',
      maxbodybytes: '; the body limit is limits.max_body_bytes',
    },
  ),
);

const loggingSchema = section(
  strictObject({
    level: optionalLeaf(parseLogLevel, defaults.logLevel),
    requests: optionalLeaf(parseBoolean, defaults.logRequests),
  }),
);

/**
 * The fields of every provider kind in the catalog, each parsed whatever the entry's kind (so one pass reports every
 * malformed value); a field several kinds read is parsed by the first kind's parser. Which fields a kind may and must
 * have is a cross-field check (semantic-checks.ts).
 */
function kindFields(shapes: readonly z.ZodRawShape[]): z.ZodRawShape {
  const fields: Record<string, z.ZodType> = {};
  for (const shape of shapes) for (const [key, schema] of Object.entries(shape)) fields[key] ??= schema as z.ZodType;
  return fields;
}

/** Kinds that speak several APIs, and the APIs of all of them. */
const kindsWithApis = providerCatalog.filter((definition) => definition.apis.length > 0);
const allApis = kindsWithApis.flatMap((definition) => definition.apis);
const firstApis = kindsWithApis[0]?.apis ?? [];

/**
 * Any kind's API name; which one fits the provider's kind is a semantic check. An unknown name is reported against
 * the first such kind's APIs (with a suggestion among every kind's).
 */
const parseApi = (input: unknown, report: Report): string | undefined => {
  if (typeof input === 'string' && allApis.includes(input.trim())) return input.trim();
  return choice('api', firstApis, allApis.filter((api) => !firstApis.includes(api)))(input, report);
};

const authSchema = strictObject(
  {
    api_key: maybeLeaf(parseSecret),
    ...kindFields(providerCatalog.map((definition) => definition.authFields)),
  },
  { tenantid: '; Entra settings go under auth: { entra: { credential, tenant_id, … } }', clientid: '; Entra settings go under auth: { entra: { credential, client_id, … } }' },
);

export const providerSchema = strictObject(
  {
    kind: requiredLeaf(parseKind, ` (available kinds: ${providerKinds.join(', ')})`),
    ...kindFields(providerCatalog.map((definition) => definition.fields)),
    api: maybeLeaf(parseApi),
    auth: optionalObject(authSchema),
    headers: maybeLeaf(parseHeaders),
    region: maybeLeaf(parseText),
    connections: optionalLeaf((input, report) => parseCount(input, report, 1, maximumConnections), defaults.connections),
    timeout: optionalLeaf(parseDuration, defaults.providerTimeoutMs),
    max_queue: optionalLeaf((input, report) => parseCount(input, report, 0, 1_000_000), defaults.upstreamQueue.max),
    queue_timeout: optionalLeaf(parseDelay, defaults.upstreamQueue.timeoutMs),
    image_fetch_allow: maybeLeaf(listOf('host', 'images.internal.example, 10.20.0.0/16', parseAllowedHost, (host) => host.toLowerCase())),
    data_policy: optionalObject(
      strictObject({ zero_retention: optionalLeaf(parseBoolean, defaults.zeroRetention) }, { zerodataretention: '; did you mean "zero_retention"?' }),
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

/**
 * One price: `{ input, cached_input, cache_write, output, reasoning, from }` in units of `metering.currency` per million
 * tokens, as micro-units. That the output price is there for a chat model, and the order of a list's `from`, are
 * semantic checks.
 */
const priceSchema = strictObject(
  {
    input: requiredLeaf(parsePrice, ' (the price per million input tokens, e.g. 2.50)'),
    cached_input: maybeLeaf(parsePrice),
    cache_write: maybeLeaf(parsePrice),
    output: maybeLeaf(parsePrice),
    reasoning: maybeLeaf(parsePrice),
    from: maybeLeaf(parseDate),
  },
  {
    cached: '; did you mean "cached_input"?',
    cachedinputtokens: '; did you mean "cached_input"?',
    cachecreation: '; did you mean "cache_write"?',
    cachewriteinput: '; did you mean "cache_write"?',
    currency: '; prices are in metering.currency (one currency for the whole configuration)',
    until: '; a price is in force until the next entry\'s from (write a list of prices, each with its from)',
  },
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

/** Whether a channel's upstream is sent Responses API requests as they are (`native`) or translated (`translate`). */
export const channelResponsesModes = ['native', 'translate'] as const;

export const channelSchema = strictObject(
  {
    provider: requiredLeaf(parseText, ' (the name of a provider under providers:)'),
    model: maybeLeaf(parseText),
    deployment: maybeLeaf(parseText),
    primary: optionalLeaf(parseBoolean, false),
    weight: optionalLeaf((input, report) => parseNumber(input, report, { above: 0, atMost: 1_000_000 }), defaults.weight),
    capacity: optionalObject(capacitySchema),
    price: oneOrList(priceSchema, 'price', 'a price { input, output, … } or a list of them, each with its from'),
    capabilities: section(capabilitiesSchema),
    responses: maybeLeaf(choice('responses', channelResponsesModes)),
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
 * An agreement of any kind: the fields of every kind, each parsed whatever the entry's kind (so one pass reports every
 * malformed value). Which fields a kind requires and takes is a semantic check, which is also why an agreement of a
 * kind this build cannot apply yet reports only its kind.
 */
const agreementSchema = z.preprocess(
  onlyKindOfLaterAgreement,
  strictObject(
    {
      name: maybeLeaf(trimmedText),
      kind: requiredLeaf(parseAgreementKind, ` (available kinds: ${agreementKinds.join(', ')})`),
      party: maybeLeaf(trimmedText),
      // One selector for a licence; one or a list for a revenue share.
      channels: oneOrList(channelSelectorSchema(), 'channel', 'a channel { provider, model } or a list of them'),
      models: maybeLeaf(nameList('model', 'gpt-4o')),
      tenants: maybeLeaf(nameList('tenant', 'acme')),
      from: maybeLeaf(parseDate),
      until: maybeLeaf(parseDate),
      exclusive: optionalLeaf(parseBoolean, defaults.exclusive),
      percent: maybeLeaf((input, report) => parsePercent(input, report, { positive: true, atMost: 100 })),
      basis: optionalLeaf(parseBasis, defaults.basis),
      cap: maybeLeaf(parseAmount),
      provider: maybeLeaf(parseText),
      amount: maybeLeaf(parseAmount),
      currency: maybeLeaf(parseCurrency),
      prefer: maybeLeaf(parseBoolean),
    },
    {
      appliesto: '; an agreement names its channels under channels: { provider, model }, its models under models: [...] and (a revenue share) its tenants under tenants: [...]',
      to: '; did you mean "until"?',
      start: '; did you mean "from"?',
      end: '; did you mean "until"?',
      share: '; did you mean "percent"?',
      percentage: '; did you mean "percent"?',
      spend: '; did you mean "amount"?',
      limit: '; did you mean "cap"?',
    },
  ),
);

/** A markup over cost: 0 to 1000 percent, in basis points. */
const parseMarkup = (input: unknown, report: Report) => parsePercent(input, report, { positive: false, atMost: 1000 });

const markupSchema = strictObject({ markup: requiredLeaf(parseMarkup, ' (the percent charged over cost, e.g. 10)') });

/** A budget's period as written: `day`, `month`, or `{ every: 7d, from: 2026-12-01 }` (fixed windows from that day). */
export type BudgetPeriodDocument = 'day' | 'month' | { readonly every: number; readonly from: string };

function parseBudgetPeriod(input: unknown, report: Report): BudgetPeriodDocument | undefined {
  if (typeof input === 'string' && (input.trim() === 'day' || input.trim() === 'month')) return input.trim() as 'day' | 'month';
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    report(`must be day, month or { every: 7d, from: 2026-12-01 }, got ${typeof input === 'string' ? quoteValue(input) : describeType(input)}`);
    return undefined;
  }
  const fields = input as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => key !== 'every' && key !== 'from');
  if (unknown.length > 0 || fields.every === undefined || fields.from === undefined) {
    report('a window is { every: <duration>, from: <YYYY-MM-DD> }, both required and nothing else');
    return undefined;
  }
  let failed = false;
  // Days are the usual window (7d, 30d); durations elsewhere stop at hours.
  const days = typeof fields.every === 'string' ? /^\s*(\d{1,4})d\s*$/.exec(fields.every) : null;
  const every =
    days !== null
      ? Number(days[1]) * 86_400_000
      : parseDuration(fields.every, (message) => {
          failed = true;
          report(`every ${message}`);
        });
  const from = parseDate(fields.from, (message) => {
    failed = true;
    report(`from ${message}`);
  });
  if (failed || every === undefined || from === undefined) return undefined;
  if (every < 60_000) {
    report('every must be at least 1m');
    return undefined;
  }
  return { every, from };
}

/** One budget: whose (exactly one of key, team, tenant, provider), how much, per what, hard or soft (checked later). */
const budgetSchema = strictObject(
  {
    name: requiredLeaf(trimmedText, ' (a name for the budget, shown when it refuses a request)'),
    key: maybeLeaf(trimmedText),
    team: maybeLeaf(trimmedText),
    tenant: maybeLeaf(trimmedText),
    provider: maybeLeaf(trimmedText),
    amount: requiredLeaf(parseAmount, ' (in metering.currency, e.g. 500)'),
    period: requiredLeaf(parseBudgetPeriod, ' (day, month, or { every: 7d, from: 2026-12-01 })'),
    hard: maybeLeaf(parseBoolean),
    decline: maybeLeaf(parseBoolean),
  },
  {
    limit: '; did you mean "amount"?',
    cap: '; did you mean "amount"?',
    window: '; write period: { every: 7d, from: 2026-12-01 }',
    mode: '; write hard: true or hard: false',
    soft: '; write hard: false',
    tenants: '; a budget names one tenant: tenant: <name or id>',
  },
);

/** `metering:` what requests cost (in one currency), what tenants are charged over cost, and whether the ledger books it. */
const meteringSchema = section(
  strictObject(
    {
      currency: optionalLeaf(parseCurrency, defaults.metering.currency),
      ledger: optionalLeaf(parseBoolean, defaults.metering.ledger),
      markup: optionalLeaf(parseMarkup, defaults.metering.markupBasisPoints),
      // By tenant name or id: which one the key directory knows is the metering's to look up.
      tenants: mapping(markupSchema, 'tenant'),
      budgets: list(budgetSchema, 'budgets', '- { name, tenant, amount, period }'),
    },
    { margin: '; did you mean "markup"? (the percent charged over cost)', price: '; prices are set per channel, under price:' },
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

/** The `agreements:` list; the admin plane's agreements are checked with it too. */
export const agreementListSchema = list(agreementSchema, 'agreements', '- { name, kind, party, channels, … }');

export const configSchema = strictObject(
  {
    listen: listenSchema,
    limits: limitsSchema,
    server: serverSchema,
    logging: loggingSchema,
    store: storeSchema,
    auth: clientAuthSchema,
    admin: adminSchema,
    routing: routingSchema,
    metering: meteringSchema,
    responses: responsesSchema,
    providers: mapping(providerSchema, 'provider'),
    models: mapping(modelSchema, 'model'),
    agreements: agreementListSchema,
    decline_rules: list(declineRuleSchema, 'decline rules', '- { name, channel, when }'),
  },
  {
    port: '; set the address with listen: "host:port"',
    host: '; set the address with listen: "host:port"',
  },
);

/** What the schema produces: snake_case, scalars parsed, defaults applied (the loader maps it to GatewayConfig). */
export type ConfigDocument = z.output<typeof configSchema>;
