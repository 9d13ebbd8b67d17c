/**
 * Rules that relate several fields. They run on the document as written (after environment substitution) whether
 * or not the schema accepted it, so one pass reports every problem; anything malformed is left to the schema's
 * messages and skipped here.
 */

import { providerKinds } from './types.ts';
import { didYouMean } from './did-you-mean.ts';
import { quoteValue, type PathSegment, type RawProblem } from './problem.ts';
import { defaults, laterAgreementKinds } from './schema.ts';
import { formatDuration, parseBoolean, parseCount, parseDate, parseDuration, type Report } from './values.ts';

type Fields = Record<string, unknown>;

function isMapping(value: unknown): value is Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

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
  const context: ReferenceContext = {
    providers,
    models: isMapping(document.models) ? document.models : document.models == null ? {} : undefined,
  };
  if (Array.isArray(document.agreements)) checkAgreements(document.agreements, context, report);
  if (Array.isArray(document.decline_rules)) checkDeclineRules(document.decline_rules, context, report);
  return problems;
}

/** A value parsed without reporting: undefined when absent or malformed (the schema reports those). */
function quietly<T>(parse: (input: unknown, report: Report) => T | undefined, input: unknown): T | undefined {
  if (!isPresent(input)) return undefined;
  let failed = false;
  const value = parse(input, () => {
    failed = true;
  });
  return failed ? undefined : value;
}

/** The value parsed, `fallback` when absent, undefined when malformed. */
function orDefault<T>(parse: (input: unknown, report: Report) => T | undefined, input: unknown, fallback: T): T | undefined {
  return isPresent(input) ? quietly(parse, input) : fallback;
}

const isTrue = (value: unknown) => quietly(parseBoolean, value) === true;
const trimmed = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
/** A provider or upstream model name as the loader keeps it (not trimmed, like a channel's). */
const exactName = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

type Reporter = (path: readonly PathSegment[], message: string) => void;

function checkProvider(name: string, provider: unknown, report: Reporter): void {
  const path = ['providers', name];
  if (!providerName.test(name) || name.length > maximumNameLength) {
    report(path, 'provider names must start with a letter or digit and contain only letters, digits, ".", "_" and "-"');
  }
  if (!isMapping(provider)) return;
  const kind = typeof provider.kind === 'string' ? provider.kind.trim() : undefined;
  if (kind === undefined || !(providerKinds as readonly string[]).includes(kind)) return;
  const auth = provider.auth;
  const apiKey = isMapping(auth) ? auth.api_key : undefined;
  const hasApiKey = typeof apiKey === 'string' && apiKey.trim() !== '';

  if (kind === 'openai') {
    if (!isPresent(auth)) {
      report([...path, 'auth'], 'required field missing: kind "openai" needs an API key, e.g. auth: { api_key: ${OPENAI_API_KEY} }');
    } else if (isMapping(auth) && !isPresent(apiKey)) {
      report([...path, 'auth', 'api_key'], 'required field missing: kind "openai" needs an API key, e.g. ${OPENAI_API_KEY}');
    } else if (typeof apiKey === 'string' && !hasApiKey) {
      report([...path, 'auth', 'api_key'], 'is empty: kind "openai" needs an API key');
    }
  }
  if (kind === 'azure-openai') {
    checkAzureProvider(path, provider, auth, hasApiKey, report);
  } else if (kind === 'bedrock') {
    checkBedrockProvider(path, provider, auth, hasApiKey, report);
  } else if (kind === 'vertex') {
    checkVertexProvider(path, provider, hasApiKey, report);
  } else {
    for (const field of ['endpoint', 'api', 'api_version'] as const) {
      if (isPresent(provider[field])) report([...path, field], `only for kinds "azure-openai", "bedrock" and "vertex"${field === 'endpoint' ? '; did you mean "base_url"?' : ''}`);
    }
  }
  if (kind !== 'vertex') {
    for (const field of ['project', 'location'] as const) {
      if (isPresent(provider[field])) report([...path, field], 'only for kind "vertex"');
    }
  }
  if (kind !== 'vertex' && isMapping(auth) && isPresent(auth.google)) report([...path, 'auth', 'google'], 'Google credentials are only for kind "vertex"');
  if (kind !== 'azure-openai' && isMapping(auth) && isPresent(auth.entra)) report([...path, 'auth', 'entra'], 'Entra ID credentials are only for kind "azure-openai"');
  if (kind !== 'bedrock' && isMapping(auth) && isPresent(auth.aws)) report([...path, 'auth', 'aws'], 'AWS credentials are only for kind "bedrock"');
  if (kind === 'openai-compatible' && !isPresent(provider.base_url)) {
    report(
      [...path, 'base_url'],
      'required field missing: kind "openai-compatible" needs the server\'s URL with its version path, e.g. "http://127.0.0.1:8000/v1"',
    );
  }
  if (hasApiKey && isMapping(provider.headers)) {
    for (const header of Object.keys(provider.headers)) {
      if (header.toLowerCase() === 'authorization') {
        report([...path, 'headers', header], 'conflicts with auth.api_key, which is sent as Authorization: Bearer …; keep one of them');
      }
    }
  }
}

function checkVertexProvider(path: readonly PathSegment[], provider: Fields, hasApiKey: boolean, report: Reporter): void {
  for (const field of ['project', 'location'] as const) {
    if (!isPresent(provider[field])) {
      report([...path, field], `required field missing: kind "vertex" needs the Google Cloud ${field === 'project' ? 'project ID' : 'location (global, a region such as us-central1, or us / eu)'}`);
    }
  }
  if (isPresent(provider.base_url)) report([...path, 'base_url'], 'kind "vertex" takes "endpoint" (only to override the location\'s endpoint), not base_url');
  if (isPresent(provider.api_version)) report([...path, 'api_version'], 'only for kind "azure-openai"');
  const api = typeof provider.api === 'string' ? provider.api.trim() : undefined;
  if (api === 'v1' || api === 'deployments' || api === 'converse') {
    report([...path, 'api'], `kind "vertex" has api "gemini" or "openai", not ${quoteValue(api)}`);
  }
  if (hasApiKey) report([...path, 'auth', 'api_key'], 'kind "vertex" authenticates with Google credentials: auth: { google: application-default } or { google: { service_account_file } }');
}

function checkBedrockProvider(path: readonly PathSegment[], provider: Fields, auth: unknown, hasApiKey: boolean, report: Reporter): void {
  if (!isPresent(provider.region)) {
    report([...path, 'region'], 'required field missing: kind "bedrock" signs requests for an AWS region, e.g. us-east-1');
  }
  if (isPresent(provider.base_url)) report([...path, 'base_url'], 'kind "bedrock" takes "endpoint" (only to override the regional endpoint), not base_url');
  if (isPresent(provider.api_version)) report([...path, 'api_version'], 'only for kind "azure-openai"');
  const api = typeof provider.api === 'string' ? provider.api.trim() : undefined;
  if (api === 'v1' || api === 'deployments' || api === 'gemini') {
    report([...path, 'api'], `kind "bedrock" has api "converse" or "openai", not ${quoteValue(api)}`);
  }
  if (hasApiKey && isMapping(auth) && isPresent(auth.aws)) report([...path, 'auth', 'aws'], 'give either api_key (a Bedrock API key) or aws credentials, not both');
}

function checkAzureProvider(path: readonly PathSegment[], provider: Fields, auth: unknown, hasApiKey: boolean, report: Reporter): void {
  if (!isPresent(provider.endpoint)) {
    report([...path, 'endpoint'], 'required field missing: kind "azure-openai" needs the resource endpoint, e.g. "https://contoso.openai.azure.com"');
  }
  if (isPresent(provider.base_url)) report([...path, 'base_url'], 'kind "azure-openai" takes "endpoint" (the resource URL), not base_url');
  const entra = isMapping(auth) ? auth.entra : undefined;
  if (!hasApiKey && !isPresent(entra)) {
    report([...path, 'auth'], 'required field missing: kind "azure-openai" needs auth: { api_key: … } or auth: { entra: { credential: … } }');
  } else if (hasApiKey && isPresent(entra)) {
    report([...path, 'auth', 'entra'], 'give either api_key or entra, not both');
  }
  if (isMapping(entra)) {
    const credential = typeof entra.credential === 'string' ? entra.credential.trim() : undefined;
    if (credential === 'client-secret') {
      for (const field of ['tenant_id', 'client_id', 'client_secret'] as const) {
        if (!isPresent(entra[field])) report([...path, 'auth', 'entra', field], `required field missing: credential "client-secret" needs ${field}`);
      }
    } else if (isPresent(entra.client_secret)) {
      report([...path, 'auth', 'entra', 'client_secret'], 'only for credential "client-secret"');
    }
  }
  const api = typeof provider.api === 'string' ? provider.api.trim() : undefined;
  if (api === 'converse' || api === 'openai' || api === 'gemini') {
    report([...path, 'api'], `kind "azure-openai" has api "v1" or "deployments", not ${quoteValue(api)}`);
  }
  if (api === 'v1' || !isPresent(provider.api)) {
    if (isPresent(provider.api_version)) report([...path, 'api_version'], 'only for api: deployments (the v1 API takes no api-version)');
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
    if (model.type === 'embedding' && isMapping(providerFields) && providerFields.kind === 'bedrock') {
      report([...channelPath, 'provider'], 'bedrock channels serve chat models only in this build (no embeddings)');
    }
    if (model.type === 'embedding' && isMapping(providerFields) && providerFields.kind === 'vertex') {
      report([...channelPath, 'provider'], 'vertex channels serve chat models only in this build (no embeddings)');
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
    if (isMapping(channel.price) && !isPresent(channel.price.output) && !embedding) {
      report([...channelPath, 'price', 'output'], 'required field missing (US dollars per million output tokens, e.g. 10.00)');
    }
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

/** What agreements and decline rules refer to; `undefined` where that section is malformed (nothing is checked). */
interface ReferenceContext {
  readonly providers: Fields | undefined;
  readonly models: Fields | undefined;
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

/** `{ provider, model }`: a defined provider and, when given, the upstream model of one of its channels. */
function checkSelector(path: readonly PathSegment[], selector: unknown, context: ReferenceContext, report: Reporter): void {
  if (!isMapping(selector)) return;
  const provider = exactName(selector.provider);
  if (provider === undefined || context.providers === undefined) return;
  if (!Object.hasOwn(context.providers, provider)) {
    const names = Object.keys(context.providers);
    const hint = names.length === 0 ? ' (no providers are defined)' : didYouMean(provider, names);
    report([...path, 'provider'], `unknown provider ${quoteValue(provider)}${hint}`);
    return;
  }
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

function checkAgreements(agreements: readonly unknown[], context: ReferenceContext, report: Reporter): void {
  const licences = agreements.map((agreement, index) => (isMapping(agreement) && !isLaterKind(agreement.kind) ? { agreement, index } : undefined));
  checkListNames('agreements', 'agreement', licences.map((entry) => entry?.agreement), report);
  const exclusive: ExclusiveLicence[] = [];
  for (const entry of licences) {
    if (entry === undefined) continue;
    const { agreement, index } = entry;
    const path = ['agreements', index];
    if (!isPresent(agreement.name)) report([...path, 'name'], 'required field missing (a name for the agreement, e.g. msft-licence)');
    if (!isPresent(agreement.party)) report([...path, 'party'], 'required field missing (who granted the licence, e.g. Microsoft)');
    if (!isPresent(agreement.channels)) {
      report([...path, 'channels'], 'required field missing: the channels the licence covers, { provider, model }');
    }
    checkSelector([...path, 'channels'], agreement.channels, context, report);
    checkModelNames([...path, 'models'], agreement.models, context, report);
    const from = quietly(parseDate, agreement.from);
    const until = quietly(parseDate, agreement.until);
    if (from !== undefined && until !== undefined && until < from) report([...path, 'until'], `must not be before from (${from})`);
    else if (isTrue(agreement.exclusive)) {
      const licence = exclusiveLicence(index, agreement, from, until, context);
      if (licence !== undefined) {
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
