/**
 * The `vertex` provider: Google Vertex AI. `api: gemini` translates OpenAI ⇄ Gemini's generateContent and
 * streamGenerateContent (SSE); `api: openai` sends the OpenAI format to Vertex's OpenAI-compatible endpoint for
 * partner and open models (the OpenAI dialect adapter). Embeddings go to `:predict` whichever API chat uses (see
 * embeddings.ts). All authenticate with Google OAuth bearer tokens.
 */
import type { ChatRequest, ChatResult } from '../../spec/index.ts';
import type { CallContext, ProviderAdapter, StreamSink } from '../adapter.ts';
import { BearerTokenSource, type TokenProvider } from '../http/bearer-token-source.ts';
import { streamDecoded } from '../http/stream-decoded.ts';
import { estimateResultUsage, UsageEstimatingSink } from '../http/estimate-usage.ts';
import { identityCache, transportError } from '../http/transport-error.ts';
import { postRequest, requestBuffered, type UpstreamRequest } from '../http/upstream-call.ts';
import { createUpstreamPool, type UpstreamQueueOptions } from '../http/upstream-pool.ts';
import { parseUpstreamJson } from '../http/parse-upstream-json.ts';
import { createOpenAIDialectAdapter, credentialError } from '../openai/openai-dialect-adapter.ts';
import { createGoogleTokenProvider, type GoogleCredentialSettings } from './auth.ts';
import { convertToGeminiRequest } from './convert-request.ts';
import { fetchRequestImages } from '../http/image-urls.ts';
import { ImageAllowList } from '../http/fetch-image.ts';
import { convertGeminiResponse } from './convert-response.ts';
import { createVertexEmbedder } from './embeddings.ts';
import { mapVertexError } from './errors.ts';
import { GeminiStreamDecoder } from './stream.ts';
import { defineProviderKind } from '../provider-kind.ts';
import { vertexSettings } from './settings.ts';

export interface VertexProviderSettings {
  readonly name: string;
  /** The location's endpoint (`https://us-central1-aiplatform.googleapis.com`), or an override. */
  readonly endpoint: string;
  readonly project: string;
  readonly location: string;
  readonly api: 'gemini' | 'openai';
  readonly credentials: GoogleCredentialSettings;
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  /** The wait for a connection once all are busy; defaults to `defaultUpstreamQueue`. */
  readonly queue?: UpstreamQueueOptions;
  /** Non-public hosts and networks images may be fetched from (`image_fetch_allow`). */
  readonly imageFetchAllow?: readonly string[];
}

export interface VertexDependencies {
  /** Replaces the credentials the settings name (tests mint tokens with a test service account this way). */
  readonly tokens?: TokenProvider;
}

/** Limits on images the gateway fetches from https URLs for Gemini (inline data only). */
type ImageFetchLimits = Parameters<typeof fetchRequestImages>[1];

/** The image limits with a provider's allow list, if it has one. */
function imageLimitsOf(allow: readonly string[] | undefined): ImageFetchLimits {
  return allow === undefined ? imageFetchLimits : Object.freeze({ ...imageFetchLimits, allow: new ImageAllowList(allow) });
}

export const imageFetchLimits = Object.freeze({ maxBytes: 7_000_000, timeoutMs: 10_000 });

export function createVertexAdapter(settings: VertexProviderSettings, dependencies: VertexDependencies = {}): ProviderAdapter {
  const endpoint = new URL(settings.endpoint);
  const basePath = endpoint.pathname.replace(/\/+$/, '');
  const pool = createUpstreamPool(endpoint.origin, { connections: settings.connections, queue: settings.queue });
  const tokens = new BearerTokenSource(
    dependencies.tokens ?? createGoogleTokenProvider(settings.credentials),
    'Google access token for Vertex AI',
    Object.freeze({ ...settings.headers, 'content-type': 'application/json' }),
  );
  const locationPath = `${basePath}/v1/projects/${encodeURIComponent(settings.project)}/locations/${encodeURIComponent(settings.location)}`;
  const modelsPath = `${locationPath}/publishers/google/models`;
  const embed = createVertexEmbedder(settings.name, modelsPath, pool, tokens);

  if (settings.api === 'openai') {
    const chat = createOpenAIDialectAdapter({
      name: settings.name,
      kind: 'vertex',
      pool,
      dialect: { maxTokensField: 'as-sent' },
      path: (operation) => `${locationPath}/endpoints/openapi/${operation}`,
      headers: () => tokens.headers(),
      close: () => pool.close(),
    });
    // Google's text embedding models answer `:predict`, not the OpenAI-compatible endpoint.
    return { ...chat, embed };
  }
  return createGeminiAdapter(settings.name, modelsPath, pool, tokens, imageLimitsOf(settings.imageFetchAllow), embed);
}

function createGeminiAdapter(
  name: string,
  modelsPath: string,
  pool: ReturnType<typeof createUpstreamPool>,
  tokens: BearerTokenSource,
  imageLimits: ImageFetchLimits,
  embed: ProviderAdapter['embed'],
): ProviderAdapter {
  const identityFor = identityCache(name);

  /** The Gemini body (images at https URLs fetched first) and the authenticated request for one attempt. */
  const prepare = async (request: ChatRequest, context: CallContext, method: 'generateContent' | 'streamGenerateContent?alt=sse'): Promise<UpstreamRequest> => {
    const identity = identityFor(context.upstreamModel);
    const images = new Map<string, { mimeType: string; data: string }>();
    for (const [url, image] of await fetchRequestImages(request, imageLimits, context.cancellation)) {
      images.set(url, { mimeType: `image/${image.format}`, data: Buffer.from(image.bytes).toString('base64') });
    }
    const current = tokens.headers();
    let headers: Readonly<Record<string, string>>;
    try {
      headers = current instanceof Promise ? await current : current;
    } catch (error) {
      throw credentialError(error, identity);
    }
    const path = `${modelsPath}/${encodeURIComponent(context.upstreamModel)}:${method}`;
    return postRequest(path, headers, JSON.stringify(convertToGeminiRequest(request, images)), context);
  };

  return {
    name,
    kind: 'vertex',

    async chat(request: ChatRequest, context: CallContext): Promise<ChatResult> {
      const identity = identityFor(context.upstreamModel);
      const upstreamRequest = await prepare(request, context, 'generateContent');
      let response;
      try {
        response = await requestBuffered(pool, upstreamRequest);
      } catch (error) {
        throw transportError(error, identity);
      }
      if (response.status >= 300) throw mapVertexError(response.status, response.headers, response.body, identity);
      const result = convertGeminiResponse(parseUpstreamJson(response.body, identity), identity, context.requestId);
      return result.usage === undefined ? { ...result, usage: estimateResultUsage(request, result) } : result;
    },

    async streamChat(request: ChatRequest, context: CallContext, target: StreamSink): Promise<void> {
      const identity = identityFor(context.upstreamModel);
      const upstreamRequest = await prepare(request, context, 'streamGenerateContent?alt=sse');
      // Usage the upstream does not report (left out, or the stream broke off before it) is counted, marked estimated.
      const sink = new UsageEstimatingSink(target, request);
      return streamDecoded(pool, upstreamRequest, sink, identity, {
        decoder: (status) => (status >= 200 && status < 300 ? new GeminiStreamDecoder(sink, identity, context.requestId) : undefined),
        buffered(status, headers, body) {
          throw mapVertexError(status, headers, body, identity);
        },
      }, sink);
    },

    embed,

    close(): Promise<void> {
      return pool.close();
    },
  };
}

export const vertexKind = defineProviderKind(vertexSettings, (provider, dependencies) =>
  createVertexAdapter(
    {
      name: provider.name,
      endpoint: provider.baseUrl,
      project: provider.settings.project,
      location: provider.settings.location,
      api: provider.settings.api,
      credentials: provider.settings.credentials,
      headers: provider.headers,
      connections: provider.connections,
      queue: provider.queue,
      imageFetchAllow: provider.imageFetchAllow,
    },
    { tokens: dependencies.googleTokens?.(provider) },
  ),
);
