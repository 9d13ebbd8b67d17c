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

const unavailableCodes = new Set<ErrorCode>(['upstream_unavailable', 'upstream_rate_limited', 'upstream_timeout', 'upstream_saturated']);

/**
 * The error after every channel failed with a retryable error: 429 when all were rate limited, 503
 * `upstream_saturated` when every one had no free connection, 504 when all timed out,
 * 503 when all were unavailable, `upstream_authentication_failed` when all refused the gateway's credentials, 502
 * otherwise. The message names each channel once, in the order first tried, with its attempt count when it was tried
 * more than once and what ended its last attempt.
 */
export function exhaustedError(model: string, attempts: readonly AttemptRecord[], errors: readonly GatewayError[]): GatewayError {
  let code: ErrorCode;
  if (errors.every((error) => error.code === 'upstream_rate_limited')) code = 'upstream_rate_limited';
  else if (errors.every((error) => error.code === 'upstream_saturated')) code = 'upstream_saturated';
  else if (errors.every((error) => error.code === 'upstream_timeout')) code = 'upstream_timeout';
  else if (errors.every((error) => unavailableCodes.has(error.code))) code = 'upstream_unavailable';
  else if (errors.every((error) => error.code === 'upstream_authentication_failed')) code = 'upstream_authentication_failed';
  else code = 'upstream_error';

  const channels = new Map<string, { first: AttemptRecord; last: AttemptRecord; count: number }>();
  for (const attempt of attempts) {
    const key = `${attempt.provider}/${attempt.upstreamModel}`;
    const seen = channels.get(key);
    if (seen === undefined) channels.set(key, { first: attempt, last: attempt, count: 1 });
    else {
      seen.last = attempt;
      seen.count++;
    }
  }
  let described = '';
  let index = 0;
  for (const { first, last, count } of channels.values()) {
    const tries = count === 1 ? '' : `, ${count} attempts`;
    described += `${index === 0 ? '' : '; '}[${++index}] ${first.provider} (${first.upstreamModel})${tries}: ${last.message ?? last.outcome}`;
  }
  const counted = channels.size === 1 ? '1 channel' : `${channels.size} channels`;
  const retryAfters = errors.map((error) => error.retryAfterMs).filter((value): value is number => value !== undefined);
  return new GatewayError(code, `Model "${model}" failed on ${counted}: ${described}`, {
    retryAfterMs: retryAfters.length > 0 ? Math.min(...retryAfters) : undefined,
    upstream: errors.at(-1)?.upstream,
  });
}
