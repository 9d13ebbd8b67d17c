/**
 * `POST /v1/embeddings`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isGatewayError, type GatewayError } from '../errors/index.ts';
import { planRequest } from '../execution/execute-chat.ts';
import { executeEmbedding, type EmbeddingOutcome } from '../execution/execute-embedding.ts';
import { describeEmbeddingRequest, noRouteError, type RoutePlan } from '../routing/index.ts';
import { parseEmbeddingRequest, writeEmbeddingResponse } from '../frontends/openai/index.ts';
import type { EmbeddingRequest } from '../spec/index.ts';
import { internalError, modelNotFound, recordRequest, type GatewayContext } from './gateway-context.ts';
import { readJsonBody } from './read-json-body.ts';
import { openScope } from './request-scope.ts';
import { readRouteRequest } from './route-request.ts';
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
  let outcome: EmbeddingOutcome | undefined;
  let error: GatewayError | undefined;
  let plan: RoutePlan | undefined;
  try {
    embeddingRequest = parseEmbeddingRequest(await readJsonBody(request, context.config.limits.maxBodyBytes));
    const model = context.config.models.get(embeddingRequest.model);
    if (model === undefined) throw modelNotFound(embeddingRequest.model, 'embedding');
    if (model.type !== 'embedding') throw modelNotFound(embeddingRequest.model, 'embedding', model.type);
    plan = planRequest(context.runtime, model, describeEmbeddingRequest(embeddingRequest), readRouteRequest(request.headers, model, undefined));
    if (plan.candidates.length === 0) throw noRouteError(plan);
    const scope = openScope(requestId, response, context.config.limits.requestTimeoutMs, startedAt);
    outcome = await executeEmbedding(context.runtime, model, embeddingRequest, scope, plan);
    scope.close();
    if (outcome.ok) {
      sendJson(response, 200, writeEmbeddingResponse(embeddingRequest, outcome.result), [
        'x-request-id',
        requestId,
        'x-interchange-provider',
        outcome.channel.provider,
        'x-interchange-model',
        outcome.channel.upstreamModel,
        'x-interchange-route',
        plan.trace.toHeader(),
      ]);
    } else {
      error = outcome.error;
    }
  } catch (caught) {
    error = isGatewayError(caught) ? caught : internalError(caught, requestId, context);
  }
  if (error !== undefined) sendError(response, error, requestId, plan?.trace.toHeader());
  const served = outcome?.ok ? outcome : undefined;
  recordRequest(context, {
    requestId,
    endpoint,
    model: embeddingRequest?.model,
    stream: false,
    status: error?.status ?? 200,
    durationMs: performance.now() - startedAt,
    provider: served?.channel.provider,
    upstreamModel: served?.channel.upstreamModel,
    attempts: outcome?.attempts ?? [],
    errorCode: error?.code,
    inputTokens: served?.result.inputTokens,
    outputTokens: served === undefined ? undefined : 0,
    trace: plan?.trace,
  });
}
