/**
 * Rules that relate several fields. They run on the document as written (after environment substitution) whether
 * or not the schema accepted it, so one pass reports every problem; anything malformed is left to the schema's
 * messages and skipped here.
 */

import { providerKinds } from './types.ts';
import { didYouMean } from './did-you-mean.ts';
import { quoteValue, type PathSegment, type RawProblem } from './problem.ts';

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
  if (isMapping(document.models)) {
    for (const [name, model] of Object.entries(document.models)) {
      checkModel(name, model, providers, report);
    }
  }
  return problems;
}

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

function checkModel(name: string, model: unknown, providers: Fields | undefined, report: Reporter): void {
  const path = ['models', name];
  if (name.trim() === '' || /[\s\p{Cc}]/u.test(name) || name.length > maximumNameLength) {
    report(path, `model names must be 1 to ${maximumNameLength} characters without spaces or control characters`);
  }
  if (!isMapping(model) || !Array.isArray(model.channels)) return;
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
  });
}
