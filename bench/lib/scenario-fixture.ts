// Scenario results made up for the report's tests: a load at a given rate and p50 (p99 = 4 × p50), one second per
// round (each round with the same latencies as the whole), no errors.

import type { LoadResult } from '../load-generator.ts';
import type { TargetName, TargetRoute, Upstream } from './options.ts';
import type { Mode, ScenarioResult } from './report.ts';

export function latency(p50: number, p99: number) {
  return { count: 100, min: p50 / 2, mean: p50, p50, p90: (p50 + p99) / 2, p99, max: p99 * 2 };
}

export function fixtureScenario(
  target: TargetName,
  upstream: Upstream,
  mode: Mode,
  connections: number,
  requestsPerSecond: number,
  p50: number,
  serverCpu: Record<string, number | null> = {},
  route?: TargetRoute,
  perRound: number[] = [requestsPerSecond, requestsPerSecond],
): ScenarioResult {
  const load = {
    connections,
    streaming: mode === 'streaming',
    segments: perRound.map((rate) => ({
      seconds: 1,
      completed: rate,
      requestsPerSecond: rate,
      generatorCpu: 0.3,
      latency: latency(p50, p50 * 4),
      timeToFirstChunk: mode === 'streaming' ? latency(p50 / 2, p50 * 2) : null,
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
    timeToFirstChunk: mode === 'streaming' ? latency(p50 / 2, p50 * 2) : null,
    meanResponseBytes: 500,
    meanEventsPerStream: mode === 'streaming' ? 33 : 0,
    generatorCpu: 0.3,
  } satisfies LoadResult;
  return { target, upstream, ...(route === undefined ? {} : { route }), mode, connections, ok: true, error: null, load, rss: null, rssAll: {}, serverCpu };
}
