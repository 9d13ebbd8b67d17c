/**
 * Bedrock error responses (and in-stream exceptions) as GatewayError. One place decides what is retryable on another
 * channel.
 *
 * The error type comes from the `x-amzn-errortype` header (`ThrottlingException:http://internal.amazon.com/…`, the
 * suffix stripped) or the body's `__type` (`com.amazon.coral.service#UnrecognizedClientException`, the namespace
 * stripped); the message from the body's `message` (or `Message`). When neither names a type, the HTTP status decides,
 * as for OpenAI-dialect upstreams.
 *
 * Decisions beyond the obvious ones:
 * - AccessDeniedException keeps Bedrock's 403 (status override) under `upstream_authentication_failed`, and
 *   ResourceNotFoundException keeps 404 under `upstream_error`: both are channel configuration (model access not
 *   granted, a wrong model ID or inference profile) that another channel may not share, so both stay retryable.
 * - ModelErrorException and ModelStreamErrorException (424: the model failed while processing) are `upstream_error`,
 *   retryable: the same prompt may well succeed elsewhere. ModelTimeoutException (408) is `upstream_timeout`.
 * - ModelNotReadyException (429 on the wire, a cold model) is `upstream_unavailable`, not rate limiting.
 * - ServiceQuotaExceededException (400 on the wire) is the account's quota: `upstream_rate_limited` with status 429.
 * - ValidationException whose message says the prompt is too long is `context_length_exceeded`; one that says the
 *   model ID is invalid or needs an inference profile is channel configuration (`upstream_error`, retryable); one that
 *   says the model does not support a feature stays `upstream_invalid_request` (400) but retryable, because another
 *   channel's model may support it. Every other ValidationException is the client's: 400, never retried.
 */
import { GatewayError, type UpstreamDetails } from '../../errors/index.ts';
import { retryAfterMs, truncateBody, type UpstreamIdentity } from '../http/transport-error.ts';
import type { UpstreamHeaders } from '../http/upstream-call.ts';

const contextLengthPattern = /input is too long|too many input tokens|prompt is too long|exceeds? (?:the )?(?:model'?s? )?(?:context|maximum context)|context (?:window|length|limit)|maximum context/i;
const channelConfigurationPattern = /model identifier is invalid|on-demand throughput isn.?t supported|inference profile/i;
const unsupportedFeaturePattern = /(?:model|it) (?:doesn.?t|does not) support|is not supported (?:by|for) (?:this|the) model/i;

const authenticationTypes = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidClientTokenId',
  'MissingAuthenticationTokenException',
  'MissingAuthenticationToken',
]);

/** Maps a Bedrock error response (status ≥ 300) to a GatewayError. */
export function mapBedrockError(status: number, headers: UpstreamHeaders, body: Buffer, identity: UpstreamIdentity): GatewayError {
  const text = truncateBody(body);
  const parsed = parseErrorBody(body);
  const type = errorTypeFromHeader(headers) ?? parsed.type;
  const message = parsed.message ?? (text === '' ? `HTTP ${status}` : text);
  const upstream: UpstreamDetails = { provider: identity.provider, model: identity.model, status, body: text };
  return mapBedrockException(type, message, status, upstream, retryAfterMs(headers));
}

/**
 * Maps a Bedrock error by its type name (`ThrottlingException`, or the in-stream spelling `throttlingException`) and
 * message; `status` is the HTTP status it came with (for in-stream exceptions, the status the type is modelled with).
 */
export function mapBedrockException(
  type: string | undefined,
  message: string,
  status: number,
  upstream: UpstreamDetails,
  retryAfter?: number,
): GatewayError {
  const name = type === undefined || type === '' ? undefined : type[0].toUpperCase() + type.slice(1);
  const prefix = `${upstream.provider} answered ${name ?? status}`;
  if (name !== undefined && authenticationTypes.has(name)) {
    return new GatewayError('upstream_authentication_failed', `${prefix}: ${message}`, { upstream });
  }
  switch (name) {
    case 'ThrottlingException':
      return new GatewayError('upstream_rate_limited', `${prefix}: ${message}`, { upstream, retryAfterMs: retryAfter });
    case 'ServiceQuotaExceededException':
      return new GatewayError('upstream_rate_limited', `${prefix}: ${message}`, { upstream, retryAfterMs: retryAfter, status: 429 });
    case 'ServiceUnavailableException':
    case 'InternalServerException':
    case 'InternalFailure':
    case 'ModelNotReadyException':
      return new GatewayError('upstream_unavailable', `${prefix}: ${message}`, { upstream, retryAfterMs: retryAfter });
    case 'ModelTimeoutException':
      return new GatewayError('upstream_timeout', `${prefix}: ${message}`, { upstream });
    case 'ModelErrorException':
    case 'ModelStreamErrorException':
      return new GatewayError('upstream_error', `${prefix}: ${message}`, { upstream });
    case 'AccessDeniedException':
      return new GatewayError('upstream_authentication_failed', `${prefix}: ${message}`, { upstream, status: 403 });
    case 'ResourceNotFoundException':
      return new GatewayError('upstream_error', `${prefix}: ${message}`, { upstream, status: 404 });
    case 'ValidationException':
      return mapValidation(message, prefix, upstream);
    default:
      return mapByStatus(status, message, prefix, upstream, retryAfter);
  }
}

function mapValidation(message: string, prefix: string, upstream: UpstreamDetails): GatewayError {
  if (contextLengthPattern.test(message)) return new GatewayError('context_length_exceeded', message, { upstream, param: 'messages' });
  if (channelConfigurationPattern.test(message)) return new GatewayError('upstream_error', `${prefix}: ${message}`, { upstream });
  if (unsupportedFeaturePattern.test(message)) return new GatewayError('upstream_invalid_request', message, { upstream, retryable: true, status: 400 });
  return new GatewayError('upstream_invalid_request', message, { upstream, status: 400 });
}

function mapByStatus(status: number, message: string, prefix: string, upstream: UpstreamDetails, retryAfter: number | undefined): GatewayError {
  if (status === 429) return new GatewayError('upstream_rate_limited', `${prefix}: ${message}`, { upstream, retryAfterMs: retryAfter });
  if (status === 401 || status === 403) return new GatewayError('upstream_authentication_failed', `${prefix}: ${message}`, { upstream });
  if (status === 408 || status === 504) return new GatewayError('upstream_timeout', `${prefix}: ${message}`, { upstream });
  if (status === 409 || status >= 500) return new GatewayError('upstream_unavailable', `${prefix}: ${message}`, { upstream, retryAfterMs: retryAfter });
  if (status === 400 || status === 413 || status === 422) {
    if (contextLengthPattern.test(message)) return new GatewayError('context_length_exceeded', message, { upstream, param: 'messages' });
    return new GatewayError('upstream_invalid_request', message, { upstream, status: 400 });
  }
  return new GatewayError('upstream_error', `${prefix}: ${message}`, { upstream });
}

function errorTypeFromHeader(headers: UpstreamHeaders): string | undefined {
  const raw = headers['x-amzn-errortype'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === '') return undefined;
  const colon = value.indexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}

function parseErrorBody(body: Buffer): { type: string | undefined; message: string | undefined } {
  let parsed: { __type?: unknown; message?: unknown; Message?: unknown } | null;
  try {
    parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
  } catch {
    return { type: undefined, message: undefined };
  }
  if (parsed === null || typeof parsed !== 'object') return { type: undefined, message: undefined };
  let type = typeof parsed.__type === 'string' && parsed.__type !== '' ? parsed.__type : undefined;
  if (type !== undefined) {
    const hash = type.lastIndexOf('#');
    if (hash !== -1) type = type.slice(hash + 1);
    const colon = type.indexOf(':');
    if (colon !== -1) type = type.slice(0, colon);
  }
  const message = nonEmptyString(parsed.message) ?? nonEmptyString(parsed.Message);
  return { type, message };
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
