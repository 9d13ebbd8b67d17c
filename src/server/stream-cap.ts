/**
 * `limits.max_streams`: streaming chat requests at once over every key and tenant (per key and per tenant is the
 * rate-limit stage's). One more is refused at once with 503 `server_overloaded` and `retry-after` rather than queued.
 * An admission stage, composed only when the limit is set; the count outlives a reload, since streams in flight hold it.
 */
import { GatewayError } from '../errors/index.ts';
import type { AdmissionStage } from '../pipeline/stages.ts';
import type { ChatRequest } from '../spec/index.ts';

/** The streams open now, over every pipeline a reload composed. */
export class OpenStreams {
  count = 0;
  /** A finisher shared by every stream (no closure per request). */
  readonly release = (): void => {
    this.count--;
  };
}

/** What a refused client is told to wait: streams end all the time, so soon. */
const retryAfterMs = 1_000;

export function streamCapStage(open: OpenStreams, max: number): AdmissionStage {
  return {
    name: 'stream-cap',
    needs: {},
    admit(exchange) {
      if (exchange.endpoint === 'embeddings' || !(exchange.request as ChatRequest).stream) return;
      if (open.count >= max) {
        throw new GatewayError('server_overloaded', `The gateway has ${max} ${max === 1 ? 'stream' : 'streams'} open, its limit (limits.max_streams); retry shortly.`, {
          retryAfterMs,
        });
      }
      open.count++;
      (exchange.finishers ??= []).push(open.release);
    },
  };
}
