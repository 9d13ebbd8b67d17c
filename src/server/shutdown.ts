/**
 * Graceful shutdown. From its first moment the gateway takes no new request: one arriving, even on a kept-alive
 * connection, gets 503 `server_shutting_down` with `retry-after` and `connection: close`, and `/readyz` answers 503.
 * The listener stays up for the shutdown delay so load balancers notice, then closes. Requests in flight may finish
 * until the drain deadline (counted from the start); those still running then are ended with `server_shutting_down`
 * (a stream with an OpenAI error event, never a silent truncation) before every connection is closed.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ServerConfig } from '../config/types.ts';
import { GatewayError } from '../errors/index.ts';
import { flushLogs } from '../observability/logger.ts';
import type { GatewayContext } from './gateway-context.ts';
import type { InFlight } from './in-flight.ts';
import { lingerAfterRefusal } from './lingering-close.ts';
import { requestIdOf } from './request-scope.ts';
import { sendError } from './respond.ts';

export interface CloseOptions {
  /**
   * How long the listener stays up, answering `/readyz` 503 and refusing requests, before it closes. Default 0: the
   * caller has already taken the gateway out of rotation. `serve` passes `server.shutdown_delay` on a signal.
   */
  readonly shutdownDelayMs?: number;
  /** What asked for the shutdown (a signal's name), for the log. */
  readonly reason?: string;
}

export interface ShutdownSummary {
  /** Requests in flight when the shutdown began. */
  readonly inFlight: number;
  /** Requests refused with 503 while draining. */
  readonly refused: number;
  /** Requests still running at the drain deadline (or when told to close now), ended with `server_shutting_down`. */
  readonly cut: number;
  readonly durationMs: number;
}

export interface ShutdownTarget {
  readonly server: Server;
  readonly context: GatewayContext;
  readonly inFlight: InFlight;
  readonly limits: Pick<ServerConfig, 'lingerTimeoutMs' | 'lingerMaxBytes'>;
  readonly drainTimeoutMs: number;
  /** The gateway's own request handler, still used for health, readiness and metrics while draining. */
  serve(request: IncomingMessage, response: ServerResponse): void;
  /** Closes what the gateway opened besides its server (the adapters' connections). */
  release(): Promise<void>;
}

/** Ended requests write their error within milliseconds; this bounds the wait for them before connections close. */
const cutGraceMs = 1_000;
/** What a client refused while draining is told to wait before retrying (another instance can take it at once). */
const retryAfterMs = 1_000;
const stillServed = new Set(['/healthz', '/readyz', '/metrics']);

export class GatewayShutdown {
  readonly #target: ShutdownTarget;
  #closing: Promise<ShutdownSummary> | undefined = undefined;
  #refused = 0;
  #hurry: () => void = noop;
  readonly #hurried: Promise<void>;

  constructor(target: ShutdownTarget) {
    this.#target = target;
    this.#hurried = new Promise((resolve) => {
      this.#hurry = resolve;
    });
  }

  close(options: CloseOptions = {}): Promise<ShutdownSummary> {
    this.#closing ??= this.#drain(options);
    return this.#closing;
  }

  /** Skips what is left of the shutdown delay and of the drain: the requests still running are ended now. */
  closeNow(): void {
    this.#hurry();
  }

  async #drain(options: CloseOptions): Promise<ShutdownSummary> {
    const { server, context, inFlight, drainTimeoutMs } = this.#target;
    const logger = context.logger;
    const startedAt = performance.now();
    const shutdownDelayMs = Math.min(options.shutdownDelayMs ?? 0, drainTimeoutMs);
    const atStart = inFlight.count;
    context.ready = false;
    server.removeAllListeners('request');
    server.on('request', (request: IncomingMessage, response: ServerResponse) => this.#refuse(request, response));
    inFlight.closeConnectionsAfterResponse();
    logger.info({ reason: options.reason, inFlight: atStart, shutdownDelayMs, drainTimeoutMs }, 'shutting down');

    const drainStartedAt = performance.now();
    await this.#wait(shutdownDelayMs);
    // Stops listening and closes the idle connections; resolves once the last connection is gone.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // The drain deadline counts from the start of the shutdown; its timer goes as soon as nothing is in flight, so an
    // idle gateway exits at once rather than at the deadline.
    await boundedWait(Promise.race([inFlight.until(0), this.#hurried]), Math.max(0, drainTimeoutMs - (performance.now() - drainStartedAt)));
    let cut = 0;
    if (inFlight.count > 0) {
      const reason = new GatewayError('server_shutting_down', `The gateway is shutting down: the request was still running at the drain deadline (${drainTimeoutMs} ms, server.drain_timeout).`, {
        retryAfterMs,
      });
      const ended = inFlight.cut(reason);
      cut = ended.inFlight;
      logger.warn({ inFlight: ended.inFlight }, 'ending the requests still in flight');
      // Requests still reading their body end when their connection closes below.
      await boundedWait(inFlight.until(ended.inFlight - ended.cancelled), cutGraceMs);
    }
    server.closeAllConnections();
    await closed;
    await this.#target.release();
    const summary: ShutdownSummary = { inFlight: atStart, refused: this.#refused, cut, durationMs: Math.round(performance.now() - startedAt) };
    logger.info({ reason: options.reason, ...summary }, 'shut down');
    await flushLogs(logger);
    return summary;
  }

  #refuse(request: IncomingMessage, response: ServerResponse): void {
    response.shouldKeepAlive = false;
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    if (stillServed.has(query === -1 ? url : url.slice(0, query))) return this.#target.serve(request, response);
    this.#refused++;
    lingerAfterRefusal(request, this.#target.limits);
    this.#target.context.metrics.error('server_shutting_down');
    sendError(response, new GatewayError('server_shutting_down', 'The gateway is shutting down; send the request again.', { retryAfterMs }), requestIdOf(request));
  }

  /** `ms`, or less when told to close now. */
  #wait(ms: number): Promise<void> {
    return boundedWait(this.#hurried, ms);
  }
}

/** `pending`, or `ms` if it takes longer. */
function boundedWait(pending: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void pending.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function noop(): void {}
