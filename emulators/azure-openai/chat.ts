/**
 * Chat completions in Azure's wire format. The reply itself (text, tool calls, usage) is planned by the OpenAI
 * emulator's `planChat`, so the same model answers the same way on both clouds; this file only encodes it as Azure
 * does: keys in Azure's (alphabetical) order, `prompt_filter_results`, per-choice `content_filter_results`, the
 * versioned model name, and a stream whose first event carries only the prompt annotations.
 */
import { countTokens, splitTokens, tokenPrefixLength, type Exchange, type StreamEvent } from '../core/index.ts';
import type { ChatInput } from '../openai/chat-request.ts';
import { nextCompletionId, planChat, repeatUsage, type ChatPlan } from '../openai/chat-completions.ts';
import { EVENT_STREAM_CONTENT_TYPE, JSON_CONTENT_TYPE, deploymentHeaders } from './azure-headers.ts';
import { COMPLETION_RESULTS, PROMPT_FILTER_RESULTS, STREAM_CHUNK_RESULTS, completionResults } from './content-filter.ts';
import type { DeploymentState } from './deployments.ts';

interface Reply {
  readonly content: string | null;
  readonly toolCalls: ChatPlan['toolCalls'];
  readonly finishReason: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedTokens: number;
  readonly reasoningTokens: number;
}

/**
 * The reply when the completion filter fires: the text is cut after half its tokens (what was "generated" before the
 * filter stopped it), tool calls are dropped, `finish_reason: 'content_filter'`.
 */
function filteredReply(plan: ChatPlan): Reply {
  const text = plan.content ?? '';
  const kept = countTokens(text) >> 1;
  return {
    ...plan,
    content: text.slice(0, tokenPrefixLength(text, kept)),
    toolCalls: [],
    finishReason: 'content_filter',
    completionTokens: plan.reasoningTokens + kept,
  };
}

/** `completionTokens` for a running count part way through a stream. */
function usageJson(reply: Reply, completionTokens = reply.completionTokens): string {
  return (
    `{"completion_tokens":${completionTokens},"completion_tokens_details":{"accepted_prediction_tokens":0,` +
    `"audio_tokens":0,"reasoning_tokens":${reply.reasoningTokens},"rejected_prediction_tokens":0},` +
    `"prompt_tokens":${reply.promptTokens},"prompt_tokens_details":{"audio_tokens":0,"cached_tokens":${reply.cachedTokens}},` +
    `"total_tokens":${reply.promptTokens + completionTokens}}`
  );
}

/**
 * Answers a validated chat request. `filterCategory` is set when the completion filter must fire (the category it
 * reports as filtered).
 */
export function sendAzureChat(
  exchange: Exchange,
  input: ChatInput,
  deployment: DeploymentState,
  region: string,
  filterCategory: string | undefined,
): void {
  const plan = planChat(input, exchange.usage);
  const reply: Reply = filterCategory === undefined ? plan : filteredReply(plan);
  const id = nextCompletionId();
  const created = Math.floor(Date.now() / 1000);
  if (input.stream) {
    streamChat(exchange, input, deployment, region, reply, id, created, filterCategory);
    return;
  }
  let message: string;
  let results: string;
  if (reply.content === null) {
    let calls = '';
    for (let index = 0; index < reply.toolCalls.length; index++) {
      const call = reply.toolCalls[index];
      calls +=
        `${index > 0 ? ',' : ''}{"function":{"arguments":${JSON.stringify(call.arguments)},"name":${JSON.stringify(call.name)}},` +
        `"id":"${call.id}","type":"function"}`;
    }
    message = `{"annotations":[],"content":null,"refusal":null,"role":"assistant","tool_calls":[${calls}]}`;
    results = '{}';
  } else {
    message = `{"annotations":[],"content":${JSON.stringify(reply.content)},"refusal":null,"role":"assistant"}`;
    results = filterCategory === undefined ? COMPLETION_RESULTS : completionResults(filterCategory);
  }
  const body =
    `{"choices":[{"content_filter_results":${results},"finish_reason":"${reply.finishReason}","index":0,` +
    `"logprobs":null,"message":${message}}],"created":${created},"id":"${id}","model":${deployment.modelJson},` +
    `"object":"chat.completion","prompt_filter_results":${PROMPT_FILTER_RESULTS},` +
    `"system_fingerprint":${deployment.fingerprintJson}${exchange.usage.omit ? '' : `,"usage":${usageJson(reply)}`}}`;
  exchange.send(200, deploymentHeaders(exchange, JSON_CONTENT_TYPE, region, deployment), body);
}

/** The first event of every Azure stream: the prompt's annotations, with empty id, model and object. */
const PROMPT_ANNOTATION_EVENT =
  `data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":${PROMPT_FILTER_RESULTS}}\n\n`;

/** What the model sends when a stream fails after it started (Azure passes it through). */
const STREAM_ERROR_EVENT =
  'data: {"error":{"message":"The server had an error processing your request. Sorry about that! You can retry your ' +
  'request, or contact us through an Azure support request at: https://go.microsoft.com/fwlink/?linkid=2213926 if ' +
  'you keep seeing this error.","type":"server_error","param":null,"code":null}}\n\n';

const MALFORMED_EVENT = 'data: {"choices":[{"content_filter_results":{},"delta":{"content":"this event is cut short\n\n';

const OBFUSCATION_SOURCE = 'XVlAyJOxspdMjlchpqp0z3YDcaRfLeGC';
/** A content chunk up to its text, and from its text to `],"created"…`. */
const CONTENT_CHUNK_START = `data: {"choices":[{"content_filter_results":${STREAM_CHUNK_RESULTS},"delta":{"content":`;
const PENDING_CHOICE_END = '},"finish_reason":null,"index":0,"logprobs":null}';

function streamChat(
  exchange: Exchange,
  input: ChatInput,
  deployment: DeploymentState,
  region: string,
  reply: Reply,
  id: string,
  created: number,
  filterCategory: string | undefined,
): void {
  const middle = `],"created":${created},"id":"${id}","model":${deployment.modelJson},`;
  // `[emulator-usage: none]` answers as an api-version without `stream_options` does.
  const includeUsage = input.includeUsage && !exchange.usage.omit;
  const tail =
    `"object":"chat.completion.chunk","system_fingerprint":${deployment.fingerprintJson}` +
    `${includeUsage ? ',"usage":null' : ''}}\n\n`;
  const obfuscate = input.includeObfuscation;
  const pendingTail = PENDING_CHOICE_END + middle;
  const chunk = (results: string, delta: string, finishReason: string): string => {
    const choice =
      `data: {"choices":[{"content_filter_results":${results},"delta":${delta},"finish_reason":${finishReason},` +
      `"index":0,"logprobs":null}`;
    return obfuscate
      ? `${choice}${middle}"obfuscation":"${OBFUSCATION_SOURCE.slice(0, 1 + (delta.length & 15))}",${tail}`
      : `${choice}${middle}${tail}`;
  };
  const events: StreamEvent[] = [PROMPT_ANNOTATION_EVENT];
  if (reply.content !== null) {
    events.push(chunk('{}', '{"content":"","refusal":null,"role":"assistant"}', 'null'));
    if (reply.content !== '') {
      // The hot loop: one prebuilt prefix, the token, one per-stream suffix.
      for (const token of splitTokens(reply.content)) {
        const quoted = JSON.stringify(token);
        events.push(
          obfuscate
            ? `${CONTENT_CHUNK_START}${quoted}${pendingTail}"obfuscation":"${OBFUSCATION_SOURCE.slice(0, 1 + ((quoted.length + 12) & 15))}",${tail}`
            : `${CONTENT_CHUNK_START}${quoted}${pendingTail}${tail}`,
        );
      }
    }
  } else {
    for (let index = 0; index < reply.toolCalls.length; index++) {
      const call = reply.toolCalls[index];
      const start =
        `{"function":{"arguments":"","name":${JSON.stringify(call.name)}},"id":"${call.id}","index":${index},` +
        '"type":"function"}';
      events.push(
        chunk(
          '{}',
          index === 0
            ? `{"content":null,"refusal":null,"role":"assistant","tool_calls":[${start}]}`
            : `{"tool_calls":[${start}]}`,
          'null',
        ),
      );
      for (const piece of splitTokens(call.arguments)) {
        events.push(chunk('{}', `{"tool_calls":[{"function":{"arguments":${JSON.stringify(piece)}},"index":${index}}]}`, 'null'));
      }
    }
  }
  events.push(
    chunk(filterCategory === undefined ? '{}' : completionResults(filterCategory), '{}', `"${reply.finishReason}"`),
  );
  // After the prompt annotations, which carry no usage field.
  if (includeUsage && exchange.usage.repeat) repeatUsage(events, 1, reply, (completionTokens) => usageJson(reply, completionTokens));
  if (includeUsage) {
    const usageTail =
      `"object":"chat.completion.chunk","system_fingerprint":${deployment.fingerprintJson},"usage":${usageJson(reply)}}\n\n`;
    events.push(
      obfuscate
        ? `data: {"choices":[${middle}"obfuscation":"${OBFUSCATION_SOURCE.slice(0, 3)}",${usageTail}`
        : `data: {"choices":[${middle}${usageTail}`,
    );
  }
  exchange.stream(200, deploymentHeaders(exchange, EVENT_STREAM_CONTENT_TYPE, region, deployment), events, {
    final: 'data: [DONE]\n\n',
    malformed: MALFORMED_EVENT,
    error: STREAM_ERROR_EVENT,
  });
}
