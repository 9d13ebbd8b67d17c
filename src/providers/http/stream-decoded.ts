/**
 * A streaming upstream call whose body a provider's decoder turns into stream parts: the plumbing every provider
 * shares (status dispatch, back-pressure, abort on a decoding error, one settlement), so a provider supplies only its
 * decoder and what to do with a buffered (error or non-streaming) body.
 */
import type { Pool } from 'undici';
import type { GatewayError } from '../../errors/index.ts';
import type { StreamSink } from '../adapter.ts';
import { transportError, type UpstreamIdentity } from './transport-error.ts';
import { requestStreaming, type UpstreamHeaders, type UpstreamRequest } from './upstream-call.ts';

/** Turns body bytes into parts written to the sink; `end` reports an incomplete stream. */
export interface StreamDecoder {
  push(chunk: Buffer): boolean;
  end(): GatewayError | undefined;
  readonly error: GatewayError | undefined;
}

export interface DecodedStreamHandlers {
  /** The decoder for this response, or undefined to have the body buffered and passed to `buffered`. */
  decoder(status: number, headers: UpstreamHeaders): StreamDecoder | undefined;
  /** Handles a buffered body (an error status, or a server that answered JSON to a streaming request); throws to fail. */
  buffered(status: number, headers: UpstreamHeaders, body: Buffer): void;
}

/** Told how the stream ended, before the caller is, to add the usage the upstream did not report (estimate-usage.ts). */
export interface StreamEndUsage {
  finish(): void;
  failed(): void;
}

export function streamDecoded(
  pool: Pool,
  request: UpstreamRequest,
  sink: StreamSink,
  identity: UpstreamIdentity,
  handlers: DecodedStreamHandlers,
  usage?: StreamEndUsage,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let responseHeaders: UpstreamHeaders = {};
    let decoder: StreamDecoder | undefined;
    let settled = false;
    const settle = (error: unknown): void => {
      if (settled) return;
      settled = true;
      if (usage !== undefined) {
        try {
          if (error === undefined) usage.finish();
          else usage.failed();
        } catch (failure) {
          reject(error ?? failure);
          return;
        }
      }
      if (error === undefined) resolve();
      else reject(error);
    };
    const control = requestStreaming(pool, request, {
      onStart(statusCode, headers) {
        status = statusCode;
        responseHeaders = headers;
        decoder = handlers.decoder(statusCode, headers);
        return decoder !== undefined;
      },
      onData(chunk) {
        const flowing = decoder!.push(chunk);
        if (decoder!.error !== undefined) {
          settle(decoder!.error);
          control.abort(decoder!.error);
        }
        return flowing;
      },
      onEnd(body) {
        if (decoder !== undefined) {
          settle(decoder.end());
          return;
        }
        try {
          handlers.buffered(status, responseHeaders, body ?? Buffer.alloc(0));
          settle(undefined);
        } catch (error) {
          settle(error);
        }
      },
      onError(error) {
        settle(decoder?.error ?? transportError(error, identity));
      },
    });
    sink.onDrain(() => control.resume());
  });
}
