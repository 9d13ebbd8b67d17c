// Percentiles over recorded latencies (milliseconds). Nearest-rank on a sorted copy: exact, no histogram
// bucketing, so sub-millisecond differences survive.

export type LatencySummary = {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
};

export function summarize(samples: Float64Array, count: number): LatencySummary | null {
  if (count === 0) return null;
  const sorted = samples.slice(0, count).sort();
  let sum = 0;
  for (let index = 0; index < count; index++) sum += sorted[index];
  return {
    count,
    min: sorted[0],
    mean: sum / count,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted[count - 1],
  };
}

/** Nearest-rank percentile of an ascending array; `quantile` in (0, 1]. */
export function percentile(sorted: Float64Array, quantile: number): number {
  const rank = Math.max(1, Math.ceil(quantile * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}
