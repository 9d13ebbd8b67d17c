/**
 * The `openai` and `openai-compatible` providers: OpenAI's API and any server that speaks its dialect (vLLM, Ollama,
 * llama.cpp, LM Studio). One adapter; the dialect differences are settings.
 */
import type { Pool } from 'undici';
import type { ChatRequest, ChatResult, EmbeddingRequest, EmbeddingResult } from '../../spec/index.ts';
import type { CallContext, ProviderAdapter, StreamSink } from '../adapter.ts';
import { transportError, type UpstreamIdentity } from '../http/transport-error.ts';
import { requestBuffered, requestStreaming, type UpstreamRequest } from '../http/upstream-call.ts';
import { createUpstreamPool } from '../http/upstream-pool.ts';
import { convertChatRequest, convertEmbeddingRequest, type OpenAIDialect } from './convert-request.ts';
import { convertChatResponse, convertEmbeddingResponse, parseUpstreamJson } from './convert-response.ts';
import { mapOpenAIError } from './errors.ts';
import { OpenAIStreamDecoder } from './stream.ts';

export interface OpenAIProviderSettings {
  readonly name: string;
  readonly kind: 'openai' | 'openai-compatible';
  /** Including the version path, e.g. `https://api.openai.com/v1`. */
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  /** Overrides the kind's default dialect. */
  readonly dialect?: OpenAIDialect;
}

const dialects: Record<OpenAIProviderSettings['kind'], OpenAIDialect> = {
  openai: { maxTokensField: 'as-sent' },
  'openai-compatible': { maxTokensField: 'max_tokens' },
};

export function createOpenAIAdapter(settings: OpenAIProviderSettings, pool?: Pool): ProviderAdapter {
  const url = new URL(settings.baseUrl);
  const basePath = url.pathname.replace(/\/+$/, '');
  const upstreamPool = pool ?? createUpstreamPool(url.origin, { connections: settings.connections });
  const dialect = settings.dialect ?? dialects[settings.kind];
  const headers: Record<string, string> = { ...settings.headers, 'content-type': 'application/json' };
  if (settings.apiKey !== undefined) headers.authorization = `Bearer ${settings.apiKey}`;
  const chatPath = `${basePath}/chat/completions`;
  const embeddingsPath = `${basePath}/embeddings`;
  const identities = new Map<string, UpstreamIdentity>();
  const identityFor = (model: string): UpstreamIdentity => {
    let identity = identities.get(model);
    if (identity === undefined) identities.set(model, (identity = { provider: settings.name, model }));
    return identity;
  };

  const upstreamRequest = (path: string, body: string, context: CallContext): UpstreamRequest => ({
    method: 'POST',
    path,
    headers,
    body,
    cancellation: context.cancellation,
    headersTimeoutMs: context.headersTimeoutMs,
    bodyTimeoutMs: context.bodyTimeoutMs,
  });

  /** POSTs a JSON body and resolves with the parsed 2xx body; rejects with the mapped GatewayError. */
  const postJson = async (path: string, body: string, context: CallContext, identity: UpstreamIdentity): Promise<unknown> => {
    let response;
    try {
      response = await requestBuffered(upstreamPool, upstreamRequest(path, body, context));
    } catch (error) {
      throw transportError(error, identity);
    }
    if (response.status >= 300) throw mapOpenAIError(response.status, response.headers, response.body, identity);
    return parseUpstreamJson(response.body, identity);
  };

  return {
    name: settings.name,
    kind: settings.kind,

    async chat(request: ChatRequest, context: CallContext): Promise<ChatResult> {
      const identity = identityFor(context.upstreamModel);
      const body = convertChatRequest(request, context.upstreamModel, dialect, false);
      return convertChatResponse(await postJson(chatPath, body, context, identity), identity);
    },

    streamChat(request: ChatRequest, context: CallContext, sink: StreamSink): Promise<void> {
      const identity = identityFor(context.upstreamModel);
      const body = convertChatRequest(request, context.upstreamModel, dialect, true);
      return new Promise((resolve, reject) => {
        let status = 0;
        let responseHeaders: Record<string, string | string[] | undefined> = {};
        let decoder: OpenAIStreamDecoder | undefined;
        let settled = false;
        const settle = (error: unknown): void => {
          if (settled) return;
          settled = true;
          if (error === undefined) resolve();
          else reject(error);
        };
        const control = requestStreaming(upstreamPool, upstreamRequest(chatPath, body, context), {
          onStart(statusCode, headers) {
            status = statusCode;
            responseHeaders = headers;
            if (statusCode < 200 || statusCode >= 300) return false;
            const contentType = headers['content-type'];
            // A server that ignored `stream: true` answers one JSON body; it is read whole and replayed as parts.
            if (typeof contentType === 'string' && contentType.includes('application/json')) return false;
            decoder = new OpenAIStreamDecoder(sink, identity);
            return true;
          },
          onData(chunk) {
            const flowing = decoder!.push(chunk);
            if (decoder!.error !== undefined) {
              settle(decoder!.error);
              control.abort(decoder!.error);
            }
            return flowing;
          },
          onEnd(buffered) {
            if (decoder !== undefined) {
              settle(decoder.end());
              return;
            }
            if (status < 200 || status >= 300) {
              settle(mapOpenAIError(status, responseHeaders, buffered ?? Buffer.alloc(0), identity));
              return;
            }
            try {
              replayCompletion(convertChatResponse(parseUpstreamJson(buffered ?? Buffer.alloc(0), identity), identity), sink);
              settle(undefined);
            } catch (error) {
              settle(error);
            }
          },
          onError(error) {
            settle(decoder?.error ?? transportError(error, identity));
          },
        });
        sink.onDrain(() => control.resume());
      });
    },

    async embed(request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResult> {
      const identity = identityFor(context.upstreamModel);
      const body = convertEmbeddingRequest(request, context.upstreamModel);
      return convertEmbeddingResponse(await postJson(embeddingsPath, body, context, identity), identity, request.input.length);
    },

    async close(): Promise<void> {
      if (pool === undefined) await upstreamPool.close();
    },
  };
}

/** Replays a whole completion as stream parts (for upstreams that answer JSON to a streaming request). */
function replayCompletion(result: ChatResult, sink: StreamSink): void {
  sink.write({ type: 'start', id: result.id, created: result.created, model: result.model });
  if (result.reasoning !== undefined) sink.write({ type: 'reasoning-delta', delta: result.reasoning });
  if (result.content !== null && result.content !== '') sink.write({ type: 'text-delta', delta: result.content });
  if (result.toolCalls !== undefined) {
    result.toolCalls.forEach((call, index) => {
      sink.write({ type: 'tool-call-delta', index, id: call.id, name: call.function.name, argumentsDelta: call.function.arguments });
    });
  }
  sink.write({ type: 'finish', finishReason: result.finishReason });
  if (result.usage !== undefined) sink.write({ type: 'usage', usage: result.usage });
}
