// The side-by-side tables and the target checks, computed from one run's scenario results.

import type { LoadResult } from '../load-generator.ts';
import type { TargetName, TargetRoute, Upstream } from './options.ts';
import { MODEL, ROUTED_MODEL, ROUTED_PRIMARY, ROUTED_PRIMARY_RPM, ROUTED_PROVIDERS, VERTEX_MODEL } from './request-body.ts';
import type { LatencySummary } from './statistics.ts';
import type { RoutedMetrics } from './targets.ts';

export type Mode = 'non-streaming' | 'streaming';

export type RssFigures = {
  /** The process the target's figures are about: emulator for direct, floor, gateway. */
  process: string;
  idleBefore: number | null;
  peak: number | null;
  /** Read `settleSeconds` after the load ended (null when not waited for, e.g. direct). */
  after: number | null;
};

export type ScenarioResult = {
  target: TargetName;
  /** What the target ends at: the OpenAI emulator (openai-compatible channel) or the Azure OpenAI emulator. */
  upstream: Upstream;
  /** `--routing`: set on gateway-routed (route primary-first over three channels); absent on every other target. */
  route?: TargetRoute;
  mode: Mode;
  connections: number;
  ok: boolean;
  error: string | null;
  load: LoadResult | null;
  rss: RssFigures | null;
  /** Every server process: RSS idle / peak / after, in bytes. */
  rssAll: Record<string, { idleBefore: number | null; peak: number | null; after: number | null }>;
  /** CPU used by each server process during the measured window, as a fraction of one core. */
  serverCpu: Record<string, number | null>;
  /** Instructions each server process retired per second of the measured windows (perf stat; absent when not counted). */
  serverInstructions?: Record<string, number | null>;
};

export type Check = {
  name: string;
  detail: string;
  value: number | null;
  limit: number;
  unit: string;
  /** null when it could not be measured in this run. */
  pass: boolean | null;
  /** What the verdict was read from, when not the run's pooled figures (the Azure/OpenAI-compatible comparison). */
  basis?: 'median over rounds' | 'interleaved';
};

export const LIMITS = {
  throughputRatio: 0.6,
  addedP50Ms: 0.15,
  addedP99Ms: 1,
  addedTimeToFirstChunkMs: 0.5,
  peakRssRatio: 1.3,
  /** "Back near idle": gateway RSS after load ≤ this × the floor proxy's RSS after load. */
  afterLoadRssRatio: 1.3,
  /** --upstream both: gateway via azure-openai throughput ≥ this × gateway via openai-compatible ("within 10%"). */
  azureThroughputRatio: 0.9,
  /** --upstream vertex: gateway via vertex non-streaming throughput ≥ this × gateway via openai-compatible. */
  vertexThroughputRatio: 0.6,
  /** --routing: gateway-routed (primary-first over three channels) non-streaming throughput ≥ this × gateway ("within 5%"). */
  routingThroughputRatio: 0.95,
} as const;

const MIB = 1024 * 1024;

/**
 * How a target is printed: `gateway` through the OpenAI-compatible upstream (today's names), `gateway-azure`,
 * `gateway-vertex`; with a route (`--routing`) `gateway-routed`.
 */
export function targetLabel(target: TargetName, upstream: Upstream, route?: TargetRoute): string {
  const base = upstream === 'openai-compatible' ? target : upstream === 'azure-openai' ? `${target}-azure` : `${target}-vertex`;
  return route === undefined ? base : `${base}-routed`;
}

/** A result's printed name (see targetLabel). */
export function resultLabel(result: Pick<ScenarioResult, 'target' | 'upstream' | 'route'>): string {
  return targetLabel(result.target, result.upstream, result.route);
}

function find(
  results: ScenarioResult[],
  target: TargetName,
  mode: Mode,
  connections: number,
  upstream: Upstream = 'openai-compatible',
  routed = false,
): ScenarioResult | undefined {
  return results.find(
    (r) =>
      r.target === target &&
      r.upstream === upstream &&
      (r.route !== undefined) === routed &&
      r.mode === mode &&
      r.connections === connections &&
      r.ok,
  );
}

function fixed(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

function signed(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return (value >= 0 ? '+' : '') + value.toFixed(digits);
}

function mib(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? '—' : (bytes / MIB).toFixed(1);
}

function percent(fraction: number | null | undefined): string {
  return fraction === null || fraction === undefined || !Number.isFinite(fraction) ? '—' : `${(fraction * 100).toFixed(0)}%`;
}

function difference(a: LatencySummary | null | undefined, b: LatencySummary | null | undefined, key: 'p50' | 'p99'): number | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  return a[key] - b[key];
}

function table(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (rightAligned[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** Lowest and highest per-round rate: how much the machine moved during the scenario. */
function spreadCell(result: ScenarioResult): string {
  const segments = result.load?.segments ?? [];
  if (segments.length < 2) return '—';
  let low = Infinity;
  let high = 0;
  for (const segment of segments) {
    low = Math.min(low, segment.requestsPerSecond);
    high = Math.max(high, segment.requestsPerSecond);
  }
  return `${low.toFixed(0)}–${high.toFixed(0)}`;
}

/** Per-round ratios a/b (rounds alternate targets, so round i of each is close in time). */
function roundRatios(a: ScenarioResult | undefined, b: ScenarioResult | undefined): number[] {
  const first = a?.load?.segments ?? [];
  const second = b?.load?.segments ?? [];
  const ratios: number[] = [];
  for (let index = 0; index < Math.min(first.length, second.length); index++) {
    if (second[index].requestsPerSecond > 0) ratios.push(first[index].requestsPerSecond / second[index].requestsPerSecond);
  }
  return ratios;
}

function rssCell(result: ScenarioResult): string {
  if (result.rss === null) return '—';
  return `${mib(result.rss.idleBefore)}/${mib(result.rss.peak)}/${mib(result.rss.after)}`;
}

function coreCell(result: ScenarioResult): string {
  let total = 0;
  let any = false;
  for (const value of Object.values(result.serverCpu)) {
    if (value === null) continue;
    total += value;
    any = true;
  }
  return any ? percent(total) : '—';
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

/**
 * One table for a mode: per connection count and result, the cells every mode shares (connections, target, rate,
 * rounds, share of floor; RSS, core, generator, errors) around the mode's own latency cells.
 */
function modeTable(
  results: ScenarioResult[],
  connectionsList: number[],
  mode: Mode,
  columns: { rate: string; latency: string[]; aligned: boolean[] },
  latencyCells: (result: ScenarioResult, direct: ScenarioResult | undefined) => string[],
): string {
  const rows: string[][] = [];
  for (const connections of connectionsList) {
    for (const result of results) {
      if (result.mode !== mode || result.connections !== connections) continue;
      const direct = find(results, 'direct', mode, connections, result.upstream);
      const floor = find(results, 'floor', mode, connections, result.upstream);
      const load = result.load;
      rows.push([
        String(connections),
        resultLabel(result),
        fixed(load?.requestsPerSecond, 0),
        spreadCell(result),
        floor?.load && load ? percent(load.requestsPerSecond / floor.load.requestsPerSecond) : '—',
        ...latencyCells(result, direct),
        rssCell(result),
        coreCell(result),
        percent(load?.generatorCpu),
        problems(result),
      ]);
    }
  }
  return table(
    ['conns', 'target', columns.rate, 'rounds', 'of floor', ...columns.latency, 'RSS MiB idle/peak/after', 'core1', 'gen', 'errors'],
    rows,
    [true, false, true, true, true, ...columns.aligned, true, true, true, false],
  );
}

export function formatTables(results: ScenarioResult[], connectionsList: number[]): string {
  const out: string[] = [];
  if (results.some((r) => r.mode === 'non-streaming')) {
    const latency = ['p50 ms', 'p90 ms', 'p99 ms', '+p50 ms', '+p99 ms'];
    out.push('Non-streaming: whole response');
    out.push(
      modeTable(results, connectionsList, 'non-streaming', { rate: 'req/s', latency, aligned: latency.map(() => true) }, (result, direct) => {
        const load = result.load;
        const isDirect = result.target === 'direct';
        return [
          fixed(load?.latency?.p50),
          fixed(load?.latency?.p90),
          fixed(load?.latency?.p99),
          isDirect ? '' : signed(difference(load?.latency, direct?.load?.latency, 'p50')),
          isDirect ? '' : signed(difference(load?.latency, direct?.load?.latency, 'p99')),
        ];
      }),
    );
  }
  if (results.some((r) => r.mode === 'streaming')) {
    const latency = ['TTFC p50', 'TTFC p90', 'TTFC p99', '+TTFC p50', 'full p50', 'full p90', 'full p99', '+full p50', 'events'];
    out.push('');
    out.push('Streaming: TTFC = time to first chunk with content; full = time to end of stream');
    out.push(
      modeTable(results, connectionsList, 'streaming', { rate: 'streams/s', latency, aligned: latency.map(() => true) }, (result, direct) => {
        const load = result.load;
        const isDirect = result.target === 'direct';
        return [
          fixed(load?.timeToFirstChunk?.p50),
          fixed(load?.timeToFirstChunk?.p90),
          fixed(load?.timeToFirstChunk?.p99),
          isDirect ? '' : signed(difference(load?.timeToFirstChunk, direct?.load?.timeToFirstChunk, 'p50')),
          fixed(load?.latency?.p50),
          fixed(load?.latency?.p90),
          fixed(load?.latency?.p99),
          isDirect ? '' : signed(difference(load?.latency, direct?.load?.latency, 'p50')),
          fixed(load?.meanEventsPerStream, 1),
        ];
      }),
    );
  }
  out.push('');
  out.push(
    'Latencies in ms (3 decimals). +x = over direct-to-emulator at the same connections. rounds = lowest–highest\n' +
      'rate among the alternating rounds (how much the machine moved). RSS is the target\'s own process (emulator for\n' +
      'direct). core1 = CPU of all server processes in the window (100% = the server core is full). gen = load\n' +
      'generator CPU on core 0 (near 100% = the generator, not the target, sets the pace).',
  );
  if (results.some((r) => r.upstream === 'azure-openai')) {
    out.push(
      '-azure targets end at the Azure OpenAI emulator (the gateway through its azure-openai channel, api: deployments);\n' +
        'their +x and "of floor" are over direct-azure / floor-azure, and their RSS for direct-azure is the Azure emulator.',
    );
  }
  if (results.some((r) => r.upstream === 'vertex')) {
    out.push(
      '-vertex targets end at the Vertex emulator (the gateway through its vertex channel, api: gemini; direct-vertex sends\n' +
        'the Gemini request that channel sends); their +x are over direct-vertex, their RSS for direct-vertex is the Vertex\n' +
        'emulator; no floor proxy speaks Gemini, so they have no "of floor".',
    );
  }
  if (results.some((r) => r.route !== undefined)) {
    out.push(
      `gateway-routed is the same gateway process sent model ${ROUTED_MODEL} (route primary-first over three channels on\n` +
        `providers ${ROUTED_PROVIDERS.join(', ')}, all at the OpenAI emulator); its +x and "of floor" are over direct / floor.`,
    );
  }
  return out.join('\n');
}

export function computeChecks(
  results: ScenarioResult[],
  connectionsList: number[],
  upstream: Upstream = 'openai-compatible',
): Check[] {
  const checks: Check[] = [];
  const gatewayName = targetLabel('gateway', upstream);
  const floorName = targetLabel('floor', upstream);
  const directName = targetLabel('direct', upstream);
  const floorProxyName = upstream === 'openai-compatible' ? 'floor proxy' : floorName;
  for (const connections of connectionsList) {
    const gateway = find(results, 'gateway', 'non-streaming', connections, upstream);
    const floor = find(results, 'floor', 'non-streaming', connections, upstream);
    if (gateway === undefined && floor === undefined) continue;
    const ratio = gateway?.load && floor?.load ? gateway.load.requestsPerSecond / floor.load.requestsPerSecond : null;
    const perRound = roundRatios(gateway, floor);
    const roundText =
      perRound.length > 1
        ? `; per round ${(Math.min(...perRound) * 100).toFixed(0)}–${(Math.max(...perRound) * 100).toFixed(0)}%`
        : '';
    checks.push({
      name: `non-streaming throughput @${connections} conn: ${gatewayName} / ${floorProxyName}`,
      detail: `${fixed(gateway?.load?.requestsPerSecond, 0)} / ${fixed(floor?.load?.requestsPerSecond, 0)} req/s${roundText}`,
      value: ratio,
      limit: LIMITS.throughputRatio,
      unit: 'ratio≥',
      pass: ratio === null ? null : ratio >= LIMITS.throughputRatio,
    });
  }
  if (connectionsList.includes(1)) {
    const gateway = find(results, 'gateway', 'non-streaming', 1, upstream);
    const direct = find(results, 'direct', 'non-streaming', 1, upstream);
    for (const [key, limit] of [['p50', LIMITS.addedP50Ms], ['p99', LIMITS.addedP99Ms]] as const) {
      const added = difference(gateway?.load?.latency, direct?.load?.latency, key);
      checks.push({
        name: `added latency @1 conn, ${key}: ${gatewayName} − ${directName}`,
        detail: `${fixed(gateway?.load?.latency?.[key])} − ${fixed(direct?.load?.latency?.[key])} ms`,
        value: added,
        limit,
        unit: 'ms≤',
        pass: added === null ? null : added <= limit,
      });
    }
    const gatewayStream = find(results, 'gateway', 'streaming', 1, upstream);
    const directStream = find(results, 'direct', 'streaming', 1, upstream);
    const addedFirstChunk = difference(gatewayStream?.load?.timeToFirstChunk, directStream?.load?.timeToFirstChunk, 'p50');
    if (gatewayStream !== undefined || directStream !== undefined) {
      checks.push({
        name: `streaming added time to first chunk @1 conn, p50: ${gatewayName} − ${directName}`,
        detail: `${fixed(gatewayStream?.load?.timeToFirstChunk?.p50)} − ${fixed(directStream?.load?.timeToFirstChunk?.p50)} ms`,
        value: addedFirstChunk,
        limit: LIMITS.addedTimeToFirstChunkMs,
        unit: 'ms≤',
        pass: addedFirstChunk === null ? null : addedFirstChunk <= LIMITS.addedTimeToFirstChunkMs,
      });
    }
  }
  const peakOf = (target: TargetName) => {
    let peak: number | null = null;
    for (const result of results) {
      if (result.target !== target || result.upstream !== upstream || result.route !== undefined || !result.ok || result.rss?.peak == null) continue;
      peak = Math.max(peak ?? 0, result.rss.peak);
    }
    return peak;
  };
  const gatewayPeak = peakOf('gateway');
  const floorPeak = peakOf('floor');
  if (gatewayPeak !== null || floorPeak !== null) {
    const ratio = gatewayPeak !== null && floorPeak !== null ? gatewayPeak / floorPeak : null;
    checks.push({
      name: `peak RSS under load (all scenarios): ${gatewayName} / ${floorProxyName}`,
      detail: `${mib(gatewayPeak)} / ${mib(floorPeak)} MiB`,
      value: ratio,
      limit: LIMITS.peakRssRatio,
      unit: 'ratio≤',
      pass: ratio === null ? null : ratio <= LIMITS.peakRssRatio,
    });
  }
  // "Back near idle": V8 keeps the heap it grew under load (an idle Node process does not give it back for many
  // seconds, if ever), so the absolute after/idle ratio mostly measures V8. The floor proxy, run the same way,
  // shows what a healthy undici proxy keeps; the gateway is judged against that.
  const lastAfter = (target: TargetName) => {
    const runs = results.filter((r) => r.target === target && r.upstream === upstream && r.route === undefined && r.ok && r.rss?.after != null);
    return runs.length === 0 ? null : (runs[runs.length - 1].rss?.after ?? null);
  };
  const gatewayAfter = lastAfter('gateway');
  const floorAfter = lastAfter('floor');
  if (gatewayAfter !== null || floorAfter !== null) {
    const ratio = gatewayAfter !== null && floorAfter !== null ? gatewayAfter / floorAfter : null;
    checks.push({
      name: `RSS after load (settled, last scenario): ${gatewayName} / ${floorProxyName}`,
      detail: `${mib(gatewayAfter)} / ${mib(floorAfter)} MiB`,
      value: ratio,
      limit: LIMITS.afterLoadRssRatio,
      unit: 'ratio≤',
      pass: ratio === null ? null : ratio <= LIMITS.afterLoadRssRatio,
    });
  }
  return checks;
}

export function formatChecks(checks: Check[], title = 'Targets (ratios within this run):'): string {
  const lines = [title];
  for (const check of checks) {
    const verdict = check.pass === null ? 'n/a ' : check.pass ? 'PASS' : 'MISS';
    const isRatio = check.unit.startsWith('ratio');
    const comparison = check.unit.endsWith('≥') ? '≥' : '≤';
    const value = check.value === null ? 'not measured' : isRatio ? `${(check.value * 100).toFixed(1)}%` : `${signed(check.value)} ms`;
    const limit = isRatio ? `${(check.limit * 100).toFixed(0)}%` : `${check.limit.toFixed(3)} ms`;
    lines.push(`  ${verdict}  ${check.name} = ${value}  (target ${comparison} ${limit}; ${check.detail})`);
  }
  return lines.join('\n');
}

/** Reference lines that are not targets but explain them: what the bare hop costs. */
export function formatReference(
  results: ScenarioResult[],
  connectionsList: number[],
  upstream: Upstream = 'openai-compatible',
): string {
  const lines: string[] = [];
  const suffix = upstream === 'openai-compatible' ? '' : ` (${upstream} upstream)`;
  if (connectionsList.includes(1)) {
    const direct = find(results, 'direct', 'non-streaming', 1, upstream);
    const floor = find(results, 'floor', 'non-streaming', 1, upstream);
    const gateway = find(results, 'gateway', 'non-streaming', 1, upstream);
    if (direct && floor) {
      lines.push(
        `  floor proxy hop alone${suffix} @1 conn: ${signed(difference(floor.load?.latency, direct.load?.latency, 'p50'))} ms p50, ` +
          `${signed(difference(floor.load?.latency, direct.load?.latency, 'p99'))} ms p99 over direct`,
      );
    }
    if (floor && gateway) {
      lines.push(
        `  gateway over floor proxy${suffix} @1 conn: ${signed(difference(gateway.load?.latency, floor.load?.latency, 'p50'))} ms p50, ` +
          `${signed(difference(gateway.load?.latency, floor.load?.latency, 'p99'))} ms p99`,
      );
    }
    const directStream = find(results, 'direct', 'streaming', 1, upstream);
    const gatewayStream = find(results, 'gateway', 'streaming', 1, upstream);
    if (directStream && gatewayStream) {
      lines.push(
        `  streaming${suffix} @1 conn, gateway − direct: TTFC p99 ${signed(difference(gatewayStream.load?.timeToFirstChunk, directStream.load?.timeToFirstChunk, 'p99'))} ms, ` +
          `full stream p50 ${signed(difference(gatewayStream.load?.latency, directStream.load?.latency, 'p50'))} ms`,
      );
    }
  }
  for (const target of ['floor', 'gateway'] as const) {
    const runs = results.filter((r) => r.target === target && r.upstream === upstream && r.route === undefined && r.ok && r.rss !== null);
    if (runs.length === 0) continue;
    const idle = runs[0].rss?.idleBefore ?? null;
    const afters = runs.map((r) => mib(r.rss?.after)).join(' → ');
    lines.push(`  ${targetLabel(target, upstream)} RSS: idle before first load ${mib(idle)} MiB; settled after each scenario ${afters} MiB`);
  }
  return lines.length === 0 ? '' : ['Reference (not targets):', ...lines].join('\n');
}

// --upstream both / vertex / all: the same gateway process through its azure-openai channel (Azure OpenAI emulator)
// or its vertex channel (Vertex emulator, Gemini API) against through its openai-compatible channel (OpenAI
// emulator), measured in the same alternating rounds.

/** An upstream compared with the OpenAI-compatible one. */
export type ComparedUpstream = Exclude<Upstream, 'openai-compatible'>;

type ComparisonSpec = {
  upstream: ComparedUpstream;
  /** In column names and ratios: `azure req/s`, `azure/openai`. */
  short: string;
  /** In `events o/a`, `bytes o/a`. */
  letter: string;
  /** `slower via Azure`. */
  via: string;
  /** The server process behind the channel (its CPU per request) and how it is printed. */
  emulatorProcess: string;
  emulatorName: string;
  /** Throughput of the gateway via this upstream ≥ limit × via openai-compatible, judged in these modes. */
  limit: number;
  judgedModes: Mode[];
  /** Latency info lines say whether a slowdown is within this fraction (null: they only say which way and how much). */
  latencyTolerance: number | null;
  intro: string[];
  targetTitle: string;
  /** What the emulators send differently, for the footnote. */
  bytesNote: string;
};

const COMPARISONS: Record<ComparedUpstream, ComparisonSpec> = {
  'azure-openai': {
    upstream: 'azure-openai',
    short: 'azure',
    letter: 'a',
    via: 'Azure',
    emulatorProcess: 'azure-emulator',
    emulatorName: 'Azure emulator',
    limit: LIMITS.azureThroughputRatio,
    judgedModes: ['non-streaming', 'streaming'],
    latencyTolerance: 1 - LIMITS.azureThroughputRatio,
    intro: [
      'Azure OpenAI upstream vs OpenAI-compatible upstream: one gateway process, two channels (model gpt-4o-mini →',
      'openai-compatible → OpenAI emulator; model gpt-4o-mini-azure → azure-openai → Azure emulator), same alternating rounds',
    ],
    targetTitle:
      'Target "with the Azure emulator upstream, within 10% of the OpenAI-compatible figures" (gateway via azure ≥ 90% of via openai-compatible):',
    bytesNote: '',
  },
  vertex: {
    upstream: 'vertex',
    short: 'vertex',
    letter: 'v',
    via: 'Vertex',
    emulatorProcess: 'vertex-emulator',
    emulatorName: 'Vertex emulator',
    limit: LIMITS.vertexThroughputRatio,
    judgedModes: ['non-streaming'],
    latencyTolerance: null,
    intro: [
      'Vertex upstream vs OpenAI-compatible upstream: one gateway process, two channels (model gpt-4o-mini →',
      `openai-compatible → OpenAI emulator; model ${VERTEX_MODEL} → vertex, api: gemini (OpenAI ⇄ Gemini translation) →`,
      'Vertex emulator), same alternating rounds',
    ],
    targetTitle:
      'Target "with the Vertex emulator upstream, non-streaming throughput ≥ 60% of the gateway\'s own OpenAI-compatible\n' +
      'pass-through figure" (gateway via vertex ≥ 60% of via openai-compatible; streaming reported beside, not judged):',
    bytesNote:
      ' The Vertex emulator\n' +
      'answers in Gemini\'s format (candidates/parts/usageMetadata; a stream ends with a finishReason, no [DONE]), which the\n' +
      'gateway translates: on gateway rows both sides are OpenAI chat completions. Same reply text both ways, but Gemini\n' +
      'streams a few tokens per event (as Vertex does), so via vertex the gateway sends fewer, larger chunks: streaming\n' +
      'figures are not like for like, which is why only non-streaming is judged.',
  },
};

function percentFine(fraction: number | null | undefined): string {
  return fraction === null || fraction === undefined || !Number.isFinite(fraction) ? '—' : `${(fraction * 100).toFixed(1)}%`;
}

function rate(result: ScenarioResult | undefined): number | null {
  return result?.load?.requestsPerSecond ?? null;
}

function ratioOf(a: number | null, b: number | null): number | null {
  return a === null || b === null || b <= 0 ? null : a / b;
}

function roundRange(ratios: number[]): string {
  if (ratios.length < 2) return '—';
  return `${(Math.min(...ratios) * 100).toFixed(0)}–${(Math.max(...ratios) * 100).toFixed(0)}%`;
}

type LatencyKey = 'latency' | 'timeToFirstChunk';

function latencyOf(result: ScenarioResult | undefined, key: LatencyKey, quantile: 'p50' | 'p99'): number | null {
  return result?.load?.[key]?.[quantile] ?? null;
}

function subtract(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a - b;
}

/**
 * "0.014 ms (3.5%) slower, within 10%" — which way the compared upstream differs from openai-compatible and by how
 * much (and, with a tolerance, whether a slowdown stays within it).
 */
function describeLatency(compared: number | null, openai: number | null, tolerance: number | null): string {
  if (compared === null || openai === null) return 'not measured';
  const change = compared - openai;
  const relative = openai > 0 ? change / openai : null;
  const amount = `${Math.abs(change).toFixed(3)} ms${relative === null ? '' : ` (${Math.abs(relative * 100).toFixed(1)}%)`}`;
  if (change === 0) return 'the same';
  if (change < 0) return `${amount} faster`;
  if (tolerance === null) return `${amount} slower`;
  const within = relative !== null && relative <= tolerance;
  return `${amount} slower, ${within ? 'within' : 'more than'} ${(tolerance * 100).toFixed(0)}%`;
}

const MODES: Mode[] = ['non-streaming', 'streaming'];

/** CPU microseconds one server process spent per completed response during a scenario's measured windows. */
function cpuPerRequest(result: ScenarioResult | undefined, processName: string): number | null {
  const cpu = result?.serverCpu[processName];
  const perSecond = rate(result);
  if (cpu === null || cpu === undefined || perSecond === null || perSecond <= 0) return null;
  return (cpu / perSecond) * 1e6;
}

/** Instructions (thousands) one server process retired per completed response during a scenario's measured windows. */
function instructionsPerRequest(result: ScenarioResult | undefined, processName: string): number | null {
  const perSecondOfWindow = result?.serverInstructions?.[processName];
  const perSecond = rate(result);
  if (perSecondOfWindow === null || perSecondOfWindow === undefined || perSecond === null || perSecond <= 0) return null;
  return perSecondOfWindow / perSecond / 1000;
}

/**
 * Rows of a per-request cost (CPU µs, or thousands of instructions) for the gateway and the emulator behind it, via
 * openai-compatible and via `upstream`, per mode and connection count; none when nothing was measured.
 */
function perRequestRows(
  results: ScenarioResult[],
  connectionsList: number[],
  upstream: ComparedUpstream,
  emulatorProcess: string,
  perRequest: (result: ScenarioResult | undefined, processName: string) => number | null,
  digits: number,
): string[][] {
  const rows: string[][] = [];
  let measured = false;
  for (const mode of MODES) {
    for (const connections of connectionsList) {
      const openai = find(results, 'gateway', mode, connections, 'openai-compatible');
      const compared = find(results, 'gateway', mode, connections, upstream);
      if (openai === undefined && compared === undefined) continue;
      const gatewayOpenAI = perRequest(openai, 'gateway');
      const gatewayCompared = perRequest(compared, 'gateway');
      const emulatorOpenAI = perRequest(openai, 'emulator');
      const emulatorCompared = perRequest(compared, emulatorProcess);
      measured ||= [gatewayOpenAI, gatewayCompared, emulatorOpenAI, emulatorCompared].some((value) => value !== null);
      rows.push([
        String(connections),
        mode,
        fixed(gatewayOpenAI, digits),
        fixed(gatewayCompared, digits),
        percentFine(ratioOf(gatewayCompared, gatewayOpenAI)),
        fixed(emulatorOpenAI, digits),
        fixed(emulatorCompared, digits),
        percentFine(ratioOf(emulatorCompared, emulatorOpenAI)),
        fixed(sum(gatewayOpenAI, emulatorOpenAI), digits),
        fixed(sum(gatewayCompared, emulatorCompared), digits),
      ]);
    }
  }
  return measured ? rows : [];
}

function sum(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a + b;
}

/** Throughput of the gateway via `upstream` as a share of via openai-compatible, per mode and connection count. */
function throughputComparison(
  results: ScenarioResult[],
  mode: Mode,
  connections: number,
  spec: ComparisonSpec,
): Check | null {
  const compared = find(results, 'gateway', mode, connections, spec.upstream);
  const openai = find(results, 'gateway', mode, connections, 'openai-compatible');
  const ran = results.some(
    (r) =>
      r.target === 'gateway' &&
      r.route === undefined &&
      (r.upstream === spec.upstream || r.upstream === 'openai-compatible') &&
      r.mode === mode &&
      r.connections === connections,
  );
  if (!ran) return null;
  const ratio = ratioOf(rate(compared), rate(openai));
  const perRound = roundRatios(compared, openai);
  const unit = mode === 'streaming' ? 'streams/s' : 'req/s';
  return {
    name: `${mode} throughput @${connections} conn: gateway via ${spec.upstream} / via openai-compatible`,
    detail:
      `${fixed(rate(compared), 0)} / ${fixed(rate(openai), 0)} ${unit}` +
      (perRound.length > 1 ? `; per round ${roundRange(perRound)}` : ''),
    value: ratio,
    limit: spec.limit,
    unit: 'ratio≥',
    pass: ratio === null ? null : ratio >= spec.limit,
  };
}

/**
 * The judged throughput lines of a comparison: via azure-openai ≥ 90% of via openai-compatible in both modes; via
 * vertex ≥ 60%, non-streaming only (its streaming figures are reported beside, see formatUpstreamComparison).
 */
export function computeUpstreamChecks(
  results: ScenarioResult[],
  connectionsList: number[],
  upstream: ComparedUpstream = 'azure-openai',
): Check[] {
  const spec = COMPARISONS[upstream];
  const checks: Check[] = [];
  for (const mode of spec.judgedModes) {
    for (const connections of connectionsList) {
      const check = throughputComparison(results, mode, connections, spec);
      if (check !== null) checks.push(check);
    }
  }
  return checks;
}

/** The side-by-side tables, the target lines and the reference lines of a comparison (`--upstream both|vertex|all`). */
export function formatUpstreamComparison(
  results: ScenarioResult[],
  connectionsList: number[],
  checks: Check[],
  upstream: ComparedUpstream = 'azure-openai',
): string {
  const spec = COMPARISONS[upstream];
  const { short, letter } = spec;
  const out: string[] = [];
  out.push(...spec.intro);
  const rowsFor = (mode: Mode, connections: number): string[][] => {
    const key: LatencyKey = mode === 'streaming' ? 'timeToFirstChunk' : 'latency';
    const at = (target: TargetName, which: Upstream) => find(results, target, mode, connections, which);
    const gatewayOpenAI = at('gateway', 'openai-compatible');
    const gatewayCompared = at('gateway', upstream);
    const directOpenAI = at('direct', 'openai-compatible');
    const directCompared = at('direct', upstream);
    const latencyCells = (compared: ScenarioResult | undefined, openai: ScenarioResult | undefined, which: LatencyKey, quantile: 'p50' | 'p99') => [
      fixed(latencyOf(openai, which, quantile)),
      fixed(latencyOf(compared, which, quantile)),
      signed(subtract(latencyOf(compared, which, quantile), latencyOf(openai, which, quantile))),
    ];
    const addedCells = (which: LatencyKey, quantile: 'p50' | 'p99') => {
      const openai = subtract(latencyOf(gatewayOpenAI, which, quantile), latencyOf(directOpenAI, which, quantile));
      const compared = subtract(latencyOf(gatewayCompared, which, quantile), latencyOf(directCompared, which, quantile));
      return [signed(openai), signed(compared), signed(subtract(compared, openai))];
    };
    const events = (openai: ScenarioResult | undefined, compared: ScenarioResult | undefined) =>
      `${fixed(openai?.load?.meanEventsPerStream, 1)}/${fixed(compared?.load?.meanEventsPerStream, 1)}`;
    const bytes = (openai: ScenarioResult | undefined, compared: ScenarioResult | undefined) =>
      `${fixed(openai?.load?.meanResponseBytes, 0)}/${fixed(compared?.load?.meanResponseBytes, 0)}`;
    const rows: string[][] = [];
    for (const [name, openai, compared] of [
      ['gateway', gatewayOpenAI, gatewayCompared],
      ['direct', directOpenAI, directCompared],
    ] as const) {
      if (openai === undefined && compared === undefined) continue;
      const row = [
        String(connections),
        name,
        fixed(rate(openai), 0),
        fixed(rate(compared), 0),
        percentFine(ratioOf(rate(compared), rate(openai))),
        roundRange(roundRatios(compared, openai)),
        ...latencyCells(compared, openai, key, 'p50'),
        ...latencyCells(compared, openai, key, 'p99'),
      ];
      if (mode === 'streaming') row.push(...latencyCells(compared, openai, 'latency', 'p50'), events(openai, compared));
      row.push(bytes(openai, compared));
      rows.push(row);
    }
    if (gatewayOpenAI && gatewayCompared && directOpenAI && directCompared) {
      const keptOpenAI = ratioOf(rate(gatewayOpenAI), rate(directOpenAI));
      const keptCompared = ratioOf(rate(gatewayCompared), rate(directCompared));
      const row = [
        String(connections),
        'gateway over direct',
        percentFine(keptOpenAI),
        percentFine(keptCompared),
        percentFine(ratioOf(keptCompared, keptOpenAI)),
        '',
        ...addedCells(key, 'p50'),
        ...addedCells(key, 'p99'),
      ];
      if (mode === 'streaming') row.push(...addedCells('latency', 'p50'), '');
      row.push('');
      rows.push(row);
    }
    return rows;
  };
  for (const mode of MODES) {
    const rows: string[][] = [];
    for (const connections of connectionsList) rows.push(...rowsFor(mode, connections));
    if (rows.length === 0) continue;
    out.push('');
    if (mode === 'non-streaming') {
      out.push(`Non-streaming, openai = via openai-compatible, ${short} = via ${upstream} (latency: whole response, ms)`);
      out.push(
        table(
          [
            'conns', 'what', 'openai req/s', `${short} req/s`, `${short}/openai`, 'per round', 'openai p50', `${short} p50`, 'Δp50',
            'openai p99', `${short} p99`, 'Δp99', `bytes o/${letter}`,
          ],
          rows,
          [true, false, true, true, true, true, true, true, true, true, true, true, true],
        ),
      );
    } else {
      out.push('Streaming (TTFC = time to first content chunk; full = end of stream; ms)');
      out.push(
        table(
          [
            'conns', 'what', 'openai str/s', `${short} str/s`, `${short}/openai`, 'per round', 'openai TTFC p50', `${short} TTFC p50`,
            'ΔTTFC p50', 'openai TTFC p99', `${short} TTFC p99`, 'ΔTTFC p99', 'openai full p50', `${short} full p50`, 'Δfull p50',
            `events o/${letter}`, `bytes o/${letter}`,
          ],
          rows,
          [true, false, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true],
        ),
      );
    }
  }
  const cpuRows = perRequestRows(results, connectionsList, upstream, spec.emulatorProcess, cpuPerRequest, 1);
  if (cpuRows.length > 0) {
    out.push('');
    out.push('CPU per request on core 1 during the gateway scenarios (µs; /proc, 10 ms ticks over the windows)');
    out.push(
      table(
        [
          'conns', 'mode', 'gateway openai', `gateway ${short}`, `${short}/openai`, 'OpenAI emulator', spec.emulatorName, `${short}/openai`,
          'sum openai', `sum ${short}`,
        ],
        cpuRows,
        [true, false, true, true, true, true, true, true, true, true],
      ),
    );
  }
  const instructionRows = perRequestRows(results, connectionsList, upstream, spec.emulatorProcess, instructionsPerRequest, 0);
  if (instructionRows.length > 0) {
    out.push('');
    out.push('Instructions per request on core 1 during the gateway scenarios (thousands; perf stat, hardware counters)');
    out.push(
      table(
        [
          'conns', 'mode', 'gateway openai', `gateway ${short}`, `${short}/openai`, 'OpenAI emulator', spec.emulatorName, `${short}/openai`,
          'sum openai', `sum ${short}`,
        ],
        instructionRows,
        [true, false, true, true, true, true, true, true, true, true],
      ),
    );
  }
  out.push(
    '',
    `Δ = ${short} − openai (positive: slower via ${spec.via}). per round = lowest–highest ${short}/openai ratio over the alternating\n` +
      'rounds. "gateway over direct" row: the gateway\'s req/s as a share of direct-to-its-emulator, and the latency it\n' +
      `adds over direct, for each upstream; its ${short}/openai cell compares the gateway's cost on the two upstreams with\n` +
      `the emulators' own difference taken out. events o/${letter}, bytes o/${letter} = mean SSE events per stream and mean response\n` +
      `body bytes, openai/${short} (what the gateway returns on gateway rows, what the emulator sends on direct rows).${spec.bytesNote} CPU per request:\n` +
      'when core 1 is full (64 connections), gateway + emulator CPU per request sets the rate, so this table splits a\n' +
      'throughput gap between the gateway and the emulator behind it (direct at 64 connections is generator-bound).' +
      (instructionRows.length > 0
        ? '\nInstructions per request: the same split in instructions retired (perf stat on each process, 100 ms intervals\n' +
          'over the windows). Unlike CPU time they do not move with the machine\'s speed, so their ratios hold from run to run.'
        : ''),
  );

  out.push('', formatChecks(checks, spec.targetTitle));
  const infoLines: string[] = [];
  // Modes not judged (vertex: streaming) still get their throughput ratio, as information beside the targets.
  for (const mode of MODES) {
    if (spec.judgedModes.includes(mode)) continue;
    for (const connections of connectionsList) {
      const check = throughputComparison(results, mode, connections, spec);
      if (check === null) continue;
      infoLines.push(
        `  info  ${check.name} = ${check.value === null ? 'not measured' : `${(check.value * 100).toFixed(1)}%`}  (reported, not judged; ${check.detail})`,
      );
    }
  }
  for (const mode of MODES) {
    for (const connections of connectionsList) {
      const compared = find(results, 'gateway', mode, connections, upstream);
      const openai = find(results, 'gateway', mode, connections, 'openai-compatible');
      if (compared === undefined && openai === undefined) continue;
      const key: LatencyKey = mode === 'streaming' ? 'timeToFirstChunk' : 'latency';
      const what = mode === 'streaming' ? 'TTFC' : 'latency';
      const parts = (['p50', 'p99'] as const).map(
        (quantile) =>
          `${quantile} ${fixed(latencyOf(compared, key, quantile))} vs ${fixed(latencyOf(openai, key, quantile))} ms: ` +
          describeLatency(latencyOf(compared, key, quantile), latencyOf(openai, key, quantile), spec.latencyTolerance),
      );
      infoLines.push(`  info  ${mode} ${what} @${connections} conn, gateway via ${upstream} vs via openai-compatible: ${parts.join('; ')}`);
    }
  }
  out.push(...infoLines);

  const reference: string[] = [];
  for (const mode of MODES) {
    for (const connections of connectionsList) {
      const at = (target: TargetName, which: Upstream) => find(results, target, mode, connections, which);
      const directOpenAI = at('direct', 'openai-compatible');
      const directCompared = at('direct', upstream);
      const gatewayOpenAI = at('gateway', 'openai-compatible');
      const gatewayCompared = at('gateway', upstream);
      const unit = mode === 'streaming' ? 'streams/s' : 'req/s';
      const parts: string[] = [];
      if (directOpenAI && directCompared) {
        parts.push(
          `direct: ${spec.emulatorName} / OpenAI emulator = ${percentFine(ratioOf(rate(directCompared), rate(directOpenAI)))} ` +
            `(${fixed(rate(directCompared), 0)} / ${fixed(rate(directOpenAI), 0)} ${unit})`,
        );
      }
      if (directOpenAI && directCompared && gatewayOpenAI && gatewayCompared) {
        const keptOpenAI = ratioOf(rate(gatewayOpenAI), rate(directOpenAI));
        const keptCompared = ratioOf(rate(gatewayCompared), rate(directCompared));
        const key: LatencyKey = mode === 'streaming' ? 'timeToFirstChunk' : 'latency';
        const addedOpenAI = subtract(latencyOf(gatewayOpenAI, key, 'p50'), latencyOf(directOpenAI, key, 'p50'));
        const addedCompared = subtract(latencyOf(gatewayCompared, key, 'p50'), latencyOf(directCompared, key, 'p50'));
        parts.push(
          `gateway/direct ${percentFine(keptCompared)} via ${upstream} vs ${percentFine(keptOpenAI)} via openai-compatible ` +
            `(overhead ratio ${percentFine(ratioOf(keptCompared, keptOpenAI))})`,
          `gateway adds ${signed(addedCompared)} vs ${signed(addedOpenAI)} ms ${mode === 'streaming' ? 'TTFC ' : ''}p50 over direct`,
        );
      }
      if (parts.length > 0) reference.push(`  ${mode} @${connections} conn: ${parts.join('; ')}`);
    }
  }
  if (reference.length > 0) {
    out.push('', 'Reference (not targets): how much of the gap is the emulators, how much the gateway', ...reference);
  }
  return out.join('\n');
}

// --routing: the same gateway process, same OpenAI emulator, model gpt-4o-mini-routed (route primary-first over three
// channels on three providers) against model gpt-4o-mini (one channel), measured in the same alternating rounds.

const ROUTING_TOLERANCE = 1 - LIMITS.routingThroughputRatio;

/** gateway-routed's rate as a share of gateway's (single channel), for a mode and connection count; null when neither ran. */
function routingComparison(results: ScenarioResult[], mode: Mode, connections: number): Check | null {
  const ran = results.some(
    (r) => r.target === 'gateway' && r.upstream === 'openai-compatible' && r.mode === mode && r.connections === connections,
  );
  if (!ran) return null;
  const routed = find(results, 'gateway', mode, connections, 'openai-compatible', true);
  const single = find(results, 'gateway', mode, connections, 'openai-compatible');
  const ratio = ratioOf(rate(routed), rate(single));
  const perRound = roundRatios(routed, single);
  const unit = mode === 'streaming' ? 'streams/s' : 'req/s';
  return {
    name: `routing cost @${connections} conn, ${mode}: gateway-routed (primary-first over three channels) / gateway (single channel)`,
    detail: `${fixed(rate(routed), 0)} / ${fixed(rate(single), 0)} ${unit}` + (perRound.length > 1 ? `; per round ${roundRange(perRound)}` : ''),
    value: ratio,
    limit: LIMITS.routingThroughputRatio,
    unit: 'ratio≥',
    pass: ratio === null ? null : ratio >= LIMITS.routingThroughputRatio,
  };
}

/** The judged lines of `--routing`: non-streaming gateway-routed ≥ 95% of gateway, at each connection count. */
export function computeRoutingChecks(results: ScenarioResult[], connectionsList: number[]): Check[] {
  const checks: Check[] = [];
  for (const connections of connectionsList) {
    const check = routingComparison(results, 'non-streaming', connections);
    if (check !== null) checks.push(check);
  }
  return checks;
}

/**
 * The routing comparison: tables, CPU per request, the 95% target lines, streaming and latency beside them, and (when
 * the harness could read it) what the gateway's /metrics said about the routed model after the run.
 */
export function formatRoutingComparison(
  results: ScenarioResult[],
  connectionsList: number[],
  checks: Check[],
  metrics: RoutedMetrics | null = null,
): string {
  const channels = ROUTED_PROVIDERS.map((provider) =>
    provider === ROUTED_PRIMARY ? `${provider} (primary, capacity ${ROUTED_PRIMARY_RPM} rpm)` : provider,
  ).join(', ');
  const out: string[] = [
    'Routing, primary-first over three channels vs a single channel: one gateway process, one OpenAI emulator, same',
    `alternating rounds. gateway: model ${MODEL} → one openai-compatible channel (provider emulator). gateway-routed:`,
    `model ${ROUTED_MODEL}, route primary-first → ${channels};`,
    `three openai-compatible providers at the same emulator, each sending model ${MODEL}.`,
  ];
  for (const mode of MODES) {
    const key: LatencyKey = mode === 'streaming' ? 'timeToFirstChunk' : 'latency';
    const rows: string[][] = [];
    for (const connections of connectionsList) {
      const single = find(results, 'gateway', mode, connections, 'openai-compatible');
      const routed = find(results, 'gateway', mode, connections, 'openai-compatible', true);
      if (single === undefined && routed === undefined) continue;
      const cells = (which: LatencyKey, quantile: 'p50' | 'p99') => [
        fixed(latencyOf(single, which, quantile)),
        fixed(latencyOf(routed, which, quantile)),
        signed(subtract(latencyOf(routed, which, quantile), latencyOf(single, which, quantile))),
      ];
      const row = [
        String(connections),
        fixed(rate(single), 0),
        fixed(rate(routed), 0),
        percentFine(ratioOf(rate(routed), rate(single))),
        roundRange(roundRatios(routed, single)),
        ...cells(key, 'p50'),
        ...cells(key, 'p99'),
      ];
      if (mode === 'streaming') {
        row.push(...cells('latency', 'p50'), `${fixed(single?.load?.meanEventsPerStream, 1)}/${fixed(routed?.load?.meanEventsPerStream, 1)}`);
      }
      rows.push(row);
    }
    if (rows.length === 0) continue;
    out.push('');
    if (mode === 'non-streaming') {
      out.push('Non-streaming, single = gateway (one channel), routed = gateway-routed (latency: whole response, ms)');
      out.push(
        table(
          ['conns', 'single req/s', 'routed req/s', 'routed/single', 'per round', 'single p50', 'routed p50', 'Δp50', 'single p99', 'routed p99', 'Δp99'],
          rows,
          [true, true, true, true, true, true, true, true, true, true, true],
        ),
      );
    } else {
      out.push('Streaming (TTFC = time to first content chunk; full = end of stream; ms)');
      out.push(
        table(
          [
            'conns', 'single str/s', 'routed str/s', 'routed/single', 'per round', 'single TTFC p50', 'routed TTFC p50', 'ΔTTFC p50',
            'single TTFC p99', 'routed TTFC p99', 'ΔTTFC p99', 'single full p50', 'routed full p50', 'Δfull p50', 'events s/r',
          ],
          rows,
          [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true],
        ),
      );
    }
  }
  const cpuRows: string[][] = [];
  for (const mode of MODES) {
    for (const connections of connectionsList) {
      const single = find(results, 'gateway', mode, connections, 'openai-compatible');
      const routed = find(results, 'gateway', mode, connections, 'openai-compatible', true);
      if (single === undefined && routed === undefined) continue;
      const gatewaySingle = cpuPerRequest(single, 'gateway');
      const gatewayRouted = cpuPerRequest(routed, 'gateway');
      const emulatorSingle = cpuPerRequest(single, 'emulator');
      const emulatorRouted = cpuPerRequest(routed, 'emulator');
      cpuRows.push([
        String(connections),
        mode,
        fixed(gatewaySingle, 1),
        fixed(gatewayRouted, 1),
        signed(subtract(gatewayRouted, gatewaySingle), 1),
        percentFine(ratioOf(gatewayRouted, gatewaySingle)),
        fixed(emulatorSingle, 1),
        fixed(emulatorRouted, 1),
        percentFine(ratioOf(emulatorRouted, emulatorSingle)),
        fixed(sum(gatewaySingle, emulatorSingle), 1),
        fixed(sum(gatewayRouted, emulatorRouted), 1),
      ]);
    }
  }
  if (cpuRows.length > 0) {
    out.push('');
    out.push('CPU per request on core 1 during the gateway scenarios (µs; /proc, 10 ms ticks over the windows)');
    out.push(
      table(
        [
          'conns', 'mode', 'gateway single', 'gateway routed', 'Δ gateway', 'routed/single', 'emulator single', 'emulator routed',
          'routed/single', 'sum single', 'sum routed',
        ],
        cpuRows,
        [true, false, true, true, true, true, true, true, true, true, true],
      ),
    );
  }
  out.push(
    '',
    'Δ = routed − single (positive: slower, or more CPU, with routing). per round = lowest–highest routed/single ratio over\n' +
      'the alternating rounds. Both targets are the same gateway process in front of the same emulator and get the same\n' +
      'reply: only the model name (7 bytes) and what routing does per request differ. CPU per request: when core 1 is full\n' +
      '(64 connections), gateway + emulator CPU per request sets the rate; Δ gateway is what routing costs per request.',
  );

  out.push(
    '',
    formatChecks(
      checks,
      'Target "routing cost: primary-first over three channels ≥ 95% of a single channel\'s throughput" (non-streaming,\n' +
        'gateway-routed / gateway; streaming reported beside, not judged):',
    ),
  );
  const infoLines: string[] = [];
  for (const connections of connectionsList) {
    const check = routingComparison(results, 'streaming', connections);
    if (check === null) continue;
    infoLines.push(
      `  info  ${check.name} = ${check.value === null ? 'not measured' : `${(check.value * 100).toFixed(1)}%`}  (reported, not judged; ${check.detail})`,
    );
  }
  for (const mode of MODES) {
    for (const connections of connectionsList) {
      const routed = find(results, 'gateway', mode, connections, 'openai-compatible', true);
      const single = find(results, 'gateway', mode, connections, 'openai-compatible');
      if (routed === undefined && single === undefined) continue;
      const key: LatencyKey = mode === 'streaming' ? 'timeToFirstChunk' : 'latency';
      const what = mode === 'streaming' ? 'TTFC' : 'latency';
      const parts = (['p50', 'p99'] as const).map(
        (quantile) =>
          `${quantile} ${fixed(latencyOf(routed, key, quantile))} vs ${fixed(latencyOf(single, key, quantile))} ms: ` +
          describeLatency(latencyOf(routed, key, quantile), latencyOf(single, key, quantile), ROUTING_TOLERANCE),
      );
      infoLines.push(`  info  ${mode} ${what} @${connections} conn, gateway-routed vs gateway: ${parts.join('; ')}`);
    }
  }
  if (metrics !== null) infoLines.push(`  info  ${describeRoutedMetrics(metrics)}`);
  out.push(...infoLines);

  const reference: string[] = [];
  for (const mode of MODES) {
    for (const connections of connectionsList) {
      const floor = find(results, 'floor', mode, connections, 'openai-compatible');
      const single = find(results, 'gateway', mode, connections, 'openai-compatible');
      const routed = find(results, 'gateway', mode, connections, 'openai-compatible', true);
      if (floor === undefined || (single === undefined && routed === undefined)) continue;
      const key: LatencyKey = mode === 'streaming' ? 'timeToFirstChunk' : 'latency';
      reference.push(
        `  ${mode} @${connections} conn: of floor proxy ${percentFine(ratioOf(rate(routed), rate(floor)))} routed vs ` +
          `${percentFine(ratioOf(rate(single), rate(floor)))} single; ${mode === 'streaming' ? 'TTFC ' : ''}p50 over floor ` +
          `${signed(subtract(latencyOf(routed, key, 'p50'), latencyOf(floor, key, 'p50')))} ms routed vs ` +
          `${signed(subtract(latencyOf(single, key, 'p50'), latencyOf(floor, key, 'p50')))} ms single`,
      );
    }
  }
  if (reference.length > 0) out.push('', 'Reference (not targets): both gateway targets against the floor proxy', ...reference);
  return out.join('\n');
}

/** "gateway /metrics after the run, …: 61234 served by emulator-a, 0 by emulator-b, …" (and whether the primary served all). */
export function describeRoutedMetrics(metrics: RoutedMetrics): string {
  const providers = [...ROUTED_PROVIDERS, ...Object.keys(metrics.servedBy).filter((name) => !(ROUTED_PROVIDERS as readonly string[]).includes(name))];
  const served = providers.map((provider, index) => `${metrics.servedBy[provider] ?? 0} ${index === 0 ? 'served by ' : 'by '}${provider}`);
  const primaryOnly =
    metrics.notOk === 0 &&
    metrics.fallbacks === 0 &&
    metrics.passovers === 0 &&
    providers.every((provider) => provider === ROUTED_PRIMARY || (metrics.servedBy[provider] ?? 0) === 0);
  return (
    `gateway /metrics after the run, model ${ROUTED_MODEL}: ${served.join(', ')}; ${metrics.notOk} not 200; ` +
    `${metrics.fallbacks} fallbacks; primary passed over ${metrics.passovers} times` +
    (primaryOnly ? ' (the primary served every request)' : ' (NOT primary-only: the routed figures include other channels or failures)')
  );
}
