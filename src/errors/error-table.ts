/**
 * The one table of every error a client can see. Codes are stable: clients and dashboards key on them, and the README's
 * error reference is checked against this table by a test.
 * Imports nothing.
 */
export interface ErrorDefinition {
  /** HTTP status sent to the client. */
  readonly status: number;
  /** The OpenAI error `type`. */
  readonly type: 'invalid_request_error' | 'authentication_error' | 'permission_error' | 'not_found_error' | 'rate_limit_error' | 'server_error' | 'api_error' | 'insufficient_quota';
  /** Whether trying the same request on another channel may succeed. */
  readonly retryable: boolean;
  /** One line for the docs. */
  readonly description: string;
}

export const errorTable = {
  invalid_json: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    description: 'The request body is not valid JSON; the message gives the position.',
  },
  invalid_request: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    description: 'A field is missing, of the wrong type or out of range; `param` names it.',
  },
  unsupported_parameter: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    description: 'A valid OpenAI parameter the gateway does not support (for example `n` other than 1); `param` names it.',
  },
  request_too_large: {
    status: 413,
    type: 'invalid_request_error',
    retryable: false,
    description: 'The request body is larger than `limits.max_body_bytes`.',
  },
  request_header_fields_too_large: {
    status: 431,
    type: 'invalid_request_error',
    retryable: false,
    description: 'The request has more headers than `server.max_headers`, or its URL and headers are larger than `server.max_header_bytes`.',
  },
  request_timeout: {
    status: 408,
    type: 'invalid_request_error',
    retryable: false,
    description: 'The client did not send the request headers within `server.headers_timeout`, or the whole request within `server.body_timeout`.',
  },
  model_not_found: {
    status: 404,
    type: 'invalid_request_error',
    retryable: false,
    description: 'No configured model has this name, or it does not serve this endpoint.',
  },
  previous_response_not_found: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    description: 'The Responses API: previous_response_id names no stored response of this caller (never stored, expired, deleted or another tenant\'s).',
  },
  response_not_found: {
    status: 404,
    type: 'invalid_request_error',
    retryable: false,
    description: 'The Responses API: no stored response of this caller has this id.',
  },
  not_found: {
    status: 404,
    type: 'invalid_request_error',
    retryable: false,
    description: 'No such path.',
  },
  method_not_allowed: {
    status: 405,
    type: 'invalid_request_error',
    retryable: false,
    description: 'The path exists but not for this HTTP method.',
  },
  invalid_api_key: {
    status: 401,
    type: 'authentication_error',
    retryable: false,
    description: 'No key was sent, or the key is not one of this gateway\'s.',
  },
  api_key_expired: {
    status: 401,
    type: 'authentication_error',
    retryable: false,
    description: 'The key has passed its expiry time.',
  },
  api_key_revoked: {
    status: 401,
    type: 'authentication_error',
    retryable: false,
    description: 'The key was revoked.',
  },
  model_not_allowed: {
    status: 403,
    type: 'permission_error',
    retryable: false,
    description: 'The key may not use this model, or none of the providers it may use serves it.',
  },
  rate_limit_exceeded: {
    status: 429,
    type: 'rate_limit_error',
    retryable: false,
    description: 'A limit of the key or its tenant (requests or tokens per minute, streams at once) is reached; `retry-after` says when to retry.',
  },
  budget_exceeded: {
    status: 429,
    type: 'insufficient_quota',
    retryable: false,
    description: 'A hard budget of the key, its team or its tenant is spent for the period (the message names it); `retry-after` says when the period ends.',
  },
  invalid_admin_token: {
    status: 401,
    type: 'authentication_error',
    retryable: false,
    description: 'An admin route was called without a valid admin token.',
  },
  conflict: {
    status: 409,
    type: 'invalid_request_error',
    retryable: false,
    description: 'An admin change conflicts with what the gateway holds: an agreement defined in the configuration file is changed in the file, not through the admin plane.',
  },
  secrets_unavailable: {
    status: 503,
    type: 'server_error',
    retryable: false,
    description: 'A stored secret cannot be written or rotated: no master key is given, or a stored value does not decrypt under the keys given.',
  },
  context_length_exceeded: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    description: "The prompt plus the output limit does not fit the model's context window.",
  },
  content_filter: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    description: "The upstream's content filter refused the prompt.",
  },
  upstream_invalid_request: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    description: "The upstream refused the request as invalid; the upstream's message is passed on.",
  },
  upstream_authentication_failed: {
    status: 502,
    type: 'api_error',
    retryable: true,
    description: "Every channel refused the gateway's credentials (a gateway configuration problem, not the client's); the message is the gateway's own, never the upstream's.",
  },
  upstream_rate_limited: {
    status: 429,
    type: 'rate_limit_error',
    retryable: true,
    description: 'The upstream is rate limiting and no other channel could serve; `retry-after` is passed on when known.',
  },
  upstream_unavailable: {
    status: 503,
    type: 'server_error',
    retryable: true,
    description: 'Every channel was unavailable (5xx, 429, connection refused or reset); the message names each attempt.',
  },
  upstream_saturated: {
    status: 503,
    type: 'server_error',
    retryable: true,
    description: "Every connection to the upstream was busy and its wait queue full (or the wait passed the provider's `queue_timeout`), and no other channel could serve; sent at once with `retry-after`.",
  },
  upstream_timeout: {
    status: 504,
    type: 'server_error',
    retryable: true,
    description: 'Every channel timed out, or the request deadline passed; the message names each attempt.',
  },
  upstream_error: {
    status: 502,
    type: 'server_error',
    retryable: true,
    description: 'The upstream answered something the gateway cannot use (malformed JSON, an unexpected status); the message names each attempt.',
  },
  upstream_stream_error: {
    status: 502,
    type: 'server_error',
    retryable: false,
    description: 'A stream failed after its first byte reached the client; sent as a final SSE error event.',
  },
  client_closed_request: {
    status: 499,
    type: 'invalid_request_error',
    retryable: false,
    description: 'The client went away; the upstream request is aborted. Only seen in logs and metrics.',
  },
  server_shutting_down: {
    status: 503,
    type: 'server_error',
    retryable: true,
    description: 'The gateway is shutting down: a new request is refused (with `retry-after`), or one still running at the drain deadline is ended.',
  },
  server_overloaded: {
    status: 503,
    type: 'server_error',
    retryable: true,
    description: 'The gateway is at `server.max_connections` open connections or `limits.max_streams` streams; refused at once with `retry-after` (and `connection: close` for a connection past the cap).',
  },
  internal_error: {
    status: 500,
    type: 'server_error',
    retryable: false,
    description: 'A bug in the gateway; the message carries the request id to report.',
  },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof errorTable;
