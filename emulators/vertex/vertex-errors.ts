/**
 * Vertex AI's error responses: google.rpc.Status JSON (`{"error": {"code", "message", "status", "details"?}}`),
 * pretty-printed as Google's front end prints it, wrapped in a one-element array for `:streamGenerateContent`
 * (the method's response is a stream, so even an error comes as `[{…}]`), the in-stream error event, Google's HTML
 * 404 page for unknown URLs, and the errors for injected `status=` faults. Messages are the real service's where
 * known (see docs/emulators/vertex.md).
 */
import type { Exchange, Fault, HeaderList } from '../core/index.ts';

export interface GoogleError {
  /** HTTP status, also the body's `code`. */
  readonly code: number;
  /** The google.rpc.Code name, e.g. `INVALID_ARGUMENT`. */
  readonly status: string;
  readonly message: string;
  readonly details?: readonly unknown[];
  /** Extra response headers (e.g. `www-authenticate`). */
  readonly headers?: readonly string[];
}

const kind = Symbol('google-error');

export function googleError(
  code: number,
  status: string,
  message: string,
  details?: readonly unknown[],
  headers?: readonly string[],
): GoogleError {
  return { code, status, message, details, headers, [kind]: true } as GoogleError;
}

export function isGoogleError(value: unknown): value is GoogleError {
  return typeof value === 'object' && value !== null && (value as { [kind]?: boolean })[kind] === true;
}

/** The google.rpc.Code name Google's front end uses for an HTTP status. */
export function statusName(code: number): string {
  switch (code) {
    case 400:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'ABORTED';
    case 412:
      return 'FAILED_PRECONDITION';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 500:
      return 'INTERNAL';
    case 501:
      return 'UNIMPLEMENTED';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return code < 500 ? 'FAILED_PRECONDITION' : 'UNKNOWN';
  }
}

/** The HTTP status of a google.rpc.Code name (for `code=` with `error-after`). */
export const STREAM_ERROR_CODES: Readonly<Record<string, number>> = Object.freeze({
  INTERNAL: 500,
  UNAVAILABLE: 503,
  RESOURCE_EXHAUSTED: 429,
  DEADLINE_EXCEEDED: 504,
});

export function invalidArgument(message: string, details?: readonly unknown[]): GoogleError {
  return googleError(400, 'INVALID_ARGUMENT', message, details);
}

/** `Invalid JSON payload received…` errors carry a google.rpc.BadRequest with one field violation per problem. */
export function badRequest(violations: readonly { field: string | undefined; description: string }[]): GoogleError {
  return invalidArgument(violations.map((violation) => violation.description).join('\n'), [
    {
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: violations.map((violation) =>
        violation.field === undefined
          ? { description: violation.description }
          : { field: violation.field, description: violation.description },
      ),
    },
  ]);
}

export const LEARN_MORE = 'Learn more: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini';

/** The generic message Google's front end uses when it will not say more. */
export const INVALID_ARGUMENT_GENERIC = 'Request contains an invalid argument.';

export function inputTooLong(tokens: number, maximum: number): GoogleError {
  return invalidArgument(`The input token count (${tokens}) exceeds the maximum number of tokens allowed (${maximum}).`);
}

export function publisherModelNotFound(project: string, location: string, publisher: string, model: string): GoogleError {
  return googleError(
    404,
    'NOT_FOUND',
    `Publisher Model \`projects/${project}/locations/${location}/publishers/${publisher}/models/${model}\` was not found ` +
      'or your project does not have access to it. Please ensure you are using a valid model version. For more ' +
      'information, see: https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions',
  );
}

/** A configured RPM quota ran out: the per-project, per-base-model quota message (embeddings count online predictions). */
export function quotaExceeded(model: string, metric = 'generate_content_requests_per_minute_per_project_per_base_model'): GoogleError {
  return googleError(
    429,
    'RESOURCE_EXHAUSTED',
    `Quota exceeded for aiplatform.googleapis.com/${metric} with ` +
      `base model: ${baseModel(model)}. Please submit a quota increase request. ` +
      'https://cloud.google.com/vertex-ai/docs/generative-ai/quotas-genai.',
  );
}

/** `gemini-2.0-flash-001` → `gemini-2.0-flash`: quotas are per base model. */
function baseModel(model: string): string {
  const dash = model.lastIndexOf('-');
  if (dash > 0 && model.length - dash === 4) {
    const suffix = model.slice(dash + 1);
    if (suffix >= '000' && suffix <= '999') return model.slice(0, dash);
  }
  return model;
}

/** Dynamic shared quota (or an injected 429): what Vertex answers when capacity runs out. */
export const RESOURCE_EXHAUSTED_MESSAGE =
  'Resource exhausted. Please try again later. Please refer to ' +
  'https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.';

const FAULT_MESSAGES: Readonly<Record<number, string>> = {
  400: INVALID_ARGUMENT_GENERIC,
  401:
    'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid ' +
    'authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
  403: 'The caller does not have permission',
  404: 'Requested entity was not found.',
  409: 'The operation was aborted.',
  429: RESOURCE_EXHAUSTED_MESSAGE,
  499: 'The operation was cancelled.',
  500: 'Internal error encountered.',
  501: 'Operation is not implemented, or supported, or enabled.',
  503: 'The service is currently unavailable.',
  504: 'The request timed out. Please try again.',
};

/** The in-stream error sent by the `error-after` fault (default INTERNAL). */
export function streamErrorStatus(code: string | undefined): { code: number; status: string } | undefined {
  if (code === undefined) return { code: 500, status: 'INTERNAL' };
  const upper = code.toUpperCase();
  const http = STREAM_ERROR_CODES[upper];
  return http === undefined ? undefined : { code: http, status: upper };
}

export function faultMessage(code: number): string {
  return FAULT_MESSAGES[code] ?? (code < 500 ? `Request failed with status ${code} (injected by the emulator).` : `The server failed with status ${code} (injected by the emulator).`);
}

// --- encoding ---------------------------------------------------------------------------------------------------

export const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';
export const EVENT_STREAM_CONTENT_TYPE = 'text/event-stream';

/** The headers Google's front end sends on every response. A fresh list: callers may append to it. */
export function baseHeaders(contentType: string): HeaderList {
  return [
    'content-type',
    contentType,
    'vary',
    'Origin, X-Origin, Referer',
    'server',
    'scaffolding on HTTPServer2',
    'x-xss-protection',
    '0',
    'x-frame-options',
    'SAMEORIGIN',
    'x-content-type-options',
    'nosniff',
  ];
}

function errorObject(failure: GoogleError): Record<string, unknown> {
  const error: Record<string, unknown> = { code: failure.code, message: failure.message, status: failure.status };
  if (failure.details !== undefined) error.details = failure.details;
  return { error };
}

/** The error body: pretty-printed JSON, `[…]`-wrapped for a streaming method. */
export function errorBody(failure: GoogleError, streaming: boolean): string {
  const text = JSON.stringify(errorObject(failure), null, 2);
  return streaming ? `[${text}\n]` : text + '\n';
}

export function sendGoogleError(exchange: Exchange, failure: GoogleError, streaming: boolean): void {
  const headers = baseHeaders(JSON_CONTENT_TYPE);
  if (failure.headers !== undefined) headers.push(...failure.headers);
  exchange.send(failure.code, headers, errorBody(failure, streaming));
}

/** What an injected `status=<code>` answers: the google.rpc body for that code (`code=` names another status). */
export function sendFaultError(exchange: Exchange, fault: Fault, streaming: boolean): void {
  const code = fault.status;
  const extra: string[] = [];
  if (code === 401) extra.push('www-authenticate', 'Bearer realm="https://accounts.google.com/"');
  if (fault.retryAfter !== undefined || fault.retryAfterMs !== undefined) {
    const seconds = fault.retryAfter ?? Math.ceil((fault.retryAfterMs as number) / 1000);
    extra.push('retry-after', String(seconds));
    if (fault.retryAfterMs !== undefined) extra.push('retry-after-ms', String(fault.retryAfterMs));
  }
  sendGoogleError(
    exchange,
    googleError(code, fault.code?.toUpperCase() ?? statusName(code), faultMessage(code), undefined, extra),
    streaming,
  );
}

/** The `data:` event Vertex sends when a stream fails after it started (the SDK raises it as an ApiError). */
export function streamErrorEvent(code: number, status: string, message: string): string {
  return `data: {"error": {"code": ${code},"message": ${JSON.stringify(message)},"status": "${status}"}}\r\n\r\n`;
}

/** Google's front end answers an unknown URL with an HTML page, not JSON. */
export function sendNotFoundPage(exchange: Exchange): void {
  const path = exchange.path.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  const body =
    '<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n' +
    `  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL <code>${path}</code> was not found on this ` +
    'server.  <ins>That’s all we know.</ins>\n';
  exchange.send(404, ['content-type', 'text/html; charset=UTF-8'], body);
}
