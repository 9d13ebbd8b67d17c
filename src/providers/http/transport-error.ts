/**
 * Turns a transport failure (no usable HTTP response) into a GatewayError, and reads retry hints from headers.
 * Shared by every provider.
 */
import { GatewayError, isGatewayError, type UpstreamDetails } from '../../errors/index.ts';
import type { UpstreamHeaders } from './upstream-call.ts';

export interface UpstreamIdentity {
  readonly provider: string;
  readonly model: string;
}

/** One identity object per upstream model of a provider, made once and reused by every call (errors carry it). */
export function identityCache(provider: string): (model: string) => UpstreamIdentity {
  const identities = new Map<string, UpstreamIdentity>();
  return (model) => {
    let identity = identities.get(model);
    if (identity === undefined) identities.set(model, (identity = { provider, model }));
    return identity;
  };
}

/** The upstream details of a 200 the gateway could not use: who answered, and what (truncated) when it is worth keeping. */
export function answeredUpstream(identity: UpstreamIdentity, body?: string): UpstreamDetails {
  return { provider: identity.provider, model: identity.model, status: 200, body };
}

/** A 200 whose content the gateway cannot use (malformed, incomplete): the upstream's fault, retryable on another channel. */
export function unusableAnswer(identity: UpstreamIdentity, message: string, cause?: unknown): GatewayError {
  return new GatewayError('upstream_error', message, { upstream: answeredUpstream(identity), cause });
}

/** What a client refused for saturation is told to wait: long enough for some streams to end, short enough to matter. */
export const saturatedRetryAfterMs = 1_000;

const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/** A transport error (undici's, a socket's, or a cancellation reason that already is a GatewayError) as a GatewayError. */
export function transportError(error: unknown, identity: UpstreamIdentity): GatewayError {
  if (isGatewayError(error)) return error;
  const code = (error as { code?: string } | null)?.code ?? '';
  const detail = describeTransportError(code, error);
  const upstream = { provider: identity.provider, model: identity.model, status: undefined, body: detail };
  if (code === 'ERR_UPSTREAM_SATURATED') {
    // Nothing was sent: the gateway's own connections to this upstream are all busy. Another channel may have room.
    return new GatewayError('upstream_saturated', `${identity.provider} is saturated: ${detail}`, { upstream, cause: error, retryAfterMs: saturatedRetryAfterMs });
  }
  if (timeoutCodes.has(code)) {
    return new GatewayError('upstream_timeout', `${identity.provider} timed out: ${detail}`, { upstream, cause: error });
  }
  return new GatewayError('upstream_unavailable', `${identity.provider} unreachable: ${detail}`, { upstream, cause: error });
}

function describeTransportError(code: string, error: unknown): string {
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'no response headers within the attempt timeout';
    case 'UND_ERR_BODY_TIMEOUT':
      return 'the response body stalled past the idle timeout';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect timeout';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'UND_ERR_SOCKET':
      return 'connection closed by the upstream';
    case 'ERR_UPSTREAM_SATURATED':
      return (error as Error).message;
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return code === '' ? message : `${code}: ${message}`;
    }
  }
}

function header(headers: UpstreamHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `retry-after-ms`, then `retry-after` (seconds or an HTTP date), in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(headers: UpstreamHeaders, now = Date.now()): number | undefined {
  const milliseconds = header(headers, 'retry-after-ms');
  if (milliseconds !== undefined) {
    const value = Number(milliseconds);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = header(headers, 'retry-after');
  if (retryAfter === undefined) return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The first `limit` characters of an upstream body, for error messages and logs. */
export function truncateBody(body: Buffer | string, limit = 500): string {
  const text = typeof body === 'string' ? body : body.toString('utf8', 0, Math.min(body.length, limit * 4));
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}
