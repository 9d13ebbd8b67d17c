/**
 * The canonical request as an OpenAI-dialect body. The client's body is forwarded as sent (so fields the gateway does
 * not model still reach the upstream), with the upstream model in place and the stream options the gateway needs.
 */
import type { ChatRequest, EmbeddingRequest } from '../../spec/index.ts';

export interface OpenAIDialect {
  /**
   * The output-limit field this upstream understands: OpenAI takes either as sent; many self-hosted servers know only
   * `max_tokens`.
   */
  readonly maxTokensField: 'as-sent' | 'max_tokens';
}

export function convertChatRequest(request: ChatRequest, upstreamModel: string, dialect: OpenAIDialect, stream: boolean): string {
  const body: Record<string, unknown> = { ...request.body, model: upstreamModel };
  if (stream) {
    body.stream = true;
    // Usage is always requested upstream so the gateway can meter every stream; the frontend forwards it only when
    // the client asked.
    body.stream_options = { ...(request.body.stream_options as object | undefined), include_usage: true };
  } else {
    if (body.stream !== undefined) body.stream = false;
    if (body.stream_options !== undefined) delete body.stream_options;
  }
  if (dialect.maxTokensField === 'max_tokens' && request.usesMaxCompletionTokens) {
    body.max_tokens = request.maxOutputTokens;
    delete body.max_completion_tokens;
  }
  return JSON.stringify(body);
}

export function convertEmbeddingRequest(request: EmbeddingRequest, upstreamModel: string): string {
  return JSON.stringify({ ...request.body, model: upstreamModel });
}
