/**
 * What clouds with their own embeddings format share: they embed text only, take a few inputs per call (Titan one,
 * Cohere 96, Vertex one or 250), and report a too-long input in their chat wording. The calls of one request run
 * concurrently, at most `concurrency` at once, and their results keep the inputs' order; the first failure cancels
 * the calls still running and becomes the request's failure, and calls not yet started are not started.
 */
import { GatewayError } from '../../errors/index.ts';
import { Cancellation } from '../../lib/cancellation.ts';
import type { EmbeddingRequest } from '../../spec/index.ts';
import type { CallContext } from '../adapter.ts';

/** Calls one request may have in flight to an upstream: enough to overlap round trips, few enough to leave connections for others. */
export const embeddingConcurrency = 8;

/** The request's inputs as text; token-id inputs are refused (these upstreams tokenise for themselves). */
export function embeddingTexts(request: EmbeddingRequest, kind: string): readonly string[] {
  const input = request.input;
  if (typeof input[0] !== 'string') {
    throw new GatewayError('unsupported_parameter', `Invalid 'input': ${kind} channels embed text; token-id inputs are not supported.`, { param: 'input' });
  }
  return input as readonly string[];
}

/** An upstream's too-long error names the embeddings parameter, not chat's `messages`. */
export function embeddingError(error: GatewayError): GatewayError {
  if (error.code !== 'context_length_exceeded' || error.param === 'input') return error;
  return new GatewayError('context_length_exceeded', error.message, { param: 'input', upstream: error.upstream, cause: error.cause });
}

/** Runs `call(index, context)` for each of `count` batches; resolves with their results in index order. */
export async function runBatches<T>(count: number, concurrency: number, context: CallContext, call: (index: number, context: CallContext) => Promise<T>): Promise<T[]> {
  // One call, the common case, runs under the request's own context: nothing to cancel beside it.
  if (count === 1) return [await call(0, context)];
  const cancellation = new Cancellation();
  const stopListening = context.cancellation.listen((reason) => cancellation.cancel(reason));
  const shared: CallContext = { ...context, cancellation };
  const results = new Array<T>(count);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < count && failure === undefined) {
      const index = next++;
      try {
        results[index] = await call(index, shared);
      } catch (error) {
        if (failure === undefined) {
          failure = { error };
          cancellation.cancel(error instanceof Error ? error : new Error(String(error)));
        }
        return;
      }
    }
  };
  const workers = new Array<Promise<void>>(Math.min(concurrency, count));
  for (let index = 0; index < workers.length; index++) workers[index] = worker();
  try {
    await Promise.all(workers);
  } finally {
    stopListening();
  }
  if (failure !== undefined) throw failure.error;
  return results;
}
