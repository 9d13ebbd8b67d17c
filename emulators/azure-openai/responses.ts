/**
 * Responses on the v1 API (`/openai/v1/responses`). The reply and its encoding are the OpenAI emulator's (Azure serves
 * the Responses API in OpenAI's shape); Azure adds its headers, the deployment's versioned model name and the
 * completion filter, which cuts the reply and leaves the response `incomplete` with reason `content_filter`.
 */
import { countTokens, tokenPrefixLength, type Exchange } from '../core/index.ts';
import type { ResponsesInput } from '../openai/responses-request.ts';
import { planResponse, sendResponse, type ResponsePlan, type ResponseStore } from '../openai/responses.ts';
import { EVENT_STREAM_CONTENT_TYPE, JSON_CONTENT_TYPE, deploymentHeaders } from './azure-headers.ts';
import type { DeploymentState } from './deployments.ts';

/** As chat does: the text cut after half its tokens, function calls dropped. */
function filteredPlan(plan: ResponsePlan): ResponsePlan {
  const text = plan.content ?? '';
  const kept = countTokens(text) >> 1;
  return {
    ...plan,
    content: text.slice(0, tokenPrefixLength(text, kept)),
    toolCalls: [],
    incompleteReason: 'content_filter',
    outputTokens: plan.reasoningTokens + kept,
  };
}

/** Answers a validated request; `filtered` when the completion filter must fire. */
export function sendAzureResponse(
  exchange: Exchange,
  input: ResponsesInput,
  deployment: DeploymentState,
  region: string,
  store: ResponseStore,
  filtered: boolean,
): void {
  const plan = planResponse(input, exchange.usage);
  const headers = deploymentHeaders(exchange, input.chat.stream ? EVENT_STREAM_CONTENT_TYPE : JSON_CONTENT_TYPE, region, deployment);
  sendResponse(exchange, input, filtered ? filteredPlan(plan) : plan, store, deployment.modelJson, headers);
}
