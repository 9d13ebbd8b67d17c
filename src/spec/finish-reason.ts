/**
 * Why a generation ended, in both worlds: the gateway's unified reason and the upstream's raw value.
 * Imports nothing.
 */
export type UnifiedFinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other';

export interface FinishReason {
  readonly unified: UnifiedFinishReason;
  /** The reason exactly as the upstream said it (`end_turn`, `STOP`, `stop`…), or undefined when it said none. */
  readonly raw: string | undefined;
}
