/**
 * `generateContent` and `streamGenerateContent` answers. The reply (text, function calls, JSON, token counts) is
 * planned by the OpenAI emulator's `planChat`, so a model answers the same on every cloud; this file adds Gemini's
 * thinking tokens, candidate counts, block markers and implicit-cache counts, and encodes the result as Vertex does:
 * a pretty-printed GenerateContentResponse, SSE events `data: {…}\r\n\r\n` in Google's compact JSON style
 * (`{"candidates": [{"content": {"role": "model","parts": […]}}],"usageMetadata": {…},…}`), or, without `alt=sse`,
 * a JSON array of responses.
 */
import {
  countTokens,
  deterministicId,
  hashString,
  hex32,
  splitTokens,
  tokenPrefixLength,
  type Exchange,
  type StreamEvent,
  type UsageDirective,
} from '../core/index.ts';
import { planChat } from '../openai/chat-completions.ts';
import type { BlockMarker } from './block-marker.ts';
import { thoughtSummary, type GeminiInput } from './generate-request.ts';
import type { ModelState } from './models.ts';
import { EVENT_STREAM_CONTENT_TYPE, JSON_CONTENT_TYPE, baseHeaders, faultMessage, streamErrorEvent } from './vertex-errors.ts';

/** Tokens per streamed text chunk (Gemini streams a few tokens at a time, not one). */
export const TOKENS_PER_CHUNK = 4;

export interface PlannedCall {
  readonly name: string;
  readonly args: Record<string, unknown>;
}

export interface Generation {
  /** Set when the prompt is blocked: no candidates. */
  readonly promptBlock: BlockMarker | undefined;
  /** Set when the candidate is stopped by a response block. */
  readonly responseBlock: BlockMarker | undefined;
  /** The answer text; '' when there is none. For a response block, what was generated before it (streams send it). */
  readonly text: string;
  readonly calls: readonly PlannedCall[];
  readonly finishReason: string;
  /** Thought summary part (includeThoughts), or undefined. */
  readonly thought: string | undefined;
  /** `thoughtSignature` of the first function-call part (thinking models). */
  readonly signature: string | undefined;
  readonly candidateCount: number;
  readonly promptTokens: number;
  /** Per candidate. */
  readonly candidateTokens: number;
  /** Per candidate. */
  readonly thoughtTokens: number;
  readonly cachedTokens: number;
  readonly imageTokens: number;
  /** The request's `[emulator-usage: …]` marker: usage left out, or repeated on every stream chunk. */
  readonly usage: UsageDirective;
}

function signatureFor(seed: string): string {
  let bytes = '';
  let state = hashString(seed);
  for (let index = 0; index < 6; index++) {
    state = hashString(String(index), state);
    bytes += hex32(state);
  }
  return Buffer.from(bytes, 'hex').toString('base64');
}

/** Plans the reply: the generator's answer, then Gemini's finish reasons, thinking and the block marker. */
export function planGeneration(input: GeminiInput, model: ModelState, block: BlockMarker | undefined, usage: UsageDirective): Generation {
  const chat = input.chat;
  const base = {
    candidateCount: input.candidateCount,
    promptTokens: chat.promptTokens,
    imageTokens: input.imageTokens,
    usage,
  };
  const plan = planChat(chat, usage);
  if (block?.target === 'prompt') {
    return {
      ...base,
      promptBlock: block,
      responseBlock: undefined,
      text: '',
      calls: [],
      finishReason: '',
      thought: undefined,
      signature: undefined,
      candidateTokens: 0,
      thoughtTokens: 0,
      cachedTokens: plan.cachedTokens,
    };
  }
  const thoughtTokens = plan.reasoningTokens;
  let candidateTokens = plan.completionTokens - thoughtTokens;
  let text = plan.content ?? '';
  let finishReason = plan.finishReason === 'length' ? 'MAX_TOKENS' : 'STOP';
  let calls: PlannedCall[] = plan.toolCalls.map((call) => ({ name: call.name, args: JSON.parse(call.arguments) as Record<string, unknown> }));
  if (input.enumOutput && plan.content !== null) {
    // text/x.enum answers the bare enum value.
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'string') {
        text = value;
        candidateTokens = Math.min(countTokens(text), candidateTokens);
      }
    } catch {
      // Cut by maxOutputTokens: keep what there is.
    }
  }
  if (block !== undefined) {
    const kept = countTokens(text) >> 1;
    text = text.slice(0, tokenPrefixLength(text, kept));
    candidateTokens = kept;
    calls = [];
    finishReason = block.reason;
  }
  const thinking = model.thinking !== 'none' && thoughtTokens > 0;
  return {
    ...base,
    promptBlock: undefined,
    responseBlock: block,
    text,
    calls,
    finishReason,
    thought: input.includeThoughts && block === undefined ? thoughtSummary(input) : undefined,
    signature: thinking && calls.length > 0 ? signatureFor(`${chat.lastUserText}:${calls[0].name}`) : undefined,
    candidateTokens,
    thoughtTokens,
    cachedTokens: plan.cachedTokens,
  };
}

// --- response pieces --------------------------------------------------------------------------------------------

/** `candidateTokens` (per candidate) for a running count part way through a stream. */
function usageMetadata(generation: Generation, candidateTokens = generation.candidateTokens): Record<string, unknown> {
  const candidates = candidateTokens * generation.candidateCount;
  const thoughts = generation.thoughtTokens * generation.candidateCount;
  const usage: Record<string, unknown> = { promptTokenCount: generation.promptTokens };
  if (candidates > 0) usage.candidatesTokenCount = candidates;
  usage.totalTokenCount = generation.promptTokens + candidates + thoughts;
  if (generation.cachedTokens > 0) usage.cachedContentTokenCount = generation.cachedTokens;
  usage.trafficType = 'ON_DEMAND';
  const details: { modality: string; tokenCount: number }[] = [];
  const textTokens = generation.promptTokens - generation.imageTokens;
  if (textTokens > 0) details.push({ modality: 'TEXT', tokenCount: textTokens });
  if (generation.imageTokens > 0) details.push({ modality: 'IMAGE', tokenCount: generation.imageTokens });
  usage.promptTokensDetails = details;
  if (generation.cachedTokens > 0) usage.cacheTokensDetails = [{ modality: 'TEXT', tokenCount: generation.cachedTokens }];
  if (candidates > 0) usage.candidatesTokensDetails = [{ modality: 'TEXT', tokenCount: candidates }];
  if (thoughts > 0) usage.thoughtsTokenCount = thoughts;
  return usage;
}

function safetyRatings(block: BlockMarker): Record<string, unknown>[] {
  const ratings: Record<string, unknown>[] = [];
  const categories = ['HARM_CATEGORY_HATE_SPEECH', 'HARM_CATEGORY_DANGEROUS_CONTENT', 'HARM_CATEGORY_HARASSMENT', 'HARM_CATEGORY_SEXUALLY_EXPLICIT'];
  for (let index = 0; index < categories.length; index++) {
    const category = categories[index];
    if (category === block.category) {
      ratings.push({
        category,
        probability: 'HIGH',
        probabilityScore: 0.93,
        severity: 'HARM_SEVERITY_HIGH',
        severityScore: 0.87,
        blocked: true,
      });
    } else {
      ratings.push({
        category,
        probability: 'NEGLIGIBLE',
        probabilityScore: 0.02 + index * 0.01,
        severity: 'HARM_SEVERITY_NEGLIGIBLE',
        severityScore: 0.01 + index * 0.01,
      });
    }
  }
  return ratings;
}

const PROMPT_BLOCK_MESSAGES: Readonly<Record<string, string>> = {
  SAFETY: 'The prompt was blocked due to safety reasons. You can adjust the safety filters to fit your use case.',
  PROHIBITED_CONTENT: 'The prompt was blocked due to prohibited contents.',
  BLOCKLIST: 'The prompt was blocked because it contains terms from the terminology blocklist.',
  OTHER: 'The prompt was blocked for an unspecified reason.',
  MODEL_ARMOR: 'The prompt was blocked by Model Armor.',
  IMAGE_SAFETY: 'The prompt was blocked because the image may contain unsafe content.',
  JAILBREAK: 'The prompt was blocked because it was classified as a jailbreak attempt.',
};

function promptFeedback(block: BlockMarker): Record<string, unknown> {
  const feedback: Record<string, unknown> = { blockReason: block.reason };
  if (block.reason === 'SAFETY') feedback.safetyRatings = safetyRatings(block);
  feedback.blockReasonMessage = PROMPT_BLOCK_MESSAGES[block.reason];
  return feedback;
}

function answerParts(generation: Generation): Record<string, unknown>[] {
  const parts: Record<string, unknown>[] = [];
  if (generation.thought !== undefined) parts.push({ text: generation.thought, thought: true });
  if (generation.text !== '') parts.push({ text: generation.text });
  for (let index = 0; index < generation.calls.length; index++) {
    const call = generation.calls[index];
    const part: Record<string, unknown> = { functionCall: { name: call.name, args: call.args } };
    if (index === 0 && generation.signature !== undefined) part.thoughtSignature = generation.signature;
    parts.push(part);
  }
  return parts;
}

function averageLogprobs(generation: Generation): number {
  return -((hashString(generation.text + generation.calls.map((call) => call.name).join()) % 9000) + 500) / 10000;
}

function candidate(generation: Generation, index: number, withLogprobs: boolean): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (index > 0) result.index = index;
  const parts = generation.responseBlock !== undefined ? [] : answerParts(generation);
  if (generation.responseBlock === undefined) result.content = parts.length > 0 ? { role: 'model', parts } : { role: 'model' };
  result.finishReason = generation.finishReason;
  if (generation.responseBlock?.reason === 'SAFETY') result.safetyRatings = safetyRatings(generation.responseBlock);
  if (withLogprobs && generation.candidateTokens > 0 && generation.responseBlock === undefined) {
    result.avgLogprobs = averageLogprobs(generation);
  }
  return result;
}

export interface ResponseMeta {
  readonly modelVersion: string;
  readonly createTime: string;
  readonly responseId: string;
}

let responseCounter = 0;
const RESPONSE_SEED = (Date.now() ^ (process.pid << 16)) >>> 0;

/** `modelVersion`, `createTime` (microseconds, as Vertex prints it) and a 23-character `responseId`. */
export function responseMeta(model: ModelState): ResponseMeta {
  responseCounter++;
  return {
    modelVersion: model.id,
    createTime: new Date().toISOString().slice(0, -1) + '000Z',
    responseId: deterministicId('', 23, (RESPONSE_SEED + Math.imul(responseCounter, 0x9e3779b1)) >>> 0),
  };
}

function responseObject(generation: Generation, meta: ResponseMeta, withLogprobs: boolean): Record<string, unknown> {
  const response: Record<string, unknown> = {};
  if (generation.promptBlock !== undefined) {
    response.promptFeedback = promptFeedback(generation.promptBlock);
  } else {
    const candidates: Record<string, unknown>[] = [];
    for (let index = 0; index < generation.candidateCount; index++) candidates.push(candidate(generation, index, withLogprobs));
    response.candidates = candidates;
  }
  if (!generation.usage.omit) response.usageMetadata = usageMetadata(generation);
  response.modelVersion = meta.modelVersion;
  response.createTime = meta.createTime;
  response.responseId = meta.responseId;
  return response;
}

/** `prettyPrint=false` in the query turns Google's default pretty printing off. */
export function wantsCompact(query: string): boolean {
  return query.includes('prettyPrint=false') || query.includes('prettyprint=false');
}

export function sendGenerateContent(exchange: Exchange, generation: Generation, meta: ResponseMeta): void {
  const response = responseObject(generation, meta, true);
  const body = wantsCompact(exchange.query) ? JSON.stringify(response) : JSON.stringify(response, null, 2) + '\n';
  exchange.send(200, baseHeaders(JSON_CONTENT_TYPE), body);
}

/** Google's compact JSON style: `": "` after keys, no space after commas. */
export function googleJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index++) text += (index > 0 ? ',' : '') + googleJson(value[index]);
    return text + ']';
  }
  let text = '{';
  let first = true;
  for (const key in value) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    text += (first ? '' : ',') + JSON.stringify(key) + ': ' + googleJson(member);
    first = false;
  }
  return text + '}';
}

/**
 * The stream chunks as response objects: the thought summary (if any), the text a few tokens at a time, and a last
 * chunk with the finish reason and the full usage (function calls arrive whole in it). Earlier chunks carry
 * `usageMetadata: {trafficType}` only, as Vertex sends them; with `[emulator-usage: repeat]` the counts so far, as
 * the Gemini API sends them; with `[emulator-usage: none]` no usage at all.
 */
function streamChunks(generation: Generation, meta: ResponseMeta): Record<string, unknown>[] {
  const tail = { modelVersion: meta.modelVersion, createTime: meta.createTime, responseId: meta.responseId };
  const partial = { trafficType: 'ON_DEMAND' };
  if (generation.promptBlock !== undefined) return [responseObject(generation, meta, false)];
  const chunks: Record<string, unknown>[] = [];
  const { omit, repeat } = generation.usage;
  let candidatesSoFar = 0;
  const intermediate = (parts: Record<string, unknown>[], tokens: number) => {
    candidatesSoFar = Math.min(generation.candidateTokens, candidatesSoFar + tokens);
    const usage = omit ? undefined : repeat ? usageMetadata(generation, candidatesSoFar) : partial;
    chunks.push({ candidates: [{ content: { role: 'model', parts } }], usageMetadata: usage, ...tail });
  };
  if (generation.thought !== undefined) intermediate([{ text: generation.thought, thought: true }], 0);
  const tokens = splitTokens(generation.text);
  const pieces: string[] = [];
  for (let index = 0; index < tokens.length; index += TOKENS_PER_CHUNK) {
    pieces.push(tokens.slice(index, index + TOKENS_PER_CHUNK).join(''));
  }
  const blocked = generation.responseBlock !== undefined;
  // The last text piece rides on the final chunk, unless the candidate was blocked after it.
  const lastInFinal = !blocked && pieces.length > 0 && generation.calls.length === 0;
  const streamed = lastInFinal ? pieces.length - 1 : pieces.length;
  for (let index = 0; index < streamed; index++) intermediate([{ text: pieces[index] }], TOKENS_PER_CHUNK);
  const final: Record<string, unknown> = {};
  if (!blocked) {
    const parts: Record<string, unknown>[] = [];
    if (lastInFinal) parts.push({ text: pieces[pieces.length - 1] });
    for (let index = 0; index < generation.calls.length; index++) {
      const call = generation.calls[index];
      const part: Record<string, unknown> = { functionCall: { name: call.name, args: call.args } };
      if (index === 0 && generation.signature !== undefined) part.thoughtSignature = generation.signature;
      parts.push(part);
    }
    final.content = parts.length > 0 ? { role: 'model', parts } : { role: 'model' };
  }
  final.finishReason = generation.finishReason;
  if (generation.responseBlock?.reason === 'SAFETY') final.safetyRatings = safetyRatings(generation.responseBlock);
  chunks.push({ candidates: [final], usageMetadata: omit ? undefined : usageMetadata(generation), ...tail });
  return chunks;
}

const SSE_MALFORMED = 'data: {"candidates": [{"content": {"role": "model","parts": [{"text": "this event is cut short\r\n\r\n';

/**
 * Streams the reply: SSE (`alt=sse`) or a JSON array. `streamError` is the in-stream error the `error-after`
 * fault sends.
 */
export function streamGenerateContent(
  exchange: Exchange,
  generation: Generation,
  meta: ResponseMeta,
  sse: boolean,
  streamError: { code: number; status: string },
): void {
  const chunks = streamChunks(generation, meta);
  const events: StreamEvent[] = [];
  const errorMessage = faultMessage(streamError.code);
  if (sse) {
    for (const chunk of chunks) events.push(`data: ${googleJson(chunk)}\r\n\r\n`);
    exchange.stream(200, baseHeaders(EVENT_STREAM_CONTENT_TYPE), events, {
      final: undefined,
      malformed: SSE_MALFORMED,
      error: streamErrorEvent(streamError.code, streamError.status, errorMessage),
    });
    return;
  }
  for (let index = 0; index < chunks.length; index++) {
    events.push((index === 0 ? '[' : ',\r\n') + JSON.stringify(chunks[index], null, 2));
  }
  exchange.stream(200, baseHeaders(JSON_CONTENT_TYPE), events, {
    final: ']',
    malformed: ',\r\n{\n  "candidates": [\n    {\n      "content": {\n        "role": "model",\n',
    error:
      ',\r\n' +
      JSON.stringify({ error: { code: streamError.code, message: errorMessage, status: streamError.status } }, null, 2) +
      ']',
  });
}
