/**
 * What a client gets when Node's HTTP server gives up on its request before the gateway's handler could answer: the
 * request line and headers did not arrive within `server.headers_timeout`, the whole request not within
 * `server.body_timeout`, the head was too large or had too many headers, or it was not HTTP. An OpenAI-shaped error
 * with its status wherever a response can still be written (Node's own answer is an empty 400 or 408).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { ServerConfig } from '../config/types.ts';
import { GatewayError } from '../errors/index.ts';
import type { GatewayMetrics } from '../observability/gateway-metrics.ts';
import type { Logger } from '../observability/logger.ts';
import { answerAndLinger, stillLingering } from './lingering-close.ts';

const statusLines: Readonly<Record<number, string>> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

export function handleClientError(error: Error & { code?: string }, connection: Duplex, limits: ServerConfig, metrics: GatewayMetrics, logger: Logger): void {
  const socket = connection as Socket;
  // A refused request's later bytes fail the parser again: only the linger's byte bound matters then.
  if (stillLingering(socket)) return;
  const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  // The response of the request on this connection, once Node has handed it to the gateway (not public API, but
  // stable since Node 0.x): its body is being read, or its answer is being written.
  const response = (socket as { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
  if (response !== undefined) {
    const request = response.req;
    if (!response.headersSent && request.listenerCount('error') > 0) {
      // The handler is reading the body: it answers (and logs) the error itself, and the connection closes after.
      response.shouldKeepAlive = false;
      request.emit('error', timedOut ? bodyTimeout(limits) : new GatewayError('invalid_request', `The request body is not valid HTTP (${error.code ?? error.message}).`));
    } else {
      socket.destroy();
    }
    return;
  }
  if (!socket.writable || error.code === undefined || !(timedOut || error.code.startsWith('HPE_'))) {
    socket.destroy();
    return;
  }
  const refusal = timedOut ? headersTimeout(limits) : error.code === 'HPE_HEADER_OVERFLOW' ? headersTooLarge(limits) : notHttp(error.code);
  metrics.error(refusal.code);
  logger.debug({ code: error.code }, `request refused: ${refusal.code}`);
  const answer = rawAnswer(refusal);
  // After a timeout the parser still works, so a request completed now would be served on a closing connection:
  // close as soon as the answer is out (as when the client has already finished sending). After a parse error it
  // fails every later byte, so lingering is safe.
  if (timedOut || socket.readableEnded) socket.end(answer, () => socket.destroy());
  else answerAndLinger(socket, answer, limits);
}

function bodyTimeout(limits: ServerConfig): GatewayError {
  return new GatewayError('request_timeout', `The request did not arrive whole within ${limits.bodyTimeoutMs} ms (server.body_timeout).`);
}

function headersTimeout(limits: ServerConfig): GatewayError {
  return new GatewayError('request_timeout', `The request headers did not arrive within ${limits.headersTimeoutMs} ms (server.headers_timeout).`);
}

function headersTooLarge(limits: ServerConfig): GatewayError {
  return new GatewayError(
    'request_header_fields_too_large',
    `The request has more than ${limits.maxHeaders} headers (server.max_headers), or its URL and headers exceed ${limits.maxHeaderBytes} bytes (server.max_header_bytes).`,
  );
}

function notHttp(code: string): GatewayError {
  return new GatewayError('invalid_request', `The request is not valid HTTP (${code}).`);
}

/** A whole HTTP/1.1 response for a connection that has no response object. */
function rawAnswer(error: GatewayError): string {
  const body = JSON.stringify(error.toJSON());
  return (
    `HTTP/1.1 ${error.status} ${statusLines[error.status]}\r\n` +
    `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${randomUUID()}\r\nconnection: close\r\n\r\n${body}`
  );
}
