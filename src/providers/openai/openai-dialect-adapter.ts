/**
 * One adapter for every upstream that speaks OpenAI's chat dialect. What differs between them (the URL of an
 * operation, how requests authenticate, which output-limit field the server knows, which provider annotations it
 * adds) is configuration: OpenAI, self-hosted servers and Azure OpenAI are three settings of this one translator.
 */
import type { Pool } from 'undici';
import { GatewayError, isGatewayError } from '../../errors/index.ts';
import type { ChatRequest, ChatResult, EmbeddingRequest, EmbeddingResult } from '../../spec/index.ts';
import type { CallContext, ProviderAdapter, StreamSink } from '../adapter.ts';
import { identityCache, transportError, type UpstreamIdentity } from '../http/transport-error.ts';
import { streamDecoded } from '../http/stream-decoded.ts';
import { postRequest, requestBuffered } from '../http/upstream-call.ts';
import { estimateResultUsage, preloadUsageTokenizer, UsageEstimatingSink } from '../http/estimate-usage.ts';
import { convertChatRequest, convertEmbeddingRequest, type OpenAIDialect } from './convert-request.ts';
import { convertChatResponse, convertEmbeddingResponse, parseUpstreamJson } from './convert-response.ts';
import { createAnnotationStripper } from './annotation-stripper.ts';
import { mapOpenAIError } from './errors.ts';
import { OpenAIStreamDecoder, type AnnotationFields, type StreamMemo } from './stream.ts';
import { convertResponsesRequest, convertResponsesResponse } from './convert-responses.ts';
import { ResponsesStreamDecoder } from './responses-stream.ts';

export type { OpenAIDialect } from './convert-request.ts';

export type UpstreamHeaderSet = Readonly<Record<string, string>>;

export type OpenAIOperation = 'chat/completions' | 'embeddings' | 'responses';

export interface OpenAIDialectSettings {
  readonly name: string;
  readonly kind: string;
  readonly pool: Pool;
  readonly dialect: OpenAIDialect;
  /** The request path (and query) of an operation for a channel's upstream model; called once per pair, then cached. */
  path(operation: OpenAIOperation, upstreamModel: string): string;
  /**
   * The headers of an upstream call, `content-type` included, given its path and body (a request signer needs both;
   * key-based auth ignores them). Key-based auth returns the same object every time; a token source returns a promise
   * only while it fetches a token.
   */
  headers(path: string, body: string): UpstreamHeaderSet | Promise<UpstreamHeaderSet>;
  /** Provider annotations the upstream adds (Azure's filter results): passed on only when a client asks. */
  readonly annotations?: AnnotationFields;
  close(): Promise<void>;
}

export function createOpenAIDialectAdapter(settings: OpenAIDialectSettings): ProviderAdapter {
  const { pool, dialect, annotations } = settings;
  const identityFor = identityCache(settings.name);
  const streamMemo: StreamMemo = {};
  const stripper = annotations === undefined ? undefined : createAnnotationStripper(annotations);
  if (dialect.streamOptions === false) preloadUsageTokenizer();
  const paths = new Map<string, string>();
  const pathFor = (operation: OpenAIOperation, model: string): string => {
    const key = `${operation} ${model}`;
    let path = paths.get(key);
    if (path === undefined) paths.set(key, (path = settings.path(operation, model)));
    return path;
  };

  /** The call's headers, turning a credential failure into the attempt's error. */
  const awaitHeaders = async (pending: Promise<UpstreamHeaderSet>, identity: UpstreamIdentity): Promise<UpstreamHeaderSet> => {
    try {
      return await pending;
    } catch (error) {
      throw credentialError(error, identity);
    }
  };

  /** POSTs a JSON body and resolves with the parsed 2xx body; rejects with the mapped GatewayError. */
  const postJson = async (
    operation: OpenAIOperation,
    body: string,
    context: CallContext,
    identity: UpstreamIdentity,
    parse: (body: Buffer, identity: UpstreamIdentity) => unknown = parseUpstreamJson,
  ): Promise<unknown> => {
    const path = pathFor(operation, context.upstreamModel);
    const current = settings.headers(path, body);
    const headers = current instanceof Promise ? await awaitHeaders(current, identity) : current;
    let response;
    try {
      response = await requestBuffered(pool, postRequest(path, headers, body, context));
    } catch (error) {
      throw transportError(error, identity);
    }
    if (response.status >= 300) throw mapOpenAIError(response.status, response.headers, response.body, identity);
    return parse(response.body, identity);
  };

  const stream = (request: ChatRequest, context: CallContext, target: StreamSink, path: string, body: string, headers: UpstreamHeaderSet, responses: boolean): Promise<void> => {
    const identity = identityFor(context.upstreamModel);
    const passOn = request.providerAnnotations ? annotations : undefined;
    // Usage the upstream does not report (it cannot be asked without `stream_options`, it leaves usage out, the stream
    // breaks off before it) is counted by the gateway, marked as estimated.
    const sink = new UsageEstimatingSink(target, request);
    return streamDecoded(pool, postRequest(path, headers, body, context), sink, identity, {
      decoder(status, responseHeaders) {
        if (status < 200 || status >= 300) return undefined;
        const contentType = responseHeaders['content-type'];
        // A server that ignored `stream: true` answers one JSON body; it is read whole and replayed as parts.
        if (typeof contentType === 'string' && contentType.includes('application/json')) return undefined;
        return responses ? new ResponsesStreamDecoder(sink, identity) : new OpenAIStreamDecoder(sink, identity, passOn, streamMemo);
      },
      buffered(status, responseHeaders, buffered) {
        if (status < 200 || status >= 300) throw mapOpenAIError(status, responseHeaders, buffered, identity);
        const parsed = parseUpstreamJson(buffered, identity);
        replayCompletion(responses ? convertResponsesResponse(parsed, identity) : convertChatResponse(parsed, identity), sink);
      },
    }, sink);
  };

  return {
    name: settings.name,
    kind: settings.kind,

    async chat(request: ChatRequest, context: CallContext): Promise<ChatResult> {
      const identity = identityFor(context.upstreamModel);
      const passthrough = request.passthrough;
      if (passthrough?.dialect === 'openai-responses' && context.nativeResponses === true) {
        const body = convertResponsesRequest(passthrough, context.upstreamModel, false);
        const result = convertResponsesResponse(await postJson('responses', body, context, identity), identity);
        return result.usage === undefined ? { ...result, usage: estimateResultUsage(request, result) } : result;
      }
      const body = convertChatRequest(request, context.upstreamModel, dialect, false);
      const parse = stripper !== undefined && !request.providerAnnotations ? stripper.parse : parseUpstreamJson;
      const result = convertChatResponse(await postJson('chat/completions', body, context, identity, parse), identity);
      // The body still reaches the client as the upstream sent it; only metering gets the count.
      return result.usage === undefined ? { ...result, usage: estimateResultUsage(request, result) } : result;
    },

    streamChat(request: ChatRequest, context: CallContext, sink: StreamSink): Promise<void> {
      const passthrough = request.passthrough;
      const responses = passthrough?.dialect === 'openai-responses' && context.nativeResponses === true;
      const path = pathFor(responses ? 'responses' : 'chat/completions', context.upstreamModel);
      const body = responses ? convertResponsesRequest(passthrough, context.upstreamModel, true) : convertChatRequest(request, context.upstreamModel, dialect, true);
      const headers = settings.headers(path, body);
      if (!(headers instanceof Promise)) return stream(request, context, sink, path, body, headers, responses);
      return awaitHeaders(headers, identityFor(context.upstreamModel)).then((resolved) => stream(request, context, sink, path, body, resolved, responses));
    },

    async embed(request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResult> {
      const identity = identityFor(context.upstreamModel);
      const body = convertEmbeddingRequest(request, context.upstreamModel);
      return convertEmbeddingResponse(await postJson('embeddings', body, context, identity), identity, request.input.length);
    },

    close(): Promise<void> {
      return settings.close();
    },
  };
}

/** A failure to obtain credentials (a token, AWS keys) fails the attempt like a refused key: another channel may serve. */
export function credentialError(error: unknown, identity: UpstreamIdentity): GatewayError {
  if (isGatewayError(error)) return error;
  return new GatewayError('upstream_authentication_failed', `${identity.provider}: ${error instanceof Error ? error.message : String(error)}`, {
    upstream: { provider: identity.provider, model: identity.model, status: undefined, body: undefined },
    cause: error,
  });
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
