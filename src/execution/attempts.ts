/**
 * What happened on each channel a request tried, and the one error a client sees when every channel failed.
 */
import { GatewayError, type ErrorCode } from '../errors/index.ts';

export interface AttemptRecord {
  readonly provider: string;
  readonly upstreamModel: string;
  /** 'ok', or the error code that ended the attempt. */
  readonly outcome: 'ok' | ErrorCode;
  /** The upstream HTTP status, when a response arrived. */
  readonly status: number | undefined;
  readonly durationMs: number;
  readonly message: string | undefined;
}

export function attemptSucceeded(provider: string, upstreamModel: string, startedAt: number): AttemptRecord {
  return { provider, upstreamModel, outcome: 'ok', status: 200, durationMs: performance.now() - startedAt, message: undefined };
}

export function attemptFromError(provider: string, upstreamModel: string, error: GatewayError, startedAt: number): AttemptRecord {
  return {
    provider,
    upstreamModel,
    outcome: error.code,
    status: error.upstream?.status,
    durationMs: performance.now() - startedAt,
    message: error.message,
  };
}

const unavailableCodes = new Set<ErrorCode>(['upstream_unavailable', 'upstream_rate_limited', 'upstream_timeout']);

/**
 * The error after every channel failed with a retryable error: 429 when all were rate limited, 504 when all timed out,
 * 503 when all were unavailable, 502 otherwise. The message names every attempt.
 */
export function exhaustedError(model: string, attempts: readonly AttemptRecord[], errors: readonly GatewayError[]): GatewayError {
  let code: ErrorCode;
  if (errors.every((error) => error.code === 'upstream_rate_limited')) code = 'upstream_rate_limited';
  else if (errors.every((error) => error.code === 'upstream_timeout')) code = 'upstream_timeout';
  else if (errors.every((error) => unavailableCodes.has(error.code))) code = 'upstream_unavailable';
  else code = 'upstream_error';

  const described = attempts
    .map((attempt, index) => `[${index + 1}] ${attempt.provider} (${attempt.upstreamModel}): ${attempt.message ?? attempt.outcome}`)
    .join('; ');
  const channels = attempts.length === 1 ? '1 channel' : `${attempts.length} channels`;
  const retryAfters = errors.map((error) => error.retryAfterMs).filter((value): value is number => value !== undefined);
  return new GatewayError(code, `Model "${model}" failed on ${channels}: ${described}`, {
    retryAfterMs: retryAfters.length > 0 ? Math.min(...retryAfters) : undefined,
    upstream: errors.at(-1)?.upstream,
  });
}
