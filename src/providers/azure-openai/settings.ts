/**
 * The configuration of kind `azure-openai`: the resource endpoint, the URL style (`api: v1 | deployments`) with its
 * api-version, and Entra ID credentials as the alternative to an `api-key`.
 */
import { hasApiKey, isMapping, isPresent, textOf } from '../../config-schema/checks.ts';
import { choice, maybeLeaf, optionalObject, parseSecret, parseText, requiredLeaf, strictObject } from '../../config-schema/fields.ts';
import { parseBaseUrl } from '../../config-schema/values.ts';
import { defineProviderSettings, type ResolvedProvider } from '../provider-kind.ts';
import type { EntraCredentialSettings } from './entra-credential.ts';

/** Azure OpenAI's two URL styles: `/openai/v1/…` with the deployment as `model`, or `/openai/deployments/{name}/…?api-version=`. */
export const azureApiStyles = ['v1', 'deployments'] as const;
export type AzureApiStyle = (typeof azureApiStyles)[number];

/** Microsoft Entra ID credential sources (through @azure/identity). */
export const entraCredentialKinds = ['default', 'azure-cli', 'managed-identity', 'workload-identity', 'client-secret'] as const satisfies readonly EntraCredentialSettings['credential'][];

export interface EntraSettings extends EntraCredentialSettings {
  /** The token scope; Azure OpenAI's is `https://cognitiveservices.azure.com/.default`. */
  readonly scope: string;
}

export interface AzureOpenAISettings {
  readonly api: AzureApiStyle;
  /** Sent as `api-version` in the deployments style. */
  readonly apiVersion: string;
  /** Entra ID bearer tokens instead of the `api-key` header. */
  readonly entra: EntraSettings | undefined;
}

export const azureDefaults = Object.freeze({ apiVersion: '2024-10-21', entraScope: 'https://cognitiveservices.azure.com/.default' });

const entraSchema = strictObject({
  credential: requiredLeaf(choice('credential', entraCredentialKinds), ` (one of ${entraCredentialKinds.join(', ')})`),
  tenant_id: maybeLeaf(parseText),
  client_id: maybeLeaf(parseText),
  client_secret: maybeLeaf(parseSecret),
  scope: maybeLeaf(parseText),
});

export const azureOpenAISettings = defineProviderSettings({
  kind: 'azure-openai',
  example: '{ kind: azure-openai, endpoint: "http://127.0.0.1:1", auth: { api_key: k } }',
  fields: {
    /** The resource endpoint, e.g. `https://contoso.openai.azure.com`. */
    endpoint: maybeLeaf(parseBaseUrl),
    api_version: maybeLeaf(parseText),
  },
  authFields: { entra: optionalObject(entraSchema) },
  authNames: { entra: 'Entra ID credentials' },
  apis: azureApiStyles,
  misplacedFields: { base_url: 'kind "azure-openai" takes "endpoint" (the resource URL), not base_url' },

  check(provider, report) {
    if (!isPresent(provider.endpoint)) {
      report(['endpoint'], 'required field missing: kind "azure-openai" needs the resource endpoint, e.g. "https://contoso.openai.azure.com"');
    }
    const keyed = hasApiKey(provider);
    const entra = isMapping(provider.auth) ? provider.auth.entra : undefined;
    if (!keyed && !isPresent(entra)) {
      report(['auth'], 'required field missing: kind "azure-openai" needs auth: { api_key: … } or auth: { entra: { credential: … } }');
    } else if (keyed && isPresent(entra)) {
      report(['auth', 'entra'], 'give either api_key or entra, not both');
    }
    if (isMapping(entra)) {
      if (textOf(entra.credential) === 'client-secret') {
        for (const field of ['tenant_id', 'client_id', 'client_secret'] as const) {
          if (!isPresent(entra[field])) report(['auth', 'entra', field], `required field missing: credential "client-secret" needs ${field}`);
        }
      } else if (isPresent(entra.client_secret)) {
        report(['auth', 'entra', 'client_secret'], 'only for credential "client-secret"');
      }
    }
    const api = textOf(provider.api);
    if ((api === 'v1' || !isPresent(provider.api)) && isPresent(provider.api_version)) {
      report(['api_version'], 'only for api: deployments (the v1 API takes no api-version)');
    }
  },

  resolve({ api, fields, auth }): ResolvedProvider<AzureOpenAISettings> {
    const entra = auth.entra;
    const settings: AzureOpenAISettings = Object.freeze({
      api: api as AzureApiStyle,
      apiVersion: fields.api_version ?? azureDefaults.apiVersion,
      entra:
        entra === undefined
          ? undefined
          : Object.freeze({
              credential: entra.credential,
              tenantId: entra.tenant_id,
              clientId: entra.client_id,
              clientSecret: entra.client_secret,
              scope: entra.scope ?? azureDefaults.entraScope,
            }),
    });
    // The check requires the endpoint.
    return { baseUrl: fields.endpoint as string, settings };
  },

  printable: (settings, redacted) =>
    settings.entra?.clientSecret === undefined ? settings : { ...settings, entra: { ...settings.entra, clientSecret: redacted } },

  summary: (settings) => ({
    settings: [settings.api === 'v1' ? 'API v1' : `API deployments, api-version ${settings.apiVersion}`],
    authentication: settings.entra === undefined ? undefined : `Entra ID (${settings.entra.credential})`,
  }),

  routing: { embeddings: true },
});
