/**
 * Vertex AI error responses (and errors inside a stream) as GatewayError. One place decides what is retryable on
 * another channel.
 *
 * Vertex answers google.rpc.Status bodies, `{"error":{"code":429,"message":"…","status":"RESOURCE_EXHAUSTED",
 * "details":[…]}}`, and on some paths (streaming without `alt=sse`) the same wrapped in a list: `[{"error":{…}}]`.
 * The canonical `status` decides; when the body names none (an HTML page from a proxy, an empty body), the HTTP
 * status does, as for OpenAI-dialect upstreams.
 *
 * - RESOURCE_EXHAUSTED → `upstream_rate_limited` (429); UNAVAILABLE → `upstream_unavailable` (503); both retryable,
 *   with the wait from `retry-after` headers or a `google.rpc.RetryInfo` detail (`retryDelay: "7s"`).
 * - INVALID_ARGUMENT whose message says the input token count exceeds the limit → `context_length_exceeded`; other
 *   INVALID_ARGUMENT and OUT_OF_RANGE → `upstream_invalid_request` (400, the upstream's message passed on).
 * - UNAUTHENTICATED (401) and PERMISSION_DENIED (403, also a disabled API or a model the project may not use) →
 *   `upstream_authentication_failed` keeping Vertex's status: a channel configuration problem another channel may not
 *   share, so retryable.
 * - NOT_FOUND → `upstream_error` with 404, retryable (a wrong model name or location for this channel).
 * - FAILED_PRECONDITION (billing disabled, a location not allowed for the project) → `upstream_error` with 400,
 *   retryable: the channel's account, not the client's request.
 * - INTERNAL, UNKNOWN, ABORTED → `upstream_unavailable`; DEADLINE_EXCEEDED → `upstream_timeout`; CANCELLED →
 *   `upstream_error`; all retryable.
 */
import { GatewayError, type UpstreamDetails } from '../../errors/index.ts';
import { retryAfterMs, truncateBody, type UpstreamIdentity } from '../http/transport-error.ts';
import type { UpstreamHeaders } from '../http/upstream-call.ts';

/** A google.rpc.Status as Vertex sends it in JSON. */
export interface GoogleRpcStatus {
  code?: unknown;
  message?: unknown;
  status?: unknown;
  details?: unknown;
}

const contextLengthPattern = /input token count.*exceeds|exceeds the maximum number of tokens|prompt is too long|context (?:window|length)/i;

/** The HTTP status each canonical code travels with, for errors reported inside a stream. */
const statusByCode: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNKNOWN: 500,
  DATA_LOSS: 500,
  NOT_IMPLEMENTED: 501,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** Maps an upstream error response (status ≥ 300) to a GatewayError. */
export function mapVertexError(status: number, headers: UpstreamHeaders, body: Buffer, identity: UpstreamIdentity): GatewayError {
  const text = truncateBody(body);
  const rpcStatus = parseErrorBody(body);
  const upstream: UpstreamDetails = { provider: identity.provider, model: identity.model, status, body: text };
  return mapGoogleRpcStatus(rpcStatus ?? {}, status, headers, upstream, text);
}

/**
 * A google.rpc.Status as a GatewayError. `httpStatus`: the response's status (for an error inside a 200 stream, pass
 * the status the code travels with, see `httpStatusOf`). `fallbackMessage` is used when the status has no message.
 */
export function mapGoogleRpcStatus(rpcStatus: GoogleRpcStatus, httpStatus: number, headers: UpstreamHeaders, upstream: UpstreamDetails, fallbackMessage = ''): GatewayError {
  const code = typeof rpcStatus.status === 'string' && rpcStatus.status !== '' ? rpcStatus.status : codeForHttpStatus(httpStatus);
  const upstreamMessage = nonEmptyString(rpcStatus.message) ?? (fallbackMessage === '' ? `HTTP ${httpStatus}` : fallbackMessage);
  const message = `${upstream.provider} answered ${httpStatus} ${code}: ${upstreamMessage}`;
  const retryAfter = (): number | undefined => retryAfterMs(headers) ?? retryDelayMs(rpcStatus.details);

  switch (code) {
    case 'RESOURCE_EXHAUSTED':
      return new GatewayError('upstream_rate_limited', message, { upstream, retryAfterMs: retryAfter() });
    case 'UNAVAILABLE':
      return new GatewayError('upstream_unavailable', message, { upstream, retryAfterMs: retryAfter() });
    case 'INVALID_ARGUMENT':
    case 'OUT_OF_RANGE':
      if (contextLengthPattern.test(upstreamMessage)) return new GatewayError('context_length_exceeded', upstreamMessage, { upstream, param: 'messages' });
      return new GatewayError('upstream_invalid_request', upstreamMessage, { upstream, status: 400 });
    case 'UNAUTHENTICATED':
      return new GatewayError('upstream_authentication_failed', message, { upstream, status: 401 });
    case 'PERMISSION_DENIED':
      return new GatewayError('upstream_authentication_failed', message, { upstream, status: 403 });
    case 'NOT_FOUND':
      return new GatewayError('upstream_error', message, { upstream, status: 404 });
    case 'FAILED_PRECONDITION':
      return new GatewayError('upstream_error', message, { upstream, status: 400 });
    case 'DEADLINE_EXCEEDED':
      return new GatewayError('upstream_timeout', message, { upstream });
    case 'INTERNAL':
    case 'UNKNOWN':
    case 'ABORTED':
    case 'DATA_LOSS':
      return new GatewayError('upstream_unavailable', message, { upstream, retryAfterMs: retryAfter() });
    default:
      return new GatewayError('upstream_error', message, { upstream });
  }
}

/** The HTTP status a canonical code travels with (500 for codes this table does not know). */
export function httpStatusOf(rpcStatus: GoogleRpcStatus): number {
  if (typeof rpcStatus.code === 'number' && rpcStatus.code >= 400 && rpcStatus.code < 600) return rpcStatus.code;
  return (typeof rpcStatus.status === 'string' ? statusByCode[rpcStatus.status] : undefined) ?? 500;
}

/** The status a body names, from `{error}` or `[{error}]`; undefined when it is not a google.rpc body. */
export function parseErrorBody(body: Buffer | string): GoogleRpcStatus | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return undefined;
  }
  return rpcStatusOf(parsed);
}

/** The google.rpc.Status inside a parsed `{error}` or `[{error}]`, if any. */
export function rpcStatusOf(parsed: unknown): GoogleRpcStatus | undefined {
  const envelope = Array.isArray(parsed) ? parsed[0] : parsed;
  if (envelope === null || typeof envelope !== 'object') return undefined;
  const error = (envelope as { error?: unknown }).error;
  if (error === null || typeof error !== 'object' || Array.isArray(error)) return undefined;
  return error as GoogleRpcStatus;
}

function codeForHttpStatus(status: number): string {
  switch (status) {
    case 400:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 408:
    case 504:
      return 'DEADLINE_EXCEEDED';
    case 409:
      return 'ABORTED';
    case 413:
      return 'INVALID_ARGUMENT';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 503:
      return 'UNAVAILABLE';
    default:
      return status >= 500 ? 'INTERNAL' : `HTTP_${status}`;
  }
}

/** `RetryInfo.retryDelay` (a protobuf Duration in JSON: `"7s"`, `"0.5s"`) in milliseconds. */
function retryDelayMs(details: unknown): number | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    if (detail === null || typeof detail !== 'object') continue;
    const { '@type': type, retryDelay } = detail as { '@type'?: unknown; retryDelay?: unknown };
    if (type !== 'type.googleapis.com/google.rpc.RetryInfo' || typeof retryDelay !== 'string') continue;
    const match = /^(\d+(?:\.\d+)?)s$/.exec(retryDelay);
    if (match !== null) return Math.round(Number(match[1]) * 1000);
  }
  return undefined;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
