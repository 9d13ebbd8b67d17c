/**
 * Rules that relate several fields. They run on the document as written (after environment substitution) whether
 * or not the schema accepted it, so one pass reports every problem; anything malformed is left to the schema's
 * messages and skipped here.
 */

import { isMapping, isPresent, listNames, quietly, textOf, type Fields, type Reporter } from '../config-schema/checks.ts';
import { didYouMean } from '../config-schema/did-you-mean.ts';
import { quoteValue, type PathSegment, type RawProblem } from '../config-schema/problem.ts';
import { formatDuration, parseBoolean, parseCount, parseCurrency, parseDate, parseDuration, parseListen, type Report } from '../config-schema/values.ts';
import { findProviderKind, providerCatalog } from '../providers/catalog.ts';
import type { ProviderKindDefinition } from '../providers/provider-kind.ts';
import { defaults, laterAgreementKinds } from './schema.ts';
import { agreementKinds, type AgreementKind } from './types.ts';

const providerName = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const maximumNameLength = 256;

export function semanticChecks(document: unknown): RawProblem[] {
  const problems: RawProblem[] = [];
  const report = (path: readonly PathSegment[], message: string) => problems.push({ path, message });
  if (!isMapping(document)) return problems;

  const providers = isMapping(document.providers) ? document.providers : document.providers == null ? {} : undefined;
  if (providers !== undefined) {
    for (const [name, provider] of Object.entries(providers)) {
      checkProvider(name, provider, report);
    }
  }
  const limits = isMapping(document.limits) ? document.limits : undefined;
  // Undefined when the request timeout is malformed: nothing is compared with it then.
  const requestTimeout = orDefault(parseDuration, limits?.request_timeout, defaults.requestTimeoutMs);
  if (isMapping(document.models)) {
    for (const [name, model] of Object.entries(document.models)) {
      checkModel(name, model, providers, requestTimeout, report);
    }
  }
  if (isMapping(document.routing)) checkRouting(document.routing, report);
  if (isMapping(document.server)) checkServer(document.server, report);
  const currency = isMapping(document.metering) ? document.metering.currency : undefined;
  // Nothing is compared with the currency of a malformed metering section.
  const currencyCode = isPresent(document.metering) && !isMapping(document.metering) ? undefined : orDefault(parseCurrency, currency, defaults.metering.currency);
  const context: ReferenceContext = {
    providers,
    models: isMapping(document.models) ? document.models : document.models == null ? {} : undefined,
    currency: currencyCode === undefined ? undefined : { code: currencyCode, written: isPresent(currency) },
  };
  if (Array.isArray(document.agreements)) checkAgreements(document.agreements, context, report);
  if (Array.isArray(document.decline_rules)) checkDeclineRules(document.decline_rules, context, report);
  if (isMapping(document.metering) && Array.isArray(document.metering.budgets)) checkBudgets(document.metering.budgets, context, report);
  if (isMapping(document.auth)) checkClientAuth(document.auth, document.listen, report);
  return problems;
}

/** `clients: none` is for loopback: anywhere else anyone who can reach the port could spend the operator's money. */
function checkClientAuth(auth: Fields, listenInput: unknown, report: Reporter): void {
  if (trimmed(auth.clients) !== 'none' || isTrue(auth.allow_public_without_keys)) return;
  const listen = orDefault(parseListen, listenInput, defaults.listen);
  if (listen === undefined || isLoopbackHost(listen.host)) return;
  report(
    ['auth', 'clients'],
    `"none" lets anyone who reaches ${listen.host}:${listen.port} call every model; use keys, listen on 127.0.0.1, or set auth.allow_public_without_keys: true if a proxy in front authenticates callers`,
  );
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The value parsed, `fallback` when absent, undefined when malformed. */
function orDefault<T>(parse: (input: unknown, report: Report) => T | undefined, input: unknown, fallback: T): T | undefined {
  return isPresent(input) ? quietly(parse, input) : fallback;
}

const isTrue = (value: unknown) => quietly(parseBoolean, value) === true;
const trimmed = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
/** A provider or upstream model name as the loader keeps it (not trimmed, like a channel's). */
const exactName = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

/** The kinds that read a provider field (`auth.…`: an auth field; `api`: the kinds with several APIs), for messages. */
function ownersOf(field: string): string {
  const auth = field.startsWith('auth.');
  const key = auth ? field.slice('auth.'.length) : field;
  const owners = providerCatalog
    .filter((definition) => (auth ? Object.hasOwn(definition.authFields, key) : key === 'api' ? definition.apis.length > 0 : Object.hasOwn(definition.fields, key)))
    .map((definition) => definition.kind);
  return `${owners.length === 1 ? 'kind' : 'kinds'} ${listNames(owners, 'and')}`;
}

/** Every field, and every auth field, some kind reads. */
const kindOwnedFields = new Set(providerCatalog.flatMap((definition) => Object.keys(definition.fields)));
const kindOwnedAuthFields = new Set(providerCatalog.flatMap((definition) => Object.keys(definition.authFields)));

function checkProvider(name: string, provider: unknown, report: Reporter): void {
  const path = ['providers', name];
  if (!providerName.test(name) || name.length > maximumNameLength) {
    report(path, 'provider names must start with a letter or digit and contain only letters, digits, ".", "_" and "-"');
  }
  if (!isMapping(provider)) return;
  const kind = textOf(provider.kind);
  const definition = kind === undefined ? undefined : findProviderKind(kind);
  if (definition === undefined) return;
  const here: Reporter = (relative, message) => report([...path, ...relative], message);
  definition.check(provider, here);
  checkKindFields(definition, provider, here);
  const auth = provider.auth;
  const apiKey = isMapping(auth) ? auth.api_key : undefined;
  if (typeof apiKey === 'string' && apiKey.trim() !== '' && isMapping(provider.headers)) {
    for (const header of Object.keys(provider.headers)) {
      if (header.toLowerCase() === 'authorization') {
        here(['headers', header], 'conflicts with auth.api_key, which is sent as Authorization: Bearer …; keep one of them');
      }
    }
  }
}

/** Fields that only other kinds read, and an `api:` this kind does not speak. */
function checkKindFields(definition: ProviderKindDefinition, provider: Fields, report: Reporter): void {
  const misplaced = (field: string): string => {
    const message = definition.misplacedFields?.[field];
    if (message === undefined) return `only for ${ownersOf(field)}`;
    return typeof message === 'string' ? message : message(ownersOf);
  };
  for (const field of Object.keys(provider)) {
    if (kindOwnedFields.has(field) && !Object.hasOwn(definition.fields, field) && isPresent(provider[field])) report([field], misplaced(field));
  }
  if (isPresent(provider.api)) {
    const api = textOf(provider.api);
    if (definition.apis.length === 0) report(['api'], misplaced('api'));
    // An API no kind speaks is the schema's to report.
    else if (api !== undefined && !definition.apis.includes(api) && providerCatalog.some((other) => other.apis.includes(api))) {
      report(['api'], `kind ${JSON.stringify(definition.kind)} has api ${listNames(definition.apis)}, not ${quoteValue(api)}`);
    }
  }
  const auth = provider.auth;
  if (!isMapping(auth)) return;
  for (const field of Object.keys(auth)) {
    if (kindOwnedAuthFields.has(field) && !Object.hasOwn(definition.authFields, field) && isPresent(auth[field])) {
      const owner = providerCatalog.find((other) => Object.hasOwn(other.authFields, field)) as ProviderKindDefinition;
      report(['auth', field], `${owner.authNames[field]} are only for ${ownersOf(`auth.${field}`)}`);
    }
  }
}

function checkModel(name: string, model: unknown, providers: Fields | undefined, requestTimeout: number | undefined, report: Reporter): void {
  const path = ['models', name];
  if (name.trim() === '' || /[\s\p{Cc}]/u.test(name) || name.length > maximumNameLength) {
    report(path, `model names must be 1 to ${maximumNameLength} characters without spaces or control characters`);
  }
  if (!isMapping(model) || !Array.isArray(model.channels)) return;
  const route = trimmed(model.route) ?? defaults.route;
  const embedding = trimmed(model.type) === 'embedding';
  let firstPrimary: number | undefined;
  model.channels.forEach((channel: unknown, index: number) => {
    if (!isMapping(channel)) return;
    const channelPath = [...path, 'channels', index];
    const provider = channel.provider;
    if (typeof provider === 'string' && provider.trim() !== '' && providers !== undefined && !Object.hasOwn(providers, provider)) {
      const names = Object.keys(providers);
      const hint = names.length === 0 ? ' (no providers are defined)' : didYouMean(provider, names);
      report([...channelPath, 'provider'], `unknown provider ${quoteValue(provider)}${hint}`);
    }
    const providerFields = typeof provider === 'string' && providers !== undefined ? providers[provider] : undefined;
    const kind = isMapping(providerFields) && typeof providerFields.kind === 'string' ? findProviderKind(providerFields.kind) : undefined;
    if (model.type === 'embedding' && kind !== undefined && !kind.routing.embeddings) {
      report([...channelPath, 'provider'], `${kind.kind} channels serve chat models only in this build (no embeddings)`);
    } else if (model.type === 'embedding' && kind?.routing.embeddingModelProblem !== undefined) {
      const field = isPresent(channel.model) ? 'model' : 'deployment';
      const upstream = textOf(channel[field]);
      const problem = upstream === undefined ? undefined : kind.routing.embeddingModelProblem(upstream);
      if (problem !== undefined) report([...channelPath, field], problem);
    }
    if (textOf(channel.responses) === 'native' && kind !== undefined) {
      if (kind.kind === 'bedrock' || kind.kind === 'vertex') {
        report([...channelPath, 'responses'], `kind "${kind.kind}" has no Responses API: its channels are sent Responses requests translated (responses: translate)`);
      } else if (kind.kind === 'azure-openai' && isMapping(providerFields) && textOf(providerFields.api) === 'deployments') {
        report([...channelPath, 'responses'], 'needs the provider\'s api: v1 (Azure serves the Responses API at /openai/v1/responses, not per deployment)');
      }
    }
    if (isPresent(channel.model) && isPresent(channel.deployment)) {
      report([...channelPath, 'deployment'], 'give either model or deployment, not both (deployment is another name for model)');
    } else if (!isPresent(channel.model) && !isPresent(channel.deployment)) {
      report([...channelPath, 'model'], 'required field missing: the upstream model name this channel sends (or its alias, deployment)');
    }
    const primary = channel.primary;
    if (primary === true || (typeof primary === 'string' && primary.trim().toLowerCase() === 'true')) {
      if (firstPrimary === undefined) firstPrimary = index;
      else report([...channelPath, 'primary'], `a model has at most one primary channel; channels[${firstPrimary}] already is`);
    }
    if (route === 'lowest-cost' && !isPresent(channel.price)) {
      report([...channelPath, 'price'], 'required field missing: route "lowest-cost" needs a price on every channel');
    }
    checkPrices(channel.price, [...channelPath, 'price'], embedding, report);
    if (isMapping(channel.capacity) && !isPresent(channel.capacity.tpm) && !isPresent(channel.capacity.rpm)) {
      report([...channelPath, 'capacity'], 'required field missing: tpm (tokens per minute), rpm (requests per minute) or both');
    }
  });
  if (route === 'primary-first' && firstPrimary === undefined && model.channels.length > 0) {
    report([...path, 'route'], 'route "primary-first" needs one channel with primary: true; none has it');
  }
  if (isPresent(model.first_token_timeout)) {
    const firstTokenTimeout = quietly(parseDuration, model.first_token_timeout);
    if (embedding) {
      report([...path, 'first_token_timeout'], 'only for chat models (embeddings are not streamed)');
    } else if (firstTokenTimeout !== undefined && requestTimeout !== undefined && firstTokenTimeout > requestTimeout) {
      report([...path, 'first_token_timeout'], `must not be longer than limits.request_timeout (${formatDuration(requestTimeout)})`);
    }
  }
}

/**
 * A channel's price, one or a list: a chat model's price has an output price; in a list, only the first entry may go
 * without `from` (the price since always), and each `from` is later than the one of the entry before it.
 */
function checkPrices(price: unknown, path: readonly PathSegment[], embedding: boolean, report: Reporter): void {
  const entries = Array.isArray(price) ? price : [price];
  let previous: string | undefined;
  entries.forEach((entry: unknown, index) => {
    if (!isMapping(entry)) return;
    const here = Array.isArray(price) ? [...path, index] : path;
    if (!isPresent(entry.output) && !embedding) report([...here, 'output'], 'required field missing (the price per million output tokens, e.g. 10.00)');
    if (!Array.isArray(price)) return;
    const from = quietly(parseDate, entry.from);
    if (!isPresent(entry.from) && index > 0) {
      report(here, 'only the first price may go without from (it is the price since always); give this one the day it takes effect');
    } else if (from !== undefined && previous !== undefined && from <= previous) {
      report([...here, 'from'], `must be later than the from of the price before it (${previous}): prices are listed in the order they take effect, at most one a day`);
    }
    previous = from;
  });
}

function checkRouting(routing: Fields, report: Reporter): void {
  const retries = routing.retries;
  if (!isMapping(retries)) return;
  const baseDelay = orDefault(parseDuration, retries.base_delay, defaults.retries.baseDelayMs);
  const maxDelay = orDefault(parseDuration, retries.max_delay, defaults.retries.maxDelayMs);
  if (baseDelay === undefined || maxDelay === undefined || baseDelay <= maxDelay) return;
  if (isPresent(retries.max_delay)) {
    report(['routing', 'retries', 'max_delay'], `must not be shorter than base_delay (${formatDuration(baseDelay)})`);
  } else {
    report(['routing', 'retries', 'base_delay'], `must not be longer than max_delay (${formatDuration(maxDelay)}, the default)`);
  }
}

/** The headers' timeout within the whole request's, the shutdown delay within the drain; reported on the one written. */
function checkServer(server: Fields, report: Reporter): void {
  const pairs = [
    ['headers_timeout', 'body_timeout', defaults.server.headersTimeoutMs, defaults.server.bodyTimeoutMs],
    ['shutdown_delay', 'drain_timeout', defaults.server.shutdownDelayMs, defaults.server.drainTimeoutMs],
  ] as const;
  for (const [shorter, longer, shorterDefault, longerDefault] of pairs) {
    const short = orDefault(parseDuration, server[shorter], shorterDefault);
    const long = orDefault(parseDuration, server[longer], longerDefault);
    if (short === undefined || long === undefined || short <= long) continue;
    if (isPresent(server[shorter])) {
      report(['server', shorter], `must not be longer than ${longer} (${formatDuration(long)}${isPresent(server[longer]) ? '' : ', the default'})`);
    } else {
      report(['server', longer], `must not be shorter than ${shorter} (${formatDuration(short)}, the default)`);
    }
  }
}

/** What agreements and decline rules refer to; `undefined` where that section is malformed (nothing is checked). */
interface ReferenceContext {
  readonly providers: Fields | undefined;
  readonly models: Fields | undefined;
  /** `metering.currency` (its default when absent). */
  readonly currency: { readonly code: string; readonly written: boolean } | undefined;
}

/** The upstream model of each channel of a provider, in configuration order. */
function upstreamModelsOf(provider: string, models: Fields | undefined): string[] {
  const names: string[] = [];
  for (const model of Object.values(models ?? {})) {
    if (!isMapping(model) || !Array.isArray(model.channels)) continue;
    for (const channel of model.channels) {
      if (!isMapping(channel) || exactName(channel.provider) !== provider) continue;
      const upstream = exactName(channel.model) ?? exactName(channel.deployment);
      if (upstream !== undefined && !names.includes(upstream)) names.push(upstream);
    }
  }
  return names;
}

/** Whether `provider` names a defined provider; reports it at `path` when not. */
function checkProviderName(path: readonly PathSegment[], provider: string, context: ReferenceContext, report: Reporter): boolean {
  if (context.providers === undefined || Object.hasOwn(context.providers, provider)) return true;
  const names = Object.keys(context.providers);
  const hint = names.length === 0 ? ' (no providers are defined)' : didYouMean(provider, names);
  report(path, `unknown provider ${quoteValue(provider)}${hint}`);
  return false;
}

/** `{ provider, model }`: a defined provider and, when given, the upstream model of one of its channels. */
function checkSelector(path: readonly PathSegment[], selector: unknown, context: ReferenceContext, report: Reporter): void {
  if (!isMapping(selector)) return;
  const provider = exactName(selector.provider);
  if (provider === undefined || context.providers === undefined) return;
  if (!checkProviderName([...path, 'provider'], provider, context, report)) return;
  const model = exactName(selector.model);
  if (model === undefined || context.models === undefined) return;
  const upstream = upstreamModelsOf(provider, context.models);
  if (upstream.includes(model)) return;
  report(
    [...path, 'model'],
    upstream.length === 0
      ? `no channel uses provider ${quoteValue(provider)}, so no channel sends model ${quoteValue(model)}`
      : `no channel of provider ${quoteValue(provider)} sends model ${quoteValue(model)}${didYouMean(model, upstream) || ` (its channels send: ${upstream.map(quoteValue).join(', ')})`}`,
  );
}

/** Every entry of a list of public model names must be a defined model. */
function checkModelNames(path: readonly PathSegment[], names: unknown, context: ReferenceContext, report: Reporter): void {
  if (!Array.isArray(names) || context.models === undefined) return;
  const defined = Object.keys(context.models);
  names.forEach((name: unknown, index) => {
    const model = trimmed(name);
    // A repeated name is reported as such by the schema.
    if (model === undefined || Object.hasOwn(context.models!, model) || names.slice(0, index).some((earlier) => trimmed(earlier) === model)) return;
    const hint = defined.length === 0 ? ' (no models are defined)' : didYouMean(model, defined);
    report([...path, index], `unknown model ${quoteValue(model)}${hint}`);
  });
}

/** A budget names exactly one spender; a provider's is soft only (which provider serves is known after routing). */
function checkBudgets(budgets: readonly unknown[], context: ReferenceContext, report: Reporter): void {
  const seen = new Map<string, number>();
  budgets.forEach((budget, index) => {
    if (!isMapping(budget)) return;
    const path = ['metering', 'budgets', index];
    const name = trimmed(budget.name);
    if (name !== undefined) {
      const earlier = seen.get(name);
      if (earlier === undefined) seen.set(name, index);
      else report([...path, 'name'], `metering.budgets[${earlier}] already has the name ${quoteValue(name)}; names must be unique`);
    }
    const scopes = (['key', 'team', 'tenant', 'provider'] as const).filter((scope) => isPresent(budget[scope]));
    if (scopes.length !== 1) {
      report(path, scopes.length === 0 ? 'a budget names whose it is: one of key, team, tenant or provider' : `a budget names one of key, team, tenant or provider, not ${scopes.join(' and ')}`);
      return;
    }
    if (scopes[0] === 'provider') {
      const provider = exactName(budget.provider);
      if (provider !== undefined && context.providers !== undefined) checkProviderName([...path, 'provider'], provider, context, report);
      if (isTrue(budget.hard)) report([...path, 'hard'], 'a provider budget is soft only (which provider serves is known only after routing); remove hard or set it to false');
    } else if (isTrue(budget.decline)) {
      report([...path, 'decline'], `only a provider's budget declines (routing passes that provider's channels over once it is spent); this one is a ${scopes[0]}'s`);
    }
  });
}

/** What agreements may refer to in a configuration already loaded: its providers, its models' channels, its currency. */
export interface AgreementReferences {
  readonly providers: Iterable<string>;
  /** Per public model, its channels' provider and upstream model. */
  readonly models: Iterable<readonly [string, { readonly channels: readonly { readonly provider: string; readonly model: string }[] }]>;
  readonly currency: string;
}

/** The cross-field checks of an `agreements:` list, against a loaded configuration's names (the admin plane's agreements). */
export function agreementListChecks(agreements: readonly unknown[], references: AgreementReferences): RawProblem[] {
  const problems: RawProblem[] = [];
  const context: ReferenceContext = {
    providers: Object.fromEntries([...references.providers].map((name) => [name, {}])),
    models: Object.fromEntries([...references.models].map(([name, model]) => [name, { channels: model.channels.map((channel) => ({ provider: channel.provider, model: channel.model })) }])),
    currency: { code: references.currency, written: true },
  };
  checkAgreements(agreements, context, (path, message) => problems.push({ path, message }));
  return problems;
}

/** Names of agreements and decline rules: like provider names, and unique within their list. */
function checkListNames(section: string, what: string, entries: readonly unknown[], report: Reporter): void {
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    if (!isMapping(entry) || typeof entry.name !== 'string' || entry.name.trim() === '') return;
    const name = entry.name.trim();
    if (!providerName.test(name) || name.length > maximumNameLength) {
      report([section, index, 'name'], `${what} names must start with a letter or digit and contain only letters, digits, ".", "_" and "-"`);
    }
    const earlier = seen.get(name);
    if (earlier === undefined) seen.set(name, index);
    else report([section, index, 'name'], `${section}[${earlier}] already has the name ${quoteValue(name)}; names must be unique`);
  });
}

interface ExclusiveLicence {
  readonly index: number;
  readonly name: string;
  readonly from: string | undefined;
  readonly until: string | undefined;
  /** Per covered public model: the positions of its channels the licence covers, as `"0,2"`. */
  readonly channelsByModel: ReadonlyMap<string, string>;
}

/** Fields that only some agreement kinds take (every kind takes name, kind, party, from and until). */
const agreementFields: Readonly<Record<string, readonly AgreementKind[]>> = {
  channels: ['licence', 'revenue-share'],
  models: ['licence', 'revenue-share'],
  exclusive: ['licence'],
  tenants: ['revenue-share'],
  percent: ['revenue-share'],
  basis: ['revenue-share'],
  cap: ['revenue-share'],
  provider: ['commitment'],
  amount: ['commitment'],
  prefer: ['commitment'],
  currency: ['revenue-share', 'commitment'],
};

/** What a misplaced field is for instead, where the field a kind uses in its place is easily confused with it. */
const misplacedAgreementFields: Readonly<Record<string, string>> = {
  'commitment channels': '; a commitment names its provider under provider:',
  'licence provider': '; a licence names its channels under channels: { provider, model }',
  'revenue-share provider': '; a revenue share names its channels under channels: { provider, model } or a list of them',
  'commitment percent': '; a commitment is an amount (amount:)',
  'revenue-share amount': '; did you mean "cap"? (the most that accrues to the party)',
  'commitment cap': '; did you mean "amount"? (what is committed)',
};

/** Per kind, its required fields and what belongs there. */
const requiredAgreementFields: Readonly<Record<AgreementKind, ReadonlyArray<readonly [field: string, missing: string]>>> = {
  licence: [
    ['name', 'required field missing (a name for the agreement, e.g. msft-licence)'],
    ['party', 'required field missing (who granted the licence, e.g. Microsoft)'],
    ['channels', 'required field missing: the channels the licence covers, { provider, model }'],
  ],
  'revenue-share': [
    ['name', 'required field missing (a name for the agreement, e.g. msft-revenue-share)'],
    ['party', 'required field missing (who the share accrues to, e.g. Microsoft)'],
    ['percent', 'required field missing (the share of the basis that accrues to the party, e.g. 20 for 20%)'],
  ],
  commitment: [
    ['name', 'required field missing (a name for the agreement, e.g. azure-commitment)'],
    ['party', 'required field missing (who the spend is committed to, e.g. Microsoft)'],
    ['provider', 'required field missing (the provider the spend is committed with, a name under providers:)'],
    ['amount', 'required field missing (the amount committed, in metering.currency, e.g. 1000000)'],
    ['from', 'required field missing (the first day of the commitment, YYYY-MM-DD)'],
    ['until', 'required field missing (the last day of the commitment, YYYY-MM-DD)'],
  ],
};

function checkAgreements(agreements: readonly unknown[], context: ReferenceContext, report: Reporter): void {
  const known = agreements.map((agreement, index) => (isMapping(agreement) && !isLaterKind(agreement.kind) ? { agreement, index } : undefined));
  checkListNames('agreements', 'agreement', known.map((entry) => entry?.agreement), report);
  const exclusive: ExclusiveLicence[] = [];
  for (const entry of known) {
    if (entry === undefined) continue;
    const { agreement, index } = entry;
    const path = ['agreements', index];
    // Unknown or absent: the schema says so, and nothing is known of what the agreement should hold.
    const kind = agreementKinds.find((name) => name === trimmed(agreement.kind));
    /** Whether the agreement's kind reads `field` (any kind's fields are checked when the kind is unknown). */
    // Own keys only: a field named like an Object.prototype member (`constructor`) is just an unknown field.
    const takes = (field: string) => kind === undefined || !Object.hasOwn(agreementFields, field) || agreementFields[field].includes(kind);
    if (kind !== undefined) {
      for (const [field, missing] of requiredAgreementFields[kind]) if (!isPresent(agreement[field])) report([...path, field], missing);
      for (const field of Object.keys(agreement)) {
        if (takes(field) || !isPresent(agreement[field])) continue;
        const owners = agreementFields[field];
        report([...path, field], `only for ${owners.length === 1 ? 'kind' : 'kinds'} ${listNames(owners, 'and')}${misplacedAgreementFields[`${kind} ${field}`] ?? ''}`);
      }
    }
    if (takes('channels')) {
      const channels = agreement.channels;
      if (Array.isArray(channels)) {
        if (kind === 'licence') report([...path, 'channels'], 'a licence covers one { provider, model }, not a list; write one licence per selector');
        else channels.forEach((selector: unknown, position) => checkSelector([...path, 'channels', position], selector, context, report));
      } else {
        checkSelector([...path, 'channels'], channels, context, report);
      }
    }
    if (takes('models')) checkModelNames([...path, 'models'], agreement.models, context, report);
    const provider = exactName(agreement.provider);
    if (takes('provider') && provider !== undefined) checkProviderName([...path, 'provider'], provider, context, report);
    const currency = quietly(parseCurrency, agreement.currency);
    if (takes('currency') && currency !== undefined && context.currency !== undefined && currency !== context.currency.code) {
      report(
        [...path, 'currency'],
        `must be metering.currency (${quoteValue(context.currency.code)}${context.currency.written ? '' : ', the default'}) in this build: every price, cap and commitment is in that one currency`,
      );
    }
    const from = quietly(parseDate, agreement.from);
    const until = quietly(parseDate, agreement.until);
    if (from !== undefined && until !== undefined && until < from) report([...path, 'until'], `must not be before from (${from})`);
    else if (kind === 'licence' && isTrue(agreement.exclusive)) {
      const licence = exclusiveLicence(index, agreement, from, until, context);
      if (licence !== undefined && licence.channelsByModel.size === 0) {
        // Exclusive of what? It would forbid nothing; routing needs the models it is exclusive for.
        report([...path, 'channels'], 'an exclusive licence must cover a model: no model has a channel it selects; name the models it is exclusive for under models:');
      } else if (licence !== undefined) {
        checkExclusiveOverlap(licence, exclusive, report);
        exclusive.push(licence);
      }
    }
  }
}

function isLaterKind(kind: unknown): boolean {
  return typeof kind === 'string' && (laterAgreementKinds as readonly string[]).includes(kind.trim());
}

/** What an exclusive licence covers, or undefined when its channels or models are malformed (reported elsewhere). */
function exclusiveLicence(index: number, agreement: Fields, from: string | undefined, until: string | undefined, context: ReferenceContext): ExclusiveLicence | undefined {
  const selector = agreement.channels;
  const provider = isMapping(selector) ? exactName(selector.provider) : undefined;
  if (!isMapping(selector) || provider === undefined || context.models === undefined) return undefined;
  if (isPresent(agreement.from) && from === undefined) return undefined;
  if (isPresent(agreement.until) && until === undefined) return undefined;
  const upstream = exactName(selector.model);
  const listed = Array.isArray(agreement.models) ? agreement.models.map(trimmed) : undefined;
  if (isPresent(agreement.models) && (listed === undefined || listed.includes(undefined))) return undefined;
  const channelsByModel = new Map<string, string>();
  for (const [name, model] of Object.entries(context.models)) {
    if (!isMapping(model) || !Array.isArray(model.channels)) continue;
    const covered: number[] = [];
    model.channels.forEach((channel: unknown, position) => {
      if (!isMapping(channel) || exactName(channel.provider) !== provider) return;
      if (upstream === undefined || (exactName(channel.model) ?? exactName(channel.deployment)) === upstream) covered.push(position);
    });
    if (listed === undefined ? covered.length > 0 : listed.includes(name)) channelsByModel.set(name, covered.join(','));
  }
  return { index, name: trimmed(agreement.name) ?? `agreements[${index}]`, from, until, channelsByModel };
}

/**
 * Two exclusive licences in force on the same day for the same model must cover the same channels of it: each
 * forbids every channel it does not cover, so on different channels they forbid each other's.
 */
function checkExclusiveOverlap(licence: ExclusiveLicence, earlier: readonly ExclusiveLicence[], report: Reporter): void {
  for (const other of earlier) {
    const from = [licence.from, other.from].filter((day) => day !== undefined).sort().at(-1);
    const until = [licence.until, other.until].filter((day) => day !== undefined).sort()[0];
    if (from !== undefined && until !== undefined && until < from) continue;
    for (const [model, channels] of licence.channelsByModel) {
      const otherChannels = other.channelsByModel.get(model);
      if (otherChannels === undefined || otherChannels === channels) continue;
      const when = from === undefined ? (until === undefined ? 'at any time' : `until ${until}`) : until === undefined ? `from ${from} on` : `from ${from} until ${until}`;
      report(
        ['agreements', licence.index, 'exclusive'],
        `exclusive licences ${quoteValue(other.name)} (agreements[${other.index}]) and ${quoteValue(licence.name)} both cover model ${quoteValue(model)} on different channels while both are in force (${when}); each forbids the channels of the other`,
      );
      break;
    }
  }
}

const conditionFields = ['hours', 'days', 'models', 'tenants', 'min_prompt_tokens', 'max_prompt_tokens'] as const;

function checkDeclineRules(rules: readonly unknown[], context: ReferenceContext, report: Reporter): void {
  checkListNames('decline_rules', 'decline rule', rules, report);
  rules.forEach((rule, index) => {
    if (!isMapping(rule)) return;
    const path = ['decline_rules', index];
    checkSelector([...path, 'channel'], rule.channel, context, report);
    const when = rule.when;
    if (!isMapping(when)) return;
    const keys = Object.keys(when);
    const known = keys.filter((key) => (conditionFields as readonly string[]).includes(key));
    if (known.length === keys.length && !known.some((key) => isPresent(when[key]))) {
      report([...path, 'when'], `needs at least one condition (${conditionFields.join(', ')})`);
    }
    checkModelNames([...path, 'when', 'models'], when.models, context, report);
    const count = (input: unknown, report: Report) => parseCount(input, report, 0, Number.MAX_SAFE_INTEGER);
    const minimum = quietly(count, when.min_prompt_tokens);
    const maximum = quietly(count, when.max_prompt_tokens);
    if (minimum !== undefined && maximum !== undefined && maximum < minimum) {
      report([...path, 'when', 'max_prompt_tokens'], `must not be less than min_prompt_tokens (${minimum})`);
    }
  });
}
