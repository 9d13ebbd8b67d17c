/**
 * OpenAI's error bodies: `{"error":{"message","type","param","code"}}`, with the messages the real API uses.
 */
import type { Exchange, Fault } from '../core/index.ts';
import { JSON_CONTENT_TYPE, rateLimitedHeaders, responseHeaders } from './response-headers.ts';

export interface OpenAIError {
  readonly status: number;
  readonly message: string;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
}

export function isOpenAIError(value: unknown): value is OpenAIError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === ERROR_KIND;
}

const ERROR_KIND = Symbol('openai-error');

function error(status: number, message: string, type: string, param: string | null, code: string | null): OpenAIError {
  return { status, message, type, param, code, kind: ERROR_KIND } as OpenAIError;
}

export function invalidRequest(message: string, param: string | null = null, code: string | null = null): OpenAIError {
  return error(400, message, 'invalid_request_error', param, code);
}

/** What the real API calls a value in "expected X, but got Y instead". */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean';
    case 'number':
      return Number.isInteger(value) ? 'an integer' : 'a decimal';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

export function missingParameter(param: string): OpenAIError {
  return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
}

export function invalidType(param: string, expected: string, value: unknown): OpenAIError {
  return invalidRequest(
    `Invalid type for '${param}': expected ${expected}, but got ${describeType(value)} instead.`,
    param,
    'invalid_type',
  );
}

/** `Invalid value: 'x'. Supported values are: 'a', 'b', and 'c'.` */
export function invalidValue(param: string, value: unknown, supported: readonly string[]): OpenAIError {
  const quoted = supported.map((entry) => `'${entry}'`);
  const list =
    quoted.length <= 2 ? quoted.join(' and ') : `${quoted.slice(0, -1).join(', ')}, and ${quoted[quoted.length - 1]}`;
  return invalidRequest(`Invalid value: '${String(value)}'. Supported values are: ${list}.`, param, 'invalid_value');
}

/** `kind` is the parameter's type: 'integer' for integer parameters, 'decimal' for number ones. */
export function belowMinimum(param: string, minimum: number, value: number, kind: 'integer' | 'decimal' = 'integer'): OpenAIError {
  return invalidRequest(
    `Invalid '${param}': ${kind} below minimum value. Expected a value >= ${minimum}, but got ${value} instead.`,
    param,
    `${kind}_below_min_value`,
  );
}

export function aboveMaximum(param: string, maximum: number, value: number, kind: 'integer' | 'decimal' = 'integer'): OpenAIError {
  return invalidRequest(
    `Invalid '${param}': ${kind} above maximum value. Expected a value <= ${maximum}, but got ${value} instead.`,
    param,
    `${kind}_above_max_value`,
  );
}

export const INVALID_JSON = invalidRequest(
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library " +
    'correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble ' +
    'figuring out how to fix this, please contact us through our help center at help.openai.com.)',
);

export function modelNotFound(model: string): OpenAIError {
  return error(
    404,
    `The model \`${model}\` does not exist or you do not have access to it.`,
    'invalid_request_error',
    null,
    'model_not_found',
  );
}

/** `previous_response_id` naming a response that was never stored, was deleted or has been evicted. */
export function previousResponseNotFound(id: string): OpenAIError {
  return invalidRequest(`Previous response with id '${id}' not found.`, 'previous_response_id', 'previous_response_not_found');
}

/** `GET` or `DELETE /v1/responses/{id}` for a response that is not stored. */
export function responseNotFound(id: string): OpenAIError {
  return error(404, `Response with id '${id}' not found.`, 'invalid_request_error', null, null);
}

export function invalidUrl(method: string, path: string): OpenAIError {
  return error(404, `Invalid URL (${method} ${path})`, 'invalid_request_error', null, null);
}

export function invalidMethod(method: string, path: string): OpenAIError {
  return error(405, `Invalid method for URL (${method} ${path})`, 'invalid_request_error', null, null);
}

const KEY_HELP = 'You can find your API key at https://platform.openai.com/account/api-keys.';

/** The key as OpenAI echoes it: short keys whole, longer ones with the middle starred out. */
export function maskKey(key: string): string {
  if (key.length <= 8) return key;
  return key.slice(0, 3) + '*'.repeat(Math.min(key.length - 7, 20)) + key.slice(-4);
}

export function incorrectApiKey(key: string): OpenAIError {
  return error(
    401,
    `Incorrect API key provided: ${maskKey(key)}. ${KEY_HELP}`,
    'invalid_request_error',
    null,
    'invalid_api_key',
  );
}

export const MISSING_API_KEY = error(
  401,
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth " +
    '(i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you\'re accessing the ' +
    'API from your browser and are prompted for a username. You can obtain an API key from ' +
    'https://platform.openai.com/account/api-keys.',
  'invalid_request_error',
  null,
  'invalid_api_key',
);

export function sendOpenAIError(exchange: Exchange, failure: OpenAIError): void {
  const body = JSON.stringify(
    { error: { message: failure.message, type: failure.type, param: failure.param, code: failure.code } },
    null,
    2,
  );
  exchange.send(failure.status, responseHeaders(exchange, JSON_CONTENT_TYPE), body + '\n');
}

/** The error for an injected `status=<code>` fault, with `retry-after` and rate-limit headers where they belong. */
export function sendFaultError(exchange: Exchange, fault: Fault, model: string | undefined): void {
  const status = fault.status;
  const retryAfter =
    fault.retryAfter ?? (fault.retryAfterMs !== undefined ? Math.ceil(fault.retryAfterMs / 1000) : 1);
  const failure = faultError(status, fault.code, model ?? 'gpt-4o', retryAfter);
  const headers =
    status === 429 ? rateLimitedHeaders(exchange, retryAfter) : responseHeaders(exchange, JSON_CONTENT_TYPE);
  if (status === 429 || fault.retryAfter !== undefined || fault.retryAfterMs !== undefined) {
    headers.push('retry-after', String(retryAfter));
    if (fault.retryAfterMs !== undefined) headers.push('retry-after-ms', String(fault.retryAfterMs));
  }
  const body = JSON.stringify(
    { error: { message: failure.message, type: failure.type, param: failure.param, code: failure.code } },
    null,
    2,
  );
  exchange.send(status, headers, body + '\n');
}

function faultError(status: number, code: string | undefined, model: string, retryAfter: number): OpenAIError {
  if (code === 'insufficient_quota') {
    return error(
      status,
      'You exceeded your current quota, please check your plan and billing details. For more information on this ' +
        'error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
      'insufficient_quota',
      null,
      'insufficient_quota',
    );
  }
  switch (status) {
    case 400:
      return error(status, 'Invalid request (injected by the emulator).', 'invalid_request_error', null, code ?? null);
    case 401:
      return error(
        status,
        `Incorrect API key provided: sk-emu****************ault. ${KEY_HELP}`,
        'invalid_request_error',
        null,
        code ?? 'invalid_api_key',
      );
    case 403:
      return error(
        status,
        'Country, region, or territory not supported',
        'request_forbidden',
        null,
        code ?? 'unsupported_country_region_territory',
      );
    case 404:
      return error(
        status,
        `The model \`${model}\` does not exist or you do not have access to it.`,
        'invalid_request_error',
        null,
        code ?? 'model_not_found',
      );
    case 408:
      return error(status, 'Request timed out.', 'invalid_request_error', null, code ?? 'timeout');
    case 409:
      return error(status, 'The request conflicts with another request.', 'invalid_request_error', null, code ?? null);
    case 413:
      return error(status, 'Request too large.', 'invalid_request_error', null, code ?? 'request_too_large');
    case 429:
      return error(
        status,
        `Rate limit reached for ${model} in organization org-emulator on requests per min (RPM): Limit ` +
          `${10_000}, Used ${10_000}, Requested 1. Please try again in ${retryAfter}s. Visit ` +
          'https://platform.openai.com/account/rate-limits to learn more.',
        'requests',
        null,
        code ?? 'rate_limit_exceeded',
      );
    case 500:
      return error(
        status,
        'The server had an error while processing your request. Sorry about that!',
        'server_error',
        null,
        code ?? 'server_error',
      );
    case 502:
      return error(status, 'Bad gateway.', 'server_error', null, code ?? 'bad_gateway');
    case 503:
      return error(
        status,
        'The server is overloaded or not ready yet.',
        'server_error',
        null,
        code ?? 'service_unavailable',
      );
    case 504:
      return error(status, 'Gateway timeout.', 'server_error', null, code ?? 'timeout');
    default:
      return status < 500
        ? error(status, `Request failed with status ${status} (injected by the emulator).`, 'invalid_request_error', null, code ?? null)
        : error(status, `The server failed with status ${status} (injected by the emulator).`, 'server_error', null, code ?? 'server_error');
  }
}

/** Errors raised by the emulator itself (bad fault spec, body too large, a bug). */
export function sendEmulatorError(exchange: Exchange, status: number, message: string): void {
  const code = status === 400 ? 'invalid_emulator_fault' : status === 413 ? 'request_too_large' : 'server_error';
  sendOpenAIError(exchange, error(status, message, status < 500 ? 'invalid_request_error' : 'server_error', null, code));
}
