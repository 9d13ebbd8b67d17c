/**
 * `POST /v1/embeddings`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isGatewayError } from '../errors/index.ts';
import { executeEmbedding } from '../execution/execute-embedding.ts';
import { parseEmbeddingRequest, writeEmbeddingResponse } from '../frontends/openai/index.ts';
import type { EmbeddingRequest } from '../spec/index.ts';
import { internalError } from './chat-completions.ts';
import { modelNotFound, recordRequest, type GatewayContext } from './gateway-context.ts';
import { readJsonBody } from './read-json-body.ts';
import { openScope } from './request-scope.ts';
import { sendError, sendJson } from './respond.ts';

const endpoint = 'embeddings';

export async function handleEmbeddings(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
  startedAt: number,
): Promise<void> {
  let embeddingRequest: EmbeddingRequest | undefined;
  try {
    embeddingRequest = parseEmbeddingRequest(await readJsonBody(request, context.config.limits.maxBodyBytes));
    const model = context.config.models.get(embeddingRequest.model);
    if (model === undefined) throw modelNotFound(embeddingRequest.model, 'embedding');
    if (model.type !== 'embedding') throw modelNotFound(embeddingRequest.model, 'embedding', model.type);
    const scope = openScope(requestId, response, context.config.limits.requestTimeoutMs, startedAt);
    const outcome = await executeEmbedding(context.runtime, model, embeddingRequest, scope);
    scope.close();
    if (!outcome.ok) throw Object.assign(outcome.error, { attempts: outcome.attempts });
    const { channel, result } = outcome;
    sendJson(response, 200, writeEmbeddingResponse(embeddingRequest, result), [
      'x-request-id',
      requestId,
      'x-interchange-provider',
      channel.provider,
      'x-interchange-model',
      channel.model,
    ]);
    recordRequest(context, {
      requestId,
      endpoint,
      model: model.name,
      stream: false,
      status: 200,
      durationMs: performance.now() - startedAt,
      provider: channel.provider,
      upstreamModel: channel.model,
      attempts: outcome.attempts,
      errorCode: undefined,
      inputTokens: result.inputTokens,
      outputTokens: 0,
    });
  } catch (caught) {
    const error = isGatewayError(caught) ? caught : internalError(caught, requestId, context);
    sendError(response, error, requestId);
    recordRequest(context, {
      requestId,
      endpoint,
      model: embeddingRequest?.model,
      stream: false,
      status: error.status,
      durationMs: performance.now() - startedAt,
      provider: undefined,
      upstreamModel: undefined,
      attempts: (caught as { attempts?: [] }).attempts ?? [],
      errorCode: error.code,
      inputTokens: undefined,
      outputTokens: undefined,
    });
  }
}
