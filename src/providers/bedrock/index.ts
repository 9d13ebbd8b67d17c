/**
 * The `bedrock` provider: AWS Bedrock's Converse and ConverseStream APIs (every model, translated from and to the
 * OpenAI format here), or Bedrock's OpenAI-compatible Chat Completions endpoint for OpenAI's open-weight models
 * (the OpenAI dialect adapter, signed with SigV4). Embeddings go to InvokeModel whichever API chat uses (see
 * embeddings.ts). Model IDs, inference profile IDs (`us.…`, `global.…`) and ARNs travel as one path segment.
 */
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { ChatRequest, ChatResult } from '../../spec/index.ts';
import type { CallContext, ProviderAdapter, StreamSink } from '../adapter.ts';
import { identityCache, transportError } from '../http/transport-error.ts';
import { streamDecoded } from '../http/stream-decoded.ts';
import { estimateResultUsage, UsageEstimatingSink } from '../http/estimate-usage.ts';
import { postRequest, requestBuffered, type UpstreamRequest } from '../http/upstream-call.ts';
import { createUpstreamPool, type UpstreamQueueOptions } from '../http/upstream-pool.ts';
import { parseUpstreamJson } from '../http/parse-upstream-json.ts';
import { createOpenAIDialectAdapter, credentialError } from '../openai/openai-dialect-adapter.ts';
import {
  createAwsCredentialProvider,
  createBearerAuthenticator,
  createSigV4Authenticator,
  type AwsCredentialSettings,
  type RequestAuthenticator,
} from './auth.ts';
import { convertToConverseRequest } from './convert-request.ts';
import { fetchRequestImages } from '../http/image-urls.ts';
import { ImageAllowList } from '../http/fetch-image.ts';
import { convertConverseResponse } from './convert-response.ts';
import { createBedrockEmbedder } from './embeddings.ts';
import { mapBedrockError } from './errors.ts';
import { ConverseStreamDecoder } from './stream.ts';
import { defineProviderKind } from '../provider-kind.ts';
import { bedrockSettings } from './settings.ts';

export interface BedrockProviderSettings {
  readonly name: string;
  /** `https://bedrock-runtime.{region}.amazonaws.com`, or an override (a VPC endpoint, an emulator). */
  readonly endpoint: string;
  readonly region: string;
  readonly api: 'converse' | 'openai';
  /** A Bedrock API key (bearer); when set, requests are not SigV4-signed. */
  readonly apiKey: string | undefined;
  readonly credentials: AwsCredentialSettings | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  /** The wait for a connection once all are busy; defaults to `defaultUpstreamQueue`. */
  readonly queue?: UpstreamQueueOptions;
  /** Non-public hosts and networks images may be fetched from (`image_fetch_allow`). */
  readonly imageFetchAllow?: readonly string[];
}

export interface BedrockDependencies {
  /** Replaces the credentials the settings name (tests sign with the emulator's test keys this way). */
  readonly credentials?: AwsCredentialIdentityProvider;
}

/** Limits on images the gateway fetches from https URLs for Bedrock (which takes image bytes only). */
type ImageFetchLimits = Parameters<typeof fetchRequestImages>[1];

/** The image limits with a provider's allow list, if it has one. */
function imageLimitsOf(allow: readonly string[] | undefined): ImageFetchLimits {
  return allow === undefined ? imageFetchLimits : Object.freeze({ ...imageFetchLimits, allow: new ImageAllowList(allow) });
}

export const imageFetchLimits = Object.freeze({ maxBytes: 3_750_000, timeoutMs: 10_000 });

export function createBedrockAdapter(settings: BedrockProviderSettings, dependencies: BedrockDependencies = {}): ProviderAdapter {
  const endpoint = new URL(settings.endpoint);
  const basePath = endpoint.pathname.replace(/\/+$/, '');
  const pool = createUpstreamPool(endpoint.origin, { connections: settings.connections, queue: settings.queue });
  const authenticate: RequestAuthenticator =
    settings.apiKey !== undefined && dependencies.credentials === undefined
      ? createBearerAuthenticator(settings.apiKey, settings.headers)
      : createSigV4Authenticator({
          endpoint,
          region: settings.region,
          credentials: dependencies.credentials ?? createAwsCredentialProvider(settings.credentials ?? { source: 'default-chain' }),
          headers: settings.headers,
        });

  const embed = createBedrockEmbedder(settings.name, basePath, pool, authenticate);
  if (settings.api === 'openai') {
    const chat = createOpenAIDialectAdapter({
      name: settings.name,
      kind: 'bedrock',
      pool,
      dialect: { maxTokensField: 'as-sent' },
      path: (operation) => `${basePath}/openai/v1/${operation}`,
      headers: authenticate,
      close: () => pool.close(),
    });
    // Bedrock's OpenAI-compatible endpoint serves chat only.
    return { ...chat, embed };
  }
  return createConverseAdapter(settings.name, basePath, pool, authenticate, imageLimitsOf(settings.imageFetchAllow), embed);
}

function createConverseAdapter(
  name: string,
  basePath: string,
  pool: ReturnType<typeof createUpstreamPool>,
  authenticate: RequestAuthenticator,
  imageLimits: ImageFetchLimits,
  embed: ProviderAdapter['embed'],
): ProviderAdapter {
  const identityFor = identityCache(name);
  const modelPaths = new Map<string, string>();
  /** `/model/{modelId}` with the ID as one segment (`:` and `/` of ARNs percent-encoded). */
  const modelPath = (model: string): string => {
    let path = modelPaths.get(model);
    if (path === undefined) modelPaths.set(model, (path = `${basePath}/model/${encodeURIComponent(model)}`));
    return path;
  };

  /** The Converse body (images at https URLs fetched first) and the signed request for one attempt. */
  const prepare = async (request: ChatRequest, context: CallContext, operation: 'converse' | 'converse-stream'): Promise<UpstreamRequest> => {
    const identity = identityFor(context.upstreamModel);
    const images = await fetchRequestImages(request, imageLimits, context.cancellation);
    const body = JSON.stringify(convertToConverseRequest(request, images));
    const path = `${modelPath(context.upstreamModel)}/${operation}`;
    let headers: Readonly<Record<string, string>>;
    try {
      headers = await authenticate(path, body);
    } catch (error) {
      throw credentialError(error, identity);
    }
    return postRequest(path, headers, body, context);
  };

  return {
    name,
    kind: 'bedrock',

    async chat(request: ChatRequest, context: CallContext): Promise<ChatResult> {
      const identity = identityFor(context.upstreamModel);
      const upstreamRequest = await prepare(request, context, 'converse');
      let response;
      try {
        response = await requestBuffered(pool, upstreamRequest);
      } catch (error) {
        throw transportError(error, identity);
      }
      if (response.status >= 300) throw mapBedrockError(response.status, response.headers, response.body, identity);
      const result = convertConverseResponse(parseUpstreamJson(response.body, identity), identity, context.requestId);
      return result.usage === undefined ? { ...result, usage: estimateResultUsage(request, result) } : result;
    },

    async streamChat(request: ChatRequest, context: CallContext, target: StreamSink): Promise<void> {
      const identity = identityFor(context.upstreamModel);
      const upstreamRequest = await prepare(request, context, 'converse-stream');
      // Usage the upstream does not report (left out, or the stream broke off before it) is counted, marked estimated.
      const sink = new UsageEstimatingSink(target, request);
      return streamDecoded(pool, upstreamRequest, sink, identity, {
        decoder: (status) => (status >= 200 && status < 300 ? new ConverseStreamDecoder(sink, identity) : undefined),
        buffered(status, headers, body) {
          throw mapBedrockError(status, headers, body, identity);
        },
      }, sink);
    },

    embed,

    close(): Promise<void> {
      return pool.close();
    },
  };
}

export const bedrockKind = defineProviderKind(bedrockSettings, (provider, dependencies) =>
  createBedrockAdapter(
    {
      name: provider.name,
      endpoint: provider.baseUrl,
      region: provider.settings.region,
      api: provider.settings.api,
      apiKey: provider.apiKey,
      credentials: provider.settings.credentials,
      headers: provider.headers,
      connections: provider.connections,
      queue: provider.queue,
      imageFetchAllow: provider.imageFetchAllow,
    },
    { credentials: dependencies.awsCredentials?.(provider) },
  ),
);
