/**
 * The Responses API `response` object, built from a neutral chat result (or, for a stream, from the items the event
 * encoder assembled): output items (`reasoning`, `message` with `output_text` or `refusal`, `function_call`), status
 * (`incomplete` with its reason when the output was cut), usage with cached and reasoning tokens, and the request's
 * settings echoed as OpenAI does.
 */
import type { GatewayError } from '../../errors/index.ts';
import type { ChatResult, FinishReason, Usage } from '../../spec/index.ts';
import type { ResponseSettings } from './parse-responses-request.ts';

/** What every response object of one request shares. */
export interface ResponseIdentity {
  readonly id: string;
  /** Unix seconds. */
  readonly createdAt: number;
  /** The public model name the client asked for. */
  readonly model: string;
  readonly previousResponseId: string | undefined;
  readonly store: boolean;
  readonly settings: ResponseSettings;
  /** Mints an output item id (`msg_…`, `fc_…`, `rs_…`). */
  readonly newId: (prefix: string) => string;
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';
export type OutputItem = Record<string, unknown>;

export function responseUsage(usage: Usage | undefined): Record<string, unknown> | null {
  if (usage === undefined) return null;
  return {
    input_tokens: usage.inputTokens.total,
    input_tokens_details: { cached_tokens: usage.inputTokens.cacheRead },
    output_tokens: usage.outputTokens.total,
    output_tokens_details: { reasoning_tokens: usage.outputTokens.reasoning },
    total_tokens: usage.inputTokens.total + usage.outputTokens.total,
  };
}

/** `incomplete` with its reason when the output was cut short (the output limit, a content filter). */
export function statusOf(finishReason: FinishReason | undefined): { status: ResponseStatus; incomplete: { reason: string } | null } {
  switch (finishReason?.unified) {
    case 'length':
      return { status: 'incomplete', incomplete: { reason: 'max_output_tokens' } };
    case 'content-filter':
      return { status: 'incomplete', incomplete: { reason: 'content_filter' } };
    default:
      return { status: 'completed', incomplete: null };
  }
}

export function responseObject(
  identity: ResponseIdentity,
  status: ResponseStatus,
  output: readonly OutputItem[],
  usage: Usage | undefined,
  incomplete: { reason: string } | null,
  error: GatewayError | undefined = undefined,
): Record<string, unknown> {
  const settings = identity.settings;
  return {
    id: identity.id,
    object: 'response',
    created_at: identity.createdAt,
    status,
    ...(status === 'completed' ? { completed_at: Math.floor(Date.now() / 1000) } : {}),
    background: false,
    error: error === undefined ? null : { code: error.code, message: error.message },
    incomplete_details: incomplete,
    instructions: settings.instructions,
    max_output_tokens: settings.maxOutputTokens,
    max_tool_calls: null,
    model: identity.model,
    output,
    parallel_tool_calls: settings.parallelToolCalls,
    previous_response_id: identity.previousResponseId ?? null,
    reasoning: settings.reasoning,
    service_tier: 'default',
    store: identity.store,
    temperature: settings.temperature,
    text: settings.text,
    tool_choice: settings.toolChoice,
    tools: settings.tools,
    top_logprobs: 0,
    top_p: settings.topP,
    truncation: settings.truncation,
    usage: responseUsage(usage),
    user: settings.user,
    metadata: settings.metadata,
  };
}

export function outputText(text: string): Record<string, unknown> {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

/** The output items of a whole result, in the order a stream would have added them. */
export function outputOf(result: ChatResult, newId: (prefix: string) => string, itemStatus: 'completed' | 'incomplete'): OutputItem[] {
  const output: OutputItem[] = [];
  if (result.reasoning !== undefined && result.reasoning !== '') {
    output.push({ id: newId('rs'), type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: result.reasoning }] });
  }
  const content: Record<string, unknown>[] = [];
  if (result.content !== null && (result.content !== '' || result.toolCalls === undefined)) content.push(outputText(result.content));
  if (typeof result.refusal === 'string' && result.refusal !== '') content.push({ type: 'refusal', refusal: result.refusal });
  if (content.length > 0) output.push({ id: newId('msg'), type: 'message', status: itemStatus, role: 'assistant', content });
  for (const call of result.toolCalls ?? []) {
    output.push({ id: newId('fc'), type: 'function_call', status: 'completed', call_id: call.id, name: call.function.name, arguments: call.function.arguments });
  }
  // Items the gateway does not model go back where the upstream put them.
  for (const { position, item } of result.outputItems ?? []) output.splice(Math.min(position, output.length), 0, { ...item });
  return output;
}

/** The response object of a whole (non-streaming) result. */
export function responseOfResult(identity: ResponseIdentity, result: ChatResult): Record<string, unknown> {
  const { status, incomplete } = statusOf(result.finishReason);
  return responseObject(identity, status, outputOf(result, identity.newId, status === 'incomplete' ? 'incomplete' : 'completed'), result.usage, incomplete);
}
