/**
 * The canonical result of a non-streaming chat call.
 * Imports only sibling spec files.
 */
import type { FinishReason } from './finish-reason.ts';
import type { Usage } from './usage.ts';

/** A tool call in a result, in the shape the OpenAI frontend writes it (translators build it once, at the source). */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatResult {
  /** The upstream's completion id, or one the adapter minted. */
  readonly id: string;
  /** Unix seconds. */
  readonly created: number;
  /** The model the upstream says answered. */
  readonly model: string;
  readonly content: string | null;
  readonly reasoning: string | undefined;
  readonly refusal: string | null | undefined;
  readonly toolCalls: ToolCall[] | undefined;
  readonly finishReason: FinishReason;
  readonly usage: Usage | undefined;
  /**
   * The upstream body when it already is an OpenAI chat completion (OpenAI-dialect upstreams). The frontend writes it
   * as received, so fields the gateway does not model (logprobs, annotations, service_tier…) reach the client intact.
   */
  readonly openaiBody: Record<string, unknown> | undefined;
  /**
   * Output items the gateway does not model (a hosted tool's `web_search_call`) from an upstream that speaks the
   * Responses API, each with its position in the upstream's output; absent otherwise.
   */
  readonly outputItems?: readonly { readonly position: number; readonly item: Readonly<Record<string, unknown>> }[];
}
