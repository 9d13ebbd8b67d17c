/**
 * Requests are handled in slices of the event loop's time, so a burst of thousands cannot hold the loop while
 * `/healthz`, streams in flight and timers wait.
 *
 * Why: each epoll wake-up hands Node up to 1,024 readable sockets, and every request on them would be read, planned
 * and answered (often refused: load is shed) before the loop turns again. At a few hundred µs a request, a burst is a
 * stall of half a second. Here the first request of a turn opens a slice of `sliceMs`; a request arriving after the
 * slice is used up (or while others wait) joins a FIFO, drained a batch per later turn. Node has parsed its head; its
 * body stays buffered in the socket until it is served. Health probes are never held back: they are how a load
 * balancer tells a busy gateway from a dead one. Costs one clock read per request when there is no burst.
 *
 * Measured with `npm run bench:shed` (5,000 streams at once, one core): `/healthz` p99 from 240–490 ms to 61–71 ms.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** When a request that waited arrived (`performance.now()`), so its log line and metrics count the wait. */
const arrival = Symbol('arrived at');
type Paced = IncomingMessage & { [arrival]?: number };

export function arrivedAt(request: IncomingMessage): number | undefined {
  return (request as Paced)[arrival];
}

const SLICE_MS = 10;
const INITIAL_BATCH = 8;
const MAX_BATCH = 256;

export function paceRequests(serve: RequestListener, sliceMs = SLICE_MS, now: () => number = performance.now.bind(performance)): RequestListener {
  const waiting: (IncomingMessage | ServerResponse | undefined)[] = [];
  let head = 0;
  let sliceStartedAt = -1;
  let draining = false;

  const endSlice = (): void => {
    sliceStartedAt = -1;
  };
  // A served request's work mostly runs after `serve` returns (its body, its plan, its answer: promise continuations,
  // which Node runs right after this callback), so a slice of the queue is a count, sized by how long the previous
  // turn took: halved when over the slice, grown while well under it.
  let batch = INITIAL_BATCH;
  let lastDrainAt = -1;
  const drain = (): void => {
    const at = now();
    if (lastDrainAt >= 0) {
      const took = at - lastDrainAt;
      if (took > sliceMs * 2) batch = Math.max(1, batch >> 1);
      else if (took < sliceMs) batch = Math.min(MAX_BATCH, batch + 1 + (batch >> 2));
    }
    for (let served = 0; served < batch && head < waiting.length; ) {
      const request = waiting[head] as IncomingMessage;
      const response = waiting[head + 1] as ServerResponse;
      waiting[head] = waiting[head + 1] = undefined;
      head += 2;
      // A client that left while waiting has nobody to answer.
      if (request.socket.destroyed) continue;
      serve(request, response);
      served++;
    }
    if (head < waiting.length) {
      lastDrainAt = at;
      setImmediate(drain);
      return;
    }
    waiting.length = 0;
    head = 0;
    lastDrainAt = -1;
    draining = false;
  };

  return (request: IncomingMessage, response: ServerResponse): void => {
    const url = request.url;
    if (url === '/healthz' || url === '/readyz') return serve(request, response);
    const at = now();
    if (head === waiting.length) {
      if (sliceStartedAt < 0) {
        sliceStartedAt = at;
        setImmediate(endSlice);
      }
      if (at - sliceStartedAt < sliceMs) return serve(request, response);
    }
    (request as Paced)[arrival] = at;
    waiting.push(request, response);
    if (!draining) {
      draining = true;
      setImmediate(drain);
    }
  };
}
