// The core targets' figures through another upstream compared with the same figures through the OpenAI-compatible
// one, in the same run: issue 3's "the core benchmark, with the Azure emulator upstream, stays within 10% of the plain
// OpenAI-compatible figures". Each core figure is a ratio or a difference against that upstream's own floor proxy or
// direct target, so the emulators' own difference (Azure sends 1.6–1.8× the bytes) is in both sides of it.

import type { InterleavedResult } from '../interleaved-load.ts';
import { computeChecks, targetLabel } from './report.ts';
import type { Check, ComparedUpstream, ScenarioResult } from './report.ts';

/** "Within 10%": a figure where more is better may be 10% lower, one where less is better 10% higher. */
export const CORE_FIGURE_TOLERANCE = 0.1;

/**
 * Pairs each core check of the OpenAI-compatible upstream with the check of the same figure through `upstream` (the
 * same name with the target labels changed) and judges the second against the first.
 */
export function compareCoreFigures(openai: Check[], compared: Check[], upstream: ComparedUpstream): Check[] {
  const figureName = (check: Check) => check.name.slice(0, check.name.indexOf(':'));
  const byFigure = new Map(compared.map((check) => [figureName(check), check]));
  const checks: Check[] = [];
  for (const reference of openai) {
    const figure = figureName(reference);
    const other = byFigure.get(figure);
    if (other === undefined) continue;
    const higherIsBetter = reference.unit.endsWith('≥');
    const measured = reference.value !== null && other.value !== null;
    // The compared figure as a share of the reference one; for "less is better" figures, the reference as a share
    // of the compared one, so that ≥ 90% reads "within 10%" either way.
    const share = !measured ? null : higherIsBetter ? ratio(other.value!, reference.value!) : ratio(reference.value!, other.value!);
    const slack = !measured ? 0 : Math.abs(reference.value!) * CORE_FIGURE_TOLERANCE;
    const limitValue = !measured ? null : higherIsBetter ? reference.value! - slack : reference.value! + slack;
    const pass = !measured ? null : higherIsBetter ? other.value! >= limitValue! : other.value! <= limitValue!;
    checks.push({
      name: figure,
      detail:
        `${upstream} ${describe(other)} vs openai-compatible ${describe(reference)}` +
        (measured ? `; ${higherIsBetter ? 'at least' : 'at most'} ${describe({ ...reference, value: limitValue })}` : ''),
      value: share,
      limit: 1 - CORE_FIGURE_TOLERANCE,
      unit: 'ratio≥',
      pass,
    });
  }
  return checks;
}

/**
 * The results as round `index` alone saw them: each target's rate and latencies from its `index`-th segment (RSS and
 * CPU stay the whole run's). Rounds alternate the targets, so round i of every target ran within seconds of the others.
 */
export function roundView(results: ScenarioResult[], index: number): ScenarioResult[] {
  return results.map((result) => {
    const segment = result.load?.segments[index];
    if (result.load === null || segment === undefined) return { ...result, ok: false };
    return {
      ...result,
      load: { ...result.load, requestsPerSecond: segment.requestsPerSecond, latency: segment.latency, timeToFirstChunk: segment.timeToFirstChunk },
    };
  });
}

/**
 * The comparison the target is judged on: each core figure compared within each round (the Azure figure of round i
 * against the OpenAI-compatible figure of round i), then the median of those per-round shares. The pooled comparison
 * stays in the detail.
 *
 * Why: the pooled figures move with the machine. Over a whole run, one upstream's targets may catch a slow stretch the
 * other's missed. A per-round pair sees nearly the same stretch of machine on both sides, and the median drops a round
 * that one target spent in a hiccup. In A/A runs (`--control`) the median of throughput shares stayed within 6% of
 * 100%; per-round latency percentiles, a few seconds of one target each, swing far more (p99 shares of 33–714%), so
 * `judgeCoreFigures` reads latency from the interleaved load instead.
 */
export function compareCoreFiguresByRound(results: ScenarioResult[], connectionsList: number[], upstream: ComparedUpstream): Check[] {
  const pooled = compareCoreFigures(computeChecks(results, connectionsList), computeChecks(results, connectionsList, upstream), upstream);
  let rounds = Infinity;
  for (const result of results) if (result.ok && result.load !== null) rounds = Math.min(rounds, result.load.segments.length);
  if (!Number.isFinite(rounds)) return pooled;
  const perRound: Check[][] = [];
  for (let index = 0; index < rounds; index++) {
    const view = roundView(results, index);
    perRound.push(compareCoreFigures(computeChecks(view, connectionsList), computeChecks(view, connectionsList, upstream), upstream));
  }
  return pooled.map((check) => {
    const shares = perRound
      .map((checks) => checks.find((candidate) => candidate.name === check.name)?.value)
      .filter((value): value is number => value !== null && value !== undefined);
    if (shares.length === 0) return check;
    const middle = median(shares);
    const spread = shares.length > 1 ? `${percent(Math.min(...shares))}–${percent(Math.max(...shares))}` : percent(shares[0]);
    return {
      ...check,
      detail: `${check.detail}; pooled ${check.value === null ? 'n/a' : percent(check.value)}; per round ${spread} (${shares.length} rounds)`,
      value: middle,
      pass: middle >= 1 - CORE_FIGURE_TOLERANCE,
      basis: 'median over rounds' as const,
    };
  });
}

/**
 * The interleaved loads (bench/interleaved-load.ts: direct, gateway and their `upstream` twins, one request to each in
 * turn) as scenario results at one connection, so `computeChecks` reads their latency figures the usual way.
 */
export function interleavedView(interleaved: readonly InterleavedResult[], upstream: ComparedUpstream): ScenarioResult[] {
  const view: ScenarioResult[] = [];
  for (const result of interleaved) {
    for (const name of ['direct', 'gateway'] as const) {
      for (const side of ['openai-compatible', upstream] as const) {
        const measured = result.targets.find((target) => target.label === targetLabel(name, side));
        if (measured === undefined || measured.latency === null) continue;
        view.push({
          target: name,
          upstream: side,
          mode: result.streaming ? 'streaming' : 'non-streaming',
          connections: 1,
          ok: true,
          error: null,
          load: {
            connections: 1,
            streaming: result.streaming,
            segments: [],
            windowSeconds: result.windowSeconds,
            requestsPerSecond: measured.recorded / result.windowSeconds,
            completedInWindow: measured.recorded,
            recorded: measured.recorded,
            capped: false,
            errors: measured.failures,
            non2xx: 0,
            incompleteStreams: 0,
            firstError: measured.firstError,
            latency: measured.latency,
            timeToFirstChunk: measured.timeToFirstChunk,
            meanResponseBytes: 0,
            meanEventsPerStream: 0,
            generatorCpu: 0,
          },
          rss: null,
          rssAll: {},
          serverCpu: {},
        });
      }
    }
  }
  return view;
}

/**
 * `compareCoreFiguresByRound`, with the latency figures (added p50 and p99, streaming added time to first chunk, all at
 * one connection) judged on the interleaved loads when there are any: there the two upstreams' targets sampled the
 * same moments of the machine request by request, where rounds give each target its own stretch of seconds. The
 * rounds' reading of those figures stays in the detail.
 */
export function judgeCoreFigures(
  results: ScenarioResult[],
  connectionsList: number[],
  upstream: ComparedUpstream,
  interleaved: readonly InterleavedResult[],
): Check[] {
  const byRound = compareCoreFiguresByRound(results, connectionsList, upstream);
  if (interleaved.length === 0 || !connectionsList.includes(1)) return byRound;
  const view = interleavedView(interleaved, upstream);
  const fromInterleaved = compareCoreFigures(computeChecks(view, [1]), computeChecks(view, [1], upstream), upstream);
  return byRound.map((check) => {
    if (!check.name.includes('latency') && !check.name.includes('time to first chunk')) return check;
    const other = fromInterleaved.find((candidate) => candidate.name === check.name);
    if (other === undefined || other.value === null) return check;
    const pooledAt = check.detail.indexOf('; pooled ');
    const rounds = check.basis === 'median over rounds' && pooledAt !== -1 ? `; rounds: ${check.detail.slice(pooledAt + 2)}, median ${percent(check.value!)}` : '';
    return { ...other, detail: `interleaved: ${other.detail}${rounds}`, basis: 'interleaved' as const };
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const half = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

function ratio(numerator: number, denominator: number): number | null {
  if (denominator === 0) return numerator === 0 ? 1 : null;
  return numerator / denominator;
}

function describe(check: Pick<Check, 'value' | 'unit'>): string {
  if (check.value === null) return 'not measured';
  if (check.unit.startsWith('ratio')) return `${(check.value * 100).toFixed(1)}%`;
  return `${check.value >= 0 ? '+' : ''}${check.value.toFixed(3)} ms`;
}

export function formatCoreComparison(checks: Check[], title: string): string {
  const lines = [title];
  for (const check of checks) {
    const verdict = check.pass === null ? 'n/a ' : check.pass ? 'PASS' : 'MISS';
    const share = check.value === null ? '' : ` (${(check.value * 100).toFixed(1)}% of the reference${check.basis === undefined ? '' : `, ${check.basis}`}; target ≥ ${((1 - CORE_FIGURE_TOLERANCE) * 100).toFixed(0)}%)`;
    lines.push(`  ${verdict}  ${check.name}: ${check.detail}${share}`);
  }
  lines.push(
    '  (each figure as the core targets measure it, against that upstream\'s own floor proxy or direct target; for',
    '  latency and RSS, less is better, so the reference is divided by the figure. Throughput and RSS: judged on the',
    '  median over rounds of the share within each round; "pooled" is the whole run\'s figures compared once. Latency',
    '  at one connection: judged on the interleaved load, one request to each of the four targets in turn)',
  );
  return lines.join('\n');
}
