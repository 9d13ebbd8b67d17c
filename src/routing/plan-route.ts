/**
 * Orders a model's channels for one request. Pure: it reads configuration data, the request and channel state, never
 * a provider.
 *
 * This build has one policy, `ordered`: the channels in configuration order, each tried after a retryable failure of
 * the one before, except that channels cooling down after a `retry-after` go last (soonest available first). The
 * routing engine (policies, capability matching, primary-first with unable/declines reasons, the route trace)
 * replaces the body of `planRoute` behind this same signature.
 */
import type { ChannelConfig, ModelConfig } from '../config/types.ts';
import type { ChatRequest, EmbeddingRequest } from '../spec/index.ts';
import type { ChannelCooldowns } from './channel-cooldowns.ts';

export function planRoute(
  model: ModelConfig,
  _request: ChatRequest | EmbeddingRequest,
  cooldowns: ChannelCooldowns,
  now: number,
): readonly ChannelConfig[] {
  const channels = model.channels;
  if (cooldowns.size === 0) return channels;
  const ready: ChannelConfig[] = [];
  const cooling: Array<{ channel: ChannelConfig; remaining: number }> = [];
  for (const channel of channels) {
    const remaining = cooldowns.remainingMs(channel, now);
    if (remaining === 0) ready.push(channel);
    else cooling.push({ channel, remaining });
  }
  if (cooling.length === 0) return channels;
  cooling.sort((a, b) => a.remaining - b.remaining);
  for (const { channel } of cooling) ready.push(channel);
  return ready;
}
