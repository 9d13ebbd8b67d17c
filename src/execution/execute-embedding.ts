/**
 * Runs an embeddings request against its ordered channels, with the same fallback rules as chat.
 */
import type { ModelConfig } from '../config/types.ts';
import { planRoute } from '../routing/plan-route.ts';
import type { EmbeddingRequest, EmbeddingResult } from '../spec/index.ts';
import { executeBuffered, type BufferedOutcome } from './execute-chat.ts';
import type { ExecutionRuntime, RequestScope } from './execution-runtime.ts';

export type EmbeddingOutcome = BufferedOutcome<EmbeddingResult>;

export function executeEmbedding(
  runtime: ExecutionRuntime,
  model: ModelConfig,
  request: EmbeddingRequest,
  scope: RequestScope,
): Promise<EmbeddingOutcome> {
  return executeBuffered(runtime, model, planRoute(model, request, runtime.cooldowns, performance.now()), scope, (adapter, context) =>
    adapter.embed(request, context),
  );
}
