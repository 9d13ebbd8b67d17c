/**
 * `POST /v1/chat/completions`: the deterministic reply (text, tool calls, JSON) and its JSON or SSE encoding.
 */
import {
  countTokens,
  deterministicId,
  hashString,
  instanceFromSchema,
  leadingWords,
  splitTokens,
  tokenPrefixLength,
  type Exchange,
  type StreamEvent,
  type UsageDirective,
  DEFAULT_USAGE,
} from '../core/index.ts';
import type { ChatInput, ToolDefinition } from './chat-request.ts';
import type { ModelEntry } from './models.ts';
import { EVENT_STREAM_CONTENT_TYPE, JSON_CONTENT_TYPE, responseHeaders } from './response-headers.ts';

const QUOTED_WORDS = 12;
const CACHE_MINIMUM_TOKENS = 1024;
const CACHE_BLOCK_TOKENS = 128;
const EMPTY_OBJECT_SCHEMA = { type: 'object', properties: {} };

export interface PlannedToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

export interface ChatPlan {
  /** Null when the reply is tool calls. */
  readonly content: string | null;
  readonly toolCalls: readonly PlannedToolCall[];
  readonly finishReason: 'stop' | 'length' | 'tool_calls';
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedTokens: number;
  /** Included in `completionTokens`. */
  readonly reasoningTokens: number;
}

/** The reply text before `response_format`, `stop` and `max_tokens` apply. */
export function replyText(input: ChatInput): string {
  let text: string;
  if (input.toolResults.length > 0) {
    text = 'Hello! The tools returned: ';
    for (let index = 0; index < input.toolResults.length; index++) {
      const result = input.toolResults[index];
      text += `${index > 0 ? '; ' : ''}${result.name}: "${leadingWords(result.content, QUOTED_WORDS)}"`;
    }
    text += '.';
  } else {
    text = `Hello! You said: "${leadingWords(input.lastUserText, QUOTED_WORDS)}".`;
  }
  const images = input.imagesInline + input.imagesRemote;
  if (images > 0) {
    text += ` I saw ${images} image${images === 1 ? '' : 's'} (${input.imagesInline} inline, ${input.imagesRemote} by URL).`;
  }
  return text + ` This is a deterministic reply from the ${input.model} emulator.`;
}

function selectTools(input: ChatInput): ToolDefinition[] {
  const { tools, toolChoice } = input;
  if (tools.length === 0 || toolChoice === 'none' || input.toolResults.length > 0) return [];
  let selected: ToolDefinition[];
  if (typeof toolChoice === 'object') {
    selected = tools.filter((tool) => tool.name === toolChoice.name).slice(0, 1);
  } else {
    selected = tools.filter((tool) => input.lastUserText.includes(tool.name));
    if (selected.length === 0 && toolChoice === 'required') selected = [tools[0]];
  }
  return input.parallelToolCalls ? selected : selected.slice(0, 1);
}

/** `usage`: the request's `[emulator-usage: …]` marker, whose cached and reasoning counts replace the emulator's own. */
export function planChat(input: ChatInput, usage: UsageDirective = DEFAULT_USAGE): ChatPlan {
  const promptTokens = input.promptTokens;
  const reasoningTokens = usage.reasoning ?? input.reasoningTokens;
  const cachedTokens =
    usage.cached ??
    (promptTokens >= CACHE_MINIMUM_TOKENS ? Math.floor(promptTokens / CACHE_BLOCK_TOKENS) * CACHE_BLOCK_TOKENS : 0);
  const selected = selectTools(input);
  if (selected.length > 0) {
    const toolCalls: PlannedToolCall[] = [];
    let completionTokens = reasoningTokens;
    const seed = hashString(input.lastUserText);
    for (let index = 0; index < selected.length; index++) {
      const tool = selected[index];
      // Tool arguments are always a JSON object, whatever the schema says.
      const value = instanceFromSchema(tool.parameters ?? EMPTY_OBJECT_SCHEMA, tool.name);
      const argumentsText = typeof value === 'object' && value !== null && !Array.isArray(value) ? JSON.stringify(value) : '{}';
      toolCalls.push({
        id: deterministicId('call_', 24, hashString(`${index}:${tool.name}`, seed)),
        name: tool.name,
        arguments: argumentsText,
      });
      completionTokens += 1 + countTokens(argumentsText);
    }
    return {
      content: null,
      toolCalls,
      finishReason: 'tool_calls',
      promptTokens,
      completionTokens,
      cachedTokens,
      reasoningTokens,
    };
  }
  let content: string;
  const format = input.responseFormat;
  if (format.type === 'json_object') content = JSON.stringify({ reply: replyText(input) });
  else if (format.type === 'json_schema') content = JSON.stringify(instanceFromSchema(format.schema, format.name));
  else content = replyText(input);
  let finishReason: ChatPlan['finishReason'] = 'stop';
  let stopAt = -1;
  for (const stop of input.stop) {
    const at = content.indexOf(stop);
    if (at >= 0 && (stopAt < 0 || at < stopAt)) stopAt = at;
  }
  if (stopAt >= 0) content = content.slice(0, stopAt);
  let visibleTokens = countTokens(content);
  // Reasoning comes first and may use up the whole budget, leaving an empty reply (as with real reasoning models).
  const budget = Math.max(0, input.maxTokens - reasoningTokens);
  if (visibleTokens > budget) {
    content = content.slice(0, tokenPrefixLength(content, budget));
    visibleTokens = budget;
    finishReason = 'length';
  }
  const spentReasoning = Math.min(reasoningTokens, input.maxTokens);
  return {
    content,
    toolCalls: [],
    finishReason,
    promptTokens,
    completionTokens: visibleTokens + spentReasoning,
    cachedTokens,
    reasoningTokens: spentReasoning,
  };
}

/** `usage` in OpenAI's field order; `completionTokens` for a running count part way through a stream. */
export function usageObject(plan: ChatPlan, completionTokens = plan.completionTokens) {
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: completionTokens,
    total_tokens: plan.promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: plan.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: plan.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

let completionCounter = 0;
const COMPLETION_PREFIX = deterministicId('chatcmpl-', 14, (Date.now() ^ process.pid) >>> 0);

/** `chatcmpl-` and 29 characters, unique per emulator process. */
export function nextCompletionId(): string {
  completionCounter++;
  return COMPLETION_PREFIX + completionCounter.toString(36).padStart(15, '0');
}

export function sendChatCompletion(exchange: Exchange, input: ChatInput, model: ModelEntry): void {
  const plan = planChat(input, exchange.usage);
  const id = nextCompletionId();
  const created = Math.floor(Date.now() / 1000);
  if (input.stream) {
    streamChatCompletion(exchange, input, model, plan, id, created);
    return;
  }
  const message =
    plan.content === null
      ? {
          role: 'assistant',
          content: null,
          tool_calls: plan.toolCalls.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: call.arguments },
          })),
          refusal: null,
          annotations: [],
        }
      : { role: 'assistant', content: plan.content, refusal: null, annotations: [] };
  const body = JSON.stringify({
    id,
    object: 'chat.completion',
    created,
    model: input.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: plan.finishReason }],
    usage: exchange.usage.omit ? undefined : usageObject(plan),
    service_tier: input.serviceTier,
    system_fingerprint: model.fingerprint,
  });
  exchange.send(200, responseHeaders(exchange, JSON_CONTENT_TYPE), body);
}

/** What OpenAI sends when a stream fails after it started. */
const STREAM_ERROR_EVENT =
  'data: {"error":{"message":"The server had an error while processing your request. Sorry about that!",' +
  '"type":"server_error","param":null,"code":"server_error"}}\n\n';

const OBFUSCATION_SOURCE = 'k3VbQ9xTz2LmPq8RwYc5HsJd7FgNa4Ue';

/**
 * `[emulator-usage: repeat]`: every chunk carries the usage so far instead of `usage: null`, as vLLM's
 * `continuous_usage_stats` does. Reasoning comes first, then one token per chunk; the finish chunk has the final count.
 */
export function repeatUsage(
  events: StreamEvent[],
  from: number,
  plan: Pick<ChatPlan, 'completionTokens' | 'reasoningTokens'>,
  usageJson: (completionTokens: number) => string,
): void {
  for (let index = from; index < events.length; index++) {
    const streamed = index - from;
    const completionTokens =
      index === events.length - 1 ? plan.completionTokens : Math.min(plan.completionTokens, plan.reasoningTokens + streamed);
    events[index] = (events[index] as string).replace('"usage":null', `"usage":${usageJson(completionTokens)}`);
  }
}

function streamChatCompletion(
  exchange: Exchange,
  input: ChatInput,
  model: ModelEntry,
  plan: ChatPlan,
  id: string,
  created: number,
): void {
  const head =
    `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(input.model)},` +
    `"service_tier":"${input.serviceTier}","system_fingerprint":"${model.fingerprint}","choices":`;
  const open = head + '[{"index":0,"delta":';
  // `[emulator-usage: none]` answers as an upstream that ignores `stream_options` does.
  const includeUsage = input.includeUsage && !exchange.usage.omit;
  const pending = `,"logprobs":null,"finish_reason":null}]${includeUsage ? ',"usage":null' : ''}`;
  const obfuscate = input.includeObfuscation;
  const events: StreamEvent[] = [];
  const chunk = (delta: string, tail: string): string =>
    obfuscate
      ? `${open}${delta}${tail},"obfuscation":"${OBFUSCATION_SOURCE.slice(0, 2 + (delta.length & 15))}"}\n\n`
      : `${open}${delta}${tail}}\n\n`;

  if (plan.content !== null) {
    events.push(chunk('{"role":"assistant","content":"","refusal":null}', pending));
    for (const token of splitTokens(plan.content)) events.push(chunk(`{"content":${JSON.stringify(token)}}`, pending));
  } else {
    for (let index = 0; index < plan.toolCalls.length; index++) {
      const call = plan.toolCalls[index];
      const start =
        `{"index":${index},"id":"${call.id}","type":"function","function":{"name":${JSON.stringify(call.name)},` +
        '"arguments":""}}';
      events.push(
        chunk(
          index === 0
            ? `{"role":"assistant","content":null,"tool_calls":[${start}],"refusal":null}`
            : `{"tool_calls":[${start}]}`,
          pending,
        ),
      );
      for (const piece of splitTokens(call.arguments)) {
        events.push(
          chunk(`{"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(piece)}}}]}`, pending),
        );
      }
    }
  }
  events.push(
    chunk(
      '{}',
      `,"logprobs":null,"finish_reason":"${plan.finishReason}"}]${includeUsage ? ',"usage":null' : ''}`,
    ),
  );
  if (includeUsage && exchange.usage.repeat) repeatUsage(events, 0, plan, (completionTokens) => JSON.stringify(usageObject(plan, completionTokens)));
  if (includeUsage) {
    const usage = `[],"usage":${JSON.stringify(usageObject(plan))}`;
    events.push(obfuscate ? `${head}${usage},"obfuscation":"${OBFUSCATION_SOURCE.slice(0, 6)}"}\n\n` : `${head}${usage}}\n\n`);
  }
  exchange.stream(200, responseHeaders(exchange, EVENT_STREAM_CONTENT_TYPE), events, {
    final: 'data: [DONE]\n\n',
    malformed: `${open}{"content":"this event is cut short\n\n`,
    error: STREAM_ERROR_EVENT,
  });
}
