/**
 * A canonical ChatResult as an OpenAI `chat.completion` body. Results from OpenAI-dialect upstreams are written as the
 * upstream sent them.
 */
import type { ChatResult } from '../../spec/index.ts';
import { toOpenAIUsage } from './convert-usage.ts';
import { toOpenAIFinishReason } from './map-finish-reason.ts';

export function writeChatResponse(result: ChatResult, fallbackId: string): string {
  if (result.openaiBody !== undefined) return JSON.stringify(result.openaiBody);
  const message: Record<string, unknown> = { role: 'assistant', content: result.content, refusal: result.refusal ?? null };
  if (result.reasoning !== undefined) message.reasoning_content = result.reasoning;
  if (result.toolCalls !== undefined) message.tool_calls = result.toolCalls;
  const body: Record<string, unknown> = {
    id: result.id === '' ? `chatcmpl-${fallbackId}` : result.id,
    object: 'chat.completion',
    created: result.created,
    model: result.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: toOpenAIFinishReason(result.finishReason) }],
  };
  if (result.usage !== undefined) body.usage = toOpenAIUsage(result.usage);
  return JSON.stringify(body);
}
