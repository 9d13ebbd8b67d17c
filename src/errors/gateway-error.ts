/**
 * The one error class the gateway throws. Everything a client sees is rendered from it as an OpenAI-shaped body.
 * Imports only the error table.
 */
import { errorTable, type ErrorCode } from './error-table.ts';

export interface UpstreamDetails {
  /** The configured provider's name. */
  readonly provider: string;
  /** The upstream model or deployment. */
  readonly model: string;
  /** The upstream HTTP status, or undefined when no response arrived. */
  readonly status: number | undefined;
  /** The upstream's own error text (already truncated), for logs and attempt summaries. */
  readonly body: string | undefined;
}

export interface GatewayErrorOptions {
  param?: string | null;
  /** Overrides the table's retryable flag (e.g. an upstream 400 is never retried, a 409 sometimes is). */
  retryable?: boolean;
  /** Overrides the table's status (only for errors passed on from an upstream with their own status). */
  status?: number;
  retryAfterMs?: number;
  /** Extra response headers (e.g. `x-ratelimit-*` on a 429); never secrets. */
  headers?: Readonly<Record<string, string>>;
  upstream?: UpstreamDetails;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly isRetryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly upstream: UpstreamDetails | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    // An expected refusal, not a bug: its code says where it came from, and a stack trace costs tens of µs, paid
    // thousands of times a second when load is shed. A cause keeps its own stack.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    Error.stackTraceLimit = stackTraceLimit;
    const definition = errorTable[code];
    this.name = 'GatewayError';
    this.code = code;
    this.status = options.status ?? definition.status;
    this.type = definition.type;
    this.param = options.param ?? null;
    this.isRetryable = options.retryable ?? definition.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.headers = options.headers;
    this.upstream = options.upstream;
  }

  /** The OpenAI error body: `{ error: { message, type, param, code } }`. */
  toJSON(): { error: { message: string; type: string; param: string | null; code: string } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}
