/**
 * The configuration of kind `vertex`: the Google Cloud project and location (the location also derives the endpoint
 * and is where routing sees the provider unless its entry names a region), the API (`gemini` or `openai`), and
 * where Google OAuth tokens come from.
 */
import { hasApiKey, isMapping, isPresent } from '../../config-schema/checks.ts';
import { didYouMean } from '../../config-schema/did-you-mean.ts';
import { maybeLeaf, parseText } from '../../config-schema/fields.ts';
import { describeType, quoteValue } from '../../config-schema/problem.ts';
import { parseBaseUrl, type Report } from '../../config-schema/values.ts';
import { defineProviderSettings, type ResolvedProvider } from '../provider-kind.ts';
import type { GoogleCredentialSettings } from './auth.ts';
import { vertexEmbeddingModelProblem } from './embeddings.ts';

/** Vertex AI's two chat APIs: Gemini's native generateContent, or the OpenAI-compatible endpoint for partner and open models. */
export const vertexApis = ['gemini', 'openai'] as const;
export type VertexApi = (typeof vertexApis)[number];

/**
 * The image types Gemini takes on Vertex AI (Google's image understanding page, every current Gemini model); a GIF or
 * a BMP is refused. Routing passes `api: gemini` channels over for inline images of any other type.
 */
export const geminiImageTypes: readonly string[] = Object.freeze(['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif']);

export interface VertexSettings {
  readonly api: VertexApi;
  readonly project: string;
  /** `global`, a region (`us-central1`), or a multi-region (`us`, `eu`). */
  readonly location: string;
  readonly credentials: GoogleCredentialSettings;
}

/** Vertex AI's host for a location: `global` → aiplatform.googleapis.com, multi-regions → their rep hosts, regions → `{location}-aiplatform`. */
export function vertexEndpoint(location: string): string {
  if (location === 'global') return 'https://aiplatform.googleapis.com';
  if (location === 'us' || location === 'eu') return `https://aiplatform.${location}.rep.googleapis.com`;
  return `https://${location}-aiplatform.googleapis.com`;
}

const googleExpected = 'expected "application-default" or { service_account_file: path }';

/** `google: application-default` or `google: { service_account_file: path }`. */
function parseGoogleAuth(input: unknown, report: Report): GoogleCredentialSettings | undefined {
  if (typeof input === 'string') {
    if (input.trim() === 'application-default') return { source: 'application-default' };
    report(`${googleExpected}, got ${quoteValue(input)}`);
    return undefined;
  }
  if (!isMapping(input)) {
    report(`${googleExpected}, got ${describeType(input)}`);
    return undefined;
  }
  let failed = false;
  for (const key of Object.keys(input)) {
    if (key !== 'service_account_file') {
      report(`unknown field${didYouMean(key, ['service_account_file'])}`, [key]);
      failed = true;
    }
  }
  const file = input.service_account_file;
  if (failed) return undefined;
  if (typeof file !== 'string' || file.trim() === '') {
    report('required field missing: service_account_file (the path of a service-account key JSON file)');
    return undefined;
  }
  return { source: 'service-account-file', file: file.trim() };
}

export const vertexSettings = defineProviderSettings({
  kind: 'vertex',
  example: '{ kind: vertex, project: p, location: europe-west4, endpoint: "http://127.0.0.1:1" }',
  fields: {
    /** Overrides the location's endpoint (an emulator, a private endpoint). */
    endpoint: maybeLeaf(parseBaseUrl),
    project: maybeLeaf(parseText),
    location: maybeLeaf(parseText),
  },
  authFields: { google: maybeLeaf(parseGoogleAuth) },
  authNames: { google: 'Google credentials' },
  files: [['auth', 'google', 'service_account_file']],
  apis: vertexApis,
  misplacedFields: { base_url: 'kind "vertex" takes "endpoint" (only to override the location\'s endpoint), not base_url' },

  check(provider, report) {
    for (const field of ['project', 'location'] as const) {
      if (!isPresent(provider[field])) {
        report([field], `required field missing: kind "vertex" needs the Google Cloud ${field === 'project' ? 'project ID' : 'location (global, a region such as us-central1, or us / eu)'}`);
      }
    }
    if (hasApiKey(provider)) {
      report(['auth', 'api_key'], 'kind "vertex" authenticates with Google credentials: auth: { google: application-default } or { google: { service_account_file } }');
    }
  },

  resolve({ api, fields, auth }): ResolvedProvider<VertexSettings> {
    // The check requires project and location.
    const location = fields.location as string;
    return {
      baseUrl: fields.endpoint ?? vertexEndpoint(location),
      settings: Object.freeze({
        api: api as VertexApi,
        project: fields.project as string,
        location,
        credentials: Object.freeze(auth.google ?? { source: 'application-default' as const }),
      }),
    };
  },

  routing: {
    region: (settings) => settings.location,
    embeddings: true,
    embeddingModelProblem: vertexEmbeddingModelProblem,
    // The OpenAI-compatible endpoint serves partner and open models, each with its own rules: not declared.
    imageTypes: (settings) => (settings.api === 'gemini' ? geminiImageTypes : undefined),
  },
});
