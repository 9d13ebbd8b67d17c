/**
 * A request's scope: its id, its cancellation (client gone or deadline passed) and its deadline timer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../errors/index.ts';
import type { RequestScope } from '../execution/execution-runtime.ts';
import { Cancellation } from '../lib/cancellation.ts';
import type { InFlight, InFlightScope } from './in-flight.ts';

const clientRequestId = /^[\w.:\-]{1,128}$/;

/** The client's `x-request-id` when it is sane, otherwise a new UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && clientRequestId.test(given) ? given : randomUUID();
}

export interface OpenScope extends RequestScope, InFlightScope {
  /** Stops the deadline timer and the disconnect watch; call once the response is complete. */
  close(): void;
}

export function openScope(requestId: string, response: ServerResponse, timeoutMs: number, startedAt: number, inFlight: InFlight): OpenScope {
  const cancellation = new Cancellation();
  const timer = setTimeout(() => {
    cancellation.cancel(new GatewayError('upstream_timeout', `The request deadline of ${timeoutMs} ms (limits.request_timeout) passed.`));
  }, timeoutMs);
  const onClose = (): void => {
    // Once the gateway ends the requests still running (a shutdown), a connection it closes is not the client leaving.
    if (!response.writableFinished) cancellation.cancel(inFlight.cutReason ?? new GatewayError('client_closed_request', 'The client closed the connection.'));
  };
  response.on('close', onClose);
  const scope: OpenScope = {
    requestId,
    cancellation,
    deadline: startedAt + timeoutMs,
    response,
    previous: undefined,
    next: undefined,
    close() {
      clearTimeout(timer);
      response.off('close', onClose);
      inFlight.remove(scope);
    },
  };
  inFlight.add(scope);
  return scope;
}
