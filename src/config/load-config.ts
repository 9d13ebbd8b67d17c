/**
 * Loading the configuration: YAML text → environment references resolved → schema and cross-field checks →
 * `GatewayConfig`. Every problem is collected and reported at once in a `ConfigError`; a value substituted from an
 * environment variable never appears in a message (it is shown as the `${…}` reference the file contains).
 */

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { inspect, type InspectOptionsStylized } from 'node:util';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { z } from 'zod';
import type {
  AgreementConfig,
  AgreementSource,
  ChannelCapabilities,
  ChannelConfig,
  ChannelSelector,
  DatedPrice,
  DeclineRuleConfig,
  GatewayConfig,
  MeteringConfig,
  BudgetConfig,
  BudgetPeriod,
  ModelConfig,
  ProviderConfig,
  StoreConfig,
} from './types.ts';
import { agreementListSchema, configSchema, decodeUnknownKeys, defaults, type ConfigDocument } from './schema.ts';
import { agreementDocument } from './agreement-document.ts';
import { agreementListChecks, semanticChecks } from './semantic-checks.ts';
import { likelyMistakes } from './likely-mistakes.ts';
import { checkReferencedFiles } from './referenced-files.ts';
import {
  protectReferences,
  restoreTree,
  substituteTree,
  type Environment,
  type SecretLookup,
  type Substitution,
} from './env-references.ts';
import { describeIssue } from '../config-schema/fields.ts';
import { formatPath, renderValues, type PathSegment, type Problem, type RawProblem } from '../config-schema/problem.ts';
import { startOfDay } from '../config-schema/values.ts';
import { providerKind } from '../providers/catalog.ts';

export type { Problem } from '../config-schema/problem.ts';
export type { Environment, SecretLookup } from './env-references.ts';

/**
 * Where `${secret:NAME}` references are resolved: the stored secrets of the store the configuration names (its
 * `store:` is known only once the file has been read, so loading runs in two phases), or `'unresolved'`: the
 * references stay as written (commands that never call an upstream: check-config, route explain, the admin CLI).
 */
export type SecretSource = 'unresolved' | ((store: StoreConfig) => Promise<SecretLookup>);

export interface ParseConfigOptions {
  /** Where `${NAME}` references are looked up; `process.env` by default. */
  readonly env?: Environment;
  /** The file name, shown in messages (YAML syntax errors are located as `source:line:column`). */
  readonly source?: string;
  /**
   * The folder relative file paths (key files, CA bundles) are read from. When given, every file the configuration
   * names must exist and be readable; without it (a configuration that is text only), files are not looked at.
   */
  readonly directory?: string;
  /**
   * Stored secrets for `${secret:NAME}`; `'unresolved'` leaves the references as written. Absent: a reference is a
   * problem (a configuration that reaches the gateway never holds one unresolved).
   */
  readonly secrets?: SecretLookup | 'unresolved';
}

/** An invalid or unreadable configuration. `message` lists every problem, one `path: message` per line. */
export class ConfigError extends Error {
  readonly problems: ReadonlyArray<Problem>;
  readonly source: string | undefined;

  constructor(problems: readonly Problem[], source?: string) {
    // No heading: callers say which file and what they were doing (`interchange serve: x.yaml is not valid:`).
    super(problems.map((problem) => `${problem.path}: ${problem.message}`).join('\n'));
    this.name = 'ConfigError';
    this.problems = Object.freeze(problems.map((problem) => Object.freeze({ path: problem.path, message: problem.message })));
    this.source = source;
  }
}

/** A file that is not YAML: one problem, located `source:line:column`, with the parser's reason. */
export class YamlSyntaxError extends ConfigError {
  constructor(problem: Problem, source?: string) {
    super([problem], source);
    this.name = 'YamlSyntaxError';
  }
}

/**
 * Read and validate a configuration file. Throws `ConfigError`, also when the file cannot be read. `secrets`: where
 * `${secret:…}` references come from; without it, such a reference is a problem.
 */
export async function loadConfigFile(path: string, env?: Environment, secrets?: SecretSource): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError([{ path, message: describeReadError(error) }], path);
  }
  const options = { env, source: path, directory: dirname(resolve(path)) };
  if (typeof secrets !== 'function') return parseConfig(text, { ...options, secrets });
  // First the store's location (the references left as written), then the values from that store.
  const first = parseConfig(text, { ...options, secrets: 'unresolved' });
  if (!text.includes('${secret:')) return first;
  return parseConfig(text, { ...options, secrets: await secrets(first.store) });
}

const noSecretSource: SecretLookup = (name) => ({
  problem: `the stored secret "${name}" cannot be resolved here: stored secrets are read from the store when the gateway starts (interchange serve)`,
});

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'cannot read the configuration: no such file';
    case 'EACCES':
    case 'EPERM':
      return 'cannot read the configuration: permission denied';
    case 'EISDIR':
      return 'cannot read the configuration: it is a directory, not a file';
    default:
      return `cannot read the configuration: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Validate configuration text. Throws `ConfigError` listing every problem. */
export function parseConfig(text: string, options: ParseConfigOptions = {}): GatewayConfig {
  const env = options.env ?? process.env;
  const source = options.source;

  const document = readYaml(text.startsWith('\uFEFF') ? text.slice(1) : text, source ?? 'config');
  if ('problem' in document) throw new YamlSyntaxError(document.problem, source);

  const written = withoutExtensionFields(document.value);
  const mistakes = likelyMistakes(written);
  const secrets = options.secrets === 'unresolved' ? undefined : (options.secrets ?? noSecretSource);
  const substituted = substituteTree(written, env, { directory: options.directory, secrets });
  // Before the schema: relative file paths become absolute in the document it parses.
  const fileProblems = options.directory === undefined ? [] : checkReferencedFiles(substituted.value, options.directory);
  const result = configSchema.safeParse(substituted.value, { error: describeIssue });
  const schemaProblems = result.success ? [] : result.error.issues.flatMap(toRawProblems);
  const problems = collectProblems(
    substituted.value,
    [...substituted.problems, ...mistakes],
    [...fileProblems, ...schemaProblems, ...semanticChecks(substituted.value)],
  );
  if (problems.length > 0 || !result.success) {
    throw new ConfigError(problems.map((problem) => redact(problem, substituted.substitutions)), source);
  }
  return toGatewayConfig(result.data);
}

/** An agreement made through the admin plane, as the store keeps it. */
export interface AdminAgreement {
  readonly name: string;
  readonly document: unknown;
}

/**
 * The configuration with the admin plane's agreements after the file's own. Each is checked as if the file held it
 * (its fields, the providers and models it names, a name no other agreement has, exclusive licences that would forbid
 * each other's channels), together with the file's. Throws `ConfigError` naming the admin agreement at fault:
 * `agreement "aws-commit" (admin plane).amount: …`.
 */
export function withAdminAgreements(config: GatewayConfig, admin: readonly AdminAgreement[]): GatewayConfig {
  const own = config.agreements.filter((agreement) => agreement.source === 'config');
  if (admin.length === 0 && own.length === config.agreements.length) return config;
  const documents = [...own.map(agreementDocument), ...admin.map((agreement) => agreement.document)];
  const result = agreementListSchema.safeParse(documents, { error: describeIssue });
  const raw = [
    ...(result.success ? [] : result.error.issues.flatMap(toRawProblems)).map((problem) => ({ ...problem, path: ['agreements', ...problem.path] })),
    ...agreementListChecks(documents, { providers: config.providers.keys(), models: config.models, currency: config.metering.currency }),
  ];
  if (raw.length > 0 || !result.success) {
    const located = (problem: RawProblem): Problem => {
      const index = problem.path[1];
      const rendered = redact(problem, []);
      if (typeof index !== 'number' || index < own.length) return rendered;
      const rest = problem.path.slice(2);
      return { path: `agreement ${JSON.stringify(admin[index - own.length].name)} (admin plane)${rest.length === 0 ? '' : formatPath(rest).replace(/^(?!\[)/, '.')}`, message: rendered.message };
    };
    const seen = new Set<string>();
    // One agreement's problems together, in list order (the sort is stable).
    const indexOf = (problem: RawProblem) => (typeof problem.path[1] === 'number' ? problem.path[1] : -1);
    const problems = raw
      .sort((a, b) => indexOf(a) - indexOf(b))
      .map(located).filter((problem) => !seen.has(`${problem.path}\n${problem.message}`) && seen.add(`${problem.path}\n${problem.message}`));
    throw new ConfigError(problems);
  }
  const models = [...config.models];
  const added = result.data.slice(own.length).map((agreement) => toAgreement(agreement, models, 'admin'));
  return Object.freeze({ ...config, agreements: Object.freeze([...own, ...added]) });
}

/**
 * Top-level keys starting with `x-` are ignored, as in Docker Compose: a place to define YAML anchors
 * (`x-vllm: &vllm { kind: openai-compatible }`) that the rest of the file merges (`<<: *vllm`) or aliases.
 */
function withoutExtensionFields(document: unknown): unknown {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return document;
  return Object.fromEntries(Object.entries(document).filter(([key]) => !key.startsWith('x-')));
}

type YamlResult = { readonly value: unknown } | { readonly problem: Problem };

function readYaml(text: string, location: string): YamlResult {
  const shielded = protectReferences(text);
  const lineCounter = new LineCounter();
  const document = parseDocument(shielded.text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const describe = (error: YAMLError): Problem => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    let message = error.message;
    if (error.code === 'DUPLICATE_KEY') {
      const key = shielded.text.slice(error.pos[0], error.pos[1]).trim();
      message = `duplicate key ${JSON.stringify(shielded.restore(key))}; a key may appear only once in a mapping`;
    } else if (error.code === 'TAG_RESOLVE_FAILED') {
      message = `${message} (custom YAML tags are not supported)`;
    }
    return { path: `${location}:${line}:${col}`, message: shielded.restore(message.split('\n')[0]) };
  };
  // Only the first: what follows a syntax error is mostly the parser losing its way because of it.
  const first = document.errors[0] ?? document.warnings[0];
  if (first !== undefined) return { problem: describe(first) };
  if (document.contents === null) return { value: {} };
  try {
    return { value: restoreTree(document.toJS(), shielded.restore) };
  } catch (error) {
    // toJS throws only for alias bombs (excessive alias expansion).
    return { problem: { path: location, message: error instanceof Error ? error.message : String(error) } };
  }
}

function toRawProblems(issue: z.core.$ZodIssue): RawProblem[] {
  const path = issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
  const unknownKeys = decodeUnknownKeys(issue.message);
  if (unknownKeys !== undefined) return unknownKeys.map(([key, message]) => ({ path: [...path, key], message }));
  return [{ path, message: issue.message }];
}

/**
 * Environment problems (and likely mistakes) first at their node; any other problem at the very same path is dropped
 * (it would only complain about the unresolved reference). The rest is ordered as the document is, duplicates removed.
 */
function collectProblems(document: unknown, environmentProblems: readonly RawProblem[], others: readonly RawProblem[]): RawProblem[] {
  const key = (path: readonly PathSegment[]) => JSON.stringify(path);
  const unresolved = new Set(environmentProblems.map((problem) => key(problem.path)));
  const order = documentOrder(document);
  const seen = new Set<string>();
  const problems: Array<RawProblem & { order: number; index: number }> = [];
  for (const problem of [...environmentProblems, ...others.filter((other) => !unresolved.has(key(other.path)))]) {
    const identity = `${key(problem.path)}\n${problem.message}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    problems.push({ ...problem, order: order(problem.path), index: problems.length });
  }
  return problems.sort((a, b) => a.order - b.order || a.index - b.index);
}

/**
 * A function giving each path its position in a depth-first walk of the document. A path that is not in the
 * document (a missing field) goes after everything inside its nearest existing ancestor.
 */
function documentOrder(document: unknown): (path: readonly PathSegment[]) => number {
  const spans = new Map<string, { start: number; end: number }>();
  let counter = 0;
  const visit = (node: unknown, path: PathSegment[]) => {
    const span = { start: counter++, end: 0 };
    spans.set(JSON.stringify(path), span);
    if (Array.isArray(node)) node.forEach((item, index) => visit(item, [...path, index]));
    else if (node !== null && typeof node === 'object') for (const [name, item] of Object.entries(node)) visit(item, [...path, name]);
    span.end = counter - 1;
  };
  visit(document, []);
  return (path) => {
    const exact = spans.get(JSON.stringify(path));
    if (exact !== undefined) return exact.start;
    for (let length = path.length - 1; length >= 0; length--) {
      const ancestor = spans.get(JSON.stringify(path.slice(0, length)));
      if (ancestor !== undefined) return ancestor.end + 0.5;
    }
    return counter;
  };
}

/**
 * Render the quoted values of a problem. The value of the problem's own node, when it came from the environment,
 * is shown as the text the file contains (`"${KIND}"`); any other value containing (or contained in) a substituted
 * piece is replaced by a placeholder.
 */
function redact(problem: RawProblem, substitutions: readonly Substitution[]): Problem {
  const here = JSON.stringify(problem.path);
  const message = renderValues(problem.message, (value) => {
    const exact = substitutions.find((substitution) => substitution.value === value && JSON.stringify(substitution.path) === here);
    if (exact !== undefined) return JSON.stringify(exact.raw);
    const tainted = substitutions.some((substitution) =>
      substitution.inserted.some((piece) => piece !== '' && (value.includes(piece) || (value !== '' && piece.includes(value)))),
    );
    return tainted ? '(a value from the environment)' : JSON.stringify(value);
  });
  return { path: formatPath(problem.path), message };
}

/** A Map that cannot be changed once built (the configuration is shared by everything at run time). */
class FrozenMap<K, V> extends Map<K, V> {
  #sealed = false;

  constructor(entries: Iterable<readonly [K, V]>) {
    super();
    for (const [key, value] of entries) super.set(key, value);
    this.#sealed = true;
    Object.freeze(this);
  }

  override set(key: K, value: V): this {
    if (this.#sealed) throw new TypeError('the configuration is read-only');
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    if (this.#sealed) throw new TypeError('the configuration is read-only');
    return super.delete(key);
  }

  override clear(): void {
    if (this.#sealed) throw new TypeError('the configuration is read-only');
    super.clear();
  }
}

/**
 * Freeze a provider and give it (non-enumerable) `toJSON` and `util.inspect` views in which the API key, the header
 * values and its kind's secrets read `[redacted]`, so logging or printing a provider never leaks a secret. The
 * properties themselves are unchanged: code reads `provider.apiKey` as usual.
 */
function withoutSecretsWhenPrinted(provider: ProviderConfig): ProviderConfig {
  const printable = providerKind(provider.kind).printable;
  const view = () => ({
    ...provider,
    apiKey: provider.apiKey === undefined ? undefined : redacted,
    headers: Object.fromEntries(Object.keys(provider.headers).map((name) => [name, redacted])),
    settings: printable === undefined ? provider.settings : printable(provider.settings, redacted),
  });
  Object.defineProperty(provider, 'toJSON', { value: view });
  Object.defineProperty(provider, inspect.custom, {
    value: (_depth: number, options: InspectOptionsStylized, inspectValue: typeof inspect) => inspectValue(view(), options),
  });
  return Object.freeze(provider);
}

const redacted = '[redacted]';

type ProviderDocument = ConfigDocument['providers'][string];

/** A provider entry the schema and the checks accepted, resolved through its kind. */
function toProvider(name: string, provider: ProviderDocument): ProviderConfig {
  const definition = providerKind(provider.kind);
  const written = provider.auth?.api_key;
  const apiKey = written === undefined || written === '' ? undefined : written;
  const pick = (from: Readonly<Record<string, unknown>> | undefined, shape: object) =>
    Object.fromEntries(Object.keys(shape).map((key) => [key, from?.[key]]));
  const resolved = definition.resolve({
    name,
    api: provider.api ?? definition.apis[0],
    apiKey,
    region: provider.region,
    fields: pick(provider, definition.fields),
    auth: pick(provider.auth, definition.authFields),
  });
  // `kind` and `settings` come from the same definition, so the object is the union member of that kind.
  return withoutSecretsWhenPrinted({
    name,
    kind: provider.kind,
    baseUrl: resolved.baseUrl,
    apiKey,
    headers: Object.freeze({ ...provider.headers }),
    region: provider.region ?? definition.routing.region?.(resolved.settings),
    connections: provider.connections,
    queue: Object.freeze({ max: provider.max_queue, timeoutMs: provider.queue_timeout }),
    ...(provider.image_fetch_allow === undefined ? {} : { imageFetchAllow: Object.freeze([...provider.image_fetch_allow]) }),
    timeoutMs: provider.timeout,
    dataPolicy: Object.freeze({ zeroRetention: provider.data_policy?.zero_retention ?? defaults.zeroRetention }),
    settings: resolved.settings,
  } as ProviderConfig);
}

/** Frozen capabilities, naming image types only for a channel that takes some types only. */
function withImageTypes(capabilities: ChannelCapabilities, imageTypes: readonly string[] | undefined): ChannelCapabilities {
  return Object.freeze(imageTypes === undefined ? capabilities : { ...capabilities, imageTypes });
}

type PriceDocument = NonNullable<ConfigDocument['models'][string]['channels'][number]['price']>;
type PriceEntryDocument = Exclude<PriceDocument, readonly unknown[]>;

/** A channel's price book, ascending (semantic-checks guarantees the order); empty without a price. */
function toPrices(price: PriceDocument | undefined): readonly DatedPrice[] {
  if (price === undefined) return Object.freeze([]);
  const entries: readonly PriceEntryDocument[] = Array.isArray(price) ? price : [price as PriceEntryDocument];
  return Object.freeze(
    entries.map((entry): DatedPrice => {
      // semantic-checks requires it for chat models; an embedding model produces no output tokens.
      const output = entry.output ?? 0;
      return Object.freeze({
        from: entry.from,
        fromMs: entry.from === undefined ? undefined : startOfDay(entry.from),
        inputMicrosPerMillion: entry.input,
        cachedInputMicrosPerMillion: entry.cached_input ?? entry.input,
        cacheWriteMicrosPerMillion: entry.cache_write ?? entry.input,
        outputMicrosPerMillion: output,
        reasoningMicrosPerMillion: entry.reasoning ?? output,
      });
    }),
  );
}

/** The price in force at `now`, or the first one when none is in force yet; undefined without a price. */
export function priceInForce(prices: readonly DatedPrice[], now: number): DatedPrice | undefined {
  let current = prices[0];
  for (const price of prices) if (price.fromMs === undefined || price.fromMs <= now) current = price;
  return current;
}

/** What routing compares: the three prices it ranks by, of the entry in force at `now`. */
function priceAt(prices: readonly DatedPrice[], now: number): ChannelConfig['price'] {
  const current = priceInForce(prices, now);
  if (current === undefined) return undefined;
  return Object.freeze({
    inputMicrosPerMillion: current.inputMicrosPerMillion,
    cachedInputMicrosPerMillion: current.cachedInputMicrosPerMillion,
    outputMicrosPerMillion: current.outputMicrosPerMillion,
  });
}

function toBudget(budget: ConfigDocument['metering']['budgets'][number]): BudgetConfig {
  // semantic-checks guarantees exactly one of key, team, tenant and provider.
  const scope = budget.key !== undefined ? 'key' : budget.team !== undefined ? 'team' : budget.tenant !== undefined ? 'tenant' : 'provider';
  const written = budget.period;
  const period: BudgetPeriod =
    written === 'day' || written === 'month' ? Object.freeze({ kind: written }) : Object.freeze({ kind: 'window', lengthMs: written.every, startsAtMs: startOfDay(written.from) });
  return Object.freeze({
    name: budget.name,
    scope,
    match: (budget.key ?? budget.team ?? budget.tenant ?? budget.provider)!,
    amountMicros: budget.amount,
    period,
    hard: budget.hard ?? scope !== 'provider',
    decline: budget.decline ?? false,
  });
}

function toMetering(metering: ConfigDocument['metering']): MeteringConfig {
  return Object.freeze({
    currency: metering.currency,
    ledger: metering.ledger,
    markupBasisPoints: metering.markup,
    tenantMarkupBasisPoints: new FrozenMap(Object.entries(metering.tenants).map(([tenant, settings]): [string, number] => [tenant, settings.markup])),
    budgets: Object.freeze(metering.budgets.map(toBudget)),
  });
}

/** OpenAI's API and Azure's v1 API serve the Responses API; other upstreams are sent it translated unless a channel says otherwise. */
function defaultResponses(provider: ProviderConfig): 'native' | 'translate' {
  return provider.kind === 'openai' || (provider.kind === 'azure-openai' && provider.settings.api === 'v1') ? 'native' : 'translate';
}

function toGatewayConfig(document: ConfigDocument): GatewayConfig {
  // Routing's price is the one in force when the configuration is loaded (again on every reload).
  const now = Date.now();
  const providers = Object.entries(document.providers).map(([name, provider]): [string, ProviderConfig] => [name, toProvider(name, provider)]);
  const providerByName = new Map(providers);
  /** The image types a provider's kind declares its channels take (undefined: any). */
  const imageTypesOf = (name: string): readonly string[] | undefined => {
    const provider = providerByName.get(name) as ProviderConfig;
    return providerKind(provider.kind).routing.imageTypes?.(provider.settings);
  };
  const models = Object.entries(document.models).map(([name, model]): [string, ModelConfig] => {
    const channels = model.channels.map((channel): ChannelConfig => {
      const prices = toPrices(channel.price);
      return Object.freeze({
        provider: channel.provider,
        // semantic-checks guarantees exactly one of the two.
        model: (channel.model ?? channel.deployment) as string,
        primary: channel.primary,
        weight: channel.weight,
        capacity: channel.capacity === undefined ? undefined : Object.freeze({ tpm: channel.capacity.tpm, rpm: channel.capacity.rpm }),
        price: priceAt(prices, now),
        prices,
        capabilities: withImageTypes(
          {
            vision: channel.capabilities.vision,
            tools: channel.capabilities.tools,
            jsonSchema: channel.capabilities.json_schema,
            streaming: channel.capabilities.streaming,
            contextWindow: channel.capabilities.context_window,
          },
          imageTypesOf(channel.provider),
        ),
        responses: channel.responses ?? defaultResponses(providerByName.get(channel.provider) as ProviderConfig),
      });
    });
    return [
      name,
      Object.freeze({
        name,
        type: model.type,
        route: model.route,
        channels: Object.freeze(channels),
        ownedBy: model.owned_by,
        sticky: model.sticky === undefined ? undefined : Object.freeze({ header: model.sticky.header }),
        firstTokenTimeoutMs: model.first_token_timeout,
      }),
    ];
  });
  const { breaker, retries } = document.routing;
  return Object.freeze({
    listen: Object.freeze({ host: document.listen.host, port: document.listen.port }),
    limits: Object.freeze({
      maxBodyBytes: document.limits.max_body_bytes,
      requestTimeoutMs: document.limits.request_timeout,
      streamIdleTimeoutMs: document.limits.stream_idle_timeout,
      maxStreams: document.limits.max_streams,
    }),
    server: Object.freeze({
      headersTimeoutMs: document.server.headers_timeout,
      bodyTimeoutMs: document.server.body_timeout,
      maxHeaderBytes: document.server.max_header_bytes,
      maxHeaders: document.server.max_headers,
      lingerTimeoutMs: document.server.linger_timeout,
      lingerMaxBytes: document.server.linger_max_bytes,
      shutdownDelayMs: document.server.shutdown_delay,
      drainTimeoutMs: document.server.drain_timeout,
      maxConnections: document.server.max_connections,
      backlog: document.server.backlog,
    }),
    logging: Object.freeze({ level: document.logging.level, requests: document.logging.requests }),
    store: Object.freeze({ kind: document.store.kind, path: document.store.path }),
    responses: Object.freeze({ retentionMs: document.responses.retention }),
    auth: Object.freeze({ clients: document.auth.clients, allowPublicWithoutKeys: document.auth.allow_public_without_keys }),
    admin: Object.freeze({ tokens: Object.freeze({ ...document.admin.tokens }) }),
    providers: new FrozenMap(providers),
    models: new FrozenMap(models),
    routing: Object.freeze({
      breaker: Object.freeze({
        failureRate: breaker.failure_rate,
        minimumRequests: breaker.minimum_requests,
        windowMs: breaker.window,
        openForMs: breaker.open_for,
        halfOpenProbes: breaker.half_open_probes,
      }),
      retries: Object.freeze({ attempts: retries.attempts, baseDelayMs: retries.base_delay, maxDelayMs: retries.max_delay }),
      recentTraces: document.routing.recent_traces,
    }),
    metering: toMetering(document.metering),
    agreements: Object.freeze(document.agreements.map((agreement) => toAgreement(agreement, models))),
    declineRules: Object.freeze(document.decline_rules.map(toDeclineRule)),
  });
}

const dayMs = 86_400_000;

type SelectorDocument = { provider: string; model?: string | undefined };

function toSelector(selector: SelectorDocument): ChannelSelector {
  return Object.freeze({ provider: selector.provider, model: selector.model });
}

/** Whether a selector picks a channel: same provider and, when the selector names one, the same upstream model. */
export function selectsChannel(selector: ChannelSelector, channel: ChannelConfig): boolean {
  return selector.provider === channel.provider && (selector.model === undefined || selector.model === channel.model);
}

/** `from` and `until` as times: 00:00 UTC on the first day, and on the day after the last (inclusive days). */
function daysInForce(from: string | undefined, until: string | undefined) {
  return {
    from,
    until,
    startsAtMs: from === undefined ? undefined : startOfDay(from),
    endsAtMs: until === undefined ? undefined : startOfDay(until) + dayMs,
  };
}

/** semantic-checks guarantees, per kind, the fields it requires (name, party, and each kind's own). */
function toAgreement(agreement: ConfigDocument['agreements'][number], models: ReadonlyArray<readonly [string, ModelConfig]>, source: AgreementSource = 'config'): AgreementConfig {
  const list = <T>(items: readonly T[] | undefined) => (items === undefined ? undefined : Object.freeze([...items]));
  switch (agreement.kind) {
    case 'licence': {
      // A licence takes one selector (semantic-checks refuses a list).
      const channels = toSelector(agreement.channels as SelectorDocument);
      const coveredModels =
        agreement.models ?? models.filter(([, model]) => model.channels.some((channel) => selectsChannel(channels, channel))).map(([name]) => name);
      return Object.freeze({
        name: agreement.name!,
        kind: agreement.kind,
        source,
        party: agreement.party!,
        channels,
        models: list(agreement.models),
        coveredModels: Object.freeze([...coveredModels]),
        ...daysInForce(agreement.from, agreement.until),
        exclusive: agreement.exclusive,
      });
    }
    case 'revenue-share': {
      const channels = agreement.channels;
      return Object.freeze({
        name: agreement.name!,
        kind: agreement.kind,
        source,
        party: agreement.party!,
        percentBasisPoints: agreement.percent!,
        basis: agreement.basis,
        channels: channels === undefined ? undefined : Object.freeze((Array.isArray(channels) ? channels : [channels as SelectorDocument]).map(toSelector)),
        models: list(agreement.models),
        tenants: list(agreement.tenants),
        ...daysInForce(agreement.from, agreement.until),
        capMicros: agreement.cap,
      });
    }
    case 'commitment': {
      const from = agreement.from!;
      const until = agreement.until!;
      return Object.freeze({
        name: agreement.name!,
        kind: agreement.kind,
        source,
        party: agreement.party!,
        provider: agreement.provider!,
        amountMicros: agreement.amount!,
        from,
        until,
        startsAtMs: startOfDay(from),
        endsAtMs: startOfDay(until) + dayMs,
        prefer: agreement.prefer === true,
      });
    }
  }
}

function toDeclineRule(rule: ConfigDocument['decline_rules'][number]): DeclineRuleConfig {
  const { when } = rule;
  const list = <T>(items: readonly T[] | undefined) => (items === undefined ? undefined : Object.freeze([...items]));
  return Object.freeze({
    name: rule.name,
    channel: toSelector(rule.channel),
    when: Object.freeze({
      hours: when.hours === undefined ? undefined : Object.freeze({ startMinute: when.hours.startMinute, endMinute: when.hours.endMinute }),
      days: list(when.days),
      models: list(when.models),
      tenants: list(when.tenants),
      minPromptTokens: when.min_prompt_tokens,
      maxPromptTokens: when.max_prompt_tokens,
    }),
  });
}
