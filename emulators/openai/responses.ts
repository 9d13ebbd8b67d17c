/**
 * The Responses API (`POST /v1/responses`, `GET`/`DELETE /v1/responses/{id}`): the reply the chat generator plans
 * (`planChat`, so a prompt gets the same text, tool calls, JSON and usage as on chat completions), encoded as a
 * Response object or its SSE event stream, and the in-memory store behind retrieval and `previous_response_id`.
 * The Azure emulator encodes its v1 responses with the same functions. Shapes follow OpenAI's OpenAPI description.
 */
import { randomBytes } from 'node:crypto';
import { splitTokens, type Exchange, type HeaderList, type StreamEvent, type UsageDirective } from '../core/index.ts';
import { planChat, type PlannedToolCall } from './chat-completions.ts';
import { invalidRequest, responseNotFound, type OpenAIError } from './openai-errors.ts';
import type { Conversation, ResponsesInput } from './responses-request.ts';

export interface ResponsePlan {
  /** Null when the reply is function calls; '' when the output budget went on reasoning. */
  readonly content: string | null;
  readonly toolCalls: readonly PlannedToolCall[];
  /** Why the response is `incomplete`; null when it completed. */
  readonly incompleteReason: 'max_output_tokens' | 'content_filter' | null;
  readonly inputTokens: number;
  readonly cachedTokens: number;
  readonly cacheWriteTokens: number;
  /** Reasoning included. */
  readonly outputTokens: number;
  readonly reasoningTokens: number;
}

/** The reply to a validated request; `usage` is the request's `[emulator-usage: …]` marker. */
export function planResponse(input: ResponsesInput, usage: UsageDirective): ResponsePlan {
  const plan = planChat(input.chat, usage);
  return {
    content: plan.content,
    toolCalls: plan.toolCalls,
    incompleteReason: plan.finishReason === 'length' ? 'max_output_tokens' : null,
    inputTokens: plan.promptTokens,
    cachedTokens: plan.cachedTokens,
    cacheWriteTokens: usage.cacheWrite ?? 0,
    outputTokens: plan.completionTokens,
    reasoningTokens: plan.reasoningTokens,
  };
}

/** How many responses a store keeps; the oldest goes first. Bounds the emulator's memory under a benchmark. */
export const STORED_RESPONSES_LIMIT = 1000;

interface StoredResponse {
  /** The Response object as `GET` returns it. */
  readonly json: string;
  readonly conversation: Conversation;
}

/** Responses created with `store` (the default), for `GET`, `DELETE` and `previous_response_id`. */
export class ResponseStore {
  readonly #entries = new Map<string, StoredResponse>();
  readonly #limit: number;

  constructor(limit = STORED_RESPONSES_LIMIT) {
    this.#limit = limit;
  }

  /** The conversation a `previous_response_id` continues (a bound function: passed as a lookup). */
  readonly conversation = (id: string): Conversation | undefined => this.#entries.get(id)?.conversation;

  json(id: string): string | undefined {
    return this.#entries.get(id)?.json;
  }

  delete(id: string): boolean {
    return this.#entries.delete(id);
  }

  put(id: string, json: string, conversation: Conversation): void {
    if (this.#entries.size >= this.#limit) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(id, { json, conversation });
  }
}

const STREAM_QUERY = /(?:^|&)stream=true(?:&|$)/;

/**
 * The body of a `GET` (the stored Response object) or `DELETE` (`{id, object, deleted}`) of a stored response, or
 * the error to send: 404 when it is not stored, 400 for a `GET` that asks for a replay as a stream.
 */
export function storedResponseBody(store: ResponseStore, method: 'GET' | 'DELETE', query: string, id: string): string | OpenAIError {
  if (method === 'GET' && STREAM_QUERY.test(query)) {
    return invalidRequest("Invalid 'stream': the emulator does not replay a stored response as a stream.", 'stream', 'unsupported_value');
  }
  const json = method === 'GET' ? store.json(id) : store.delete(id) ? `{"id":${JSON.stringify(id)},"object":"response","deleted":true}` : undefined;
  return json ?? responseNotFound(id);
}

const ID_PREFIX = randomBytes(16).toString('hex');
let responseCounter = 0;

/** 48 hex characters, unique per emulator process: `resp_` + it is a response id; items add their output index. */
function nextIdBase(): string {
  responseCounter++;
  return ID_PREFIX + responseCounter.toString(16).padStart(16, '0');
}

/** The parts of a Response object that do not change while it is generated. */
interface Envelope {
  /** Up to the status value. */
  readonly head: string;
  /** From `instructions` to `"output":`. */
  readonly middle: string;
  /** From `parallel_tool_calls` to `truncation`. */
  readonly tail: string;
  /** `user`, `metadata` and the closing brace. */
  readonly end: string;
}

function envelope(input: ResponsesInput, id: string, createdAt: number, modelJson: string): Envelope {
  const chat = input.chat;
  const middle = JSON.stringify({
    instructions: input.instructions,
    max_output_tokens: input.maxOutputTokens,
    max_tool_calls: null,
  });
  const tail = JSON.stringify({
    parallel_tool_calls: chat.parallelToolCalls,
    previous_response_id: input.previousResponseId,
    prompt_cache_key: input.promptCacheKey,
    reasoning: { effort: input.reasoningEffort, summary: input.reasoningSummary },
    safety_identifier: input.safetyIdentifier,
    service_tier: chat.serviceTier,
    store: input.store,
    temperature: input.temperature,
    text: { format: input.formatEcho, verbosity: input.verbosity },
    tool_choice: input.toolChoiceEcho,
    tools: input.toolsEcho,
    top_logprobs: 0,
    top_p: input.topP,
    truncation: input.truncation,
  });
  return {
    head: `{"id":"${id}","object":"response","created_at":${createdAt},"status":"`,
    middle: `${middle.slice(1, -1)},"model":${modelJson},"output":`,
    tail: `,${tail.slice(1, -1)}`,
    end: `,${JSON.stringify({ user: input.user, metadata: input.metadata }).slice(1)}`,
  };
}

/** `usage` undefined leaves the field out (`[emulator-usage: none]`). */
function responseJson(
  parts: Envelope,
  status: string,
  completedAt: number | null,
  error: string,
  incomplete: string | null,
  output: string,
  usage: string | undefined,
): string {
  return (
    `${parts.head}${status}","background":false,"completed_at":${completedAt ?? 'null'},"error":${error},` +
    `"incomplete_details":${incomplete === null ? 'null' : `{"reason":"${incomplete}"}`},${parts.middle}${output}` +
    `${parts.tail}${usage === undefined ? '' : `,"usage":${usage}`}${parts.end}`
  );
}

function usageJson(inputTokens: number, cached: number, cacheWrite: number, outputTokens: number, reasoning: number): string {
  return (
    `{"input_tokens":${inputTokens},"input_tokens_details":{"cached_tokens":${cached},"cache_write_tokens":${cacheWrite}},` +
    `"output_tokens":${outputTokens},"output_tokens_details":{"reasoning_tokens":${reasoning}},` +
    `"total_tokens":${inputTokens + outputTokens}}`
  );
}

const OUTPUT_TEXT_START = '{"type":"output_text","annotations":[],"logprobs":[],"text":';
const SERVER_ERROR_MESSAGE = 'The server had an error while processing your request. Sorry about that!';
const FAILED_ERROR = `{"code":"server_error","message":"${SERVER_ERROR_MESSAGE}"}`;
const MALFORMED_EVENT = 'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"this event is cut short\n\n';
const OBFUSCATION_SOURCE = 'k3VbQ9xTz2LmPq8RwYc5HsJd7FgNa4Ue';

/**
 * Answers a validated request with `plan` (the Azure emulator may have cut it): a Response object, or its event
 * stream when `stream` is set. `modelJson` is `model` as the response reports it, already JSON; `headers` the
 * successful response's headers for its content type. Stored (when `store`) before the first byte is sent, so a
 * client that has the id can always retrieve it.
 */
export function sendResponse(
  exchange: Exchange,
  input: ResponsesInput,
  plan: ResponsePlan,
  store: ResponseStore,
  modelJson: string,
  headers: HeaderList,
): void {
  const base = nextIdBase();
  const id = 'resp_' + base;
  const now = Math.floor(Date.now() / 1000);
  const parts = envelope(input, id, now, modelJson);
  const incomplete = plan.incompleteReason;
  const itemStatus = incomplete === null ? 'completed' : 'incomplete';
  const reasoningId = plan.reasoningTokens > 0 ? `rs_${base}00` : undefined;
  let index = reasoningId === undefined ? 0 : 1;
  // A web search tool and a question that says "search": one search, done at once (no result changes the reply).
  const searchId = searches(input) ? `ws_${base}${hexIndex(index++)}` : undefined;
  const searchJson = (status: string) => `{"id":"${searchId}","type":"web_search_call","status":"${status}","action":{"type":"search","query":${JSON.stringify(input.chat.lastUserText)}}}`;
  const content = plan.content;
  // A reply cut before any visible token (the budget went on reasoning) has no message at all.
  const messageId = content !== null && (content !== '' || incomplete === null) ? `msg_${base}${hexIndex(index++)}` : undefined;
  const callIds: string[] = [];
  for (let call = 0; call < plan.toolCalls.length; call++) callIds.push(`fc_${base}${hexIndex(index++)}`);

  const textJson = messageId === undefined ? '' : JSON.stringify(content);
  const partJson = `${OUTPUT_TEXT_START}${textJson}}`;
  const messageJson = (status: string, part: string) =>
    `{"id":"${messageId}","type":"message","status":"${status}","content":[${part}],"role":"assistant"}`;
  const callJson = (call: number, status: string, argumentsJson: string) => {
    const planned = plan.toolCalls[call];
    return (
      `{"id":"${callIds[call]}","type":"function_call","status":"${status}","arguments":${argumentsJson},` +
      `"call_id":"${planned.id}","name":${JSON.stringify(planned.name)}}`
    );
  };
  const reasoningJson = reasoningId === undefined ? '' : `{"id":"${reasoningId}","type":"reasoning","summary":[]}`;
  let output = reasoningJson;
  if (searchId !== undefined) output += `${output === '' ? '' : ','}${searchJson('completed')}`;
  if (messageId !== undefined) output += `${output === '' ? '' : ','}${messageJson(itemStatus, partJson)}`;
  for (let call = 0; call < callIds.length; call++) {
    output += `${output === '' ? '' : ','}${callJson(call, 'completed', JSON.stringify(plan.toolCalls[call].arguments))}`;
  }
  const usage = exchange.usage.omit
    ? undefined
    : usageJson(plan.inputTokens, plan.cachedTokens, plan.cacheWriteTokens, plan.outputTokens, plan.reasoningTokens);
  const json =
    incomplete === null
      ? responseJson(parts, 'completed', now, 'null', null, `[${output}]`, usage)
      : responseJson(parts, 'incomplete', null, 'null', incomplete, `[${output}]`, usage);
  if (input.store) store.put(id, json, conversationAfter(input, plan));
  if (!input.chat.stream) {
    exchange.send(200, headers, json);
    return;
  }

  const events: StreamEvent[] = [];
  const obfuscate = input.chat.includeObfuscation;
  const push = (type: string, rest: string): void => {
    events.push(`event: ${type}\ndata: {"type":"${type}","sequence_number":${events.length}${rest}}\n\n`);
  };
  const delta = (type: string, at: string, piece: string, tail: string): void => {
    const quoted = JSON.stringify(piece);
    const padding = obfuscate ? `,"obfuscation":"${OBFUSCATION_SOURCE.slice(0, 2 + (quoted.length & 15))}"` : '';
    push(type, `${at},"delta":${quoted}${tail}${padding}`);
  };
  // `[emulator-usage: repeat]`: the lifecycle events carry the usage so far (nothing generated yet) instead of null.
  const startUsage =
    usage === undefined
      ? undefined
      : exchange.usage.repeat
        ? usageJson(plan.inputTokens, plan.cachedTokens, plan.cacheWriteTokens, 0, 0)
        : 'null';
  const started = `,"response":${responseJson(parts, 'in_progress', null, 'null', null, '[]', startUsage)}`;
  push('response.created', started);
  push('response.in_progress', started);
  index = 0;
  if (reasoningId !== undefined) {
    push('response.output_item.added', `,"output_index":0,"item":${reasoningJson}`);
    push('response.output_item.done', `,"output_index":0,"item":${reasoningJson}`);
    index++;
  }
  if (searchId !== undefined) {
    const at = `,"output_index":${index},"item_id":"${searchId}"`;
    push('response.output_item.added', `,"output_index":${index},"item":${searchJson('in_progress')}`);
    push('response.web_search_call.in_progress', at);
    push('response.web_search_call.searching', at);
    push('response.web_search_call.completed', at);
    push('response.output_item.done', `,"output_index":${index},"item":${searchJson('completed')}`);
    index++;
  }
  if (messageId !== undefined) {
    const at = `,"item_id":"${messageId}","output_index":${index},"content_index":0`;
    push('response.output_item.added', `,"output_index":${index},"item":${messageJson('in_progress', '')}`);
    push('response.content_part.added', `${at},"part":${OUTPUT_TEXT_START}""}`);
    for (const token of splitTokens(content as string)) delta('response.output_text.delta', at, token, ',"logprobs":[]');
    push('response.output_text.done', `${at},"text":${textJson},"logprobs":[]`);
    push('response.content_part.done', `${at},"part":${partJson}`);
    push('response.output_item.done', `,"output_index":${index},"item":${messageJson(itemStatus, partJson)}`);
    index++;
  }
  for (let call = 0; call < callIds.length; call++, index++) {
    const planned = plan.toolCalls[call];
    const argumentsJson = JSON.stringify(planned.arguments);
    const at = `,"item_id":"${callIds[call]}","output_index":${index}`;
    push('response.output_item.added', `,"output_index":${index},"item":${callJson(call, 'in_progress', '""')}`);
    for (const piece of splitTokens(planned.arguments)) delta('response.function_call_arguments.delta', at, piece, '');
    push('response.function_call_arguments.done', `${at},"name":${JSON.stringify(planned.name)},"arguments":${argumentsJson}`);
    push('response.output_item.done', `,"output_index":${index},"item":${callJson(call, 'completed', argumentsJson)}`);
  }
  push(incomplete === null ? 'response.completed' : 'response.incomplete', `,"response":${json}`);
  // Built only when the fault asks for it: the error and the failed response carry the sequence numbers that follow.
  const errorAfter = exchange.fault.errorAfter;
  const error =
    errorAfter < 0
      ? ''
      : streamFailure(Math.min(errorAfter, events.length), responseJson(parts, 'failed', null, FAILED_ERROR, null, '[]', startUsage));
  exchange.stream(200, headers, events, {
    final: undefined,
    malformed: MALFORMED_EVENT,
    error,
  });
}

/** Whether the request has a web search tool and its last user text asks to search. */
function searches(input: ResponsesInput): boolean {
  if (!/search/i.test(input.chat.lastUserText)) return false;
  return input.toolsEcho.some((tool) => {
    const type = (tool as { type?: unknown }).type;
    return type === 'web_search' || type === 'web_search_preview';
  });
}

function hexIndex(index: number): string {
  return index < 16 ? '0' + index.toString(16) : index.toString(16);
}

/** OpenAI's `error` event, then `response.failed`: a stream that fails after it started. */
function streamFailure(sequence: number, failed: string): string {
  return (
    `event: error\ndata: {"type":"error","sequence_number":${sequence},"code":"server_error",` +
    `"message":"${SERVER_ERROR_MESSAGE}","param":null}\n\n` +
    `event: response.failed\ndata: {"type":"response.failed","sequence_number":${sequence + 1},"response":${failed}}\n\n`
  );
}

/** What a response continuing this one (`previous_response_id`) starts from. */
function conversationAfter(input: ResponsesInput, plan: ResponsePlan): Conversation {
  const callNames = input.callNames;
  const pendingCalls: string[] = [];
  for (const call of plan.toolCalls) {
    callNames.set(call.id, call.name);
    pendingCalls.push(call.id);
  }
  return {
    lastUserText: input.chat.lastUserText,
    callNames,
    pendingCalls,
    tokens: plan.inputTokens + plan.outputTokens - plan.reasoningTokens,
    imagesInline: input.chat.imagesInline,
    imagesRemote: input.chat.imagesRemote,
  };
}
