/**
 * The parts a streaming chat call yields, in order: one `start`, any number of deltas, then one `finish`, then at
 * most one `usage`. An adapter signals failure by rejecting, never by a part.
 * Imports only sibling spec files.
 */
import type { FinishReason } from './finish-reason.ts';
import type { Usage } from './usage.ts';

export interface StreamStartPart {
  readonly type: 'start';
  readonly id: string;
  /** Unix seconds. */
  readonly created: number;
  readonly model: string;
}

export interface TextDeltaPart {
  readonly type: 'text-delta';
  readonly delta: string;
}

export interface ReasoningDeltaPart {
  readonly type: 'reasoning-delta';
  readonly delta: string;
}

/** A tool call's first delta carries its id and name; later deltas for the same index carry argument text only. */
export interface ToolCallDeltaPart {
  readonly type: 'tool-call-delta';
  readonly index: number;
  readonly id: string | undefined;
  readonly name: string | undefined;
  readonly argumentsDelta: string;
}

export interface FinishPart {
  readonly type: 'finish';
  readonly finishReason: FinishReason;
}

export interface UsagePart {
  readonly type: 'usage';
  readonly usage: Usage;
}

/**
 * A provider's own annotation, passed on only when the client asked for provider annotations (e.g. Azure's content
 * filter results): `prompt` scope once after `start`, `choice` scope any time before `finish` or just after it.
 */
export interface AnnotationPart {
  readonly type: 'annotation';
  readonly scope: 'prompt' | 'choice';
  /** The field name as the provider sends it (`prompt_filter_results`, `content_filter_results`). */
  readonly name: string;
  readonly value: unknown;
}

/**
 * A whole output item of a kind the gateway does not model (a hosted tool's `web_search_call`), from an upstream that
 * speaks the Responses API: the Responses frontend passes it on in its place; other frontends have nowhere to put it.
 */
export interface OutputItemPart {
  readonly type: 'output-item';
  readonly item: Readonly<Record<string, unknown>>;
}

export type StreamPart = StreamStartPart | TextDeltaPart | ReasoningDeltaPart | ToolCallDeltaPart | FinishPart | UsagePart | AnnotationPart | OutputItemPart;
