/**
 * Orders a model's channels for one request. Pure: it reads configuration data and the request, never a provider.
 *
 * This build has one policy, `ordered`: the channels in configuration order, each tried after a retryable failure of
 * the one before. The routing engine (policies, capability matching, primary-first with unable/declines reasons, the
 * route trace) replaces the body of `planRoute` behind this same signature.
 */
import type { ChannelConfig, ModelConfig } from '../config/types.ts';
import type { ChatRequest, EmbeddingRequest } from '../spec/index.ts';

export function planRoute(model: ModelConfig, _request: ChatRequest | EmbeddingRequest): readonly ChannelConfig[] {
  switch (model.route) {
    case 'ordered':
      return model.channels;
  }
}
