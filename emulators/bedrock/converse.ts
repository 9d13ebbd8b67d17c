/**
 * Converse and ConverseStream answers. The reply (text, tool calls, JSON, token counts) is planned by the OpenAI
 * emulator's `planChat`, so a model answers the same way on every cloud; this file applies Bedrock's limits (stop
 * sequences, `maxTokens`, the context window), the stop-reason markers and prompt caching, and encodes the result as
 * Bedrock does: a JSON body, or `application/vnd.amazon.eventstream` frames whose payloads carry the `p` padding.
 */
import {
  countTokens,
  deterministicId,
  hashString,
  splitTokens,
  tokenPrefixLength,
  type Exchange,
  type StreamEvent,
  type UsageDirective,
} from '../core/index.ts';
import { planChat } from '../openai/chat-completions.ts';
import { baseHeaders, streamExceptionFrame } from './bedrock-errors.ts';
import type { ConverseInput } from './converse-request.ts';
import { EVENT_STREAM_CONTENT_TYPE, corruptFrame, eventKind } from './event-stream.ts';
import type { StopMarker } from './stop-marker.ts';

/** The message a guardrail answers with when it blocks (the console's default "blocked input" message). */
export const GUARDRAIL_BLOCKED_MESSAGE = 'Sorry, the model cannot answer this question.';

export interface PlannedToolUse {
  readonly toolUseId: string;
  readonly name: string;
  /** The input as JSON text (an object). */
  readonly input: string;
}

export interface Reply {
  /** Empty when there is no text block. */
  readonly text: string;
  readonly toolUses: readonly PlannedToolUse[];
  readonly stopReason: string;
  readonly outputTokens: number;
}

export interface CacheUsage {
  readonly reported: boolean;
  readonly read: number;
  readonly write: number;
}

export const NO_CACHE: CacheUsage = { reported: false, read: 0, write: 0 };

/** `tooluse_` and 22 alphanumerics, derived like the OpenAI emulator's call ids (tool, position, last user text). */
function toolUseId(index: number, name: string, seed: number): string {
  return deterministicId('tooluse_', 22, hashString(`${index}:${name}`, seed));
}

/**
 * Plans the reply: the generator's answer, then stop sequences, `maxTokens`, the context window and the marker.
 * Reasoning tokens an `[emulator-usage: reasoning=<n>]` marker asks for count as output: Bedrock does not report them
 * apart.
 */
export function planReply(input: ConverseInput, contextWindow: number, marker: StopMarker | undefined, usage: UsageDirective): Reply {
  const chat = input.chat;
  const plan = planChat({ ...chat, stop: [], maxTokens: Number.POSITIVE_INFINITY }, usage);
  let text = '';
  let toolUses: PlannedToolUse[] = [];
  let stopReason = 'end_turn';
  let outputTokens: number;
  if (plan.content === null) {
    const seed = hashString(chat.lastUserText);
    toolUses = plan.toolCalls.map((call, index) => ({ toolUseId: toolUseId(index, call.name, seed), name: call.name, input: call.arguments }));
    stopReason = 'tool_use';
    outputTokens = plan.completionTokens;
  } else {
    text = plan.content;
    let stopAt = -1;
    for (const stop of chat.stop) {
      const at = text.indexOf(stop);
      if (at >= 0 && (stopAt < 0 || at < stopAt)) stopAt = at;
    }
    if (stopAt >= 0) {
      text = text.slice(0, stopAt);
      stopReason = 'stop_sequence';
    }
    outputTokens = countTokens(text);
    if (outputTokens + plan.reasoningTokens > chat.maxTokens) {
      outputTokens = Math.max(0, chat.maxTokens - plan.reasoningTokens);
      text = text.slice(0, tokenPrefixLength(text, outputTokens));
      stopReason = 'max_tokens';
    }
    const room = Math.max(0, contextWindow - chat.promptTokens);
    if (outputTokens > room) {
      text = text.slice(0, tokenPrefixLength(text, room));
      outputTokens = room;
      stopReason = 'model_context_window_exceeded';
    }
    outputTokens += plan.reasoningTokens;
  }
  if (marker === undefined) return { text, toolUses, stopReason, outputTokens };
  switch (marker) {
    case 'guardrail_intervened':
      return { text: GUARDRAIL_BLOCKED_MESSAGE, toolUses: [], stopReason: marker, outputTokens: 0 };
    case 'content_filtered': {
      const kept = countTokens(text) >> 1;
      return { text: text.slice(0, tokenPrefixLength(text, kept)), toolUses: [], stopReason: marker, outputTokens: kept };
    }
    default:
      // malformed_model_output, malformed_tool_use: the tokens were generated, nothing usable came out.
      return { text: '', toolUses: [], stopReason: marker, outputTokens };
  }
}

function usageJson(inputTokens: number, reply: Reply, cache: CacheUsage): string {
  const total = inputTokens + reply.outputTokens + cache.read + cache.write;
  const cached = cache.reported ? `"cacheReadInputTokens":${cache.read},"cacheWriteInputTokens":${cache.write},` : '';
  return `{${cached}"inputTokens":${inputTokens},"outputTokens":${reply.outputTokens},"totalTokens":${total}}`;
}

/** `"performanceConfig":…,"serviceTier":…,` when the request set them (echoed like the service does). */
function echoedFields(input: ConverseInput): string {
  let fields = '';
  if (input.latency !== undefined) fields += `"performanceConfig":{"latency":"${input.latency}"},`;
  if (input.serviceTier !== undefined) fields += `"serviceTier":{"type":"${input.serviceTier}"},`;
  return fields;
}

/** The prompt tokens read neither from nor into the cache: Bedrock's `inputTokens`, never below 0. */
function uncachedTokens(input: ConverseInput, cache: CacheUsage): number {
  return Math.max(0, input.chat.promptTokens - cache.read - cache.write);
}

export function sendConverse(exchange: Exchange, input: ConverseInput, reply: Reply, cache: CacheUsage): void {
  const inputTokens = uncachedTokens(input, cache);
  let content = '';
  if (reply.text !== '') content = `{"text":${JSON.stringify(reply.text)}}`;
  for (const use of reply.toolUses) {
    content +=
      `${content === '' ? '' : ','}{"toolUse":{"input":${use.input},"name":${JSON.stringify(use.name)},` +
      `"toolUseId":"${use.toolUseId}"}}`;
  }
  const body =
    `{"metrics":{"latencyMs":${exchange.elapsedMs()}},"output":{"message":{"content":[${content}],"role":"assistant"}},` +
    `${echoedFields(input)}"stopReason":"${reply.stopReason}"` +
    `${exchange.usage.omit ? '' : `,"usage":${usageJson(inputTokens, reply, cache)}`}}`;
  exchange.send(200, baseHeaders('application/json'), body);
}

const MESSAGE_START = eventKind('messageStart');
const BLOCK_START = eventKind('contentBlockStart');
const BLOCK_DELTA = eventKind('contentBlockDelta');
const BLOCK_STOP = eventKind('contentBlockStop');
const MESSAGE_STOP = eventKind('messageStop');
const METADATA = eventKind('metadata');

/** Bedrock pads every event payload with `p`: a prefix of this alphabet, of varying length. */
const PADDING_SOURCE = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function padding(sequence: number, hint: number): string {
  return PADDING_SOURCE.slice(0, 1 + ((sequence * 37 + hint * 11) % 61));
}

/** What the `malformed` fault inserts: a well-formed frame whose message CRC is wrong. */
const MALFORMED_FRAME = corruptFrame(
  BLOCK_DELTA.frame('{"contentBlockIndex":0,"delta":{"text":"this frame has a bad checksum"},"p":"abcdef"}'),
);

/**
 * The ConverseStream events: messageStart; per text block its deltas (one token each) and contentBlockStop; per tool
 * use contentBlockStart, the input's JSON in one-token deltas and contentBlockStop; messageStop; metadata.
 * `exceptionType` is the in-stream exception the `error-after` fault sends.
 */
export function streamConverse(exchange: Exchange, input: ConverseInput, reply: Reply, cache: CacheUsage, exceptionType: string): void {
  const events: StreamEvent[] = [];
  let sequence = 0;
  events.push(MESSAGE_START.frame(`{"p":"${padding(sequence++, 9)}","role":"assistant"}`));
  let blockIndex = 0;
  if (reply.text !== '') {
    for (const token of splitTokens(reply.text)) {
      events.push(
        BLOCK_DELTA.frame(
          `{"contentBlockIndex":0,"delta":{"text":${JSON.stringify(token)}},"p":"${padding(sequence++, token.length)}"}`,
        ),
      );
    }
    events.push(BLOCK_STOP.frame(`{"contentBlockIndex":0,"p":"${padding(sequence++, 3)}"}`));
    blockIndex = 1;
  }
  for (const use of reply.toolUses) {
    events.push(
      BLOCK_START.frame(
        `{"contentBlockIndex":${blockIndex},"p":"${padding(sequence++, use.name.length)}","start":{"toolUse":` +
          `{"name":${JSON.stringify(use.name)},"toolUseId":"${use.toolUseId}"}}}`,
      ),
    );
    for (const piece of splitTokens(use.input)) {
      events.push(
        BLOCK_DELTA.frame(
          `{"contentBlockIndex":${blockIndex},"delta":{"toolUse":{"input":${JSON.stringify(piece)}}},` +
            `"p":"${padding(sequence++, piece.length)}"}`,
        ),
      );
    }
    events.push(BLOCK_STOP.frame(`{"contentBlockIndex":${blockIndex},"p":"${padding(sequence++, 3)}"}`));
    blockIndex++;
  }
  events.push(MESSAGE_STOP.frame(`{"p":"${padding(sequence++, 5)}","stopReason":"${reply.stopReason}"}`));
  const inputTokens = uncachedTokens(input, cache);
  const latency = input.latency !== undefined ? `"performanceConfig":{"latency":"${input.latency}"},` : '';
  const tier = input.serviceTier !== undefined ? `"serviceTier":{"type":"${input.serviceTier}"},` : '';
  // `[emulator-usage: none]` sends no metadata event; `repeat` sends it twice.
  const usage = exchange.usage;
  for (let copies = usage.omit ? 0 : usage.repeat ? 2 : 1; copies > 0; copies--) {
    events.push(
      METADATA.frame(
        `{"metrics":{"latencyMs":${exchange.elapsedMs()}},"p":"${padding(sequence++, 7)}",${latency}${tier}` +
          `"usage":${usageJson(inputTokens, reply, cache)}}`,
      ),
    );
  }
  exchange.stream(200, baseHeaders(EVENT_STREAM_CONTENT_TYPE), events, {
    final: undefined,
    malformed: MALFORMED_FRAME,
    error: streamExceptionFrame(exceptionType),
  });
}
