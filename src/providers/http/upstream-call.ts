/**
 * Calls an upstream over an undici Pool with `dispatch`: no WHATWG Response, no Readable, one Buffer per body chunk.
 * `requestBuffered` collects a whole body; `requestStreaming` hands chunks to the caller with pause/resume.
 * Both honour the call's Cancellation and the per-attempt header and body timeouts. Over an `UpstreamPool`, a call
 * holds one of its slots from dispatch to the end of the response, and waits (bounded) or is refused when none is free.
 */
import type { Dispatcher, Pool } from 'undici';
import type { Cancellation } from '../../lib/cancellation.ts';
import { UpstreamPool } from './upstream-pool.ts';

export type UpstreamHeaders = Record<string, string | string[] | undefined>;

export interface UpstreamRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | Buffer | undefined;
  readonly cancellation: Cancellation;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
}

/** A call's cancellation and per-attempt timeouts (what a provider's CallContext carries). */
export interface CallLimits {
  readonly cancellation: Cancellation;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
}

/** A POST of `body` to `path` under a call's cancellation and timeouts. */
export function postRequest(path: string, headers: Record<string, string>, body: string, limits: CallLimits): UpstreamRequest {
  return {
    method: 'POST',
    path,
    headers,
    body,
    cancellation: limits.cancellation,
    headersTimeoutMs: limits.headersTimeoutMs,
    bodyTimeoutMs: limits.bodyTimeoutMs,
  };
}

export interface BufferedResponse {
  readonly status: number;
  readonly headers: UpstreamHeaders;
  readonly body: Buffer;
}

/** Sends the request and resolves with the whole response; rejects with the transport error (undici's or the cancellation reason). */
export function requestBuffered(pool: Pool, request: UpstreamRequest): Promise<BufferedResponse> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let headers: UpstreamHeaders = {};
    const chunks: Buffer[] = [];
    let length = 0;
    let stopListening: (() => void) | undefined;
    const gated = pool instanceof UpstreamPool ? pool : undefined;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(controller) {
        stopListening = request.cancellation.listen((reason) => controller.abort(reason));
      },
      onResponseStart(_controller, statusCode, responseHeaders) {
        status = statusCode;
        headers = responseHeaders as UpstreamHeaders;
      },
      onResponseData(_controller, chunk) {
        chunks.push(chunk);
        length += chunk.length;
      },
      onResponseEnd() {
        stopListening?.();
        gated?.release();
        resolve({ status, headers, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length) });
      },
      onResponseError(_controller, error) {
        stopListening?.();
        gated?.release();
        reject(error);
      },
    };
    if (gated === undefined || gated.tryAcquire()) pool.dispatch(dispatchOptions(request), handler);
    else gated.wait(request.cancellation, () => pool.dispatch(dispatchOptions(request), handler), reject);
  });
}

export interface StreamingHandler {
  /**
   * Called once with the status and headers. Return true to receive the body chunk by chunk through `onData`; return
   * false to have it buffered and passed whole to `onEnd` (used for error bodies).
   */
  onStart(status: number, headers: UpstreamHeaders): boolean;
  /** Body chunks, when onStart returned true. Return false to pause the upstream until `resume` is called. */
  onData(chunk: Buffer): boolean;
  /** End of the body; `body` is the buffered body when onStart returned false. */
  onEnd(body: Buffer | undefined): void;
  onError(error: Error): void;
}

export interface StreamControl {
  resume(): void;
  /** Aborts the upstream request; the handler's onError fires with the reason. */
  abort(reason: Error): void;
}

/** Sends the request and drives the handler; returns a control whose `resume` restarts a paused upstream. */
export function requestStreaming(pool: Pool, request: UpstreamRequest, handler: StreamingHandler): StreamControl {
  let dispatchController: Dispatcher.DispatchController | undefined;
  let streaming = false;
  let chunks: Buffer[] | undefined;
  let stopListening: (() => void) | undefined;
  const gated = pool instanceof UpstreamPool ? pool : undefined;
  const dispatchHandler: Dispatcher.DispatchHandler = {
    onRequestStart(controller) {
      dispatchController = controller;
      stopListening = request.cancellation.listen((reason) => controller.abort(reason));
    },
    onResponseStart(_controller, statusCode, responseHeaders) {
      streaming = handler.onStart(statusCode, responseHeaders as UpstreamHeaders);
      if (!streaming) chunks = [];
    },
    onResponseData(controller, chunk) {
      if (!streaming) {
        chunks!.push(chunk);
        return;
      }
      if (!handler.onData(chunk)) controller.pause();
    },
    onResponseEnd() {
      stopListening?.();
      gated?.release();
      handler.onEnd(chunks === undefined ? undefined : Buffer.concat(chunks));
    },
    onResponseError(_controller, error) {
      stopListening?.();
      gated?.release();
      handler.onError(error);
    },
  };
  if (gated === undefined || gated.tryAcquire()) pool.dispatch(dispatchOptions(request), dispatchHandler);
  else gated.wait(request.cancellation, () => pool.dispatch(dispatchOptions(request), dispatchHandler), (error) => handler.onError(error));
  return {
    resume() {
      if (dispatchController !== undefined && dispatchController.paused && !dispatchController.aborted) dispatchController.resume();
    },
    abort(reason) {
      if (dispatchController !== undefined && !dispatchController.aborted) dispatchController.abort(reason);
    },
  };
}

function dispatchOptions(request: UpstreamRequest): Dispatcher.DispatchOptions {
  return {
    method: request.method,
    path: request.path,
    headers: request.headers,
    body: request.body ?? null,
    headersTimeout: request.headersTimeoutMs,
    bodyTimeout: request.bodyTimeoutMs,
    idempotent: false,
  };
}
