/**
 * Token usage with cached and reasoning tokens kept apart, so metering can price each correctly.
 * Imports nothing.
 */
export interface InputTokens {
  /** Every prompt token, cached or not. */
  readonly total: number;
  /** Prompt tokens read neither from nor into a cache. */
  readonly noCache: number;
  /** Prompt tokens served from the provider's prompt cache. */
  readonly cacheRead: number;
  /** Prompt tokens written into the provider's prompt cache. */
  readonly cacheWrite: number;
}

export interface OutputTokens {
  /** Every generated token, visible text and reasoning alike. */
  readonly total: number;
  /** Generated tokens that reached the client as text or tool calls. */
  readonly text: number;
  /** Generated tokens spent on hidden reasoning. */
  readonly reasoning: number;
}

export interface Usage {
  readonly inputTokens: InputTokens;
  readonly outputTokens: OutputTokens;
  /**
   * True when the upstream reported no usage and the gateway counted it with its own tokenizer (a stream from an
   * upstream that cannot be asked for usage): close, not the upstream's bill. Absent otherwise.
   */
  readonly estimated?: boolean;
}

export interface UsageCounts {
  input: number;
  cacheRead?: number;
  cacheWrite?: number;
  output: number;
  reasoning?: number;
}

/** Builds a Usage from flat counts, deriving the parts that are implied. */
export function createUsage(counts: UsageCounts): Usage {
  const cacheRead = counts.cacheRead ?? 0;
  const cacheWrite = counts.cacheWrite ?? 0;
  const reasoning = counts.reasoning ?? 0;
  return {
    inputTokens: {
      total: counts.input,
      noCache: Math.max(0, counts.input - cacheRead - cacheWrite),
      cacheRead,
      cacheWrite,
    },
    outputTokens: {
      total: counts.output,
      text: Math.max(0, counts.output - reasoning),
      reasoning,
    },
  };
}
