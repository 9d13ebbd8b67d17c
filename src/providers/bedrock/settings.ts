/**
 * The configuration of kind `bedrock`: the AWS region requests are signed for (also where routing sees the provider),
 * an optional endpoint override, the API (`converse` or `openai`), and where SigV4 credentials come from — or a
 * Bedrock API key instead.
 */
import { hasApiKey, isMapping, isPresent, type Fields } from '../../config-schema/checks.ts';
import { didYouMean } from '../../config-schema/did-you-mean.ts';
import { maybeLeaf } from '../../config-schema/fields.ts';
import { describeType, quoteValue } from '../../config-schema/problem.ts';
import { parseBaseUrl, type Report } from '../../config-schema/values.ts';
import { defineProviderSettings, type ResolvedProvider } from '../provider-kind.ts';
import type { AwsCredentialSettings } from './auth.ts';
import { bedrockEmbeddingModelProblem } from './embeddings.ts';

/** Bedrock's two chat APIs: Converse (every model), or its OpenAI-compatible Chat Completions (OpenAI's open-weight models). */
export const bedrockApis = ['converse', 'openai'] as const;
export type BedrockApi = (typeof bedrockApis)[number];

export interface BedrockSettings {
  readonly api: BedrockApi;
  /** The AWS region requests are signed for. */
  readonly region: string;
  /** SigV4 credentials; undefined when a Bedrock API key (bearer) is used instead. */
  readonly credentials: AwsCredentialSettings | undefined;
}

const awsFields = ['profile', 'access_key_id', 'secret_access_key', 'session_token'] as const;
const awsExpected = 'expected "default-chain", { profile }, or { access_key_id, secret_access_key, session_token }';

/** `aws: default-chain`, `aws: { profile }` or `aws: { access_key_id, secret_access_key, session_token? }`. */
function parseAwsAuth(input: unknown, report: Report): AwsCredentialSettings | undefined {
  if (typeof input === 'string') {
    if (input.trim() === 'default-chain') return { source: 'default-chain' };
    report(`${awsExpected}, got ${quoteValue(input)}`);
    return undefined;
  }
  if (!isMapping(input)) {
    report(`${awsExpected}, got ${describeType(input)}`);
    return undefined;
  }
  const fields: Fields = input;
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

export const bedrockSettings = defineProviderSettings({
  kind: 'bedrock',
  example: '{ kind: bedrock, region: eu-central-1, endpoint: "http://127.0.0.1:1", auth: { aws: { access_key_id: AKID, secret_access_key: secret } } }',
  fields: {
    /** Overrides `https://bedrock-runtime.{region}.amazonaws.com` (a VPC endpoint, an emulator). */
    endpoint: maybeLeaf(parseBaseUrl),
  },
  authFields: { aws: maybeLeaf(parseAwsAuth) },
  authNames: { aws: 'AWS credentials' },
  apis: bedrockApis,
  misplacedFields: { base_url: 'kind "bedrock" takes "endpoint" (only to override the regional endpoint), not base_url' },

  check(provider, report) {
    if (!isPresent(provider.region)) {
      report(['region'], 'required field missing: kind "bedrock" signs requests for an AWS region, e.g. us-east-1');
    }
    if (hasApiKey(provider) && isMapping(provider.auth) && isPresent(provider.auth.aws)) {
      report(['auth', 'aws'], 'give either api_key (a Bedrock API key) or aws credentials, not both');
    }
  },

  resolve({ api, apiKey, region, fields, auth }): ResolvedProvider<BedrockSettings> {
    // The check requires the region.
    const signingRegion = region as string;
    // Without aws credentials and without an API key, the AWS default chain applies.
    const credentials: AwsCredentialSettings | undefined = auth.aws ?? (apiKey === undefined ? { source: 'default-chain' } : undefined);
    return {
      baseUrl: fields.endpoint ?? `https://bedrock-runtime.${signingRegion}.amazonaws.com`,
      settings: Object.freeze({
        api: api as BedrockApi,
        region: signingRegion,
        credentials: credentials === undefined ? undefined : Object.freeze(credentials),
      }),
    };
  },

  printable: (settings, redacted) =>
    settings.credentials?.source !== 'static'
      ? settings
      : { ...settings, credentials: { ...settings.credentials, secretAccessKey: redacted, sessionToken: redacted } },

  routing: { region: (settings) => settings.region, embeddings: true, embeddingModelProblem: bedrockEmbeddingModelProblem },
});
