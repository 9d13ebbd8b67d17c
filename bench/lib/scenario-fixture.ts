// Made-up scenario results for the report's tests: a load at a given rate and p50 (p99 = 4 × p50, TTFC half of
// those), one second per round at the given per-round rates, no errors.

import type { LoadResult } from '../load-generator.ts';
import type { Mode, RssFigures, ScenarioResult, TargetKey } from './report.ts';

export function latency(p50: number, p99: number) {
  return { count: 100, min: p50 / 2, mean: p50, p50, p90: (p50 + p99) / 2, p99, max: p99 * 2 };
}

export function fixtureScenario(
  key: TargetKey,
  mode: Mode,
  connections: number,
  requestsPerSecond: number,
  p50: number,
  extra: { perRound?: number[]; rss?: RssFigures & { process: string }; serverCpu?: Record<string, number | null> } = {},
): ScenarioResult {
  const perRound = extra.perRound ?? [requestsPerSecond, requestsPerSecond];
  const streaming = mode === 'streaming';
  const load = {
    connections,
    streaming,
    segments: perRound.map((rate) => ({
      seconds: 1,
      completed: rate,
      requestsPerSecond: rate,
      generatorCpu: 0.3,
      latency: latency(p50, p50 * 4),
      timeToFirstChunk: streaming ? latency(p50 / 2, p50 * 2) : null,
    })),
    windowSeconds: perRound.length,
    requestsPerSecond,
    completedInWindow: requestsPerSecond * perRound.length,
    recorded: requestsPerSecond * perRound.length,
    capped: false,
    errors: 0,
    non2xx: 0,
    incompleteStreams: 0,
    firstError: null,
    latency: latency(p50, p50 * 4),
    timeToFirstChunk: streaming ? latency(p50 / 2, p50 * 2) : null,
    meanResponseBytes: 500,
    meanEventsPerStream: streaming ? 33 : 0,
    generatorCpu: 0.3,
  } satisfies LoadResult;
  return { ...key, mode, connections, ok: true, error: null, load, rss: extra.rss ?? null, rssAll: {}, serverCpu: extra.serverCpu ?? {} };
}
