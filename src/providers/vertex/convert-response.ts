/**
 * A Gemini `GenerateContentResponse` as a canonical result.
 *
 * - Only the first candidate is read (the gateway never asks for more). Its text parts are joined into the content;
 *   parts marked `thought: true` (thought summaries, sent when thinking is asked to include them) are joined into
 *   `reasoning` instead; `functionCall` parts become tool calls, `arguments` re-serialised from `args`, ids as
 *   tool-call-ids.ts gives them. Any function call turns `STOP` into `tool-calls`.
 * - The completion id is minted from the gateway's request id (`chatcmpl-<requestId>`), as for Bedrock, so it matches
 *   the stream's and the logs'. `created` is Vertex's `createTime` when present, else now; the model is
 *   `modelVersion` when present, else the channel's upstream model.
 * - A prompt Gemini refused to answer (`promptFeedback.blockReason`, no candidates) is a `content_filter` error (400),
 *   the way Azure OpenAI reports a filtered prompt; a candidate stopped by a filter (`SAFETY`, `PROHIBITED_CONTENT`…)
 *   is a normal result with finish reason `content-filter` and whatever content came before the stop.
 * - Thought signatures, safety ratings, citation and grounding metadata, log-probabilities, and output parts other
 *   than text and function calls (inline images, executable code) have no place in an OpenAI completion and are
 *   dropped.
 */
import { GatewayError } from '../../errors/index.ts';
import type { ChatResult, ToolCall } from '../../spec/index.ts';
import { answeredUpstream, truncateBody, type UpstreamIdentity } from '../http/transport-error.ts';
import { convertGeminiUsage, type GeminiUsageMetadata } from './convert-usage.ts';
import { httpStatusOf, mapGoogleRpcStatus, rpcStatusOf } from './errors.ts';
import { mapGeminiFinishReason } from './map-finish-reason.ts';
import { toolCallId } from './tool-call-ids.ts';

export interface GeminiResponsePart {
  text?: unknown;
  thought?: unknown;
  functionCall?: { id?: unknown; name?: unknown; args?: unknown } | null;
}

export interface GeminiCandidate {
  index?: unknown;
  content?: { role?: unknown; parts?: unknown } | null;
  finishReason?: unknown;
  finishMessage?: unknown;
}

export interface GeminiResponse {
  candidates?: unknown;
  promptFeedback?: { blockReason?: unknown; blockReasonMessage?: unknown } | null;
  usageMetadata?: GeminiUsageMetadata | null;
  modelVersion?: unknown;
  createTime?: unknown;
  responseId?: unknown;
  error?: unknown;
}

export function convertGeminiResponse(parsed: unknown, identity: UpstreamIdentity, requestId: string): ChatResult {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw malformed(identity, 'a response that is not a JSON object', parsed);
  const response = parsed as GeminiResponse;
  const rpcStatus = rpcStatusOf(response);
  if (rpcStatus !== undefined) {
    const status = httpStatusOf(rpcStatus);
    throw mapGoogleRpcStatus(rpcStatus, status, {}, answeredUpstream(identity, safeBody(parsed)));
  }
  const candidate = firstCandidate(response.candidates);
  if (candidate === undefined) {
    const blocked = promptBlockError(response, identity);
    if (blocked !== undefined) throw blocked;
    throw malformed(identity, 'a response without candidates', parsed);
  }

  const responseKey = responseKeyOf(response, requestId);
  const parts = candidate.content?.parts;
  let text: string | null = null;
  let reasoning: string | undefined;
  let toolCalls: ToolCall[] | undefined;
  if (parts !== undefined && parts !== null) {
    if (!Array.isArray(parts)) throw malformed(identity, 'a candidate whose content.parts is not a list', parsed);
    for (const part of parts as GeminiResponsePart[]) {
      if (part === null || typeof part !== 'object') throw malformed(identity, 'a content part that is not an object', parsed);
      if (typeof part.text === 'string') {
        if (part.thought === true) reasoning = reasoning === undefined ? part.text : reasoning + part.text;
        else text = text === null ? part.text : text + part.text;
      } else if (part.functionCall !== undefined && part.functionCall !== null) {
        const call = part.functionCall;
        if (typeof call !== 'object' || typeof call.name !== 'string' || call.name === '') throw malformed(identity, 'a functionCall part without a name', parsed);
        toolCalls ??= [];
        toolCalls.push({
          id: toolCallId(call.id, responseKey, toolCalls.length, call.name),
          type: 'function',
          function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
        });
      }
    }
  }

  return {
    id: `chatcmpl-${requestId}`,
    created: createdOf(response.createTime),
    model: typeof response.modelVersion === 'string' && response.modelVersion !== '' ? response.modelVersion : identity.model,
    content: text,
    reasoning,
    refusal: null,
    toolCalls,
    finishReason: mapGeminiFinishReason(typeof candidate.finishReason === 'string' ? candidate.finishReason : undefined, toolCalls !== undefined),
    usage: convertGeminiUsage(response.usageMetadata),
    openaiBody: undefined,
  };
}

/** The candidate with index 0 (or the first, when they carry no index); undefined when there is none. */
export function firstCandidate(candidates: unknown): GeminiCandidate | undefined {
  if (!Array.isArray(candidates)) return undefined;
  for (const candidate of candidates) {
    if (candidate === null || typeof candidate !== 'object') continue;
    const index = (candidate as GeminiCandidate).index;
    if (index === undefined || index === 0) return candidate as GeminiCandidate;
  }
  return undefined;
}

/** A `content_filter` error when the response says the prompt was blocked; undefined otherwise. */
export function promptBlockError(response: GeminiResponse, identity: UpstreamIdentity): GatewayError | undefined {
  const feedback = response.promptFeedback;
  if (feedback === null || typeof feedback !== 'object') return undefined;
  const reason = feedback.blockReason;
  if (typeof reason !== 'string' || reason === '' || reason === 'BLOCKED_REASON_UNSPECIFIED') return undefined;
  const detail = typeof feedback.blockReasonMessage === 'string' && feedback.blockReasonMessage !== '' ? `: ${feedback.blockReasonMessage}` : '';
  return new GatewayError('content_filter', `${identity.provider} refused the prompt (blockReason ${reason})${detail}`, {
    param: 'messages',
    upstream: answeredUpstream(identity, `promptFeedback.blockReason ${reason}`),
  });
}

/** The key tool-call ids are minted from: Gemini's `responseId`, else the gateway's request id. */
export function responseKeyOf(response: GeminiResponse, requestId: string): string {
  return typeof response.responseId === 'string' && response.responseId !== '' ? response.responseId : requestId;
}

/** Unix seconds from Vertex's `createTime` (RFC 3339), else now. */
export function createdOf(createTime: unknown): number {
  if (typeof createTime === 'string') {
    const milliseconds = Date.parse(createTime);
    if (!Number.isNaN(milliseconds)) return Math.floor(milliseconds / 1000);
  }
  return Math.floor(Date.now() / 1000);
}

function safeBody(parsed: unknown): string | undefined {
  try {
    return truncateBody(JSON.stringify(parsed) ?? String(parsed));
  } catch {
    return undefined;
  }
}

function malformed(identity: UpstreamIdentity, what: string, parsed: unknown): GatewayError {
  return new GatewayError('upstream_error', `${identity.provider} answered ${what}`, { upstream: answeredUpstream(identity, safeBody(parsed)) });
}
