/**
 * OpenAI-dialect responses as canonical results. The parsed body is kept so the frontend can pass it through intact.
 */
import { GatewayError } from '../../errors/index.ts';
import type { ChatResult, EmbeddingResult, ToolCall } from '../../spec/index.ts';
import { answeredUpstream, truncateBody, unusableAnswer, type UpstreamIdentity } from '../http/transport-error.ts';
export { parseUpstreamJson } from '../http/parse-upstream-json.ts';
import { convertOpenAIUsage, type OpenAIUsage } from './convert-usage.ts';
import { mapOpenAIFinishReason } from './map-finish-reason.ts';

interface OpenAIChatCompletion {
  id?: unknown;
  created?: unknown;
  model?: unknown;
  choices?: Array<{
    message?: {
      content?: unknown;
      refusal?: unknown;
      reasoning_content?: unknown;
      tool_calls?: unknown;
    };
    finish_reason?: unknown;
  }>;
  usage?: OpenAIUsage | null;
}


export function convertChatResponse(parsed: unknown, identity: UpstreamIdentity): ChatResult {
  const completion = parsed as OpenAIChatCompletion;
  const choice = completion !== null && typeof completion === 'object' && Array.isArray(completion.choices) ? completion.choices[0] : undefined;
  const message = choice?.message;
  if (message === undefined || message === null || typeof message !== 'object') {
    throw new GatewayError('upstream_error', `${identity.provider} answered a chat completion without choices[0].message`, {
      upstream: answeredUpstream(identity, truncateBody(JSON.stringify(parsed))),
    });
  }
  return {
    id: typeof completion.id === 'string' ? completion.id : '',
    created: typeof completion.created === 'number' ? completion.created : Math.floor(Date.now() / 1000),
    model: typeof completion.model === 'string' ? completion.model : identity.model,
    content: typeof message.content === 'string' ? message.content : null,
    reasoning: typeof message.reasoning_content === 'string' ? message.reasoning_content : undefined,
    refusal: typeof message.refusal === 'string' ? message.refusal : null,
    toolCalls: Array.isArray(message.tool_calls) && message.tool_calls.length > 0 ? (message.tool_calls as ToolCall[]) : undefined,
    finishReason: mapOpenAIFinishReason(typeof choice!.finish_reason === 'string' ? choice!.finish_reason : undefined),
    usage: convertOpenAIUsage(completion.usage),
    openaiBody: completion as Record<string, unknown>,
  };
}

interface OpenAIEmbeddingList {
  model?: unknown;
  data?: Array<{ index?: unknown; embedding?: unknown }>;
  usage?: { prompt_tokens?: unknown };
}

export function convertEmbeddingResponse(parsed: unknown, identity: UpstreamIdentity, inputCount: number): EmbeddingResult {
  const list = parsed as OpenAIEmbeddingList;
  const data = list !== null && typeof list === 'object' ? list.data : undefined;
  if (!Array.isArray(data) || data.length !== inputCount) {
    throw unusableAnswer(identity, `${identity.provider} answered ${Array.isArray(data) ? data.length : 'no'} embeddings for ${inputCount} inputs`);
  }
  const embeddings = new Array<number[] | string>(inputCount);
  for (let position = 0; position < data.length; position++) {
    const item = data[position];
    const index = typeof item.index === 'number' ? item.index : position;
    if (typeof item.embedding !== 'string' && !Array.isArray(item.embedding)) {
      throw unusableAnswer(identity, `${identity.provider} answered an embedding that is neither a list nor base64`);
    }
    embeddings[index] = item.embedding as number[] | string;
  }
  const promptTokens = list.usage?.prompt_tokens;
  return {
    model: typeof list.model === 'string' ? list.model : identity.model,
    embeddings,
    inputTokens: typeof promptTokens === 'number' ? promptTokens : 0,
  };
}
