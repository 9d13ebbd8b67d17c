/**
 * The Responses API on a channel whose upstream speaks it (`responses: native`): the client's Responses body forwarded
 * as sent, and the upstream's Response object (or the one its stream completes) as the neutral result, so the
 * gateway's own Responses encoders, metering, the ledger and the response store work as for a translated channel.
 */
import { GatewayError } from '../../errors/index.ts';
import { createUsage, type ChatResult, type FinishReason, type OpenAIResponsesPassthrough, type ToolCall, type Usage } from '../../spec/index.ts';
import { answeredUpstream, truncateBody, type UpstreamIdentity } from '../http/transport-error.ts';

/**
 * The body for `POST …/responses`: the client's, with the upstream model, the stream flag, and `store: false` (the
 * gateway stores responses; the upstream keeps nothing a later turn could depend on).
 */
export function convertResponsesRequest(passthrough: OpenAIResponsesPassthrough, upstreamModel: string, stream: boolean): string {
  return JSON.stringify({ ...passthrough.body, model: upstreamModel, stream, store: false });
}

export interface ResponsesUsage {
  input_tokens?: unknown;
  input_tokens_details?: { cached_tokens?: unknown; cache_write_tokens?: unknown } | null;
  output_tokens?: unknown;
  output_tokens_details?: { reasoning_tokens?: unknown } | null;
}

interface ResponseItem {
  type?: unknown;
  content?: unknown;
  summary?: unknown;
  call_id?: unknown;
  name?: unknown;
  arguments?: unknown;
}

export interface ResponseObject {
  id?: unknown;
  created_at?: unknown;
  model?: unknown;
  status?: unknown;
  error?: { code?: unknown; message?: unknown } | null;
  incomplete_details?: { reason?: unknown } | null;
  output?: unknown;
  usage?: ResponsesUsage | null;
}

/** Responses usage as Usage; a part larger than its whole is capped, as for chat usage. Undefined when none was sent. */
export function convertResponsesUsage(usage: ResponsesUsage | null | undefined): Usage | undefined {
  if (usage === null || usage === undefined || typeof usage !== 'object') return undefined;
  const input = count(usage.input_tokens);
  const output = count(usage.output_tokens);
  const cacheRead = Math.min(count(usage.input_tokens_details?.cached_tokens), input);
  return createUsage({
    input,
    cacheRead,
    cacheWrite: Math.min(count(usage.input_tokens_details?.cache_write_tokens), input - cacheRead),
    output,
    reasoning: Math.min(count(usage.output_tokens_details?.reasoning_tokens), output),
  });
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

const completed: FinishReason = Object.freeze({ unified: 'stop', raw: 'completed' });
const completedWithCalls: FinishReason = Object.freeze({ unified: 'tool-calls', raw: 'completed' });
const cutByLimit: FinishReason = Object.freeze({ unified: 'length', raw: 'max_output_tokens' });
const filtered: FinishReason = Object.freeze({ unified: 'content-filter', raw: 'content_filter' });

/** A finished response's status (and why it is incomplete) as a finish reason; `raw` is the status or the reason. */
export function responsesFinishReason(response: ResponseObject, toolCalls: boolean): FinishReason {
  if (response.status === 'incomplete') {
    const reason = response.incomplete_details?.reason;
    if (reason === 'max_output_tokens') return cutByLimit;
    if (reason === 'content_filter') return filtered;
    return { unified: 'other', raw: typeof reason === 'string' ? reason : 'incomplete' };
  }
  if (response.status === 'completed' || response.status === undefined) return toolCalls ? completedWithCalls : completed;
  return { unified: 'other', raw: String(response.status) };
}

function textParts(parts: unknown, type: string): string | undefined {
  if (!Array.isArray(parts)) return undefined;
  let text: string | undefined;
  for (const part of parts as Array<{ type?: unknown; text?: unknown }>) {
    if (part !== null && typeof part === 'object' && part.type === type && typeof part.text === 'string') text = (text ?? '') + part.text;
  }
  return text;
}

/** A Response object as a ChatResult; a `failed` response (or one without output) rejects as the upstream's error. */
export function convertResponsesResponse(parsed: unknown, identity: UpstreamIdentity): ChatResult {
  const response = parsed as ResponseObject;
  if (response === null || typeof response !== 'object' || !Array.isArray(response.output) || response.status === 'failed') {
    const error = response !== null && typeof response === 'object' ? response.error : undefined;
    const message = typeof error?.message === 'string' ? error.message : 'a response without output';
    throw new GatewayError('upstream_error', `${identity.provider} answered ${response?.status === 'failed' ? 'a failed response' : 'no response object'}: ${message}`, {
      upstream: answeredUpstream(identity, truncateBody(JSON.stringify(parsed))),
    });
  }
  let content: string | null = null;
  let refusal: string | null = null;
  let reasoning: string | undefined;
  let toolCalls: ToolCall[] | undefined;
  let outputItems: { position: number; item: Record<string, unknown> }[] | undefined;
  const output = response.output as ResponseItem[];
  for (let position = 0; position < output.length; position++) {
    const item = output[position];
    if (item === null || typeof item !== 'object') continue;
    switch (item.type) {
      case 'message': {
        if (!Array.isArray(item.content)) break;
        for (const part of item.content as Array<{ type?: unknown; text?: unknown; refusal?: unknown }>) {
          if (part?.type === 'output_text' && typeof part.text === 'string') content = (content ?? '') + part.text;
          else if (part?.type === 'refusal' && typeof part.refusal === 'string') refusal = (refusal ?? '') + part.refusal;
        }
        break;
      }
      case 'reasoning': {
        // The reasoning text when the upstream shows it, otherwise its summary.
        const text = textParts(item.content, 'reasoning_text') ?? textParts(item.summary, 'summary_text');
        if (text !== undefined) reasoning = (reasoning ?? '') + text;
        break;
      }
      case 'function_call':
        (toolCalls ??= []).push({
          id: typeof item.call_id === 'string' ? item.call_id : '',
          type: 'function',
          function: { name: typeof item.name === 'string' ? item.name : '', arguments: typeof item.arguments === 'string' ? item.arguments : '' },
        });
        break;
      default:
        // A hosted tool's item (`web_search_call`…): handed on whole for the Responses frontend to put back.
        if (typeof item.type === 'string') (outputItems ??= []).push({ position, item: item as Record<string, unknown> });
    }
  }
  return {
    id: typeof response.id === 'string' ? response.id : '',
    created: typeof response.created_at === 'number' ? response.created_at : Math.floor(Date.now() / 1000),
    model: typeof response.model === 'string' ? response.model : identity.model,
    content,
    reasoning,
    refusal,
    toolCalls,
    finishReason: responsesFinishReason(response, toolCalls !== undefined),
    usage: convertResponsesUsage(response.usage),
    openaiBody: undefined,
    ...(outputItems === undefined ? {} : { outputItems }),
  };
}
