/**
 * `server.max_connections`: open client connections. Node's own `server.maxConnections` destroys a socket past the cap
 * without a word, which a client sees as a reset (and may retry at once). Here a connection past the cap is accepted,
 * and its request answered at once with 503 `server_overloaded`, `retry-after` and `connection: close`, so the client
 * learns why and the connection goes. `/healthz` and `/readyz` are still answered on it (then closed): a probe must
 * not read an overloaded gateway as a dead one. Costs nothing per request when no cap is set (the handler is not
 * wrapped) and one property read when one is.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerConfig } from '../config/types.ts';
import { GatewayError } from '../errors/index.ts';
import { lingerAfterRefusal } from './lingering-close.ts';
import { requestIdOf } from './request-scope.ts';
import { sendError } from './respond.ts';

/** Marks a socket accepted past the cap. */
const pastCap = Symbol('past server.max_connections');
type MarkedSocket = Socket & { [pastCap]?: true };

/** What a refused client is told to wait. */
const retryAfterMs = 1_000;

/**
 * Counts the server's connections and returns the request handler to use: `serve` itself when `limits.maxConnections`
 * is unset, else `serve` behind the cap.
 */
export function capConnections(server: Server, limits: ServerConfig, serve: RequestListener): RequestListener {
  const max = limits.maxConnections;
  if (max === undefined) return serve;
  let open = 0;
  const closed = (): void => {
    open--;
  };
  server.on('connection', (socket: MarkedSocket) => {
    open++;
    socket.once('close', closed);
    if (open > max) socket[pastCap] = true;
  });
  const refusal = `The gateway has ${max} connections open, its limit (server.max_connections); retry shortly.`;
  return (request: IncomingMessage, response: ServerResponse): void => {
    if ((request.socket as MarkedSocket)[pastCap] !== true) return serve(request, response);
    response.shouldKeepAlive = false;
    const url = request.url ?? '/';
    if (url === '/healthz' || url === '/readyz') return serve(request, response);
    lingerAfterRefusal(request, limits);
    sendError(response, new GatewayError('server_overloaded', refusal, { retryAfterMs }), requestIdOf(request));
  };
}
