/**
 * The headers OpenAI sends on every response: request id, processing time, API version and rate-limit state.
 */
import type { Exchange, HeaderList } from '../core/index.ts';

export const RATE_LIMIT_REQUESTS = 10_000;
export const RATE_LIMIT_TOKENS = 30_000_000;
const LIMIT_REQUESTS = String(RATE_LIMIT_REQUESTS);
const LIMIT_TOKENS = String(RATE_LIMIT_TOKENS);
const REMAINING_REQUESTS = String(RATE_LIMIT_REQUESTS - 1);
const REMAINING_TOKENS = String(RATE_LIMIT_TOKENS - 1_000);

export const JSON_CONTENT_TYPE = 'application/json';
export const EVENT_STREAM_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

/** OpenAI's headers with the given content type, requests left and request-window reset. */
function headers(exchange: Exchange, contentType: string, remainingRequests: string, resetRequests: string): HeaderList {
  return [
    'content-type',
    contentType,
    'x-request-id',
    exchange.requestId,
    'openai-processing-ms',
    String(exchange.elapsedMs()),
    'openai-version',
    '2020-10-01',
    'openai-organization',
    'user-emulator',
    'x-ratelimit-limit-requests',
    LIMIT_REQUESTS,
    'x-ratelimit-limit-tokens',
    LIMIT_TOKENS,
    'x-ratelimit-remaining-requests',
    remainingRequests,
    'x-ratelimit-remaining-tokens',
    REMAINING_TOKENS,
    'x-ratelimit-reset-requests',
    resetRequests,
    'x-ratelimit-reset-tokens',
    '0s',
  ];
}

/** Headers of a successful (or ordinary error) response. A fresh list: the caller may append to it. */
export function responseHeaders(exchange: Exchange, contentType: string): HeaderList {
  return headers(exchange, contentType, REMAINING_REQUESTS, '6ms');
}

/** Headers of a 429: no requests left until `retryAfterSeconds` from now. */
export function rateLimitedHeaders(exchange: Exchange, retryAfterSeconds: number): HeaderList {
  return headers(exchange, JSON_CONTENT_TYPE, '0', `${retryAfterSeconds}s`);
}
