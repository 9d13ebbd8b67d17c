/**
 * How long to wait before retrying the same channel: exponential backoff with full jitter (a uniform draw in
 * `[0, min(maxDelayMs, baseDelayMs · 2^(attempt-1)))`), and never less than the upstream's `retry-after`. Pure:
 * randomness is passed in. (Whether to move on to another channel instead is the route's call.)
 *
 * `attempt` is the number of attempts already made on the channel (1 after the first failure); `attempts` in the
 * settings is how many extra attempts a channel gets. The answer is undefined when no retry should follow: the extra
 * attempts are used up, or `retry-after` is longer than `maxRetryAfterMs` (fail over rather than wait that long).
 */
export interface RetrySettings {
  /** Extra attempts per channel; 0: none. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  /** The longest backoff (a `retry-after` may be longer, up to `maxRetryAfterMs`). */
  readonly maxDelayMs: number;
  /** The longest `retry-after` worth waiting for; default 30 s. */
  readonly maxRetryAfterMs?: number;
}

export const defaultRetrySettings: RetrySettings = { attempts: 1, baseDelayMs: 100, maxDelayMs: 2_000, maxRetryAfterMs: 30_000 };

export function validateRetrySettings(settings: RetrySettings): RetrySettings {
  const problems: string[] = [];
  if (!Number.isInteger(settings.attempts) || settings.attempts < 0) problems.push('attempts must be a whole number ≥ 0');
  if (!(settings.baseDelayMs > 0)) problems.push('base_delay must be positive');
  if (!(settings.maxDelayMs >= settings.baseDelayMs)) problems.push('max_delay must be at least base_delay');
  if (settings.maxRetryAfterMs !== undefined && !(settings.maxRetryAfterMs >= 0)) problems.push('max_retry_after must not be negative');
  if (problems.length > 0) throw new RangeError(`Invalid retry settings: ${problems.join('; ')}.`);
  return settings;
}

/** Milliseconds to wait before attempt `attempt + 1` on the same channel, or undefined when it should not happen. */
export function nextDelay(attempt: number, retryAfterMs: number | undefined, random: () => number, settings: RetrySettings = defaultRetrySettings): number | undefined {
  if (attempt > settings.attempts) return undefined;
  if (retryAfterMs !== undefined && retryAfterMs > (settings.maxRetryAfterMs ?? 30_000)) return undefined;
  // The exponent is clamped: 2^30 times any base already exceeds every sensible maximum.
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs !== undefined && retryAfterMs > jittered ? Math.ceil(retryAfterMs) : jittered;
}

/** `nextDelay` bound to validated settings. */
export class RetryPolicy {
  readonly settings: RetrySettings;

  constructor(settings: RetrySettings = defaultRetrySettings) {
    this.settings = validateRetrySettings(settings);
  }

  nextDelay(attempt: number, retryAfterMs: number | undefined, random: () => number): number | undefined {
    return nextDelay(attempt, retryAfterMs, random, this.settings);
  }
}
