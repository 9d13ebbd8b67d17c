// One run's scenario results, the comparisons that judge them, and the one table builder that prints both.
//
// A comparison is data: a subject target, the reference target it is judged against, and thresholds (which figure,
// in which mode, at which connection count, against which limit). The issue's core targets, the per-upstream
// comparisons and the routing cost are all such descriptions, computed and printed by the same two functions.

import type { LoadResult } from '../load-generator.ts';
import type { TargetName, TargetRoute, Upstream } from './options.ts';

export type Mode = 'non-streaming' | 'streaming';
export const MODES: readonly Mode[] = ['non-streaming', 'streaming'];

/** A target of the run: what kind, what it ends at, and (gateway-routed) how its model is routed. */
/** `keys`: the gateway with virtual keys checked and rate limits on (`--keys`); `ledger`: with metering and the SQLite ledger (`--ledger`). */
export type TargetKey = { target: TargetName; upstream: Upstream; route?: TargetRoute; keys?: true; ledger?: true; responses?: true };

export type RssFigures = { idleBefore: number | null; peak: number | null; after: number | null };

export type ScenarioResult = TargetKey & {
  mode: Mode;
  connections: number;
  ok: boolean;
  error: string | null;
  load: LoadResult | null;
  /** The target's own process (the emulator for direct); `after` is only read for floor and gateway. */
  rss: (RssFigures & { process: string }) | null;
  /** Every server process, in bytes. */
  rssAll: Record<string, RssFigures>;
  /** CPU used by each server process during the measured windows, as a fraction of one core. */
  serverCpu: Record<string, number | null>;
};

/** `gateway`, `floor-azure`, `direct-vertex`, `gateway-routed`: the OpenAI-compatible upstream has no suffix. */
export function labelOf(key: TargetKey): string {
  const suffix = key.upstream === 'openai-compatible' ? '' : key.upstream === 'azure-openai' ? '-azure' : '-vertex';
  return `${key.target}${suffix}${key.route === undefined ? '' : '-routed'}${key.keys === true ? '-keys' : ''}${key.ledger === true ? '-ledger' : ''}${key.responses === true ? '-responses' : ''}`;
}

function isTarget(result: TargetKey, key: TargetKey): boolean {
  return result.target === key.target && result.upstream === key.upstream && result.route === key.route && result.keys === key.keys && result.ledger === key.ledger && result.responses === key.responses;
}

function find(results: readonly ScenarioResult[], key: TargetKey, mode: Mode, connections: number): ScenarioResult | undefined {
  return results.find((result) => result.ok && isTarget(result, key) && result.mode === mode && result.connections === connections);
}

// ---------------------------------------------------------------------------------------------------------------
// Comparisons

type PerScenarioFigure = 'throughput' | 'added p50' | 'added p99' | 'added TTFC p50';
type WholeRunFigure = 'peak RSS' | 'settled RSS';
export type Figure = PerScenarioFigure | WholeRunFigure;

/** `limit: null` reports the figure beside the targets without judging it. */
export type Threshold =
  | { figure: PerScenarioFigure; mode: Mode; /** Every connection count of the run when absent. */ connections?: number; limit: number | null }
  | { figure: WholeRunFigure; limit: number | null };

export type Comparison = { title: string; subject: TargetKey; reference: TargetKey; thresholds: Threshold[] };

export type Check = {
  comparison: string;
  figure: Figure;
  mode: Mode | null;
  connections: number | null;
  /** The two figures compared: req/s, ms or bytes; null where not measured. */
  subjectValue: number | null;
  referenceValue: number | null;
  /** throughput and RSS: subject / reference; added latency: subject − reference, in ms. */
  value: number | null;
  limit: number | null;
  /** throughput must reach the limit; latency and RSS must stay under it. */
  atLeast: boolean;
  /** null when not measured or not judged. */
  pass: boolean | null;
  /** throughput: the lowest and highest per-round ratio (rounds alternate targets, so round i of each is close in time). */
  perRound: [number, number] | null;
};

/** The issue's core targets for one upstream: the gateway against that upstream's floor proxy and direct-to-emulator. */
export function coreComparisons(upstream: Upstream): Comparison[] {
  const gateway: TargetKey = { target: 'gateway', upstream };
  return [
    {
      title: `${labelOf(gateway)} against ${labelOf({ target: 'floor', upstream })} (the least any Node gateway does)`,
      subject: gateway,
      reference: { target: 'floor', upstream },
      thresholds: [
        { figure: 'throughput', mode: 'non-streaming', connections: 1, limit: 0.6 },
        { figure: 'throughput', mode: 'non-streaming', connections: 64, limit: 0.75 },
        { figure: 'throughput', mode: 'streaming', connections: 64, limit: 0.7 },
        // V8 keeps the heap it grew under load, so RSS is judged against an undici proxy run the same way.
        { figure: 'peak RSS', limit: 1.3 },
        { figure: 'settled RSS', limit: 1.3 },
      ],
    },
    {
      title: `${labelOf(gateway)} against ${labelOf({ target: 'direct', upstream })} (what the hop adds)`,
      subject: gateway,
      reference: { target: 'direct', upstream },
      thresholds: [
        { figure: 'added p50', mode: 'non-streaming', connections: 1, limit: 0.15 },
        { figure: 'added p99', mode: 'non-streaming', connections: 1, limit: 1 },
        { figure: 'added TTFC p50', mode: 'streaming', connections: 1, limit: 0.5 },
      ],
    },
  ];
}

/** A gateway target against the single-channel OpenAI-compatible gateway in the same process and rounds. */
function gatewayComparison(title: string, subject: TargetKey, throughput: number, judgeStreaming: boolean): Comparison {
  return {
    title,
    subject,
    reference: { target: 'gateway', upstream: 'openai-compatible' },
    thresholds: [
      { figure: 'throughput', mode: 'non-streaming', limit: throughput },
      { figure: 'throughput', mode: 'streaming', limit: judgeStreaming ? throughput : null },
      { figure: 'added p50', mode: 'non-streaming', connections: 1, limit: null },
      { figure: 'added TTFC p50', mode: 'streaming', connections: 1, limit: null },
    ],
  };
}

/** Every comparison a run judges, from what it measured. */
export function comparisonsFor(upstreams: readonly Upstream[], routing: boolean, keys = false, ledger = false, responses = false): Comparison[] {
  const comparisons = upstreams.filter((upstream) => upstream !== 'vertex').flatMap(coreComparisons);
  const withOpenAI = upstreams.includes('openai-compatible');
  if (withOpenAI && upstreams.includes('azure-openai')) {
    comparisons.push(
      gatewayComparison('gateway via azure-openai against via openai-compatible ("within 10%")', { target: 'gateway', upstream: 'azure-openai' }, 0.9, true),
    );
  }
  if (withOpenAI && upstreams.includes('vertex')) {
    // Vertex streams a few tokens per event (fewer, larger chunks), so its streaming figures are not like for like.
    comparisons.push(
      gatewayComparison('gateway via vertex (OpenAI ⇄ Gemini) against via openai-compatible', { target: 'gateway', upstream: 'vertex' }, 0.6, false),
    );
  }
  if (keys) {
    comparisons.push(
      gatewayComparison(
        'gateway-keys (a virtual key checked, RPM/TPM limits on) against gateway (no keys) ("within 5%")',
        { target: 'gateway', upstream: 'openai-compatible', keys: true },
        0.95,
        true,
      ),
    );
  }
  if (responses) {
    comparisons.push(
      gatewayComparison(
        'gateway-responses (the Responses API, translated to chat) against gateway (chat completions) through the same channel ("within 25%")',
        { target: 'gateway', upstream: 'openai-compatible', responses: true },
        0.75,
        true,
      ),
    );
  }
  if (ledger) {
    comparisons.push(
      gatewayComparison(
        'gateway-ledger (metering on: prices, the SQLite ledger) against gateway (metering.ledger off) ("within 10%")',
        { target: 'gateway', upstream: 'openai-compatible', ledger: true },
        0.9,
        true,
      ),
    );
  }
  if (routing) {
    comparisons.push(
      gatewayComparison(
        'gateway-routed (primary-first over three channels) against gateway (one channel) ("within 5%")',
        { target: 'gateway', upstream: 'openai-compatible', route: 'primary-first' },
        0.95,
        false,
      ),
    );
  }
  return comparisons;
}

function ratio(numerator: number | null, denominator: number | null): number | null {
  return numerator === null || denominator === null || denominator <= 0 ? null : numerator / denominator;
}

function scenarioFigure(result: ScenarioResult | undefined, figure: PerScenarioFigure): number | null {
  const load = result?.load;
  if (load === undefined || load === null) return null;
  if (figure === 'throughput') return load.requestsPerSecond;
  if (figure === 'added TTFC p50') return load.timeToFirstChunk?.p50 ?? null;
  return load.latency?.[figure === 'added p50' ? 'p50' : 'p99'] ?? null;
}

function runFigure(results: readonly ScenarioResult[], key: TargetKey, figure: WholeRunFigure): number | null {
  const own = results.filter((result) => result.ok && isTarget(result, key) && result.rss !== null);
  if (figure === 'settled RSS') return own.at(-1)?.rss?.after ?? null;
  const peaks = own.map((result) => result.rss?.peak).filter((peak) => typeof peak === 'number');
  return peaks.length === 0 ? null : Math.max(...peaks);
}

function roundRange(subject: ScenarioResult | undefined, reference: ScenarioResult | undefined): [number, number] | null {
  const first = subject?.load?.segments ?? [];
  const second = reference?.load?.segments ?? [];
  const ratios: number[] = [];
  for (let index = 0; index < Math.min(first.length, second.length); index++) {
    const value = ratio(first[index].requestsPerSecond, second[index].requestsPerSecond);
    if (value !== null) ratios.push(value);
  }
  return ratios.length < 2 ? null : [Math.min(...ratios), Math.max(...ratios)];
}

/** The comparison's checks over a run's results; a figure neither target was measured for is left out. */
export function compare(results: readonly ScenarioResult[], comparison: Comparison, connectionsList: readonly number[]): Check[] {
  const checks: Check[] = [];
  const ran = (key: TargetKey, mode?: Mode, connections?: number) =>
    results.some((result) => isTarget(result, key) && (mode === undefined || result.mode === mode) && (connections === undefined || result.connections === connections));
  const push = (threshold: Threshold, mode: Mode | null, connections: number | null, subjectValue: number | null, referenceValue: number | null, perRound: Check['perRound']) => {
    const atLeast = threshold.figure === 'throughput';
    const value = threshold.figure.startsWith('added')
      ? subjectValue === null || referenceValue === null ? null : subjectValue - referenceValue
      : ratio(subjectValue, referenceValue);
    const limit = threshold.limit;
    const pass = value === null || limit === null ? null : atLeast ? value >= limit : value <= limit;
    checks.push({ comparison: comparison.title, figure: threshold.figure, mode, connections, subjectValue, referenceValue, value, limit, atLeast, pass, perRound });
  };
  for (const threshold of comparison.thresholds) {
    if (!('mode' in threshold)) {
      if (!ran(comparison.subject) && !ran(comparison.reference)) continue;
      push(threshold, null, null, runFigure(results, comparison.subject, threshold.figure), runFigure(results, comparison.reference, threshold.figure), null);
      continue;
    }
    const counts = threshold.connections === undefined ? connectionsList : connectionsList.filter((count) => count === threshold.connections);
    for (const connections of counts) {
      if (!ran(comparison.subject, threshold.mode, connections) && !ran(comparison.reference, threshold.mode, connections)) continue;
      const subject = find(results, comparison.subject, threshold.mode, connections);
      const reference = find(results, comparison.reference, threshold.mode, connections);
      const perRound = threshold.figure === 'throughput' ? roundRange(subject, reference) : null;
      push(threshold, threshold.mode, connections, scenarioFigure(subject, threshold.figure), scenarioFigure(reference, threshold.figure), perRound);
    }
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------------------------
// The table builder and what it prints

export type Column<T> = { header: string; cell: (row: T) => string; left?: boolean };

/** A plain-text table: a header, a rule, one line per row; columns right-aligned unless `left`. */
export function table<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((line) => line[index].length)));
  const line = (values: string[]) =>
    values.map((value, index) => (columns[index].left === true ? value.padEnd(widths[index]) : value.padStart(widths[index]))).join('  ').trimEnd();
  return [line(columns.map((column) => column.header)), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}

const MIB = 1024 * 1024;

function fixed(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

function signed(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
}

function percent(fraction: number | null | undefined, digits = 0): string {
  return fraction === null || fraction === undefined || !Number.isFinite(fraction) ? '—' : `${(fraction * 100).toFixed(digits)}%`;
}

function mib(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? '—' : (bytes / MIB).toFixed(1);
}

function problems(result: ScenarioResult): string {
  if (!result.ok) {
    const text = `FAILED: ${(result.error ?? 'unknown').split('\n')[0]}`;
    return text.length > 70 ? `${text.slice(0, 69)}… (see Problems)` : text;
  }
  const load = result.load;
  if (load === null) return '';
  const parts: string[] = [];
  if (load.errors > 0) parts.push(`${load.errors} errors`);
  if (load.non2xx > 0) parts.push(`${load.non2xx} non-2xx`);
  if (load.incompleteStreams > 0) parts.push(`${load.incompleteStreams} incomplete`);
  if (load.capped) parts.push('capped');
  if (parts.length > 0 && load.firstError !== null) parts.push(`first: ${load.firstError}`);
  return parts.length === 0 ? '0' : parts.join(', ');
}

/** The results of one mode, one row per (connections, target), with each target's floor and direct beside it. */
function resultsTable(results: readonly ScenarioResult[], connectionsList: readonly number[], mode: Mode): string {
  const rows = connectionsList.flatMap((connections) => results.filter((result) => result.mode === mode && result.connections === connections));
  const rate = (result: ScenarioResult | undefined) => result?.load?.requestsPerSecond ?? null;
  const added = (result: ScenarioResult, key: 'latency' | 'timeToFirstChunk', quantile: 'p50' | 'p99') => {
    const own = result.load?.[key]?.[quantile];
    const direct = find(results, { target: 'direct', upstream: result.upstream }, mode, result.connections)?.load?.[key]?.[quantile];
    return result.target === 'direct' ? '' : signed(own === undefined || direct === undefined ? null : own - direct);
  };
  const quantiles = (key: 'latency' | 'timeToFirstChunk', name: string): Column<ScenarioResult>[] => [
    ...(['p50', 'p90', 'p99'] as const).map((quantile) => ({ header: `${name}${quantile}`, cell: (result: ScenarioResult) => fixed(result.load?.[key]?.[quantile]) })),
    { header: `+${name}p50`, cell: (result) => added(result, key, 'p50') },
  ];
  const columns: Column<ScenarioResult>[] = [
    { header: 'conns', cell: (result) => String(result.connections) },
    { header: 'target', cell: (result) => labelOf(result), left: true },
    { header: mode === 'streaming' ? 'streams/s' : 'req/s', cell: (result) => fixed(rate(result), 0) },
    {
      header: 'rounds',
      cell: (result) => {
        const rates = (result.load?.segments ?? []).map((segment) => segment.requestsPerSecond);
        return rates.length < 2 ? '—' : `${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}`;
      },
    },
    { header: 'of floor', cell: (result) => percent(ratio(rate(result), rate(find(results, { target: 'floor', upstream: result.upstream }, mode, result.connections)))) },
    ...(mode === 'streaming'
      ? [...quantiles('timeToFirstChunk', 'TTFC '), ...quantiles('latency', 'full '), { header: 'events', cell: (result: ScenarioResult) => fixed(result.load?.meanEventsPerStream, 1) }]
      : [...quantiles('latency', ''), { header: '+p99', cell: (result: ScenarioResult) => added(result, 'latency', 'p99') }]),
    { header: 'RSS MiB idle/peak/after', cell: (result) => (result.rss === null ? '—' : `${mib(result.rss.idleBefore)}/${mib(result.rss.peak)}/${mib(result.rss.after)}`) },
    {
      header: 'core1',
      cell: (result) => {
        const known = Object.values(result.serverCpu).filter((value) => value !== null);
        return known.length === 0 ? '—' : percent(known.reduce((sum, value) => sum + value, 0));
      },
    },
    {
      header: 'own µs/req',
      cell: (result) => {
        const perRequest = ratio(result.rss === null ? null : (result.serverCpu[result.rss.process] ?? null), rate(result));
        return fixed(perRequest === null ? null : perRequest * 1e6, 1);
      },
    },
    { header: 'gen', cell: (result) => percent(result.load?.generatorCpu) },
    { header: 'errors', cell: problems, left: true },
  ];
  return table(columns, rows);
}

export function formatResults(results: readonly ScenarioResult[], connectionsList: readonly number[]): string {
  const out: string[] = [];
  if (results.some((result) => result.mode === 'non-streaming')) {
    out.push('Non-streaming: whole response (ms)', resultsTable(results, connectionsList, 'non-streaming'), '');
  }
  if (results.some((result) => result.mode === 'streaming')) {
    out.push('Streaming: TTFC = time to the first chunk with content; full = to the end of the stream (ms)', resultsTable(results, connectionsList, 'streaming'), '');
  }
  out.push(
    '+x = over direct-to-emulator of the same upstream, same connections. rounds = lowest–highest rate of the alternating\n' +
      'rounds. RSS = the target\'s own process (the emulator for direct). core1 = CPU of all server processes in the window\n' +
      '(100% = the server core is full); own µs/req = the target\'s own process CPU per response; gen = load generator CPU\n' +
      '(near 100% = the generator sets the pace). -azure / -vertex targets end at that emulator; no floor speaks Gemini.',
  );
  return out.join('\n');
}

function figureCell(check: Check, value: number | null): string {
  if (check.figure === 'throughput') return fixed(value, 0);
  if (check.figure === 'peak RSS' || check.figure === 'settled RSS') return `${mib(value)} MiB`;
  return fixed(value);
}

/** One comparison's checks as a table: the two figures, the value, the target and the verdict. */
export function formatComparison(comparison: Comparison, checks: readonly Check[]): string {
  const own = checks.filter((check) => check.comparison === comparison.title);
  if (own.length === 0) return '';
  const columns: Column<Check>[] = [
    { header: 'verdict', cell: (check) => (check.limit === null ? 'info' : check.pass === null ? 'n/a' : check.pass ? 'PASS' : 'MISS'), left: true },
    { header: 'figure', cell: (check) => check.figure, left: true },
    { header: 'mode', cell: (check) => check.mode ?? 'all', left: true },
    { header: 'conns', cell: (check) => (check.connections === null ? 'all' : String(check.connections)) },
    { header: labelOf(comparison.subject), cell: (check) => figureCell(check, check.subjectValue) },
    { header: labelOf(comparison.reference), cell: (check) => figureCell(check, check.referenceValue) },
    { header: 'value', cell: (check) => (check.figure.startsWith('added') ? `${signed(check.value)} ms` : percent(check.value, 1)) },
    {
      header: 'target',
      cell: (check) =>
        check.limit === null ? '—' : `${check.atLeast ? '≥' : '≤'} ${check.figure.startsWith('added') ? `${check.limit} ms` : percent(check.limit)}`,
    },
    { header: 'per round', cell: (check) => (check.perRound === null ? '' : `${percent(check.perRound[0])}–${percent(check.perRound[1])}`) },
  ];
  return `${comparison.title}:\n${table(columns, own)}`;
}
