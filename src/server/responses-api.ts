/**
 * The Responses API (`/v1/responses`) as wiring: a second frontend over the same pipeline as chat completions (keys,
 * limits, routing, fallback, metering, the ledger), so that every cloud serves it: sent as written to a channel whose
 * upstream speaks it (`responses: native`), translated through the neutral chat request for any other. With `store`
 * (the default) a response, its input items and the conversation so far are kept for `responses.retention`;
 * `previous_response_id` continues that conversation on whichever channel routing picks. A stored response belongs to
 * the tenant that created it: for anyone else its id is unknown.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors/index.ts';
import { continuedBody } from '../frontends/responses/input-items.ts';
import { parseResponsesRequest, type ResponsesRequest } from '../frontends/responses/parse-responses-request.ts';
import { ResponseEventEncoder } from '../frontends/responses/response-events.ts';
import { responseOfResult, type OutputItem, type ResponseIdentity } from '../frontends/responses/response-object.ts';
import type { Caller } from '../identity/key-directory.ts';
import type { Exchange } from '../pipeline/stages.ts';
import type { AssistantToolCall, ChatMessage, ChatRequest } from '../spec/index.ts';
import type { ResponseStore, StoredResponse } from '../store/response-store.ts';
import type { Api } from './api-handlers.ts';
import type { GatewayContext } from './gateway-context.ts';
import { HttpResponder } from './http-responder.ts';
import { sendError, sendJson } from './respond.ts';

/** `msg_…`, `fc_…`: 32 hex digits of randomness after the prefix. */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

export const responsesApi: Api<ResponsesRequest> = {
  endpoint: 'responses',
  parse: (body) => parseResponsesRequest(body, newId),
  async run(context, exchange, response) {
    const { requestId, request } = exchange;
    const store = context.responses;
    const tenant = exchange.caller?.tenantId;
    const reject = (error: GatewayError) => {
      const rejected = { requestId, endpoint: exchange.endpoint, startedAt: exchange.startedAt, model: request.chat.model, stream: request.chat.stream, caller: exchange.caller };
      context.pipeline.reject(rejected, error, new HttpResponder(response, requestId, noResult));
    };
    if (request.nativeOnlyTools.length > 0) {
      const refusal = nativeOnlyRefusal(context, request);
      if (refusal !== undefined) return reject(refusal);
    }
    let history: readonly ChatMessage[] = [];
    if (request.previousResponseId !== undefined) {
      const previous = await store.get(request.previousResponseId, tenant, Date.now());
      if (previous === undefined) {
        return reject(new GatewayError('previous_response_not_found', `Previous response with id '${request.previousResponseId}' not found.`, { param: 'previous_response_id' }));
      }
      history = previous.conversation as ChatMessage[];
    }
    const chat: ChatRequest =
      history.length === 0
        ? request.chat
        : {
            ...request.chat,
            messages: request.settings.instructions === null ? [...history, ...request.input] : [request.chat.messages[0], ...history, ...request.input],
            passthrough: { dialect: 'openai-responses', body: continuedBody(request.chat.passthrough!.body, history) },
          };
    const identity: ResponseIdentity = {
      id: newId('resp'),
      createdAt: Math.floor(Date.now() / 1000),
      model: chat.model,
      previousResponseId: request.previousResponseId,
      store: request.store,
      settings: request.settings,
      newId,
    };
    const save = request.store ? (object: Record<string, unknown>) => keep(context, store, identity, tenant, request, history, object) : undefined;
    const encoder = chat.stream ? new ResponseEventEncoder(identity, save) : undefined;
    const writeResult = (result: Parameters<typeof responseOfResult>[1]) => {
      const object = responseOfResult(identity, result);
      save?.(object);
      return JSON.stringify(object);
    };
    const chatExchange: Exchange<ChatRequest> = { ...exchange, request: chat };
    return context.pipeline.chat(chatExchange, new HttpResponder(response, requestId, writeResult, encoder));
  },
};

/**
 * A hosted tool (`web_search`…) passes only to upstreams that speak the Responses API: every channel of the model must
 * be native, or no fallback could serve it. Undefined when they all are (or the model is unknown: the pipeline says so).
 */
function nativeOnlyRefusal(context: GatewayContext, request: ResponsesRequest): GatewayError | undefined {
  const model = context.config.models.get(request.chat.model);
  if (model === undefined) return undefined;
  const translated = model.channels.filter((channel) => channel.responses !== 'native');
  if (translated.length === 0) return undefined;
  const [tool] = request.nativeOnlyTools;
  return new GatewayError(
    'invalid_request',
    `Tool type "${tool.type}" is not supported on model "${model.name}": only function tools are translated, and ${translated.map((channel) => `${channel.provider}/${channel.model}`).join(', ')} ${translated.length === 1 ? 'does' : 'do'} not speak the Responses API natively.`,
    { param: tool.param },
  );
}

/**
 * Stores a finished response with the conversation it closes. Called as its last bytes are written: the store's write
 * starts before the client can ask for it (the embedded stores write synchronously), and a failed write is logged,
 * never the client's error.
 */
function keep(context: GatewayContext, store: ResponseStore, identity: ResponseIdentity, tenant: string | undefined, request: ResponsesRequest, history: readonly ChatMessage[], response: Record<string, unknown>): void {
  const createdAt = identity.createdAt * 1000;
  const stored: StoredResponse = {
    id: identity.id,
    tenant,
    createdAt,
    expiresAt: Date.now() + context.config.responses.retentionMs,
    previousId: identity.previousResponseId,
    response,
    inputItems: request.inputItems,
    conversation: [...history, ...request.input, assistantTurn(response.output as OutputItem[])],
  };
  store.put(stored).catch((error: unknown) => context.logger.error({ err: error, responseId: identity.id }, 'could not store the response; previous_response_id cannot continue it'));
}

/** The output items as the assistant's turn in the conversation: its text, refusal and tool calls. */
function assistantTurn(output: readonly OutputItem[]): ChatMessage {
  let text: string | undefined;
  let refusal: string | undefined;
  let toolCalls: AssistantToolCall[] | undefined;
  for (const item of output) {
    if (item.type === 'message') {
      for (const part of item.content as Array<Record<string, unknown>>) {
        if (part.type === 'output_text') text = (text ?? '') + String(part.text);
        else if (part.type === 'refusal') refusal = (refusal ?? '') + String(part.refusal);
      }
    } else if (item.type === 'function_call') {
      (toolCalls ??= []).push({ id: String(item.call_id), name: String(item.name), arguments: String(item.arguments) });
    }
  }
  return { role: 'assistant', ...(text === undefined && toolCalls === undefined && refusal === undefined ? { content: '' } : {}), ...(text === undefined ? {} : { content: text }), ...(refusal === undefined ? {} : { refusal }), ...(toolCalls === undefined ? {} : { toolCalls }) };
}

function noResult(): string {
  throw new Error('a rejected request has no result');
}

const maxListLimit = 100;

/**
 * `GET /v1/responses/{id}`, `DELETE /v1/responses/{id}`, `GET /v1/responses/{id}/input_items` and
 * `POST /v1/responses/{id}/cancel`, for the caller's own stored responses.
 */
export function handleStoredResponse(context: GatewayContext, request: IncomingMessage, response: ServerResponse, requestId: string, segments: readonly string[], query: URLSearchParams): void {
  const method = request.method;
  const fail = (error: GatewayError) => sendError(response, error, requestId);
  let caller: Caller | undefined;
  try {
    caller = context.pipeline.identifies ? context.pipeline.identify(request.headers) : undefined;
  } catch (error) {
    return fail(error as GatewayError);
  }
  const [id, action] = segments;
  const tenant = caller?.tenantId;
  const notFound = () => new GatewayError('response_not_found', `Response with id '${id}' not found.`, { param: 'response_id' });
  const allow = (allowed: string) => {
    response.setHeader('allow', allowed);
    fail(new GatewayError('method_not_allowed', `Method not allowed; use ${allowed}.`));
  };
  const headers = ['x-request-id', requestId];
  const store = context.responses;
  const run = (work: () => Promise<void>) => {
    work().catch((error: unknown) => {
      if (error instanceof GatewayError) return fail(error);
      context.logger.error({ err: error, requestId }, 'stored response request failed');
      fail(new GatewayError('internal_error', `Internal error; please report request id ${requestId}.`));
    });
  };
  if (segments.length === 1) {
    if (method === 'GET') {
      return run(async () => {
        const found = await store.get(id, tenant, Date.now());
        if (found === undefined) throw notFound();
        sendJson(response, 200, JSON.stringify(found.response), headers);
      });
    }
    if (method === 'DELETE') {
      return run(async () => {
        if (!(await store.delete(id, tenant, Date.now()))) throw notFound();
        sendJson(response, 200, JSON.stringify({ id, object: 'response', deleted: true }), headers);
      });
    }
    return allow('GET, DELETE');
  }
  if (segments.length === 2 && action === 'input_items') {
    if (method !== 'GET') return allow('GET');
    return run(async () => {
      const page = listPage(query);
      const found = await store.get(id, tenant, Date.now());
      if (found === undefined) throw notFound();
      const items = page.order === 'asc' ? [...found.inputItems] : [...found.inputItems].reverse();
      const start = page.after === undefined ? 0 : items.findIndex((item) => (item as { id?: unknown }).id === page.after) + 1;
      if (page.after !== undefined && start === 0) throw new GatewayError('invalid_request', `Invalid 'after': no input item of this response has id '${page.after}'.`, { param: 'after' });
      const data = items.slice(start, start + page.limit) as Array<{ id?: string }>;
      const body = { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: start + page.limit < items.length };
      sendJson(response, 200, JSON.stringify(body), headers);
    });
  }
  if (segments.length === 2 && action === 'cancel') {
    if (method !== 'POST') return allow('POST');
    return run(async () => {
      if ((await store.get(id, tenant, Date.now())) === undefined) throw notFound();
      // Every response here finished before it was stored: only background responses (not served) can be cancelled.
      throw new GatewayError('invalid_request', 'Only background responses can be cancelled; this response has already finished.', { param: 'response_id' });
    });
  }
  fail(new GatewayError('not_found', `No route for ${method} /v1/responses/${segments.join('/')}.`));
}

function listPage(query: URLSearchParams): { order: 'asc' | 'desc'; limit: number; after: string | undefined } {
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new GatewayError('invalid_request', "Invalid 'order': expected 'asc' or 'desc'.", { param: 'order' });
  const limitText = query.get('limit');
  const limit = limitText === null ? 20 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxListLimit) throw new GatewayError('invalid_request', `Invalid 'limit': expected a whole number from 1 to ${maxListLimit}.`, { param: 'limit' });
  return { order, limit, after: query.get('after') ?? undefined };
}
