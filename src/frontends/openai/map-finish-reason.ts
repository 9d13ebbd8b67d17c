import type { FinishReason } from '../../spec/index.ts';

const openAIByUnified = {
  stop: 'stop',
  length: 'length',
  'content-filter': 'content_filter',
  'tool-calls': 'tool_calls',
  error: 'stop',
  other: 'stop',
} as const;

/** A FinishReason as the OpenAI `finish_reason` a client expects. */
export function toOpenAIFinishReason(reason: FinishReason): string {
  return openAIByUnified[reason.unified];
}
