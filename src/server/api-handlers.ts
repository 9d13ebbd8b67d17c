/**
 * The data-plane endpoints as wiring only: read the body, parse it with the frontend into a neutral request, run the
 * pipeline, and let the frontend's encoders write the outcome.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isGatewayError } from '../errors/index.ts';
import { ChatChunkEncoder, parseChatRequest, parseEmbeddingRequest, writeChatResponse, writeEmbeddingResponse } from '../frontends/openai/index.ts';
import type { Endpoint, Exchange } from '../pipeline/stages.ts';
import type { Caller } from '../identity/key-directory.ts';
import { preferencesHeader, readClientPreferences, withoutGatewayExtension } from '../routing/index.ts';
import type { ChatRequest, EmbeddingRequest } from '../spec/index.ts';
import type { GatewayContext } from './gateway-context.ts';
import { HttpResponder } from './http-responder.ts';
import type { InFlight } from './in-flight.ts';
import { lingerAfterRefusal } from './lingering-close.ts';
import { readJsonBody } from './read-json-body.ts';
import { openScope } from './request-scope.ts';

export interface Api<Request> {
  readonly endpoint: Endpoint;
  /** The frontend: the client's body (the gateway's `interchange` extension removed) as a neutral request. */
  parse(body: unknown, request: IncomingMessage): Request;
  run(context: GatewayContext, exchange: Exchange<Request>, response: ServerResponse): Promise<void>;
}

export const chatCompletionsApi: Api<ChatRequest> = {
  endpoint: 'chat_completions',
  parse: (body, request) => parseChatRequest(body, { providerAnnotations: request.headers['x-interchange-provider-annotations'] === 'include' }),
  run(context, exchange, response) {
    const { requestId, request } = exchange;
    const encoder = request.stream ? new ChatChunkEncoder(request.includeUsage, requestId) : undefined;
    return context.pipeline.chat(exchange, new HttpResponder(response, requestId, (result) => writeChatResponse(result, requestId), encoder));
  },
};

export const embeddingsApi: Api<EmbeddingRequest> = {
  endpoint: 'embeddings',
  parse: (body) => parseEmbeddingRequest(body),
  run(context, exchange, response) {
    return context.pipeline.embed(exchange, new HttpResponder(response, exchange.requestId, (result) => writeEmbeddingResponse(exchange.request, result)));
  },
};

export async function handleApi<Request>(
  api: Api<Request>,
  context: GatewayContext,
  inFlight: InFlight,
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
  startedAt: number,
): Promise<void> {
  inFlight.enter();
  try {
    let exchange: Exchange<Request>;
    let caller: Caller | undefined;
    try {
      if (context.pipeline.identifies) caller = context.pipeline.identify(request.headers);
      const raw = await readJsonBody(request, context.config.limits.maxBodyBytes);
      const body = isRecord(raw) ? raw : undefined;
      const bodyPreferences = readClientPreferences(single(request.headers[preferencesHeader]), body ?? {});
      exchange = {
        requestId,
        endpoint: api.endpoint,
        startedAt,
        headers: request.headers,
        request: api.parse(body === undefined ? raw : withoutGatewayExtension(body), request),
        bodyPreferences,
        scope: openScope(requestId, response, context.config.limits.requestTimeoutMs, startedAt, inFlight),
        caller,
        model: undefined,
        plan: undefined,
        finishers: undefined,
      };
    } catch (caught) {
      if (isGatewayError(caught) && caught.code === 'request_too_large') lingerAfterRefusal(request, context.config.server);
      else if (caller === undefined && context.pipeline.identifies && !request.complete) {
        // Refused by its key before its body was read: the body is discarded within the same bounds, then the
        // connection closes, so an unknown caller cannot make the gateway read an unbounded body.
        response.setHeader('connection', 'close');
        lingerAfterRefusal(request, context.config.server);
      }
      // A body cut short because the gateway closed the connection at its drain deadline: not the client leaving.
      const error = isGatewayError(caught) && caught.code === 'client_closed_request' ? (inFlight.cutReason ?? caught) : caught;
      const rejected = { requestId, endpoint: api.endpoint, startedAt, model: undefined, stream: false, caller };
      return context.pipeline.reject(rejected, error, new HttpResponder(response, requestId, noResult));
    }
    try {
      await api.run(context, exchange, response);
    } catch (caught) {
      // A bug past the pipeline's own error handling (an encoder, an observer) costs this request, never the process.
      new HttpResponder(response, requestId, noResult).error(context.pipeline.asError(caught, requestId), exchange.plan);
      if (!response.writableEnded) response.destroy();
    }
  } finally {
    inFlight.leave();
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The result encoder of a responder that only ever writes an error. */
function noResult(): string {
  throw new Error('a rejected request has no result');
}
