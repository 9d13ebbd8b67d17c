/**
 * Writing responses: JSON bodies and OpenAI-shaped errors with the gateway's identifying headers.
 */
import type { ServerResponse } from 'node:http';
import type { ErrorCode, GatewayError } from '../errors/index.ts';

/** Errors after which the connection is not reused: the request's body may be unread, or the gateway is stopping. */
const closingCodes: ReadonlySet<ErrorCode> = new Set(['request_too_large', 'request_timeout', 'request_header_fields_too_large', 'server_shutting_down']);

export function sendJson(response: ServerResponse, status: number, body: string, headers: string[]): void {
  headers.push('content-type', 'application/json', 'content-length', String(Buffer.byteLength(body)));
  response.writeHead(status, headers);
  response.end(body);
}

export function sendError(response: ServerResponse, error: GatewayError, requestId: string, route?: string): void {
  if (response.headersSent || response.destroyed) return;
  const headers = ['x-request-id', requestId];
  if (route !== undefined && route !== '') headers.push('x-interchange-route', route);
  if (error.retryAfterMs !== undefined) headers.push('retry-after', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
  if (error.headers !== undefined) for (const name in error.headers) headers.push(name, error.headers[name]);
  if (closingCodes.has(error.code)) headers.push('connection', 'close');
  sendJson(response, error.status, JSON.stringify(error.toJSON()), headers);
}
