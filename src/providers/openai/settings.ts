/**
 * The configuration of kinds `openai` (OpenAI's API) and `openai-compatible` (any server speaking its dialect):
 * a base URL and a bearer key. Neither has settings of its own beyond the common ones.
 */
import { hasApiKey, isMapping, isPresent } from '../../config-schema/checks.ts';
import { maybeLeaf } from '../../config-schema/fields.ts';
import { parseBaseUrl } from '../../config-schema/values.ts';
import { defineProviderSettings, type MisplacedFieldMessage } from '../provider-kind.ts';

/** Nothing beyond the common provider fields. */
export type OpenAISettings = Readonly<Record<never, never>>;

/** Where kind `openai` (and `openai-compatible` without a base_url, which its check refuses) sends requests. */
export const openaiBaseUrl = 'https://api.openai.com/v1';

const noSettings: OpenAISettings = Object.freeze({});

const fields = {
  /** The API base including its version path, e.g. `https://api.openai.com/v1`. */
  base_url: maybeLeaf(parseBaseUrl),
};

/** Cloud-only fields point at the clouds as a group: the kinds that take an endpoint instead of a base URL. */
const misplacedFields: Readonly<Record<string, MisplacedFieldMessage>> = {
  endpoint: (ownersOf) => `only for ${ownersOf('endpoint')}; did you mean "base_url"?`,
  api_version: (ownersOf) => `only for ${ownersOf('endpoint')}`,
};

const resolve = (entry: { readonly fields: { readonly base_url: string | undefined } }) =>
  Object.freeze({ baseUrl: entry.fields.base_url ?? openaiBaseUrl, settings: noSettings });

/** What both OpenAI kinds share: the fields, no extra auth, one API, the base URL, and embeddings. */
const common = { fields, authFields: {}, authNames: {}, apis: [], misplacedFields, resolve, routing: { embeddings: true } } as const;

export const openaiSettings = defineProviderSettings({
  kind: 'openai',
  example: '{ kind: openai, auth: { api_key: sk-test } }',
  ...common,
  check(provider, report) {
    const auth = provider.auth;
    const apiKey = isMapping(auth) ? auth.api_key : undefined;
    if (!isPresent(auth)) {
      report(['auth'], 'required field missing: kind "openai" needs an API key, e.g. auth: { api_key: ${OPENAI_API_KEY} }');
    } else if (isMapping(auth) && !isPresent(apiKey)) {
      report(['auth', 'api_key'], 'required field missing: kind "openai" needs an API key, e.g. ${OPENAI_API_KEY}');
    } else if (typeof apiKey === 'string' && !hasApiKey(provider)) {
      report(['auth', 'api_key'], 'is empty: kind "openai" needs an API key');
    }
  },
});

export const openaiCompatibleSettings = defineProviderSettings({
  kind: 'openai-compatible',
  example: '{ kind: openai-compatible, base_url: "http://127.0.0.1:1/v1" }',
  ...common,
  check(provider, report) {
    if (!isPresent(provider.base_url)) {
      report(
        ['base_url'],
        'required field missing: kind "openai-compatible" needs the server\'s URL with its version path, e.g. "http://127.0.0.1:8000/v1"',
      );
    }
  },
});
