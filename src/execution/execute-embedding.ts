/**
 * Runs an embeddings request over its planned channels, with the same fallback rules as chat.
 */
import type { ModelConfig } from '../config/types.ts';
import type { RoutePlan } from '../routing/index.ts';
import type { EmbeddingRequest, EmbeddingResult } from '../spec/index.ts';
import { executeBuffered, type BufferedOutcome } from './execute-chat.ts';
import type { ExecutionRuntime, RequestScope } from './execution-runtime.ts';

export type EmbeddingOutcome = BufferedOutcome<EmbeddingResult>;

export function executeEmbedding(runtime: ExecutionRuntime, model: ModelConfig, request: EmbeddingRequest, scope: RequestScope, plan: RoutePlan): Promise<EmbeddingOutcome> {
  return executeBuffered(runtime, model, plan, scope, (adapter, context) => adapter.embed(request, context));
}
