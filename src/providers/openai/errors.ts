/**
 * OpenAI-dialect error responses as GatewayError. One place decides what is retryable on another channel.
 */
import { GatewayError, type ErrorCode } from '../../errors/index.ts';
import { retryAfterMs, truncateBody, type UpstreamIdentity } from '../http/transport-error.ts';
import type { UpstreamHeaders } from '../http/upstream-call.ts';

interface OpenAIErrorBody {
  error?: { message?: unknown; code?: unknown; type?: unknown; param?: unknown } | string;
  message?: unknown;
  detail?: unknown;
}

/** Maps an upstream error response (status ≥ 400) to a GatewayError. */
export function mapOpenAIError(status: number, headers: UpstreamHeaders, body: Buffer, identity: UpstreamIdentity): GatewayError {
  const text = truncateBody(body);
  const parsed = parseErrorBody(body);
  const upstreamMessage = parsed.message ?? (text === '' ? `HTTP ${status}` : text);
  const upstream = { provider: identity.provider, model: identity.model, status, body: text };
  const prefix = `${identity.provider} answered ${status}`;

  if (parsed.code === 'context_length_exceeded' || /maximum context length|context length|too many tokens/i.test(upstreamMessage)) {
    if (status === 400 || status === 413 || status === 422) {
      return new GatewayError('context_length_exceeded', upstreamMessage, { upstream, param: parsed.param ?? 'messages' });
    }
  }
  if (parsed.code === 'content_filter' || parsed.code === 'content_policy_violation') {
    return new GatewayError('content_filter', upstreamMessage, { upstream, param: parsed.param });
  }
  if (status === 429) {
    return new GatewayError('upstream_rate_limited', `${prefix}: ${upstreamMessage}`, { upstream, retryAfterMs: retryAfterMs(headers) });
  }
  if (status === 401 || status === 403) {
    return new GatewayError('upstream_authentication_failed', `${prefix}: ${upstreamMessage}`, { upstream });
  }
  if (status === 408 || status === 409 || status >= 500) {
    const code: ErrorCode = status === 504 || status === 408 ? 'upstream_timeout' : 'upstream_unavailable';
    return new GatewayError(code, `${prefix}: ${upstreamMessage}`, { upstream, retryAfterMs: retryAfterMs(headers) });
  }
  if (status === 404) {
    // The channel names a model the upstream does not have: a configuration problem another channel may not share.
    return new GatewayError('upstream_error', `${prefix}: ${upstreamMessage}`, { upstream });
  }
  if (status === 400 || status === 413 || status === 422) {
    return new GatewayError('upstream_invalid_request', upstreamMessage, { upstream, param: parsed.param, status: 400 });
  }
  return new GatewayError('upstream_error', `${prefix}: ${upstreamMessage}`, { upstream });
}

function parseErrorBody(body: Buffer): { message: string | undefined; code: string | undefined; param: string | undefined } {
  let parsed: OpenAIErrorBody;
  try {
    parsed = JSON.parse(body.toString('utf8')) as OpenAIErrorBody;
  } catch {
    return { message: undefined, code: undefined, param: undefined };
  }
  if (parsed === null || typeof parsed !== 'object') return { message: undefined, code: undefined, param: undefined };
  const error = parsed.error;
  if (typeof error === 'string') return { message: error, code: undefined, param: undefined };
  const message = stringOrUndefined(error?.message) ?? stringOrUndefined(parsed.message) ?? stringOrUndefined(parsed.detail);
  return { message, code: stringOrUndefined(error?.code), param: stringOrUndefined(error?.param) };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
