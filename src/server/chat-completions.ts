/**
 * `POST /v1/chat/completions`: read, validate, execute over the model's channels, write JSON or SSE.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isGatewayError } from '../errors/index.ts';
import type { ModelConfig } from '../config/types.ts';
import { executeChat, executeChatStream, planRequest, type StreamResponder } from '../execution/execute-chat.ts';
import { describeRequest, noRouteError, preferencesHeader, readClientPreferences, withoutGatewayExtension, type RoutePlan } from '../routing/index.ts';
import { ChatChunkEncoder, doneEvent, parseChatRequest, writeChatResponse } from '../frontends/openai/index.ts';
import type { ChatRequest } from '../spec/index.ts';
import { internalError, modelNotFound, recordRequest, type GatewayContext } from './gateway-context.ts';
import { readJsonBody } from './read-json-body.ts';
import { openScope } from './request-scope.ts';
import { readRouteRequest } from './route-request.ts';
import { sendError, sendJson } from './respond.ts';

const endpoint = 'chat_completions';

export async function handleChatCompletions(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
  startedAt: number,
): Promise<void> {
  let chatRequest: ChatRequest | undefined;
  let plan: RoutePlan | undefined;
  try {
    const raw = await readJsonBody(request, context.config.limits.maxBodyBytes);
    const preferences = readClientPreferences(single(request.headers[preferencesHeader]), isRecord(raw) ? raw : {});
    chatRequest = parseChatRequest(isRecord(raw) ? withoutGatewayExtension(raw) : raw, {
      providerAnnotations: request.headers['x-interchange-provider-annotations'] === 'include',
    });
    const model = context.config.models.get(chatRequest.model);
    if (model === undefined) throw modelNotFound(chatRequest.model, 'chat');
    if (model.type !== 'chat') throw modelNotFound(chatRequest.model, 'chat', model.type);
    const route = context.runtime.routing.routes.get(model.name)!;
    const features = describeRequest(chatRequest, { contextWindow: route.smallestContextWindow });
    plan = planRequest(context.runtime, model, features, readRouteRequest(request.headers, model, preferences));
    if (plan.candidates.length === 0) throw noRouteError(plan);
    if (chatRequest.stream) await streamChat(context, model, chatRequest, plan, response, requestId, startedAt);
    else await completeChat(context, model, chatRequest, plan, response, requestId, startedAt);
  } catch (caught) {
    const error = isGatewayError(caught) ? caught : internalError(caught, requestId, context);
    sendError(response, error, requestId, plan?.trace.toHeader());
    recordRequest(context, {
      requestId,
      endpoint,
      model: chatRequest?.model,
      stream: chatRequest?.stream ?? false,
      status: error.status,
      durationMs: performance.now() - startedAt,
      provider: undefined,
      upstreamModel: undefined,
      attempts: [],
      errorCode: error.code,
      inputTokens: undefined,
      outputTokens: undefined,
      trace: plan?.trace,
    });
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function completeChat(
  context: GatewayContext,
  model: ModelConfig,
  chatRequest: ChatRequest,
  plan: RoutePlan,
  response: ServerResponse,
  requestId: string,
  startedAt: number,
): Promise<void> {
  const scope = openScope(requestId, response, context.config.limits.requestTimeoutMs, startedAt);
  const outcome = await executeChat(context.runtime, model, chatRequest, scope, plan);
  scope.close();
  let status: number;
  if (outcome.ok) {
    const { channel, result } = outcome;
    status = 200;
    sendJson(response, 200, writeChatResponse(result, requestId), [
      'x-request-id',
      requestId,
      'x-interchange-provider',
      channel.provider,
      'x-interchange-model',
      channel.upstreamModel,
      'x-interchange-route',
      plan.trace.toHeader(),
    ]);
    if (result.usage !== undefined) context.metrics.tokens(channel.provider, model.name, result.usage);
  } else {
    status = outcome.error.status;
    sendError(response, outcome.error, requestId, plan.trace.toHeader());
  }
  const served = outcome.ok ? outcome.channel : undefined;
  const usage = outcome.ok ? outcome.result.usage : undefined;
  recordRequest(context, {
    requestId,
    endpoint,
    model: model.name,
    stream: false,
    status,
    durationMs: performance.now() - startedAt,
    provider: served?.provider,
    upstreamModel: served?.upstreamModel,
    attempts: outcome.attempts,
    errorCode: outcome.ok ? undefined : outcome.error.code,
    inputTokens: usage?.inputTokens.total,
    outputTokens: usage?.outputTokens.total,
    trace: plan.trace,
  });
}

async function streamChat(
  context: GatewayContext,
  model: ModelConfig,
  chatRequest: ChatRequest,
  plan: RoutePlan,
  response: ServerResponse,
  requestId: string,
  startedAt: number,
): Promise<void> {
  const scope = openScope(requestId, response, context.config.limits.requestTimeoutMs, startedAt);
  const encoder = new ChatChunkEncoder(chatRequest.includeUsage, requestId);
  let resume: (() => void) | undefined;
  let drainWatched = false;
  // Events decoded in one tick (one upstream read) go out as one chunk: a write per event costs a chunk header and a
  // socket write each.
  let pending = '';
  const flush = (): void => {
    if (pending === '' || response.destroyed) return;
    const text = pending;
    pending = '';
    response.write(text);
  };
  const responder: StreamResponder = {
    commit(channel) {
      response.writeHead(200, [
        'content-type',
        'text/event-stream; charset=utf-8',
        'cache-control',
        'no-cache',
        'x-accel-buffering',
        'no',
        'x-request-id',
        requestId,
        'x-interchange-provider',
        channel.provider,
        'x-interchange-model',
        channel.upstreamModel,
        'x-interchange-route',
        plan.trace.toHeader(),
      ]);
      context.metrics.firstChunk(model.name, channel.provider, (performance.now() - startedAt) / 1000);
    },
    write(part) {
      const text = encoder.encode(part);
      if (text === '') return true;
      if (pending === '') process.nextTick(flush);
      pending += text;
      return !response.writableNeedDrain;
    },
    onDrain(resumeUpstream) {
      resume = resumeUpstream;
      if (!drainWatched) {
        drainWatched = true;
        response.on('drain', () => resume?.());
      }
    },
  };
  const outcome = await executeChatStream(context.runtime, model, chatRequest, scope, plan, responder);
  scope.close();
  let status = 200;
  const unsent = pending;
  pending = '';
  if (outcome.ok) {
    response.end(unsent + doneEvent);
    if (outcome.usage !== undefined) context.metrics.tokens(outcome.channel.provider, model.name, outcome.usage);
  } else if (response.headersSent) {
    // The stream had started: end it with an error event, never a silent truncation.
    status = outcome.error.code === 'client_closed_request' ? 499 : 200;
    if (!response.destroyed) response.end(unsent + encoder.error(outcome.error));
  } else {
    status = outcome.error.status;
    sendError(response, outcome.error, requestId, plan.trace.toHeader());
  }
  const served = outcome.channel;
  const usage = outcome.ok ? outcome.usage : undefined;
  recordRequest(context, {
    requestId,
    endpoint,
    model: model.name,
    stream: true,
    status,
    durationMs: performance.now() - startedAt,
    provider: served?.provider,
    upstreamModel: served?.upstreamModel,
    attempts: outcome.attempts,
    errorCode: outcome.ok ? undefined : outcome.error.code,
    inputTokens: usage?.inputTokens.total,
    outputTokens: usage?.outputTokens.total,
    trace: plan.trace,
  });
}
