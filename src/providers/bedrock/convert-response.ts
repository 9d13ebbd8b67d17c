/**
 * A Bedrock Converse response as a canonical result: text blocks joined into the content, `toolUse` blocks as tool
 * calls (arguments re-serialised from the input object, ids kept), `reasoningContent` text as reasoning. Bedrock sends
 * no completion id or creation time: the id is minted from the gateway's request id and the time is now.
 * Redacted reasoning, reasoning signatures, citations and guardrail traces have no place in an OpenAI completion and
 * are dropped.
 */
import { GatewayError } from '../../errors/index.ts';
import type { ChatResult, ToolCall } from '../../spec/index.ts';
import { answeredUpstream, truncateBody, type UpstreamIdentity } from '../http/transport-error.ts';
import { convertConverseUsage, type ConverseUsage } from './convert-usage.ts';
import { mapConverseStopReason } from './map-finish-reason.ts';

interface ConverseResponse {
  output?: { message?: { role?: unknown; content?: unknown } };
  stopReason?: unknown;
  usage?: ConverseUsage;
}

interface ConverseResponseBlock {
  text?: unknown;
  toolUse?: { toolUseId?: unknown; name?: unknown; input?: unknown };
  reasoningContent?: { reasoningText?: { text?: unknown } };
}

export function convertConverseResponse(parsed: unknown, identity: UpstreamIdentity, requestId: string): ChatResult {
  const response = parsed as ConverseResponse | null;
  const content = response !== null && typeof response === 'object' ? response.output?.message?.content : undefined;
  if (!Array.isArray(content)) throw malformed(identity, 'a Converse response without output.message.content', parsed);
  const stopReason = typeof response!.stopReason === 'string' ? response!.stopReason : undefined;

  let text: string | null = null;
  let reasoning: string | undefined;
  let toolCalls: ToolCall[] | undefined;
  for (const item of content as ConverseResponseBlock[]) {
    if (item === null || typeof item !== 'object') throw malformed(identity, 'a content block that is not an object', parsed);
    if (typeof item.text === 'string') {
      text = text === null ? item.text : text + item.text;
    } else if (item.toolUse !== undefined) {
      const toolUse = item.toolUse;
      if (toolUse === null || typeof toolUse !== 'object' || typeof toolUse.toolUseId !== 'string' || typeof toolUse.name !== 'string') {
        throw malformed(identity, 'a toolUse block without toolUseId or name', parsed);
      }
      (toolCalls ??= []).push({
        id: toolUse.toolUseId,
        type: 'function',
        function: { name: toolUse.name, arguments: JSON.stringify(toolUse.input ?? {}) },
      });
    } else if (item.reasoningContent !== undefined) {
      const reasoningText = item.reasoningContent?.reasoningText?.text;
      if (typeof reasoningText === 'string') reasoning = reasoning === undefined ? reasoningText : reasoning + reasoningText;
    }
  }

  if (stopReason === 'model_context_window_exceeded') {
    throw new GatewayError('context_length_exceeded', `${identity.provider}: the prompt and the answer did not fit the model's context window`, {
      param: 'messages',
      upstream: answeredUpstream(identity),
    });
  }

  return {
    id: `chatcmpl-${requestId}`,
    created: Math.floor(Date.now() / 1000),
    model: identity.model,
    content: text,
    reasoning,
    refusal: null,
    toolCalls,
    finishReason: mapConverseStopReason(stopReason),
    usage: convertConverseUsage(response!.usage),
    openaiBody: undefined,
  };
}

function malformed(identity: UpstreamIdentity, what: string, parsed: unknown): GatewayError {
  let body: string | undefined;
  try {
    body = truncateBody(JSON.stringify(parsed) ?? String(parsed));
  } catch {
    body = undefined;
  }
  return new GatewayError('upstream_error', `${identity.provider} answered ${what}`, {
    upstream: answeredUpstream(identity, body),
  });
}
