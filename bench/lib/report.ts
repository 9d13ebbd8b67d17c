// The side-by-side tables and the target checks, computed from one run's scenario results.

import type { LoadResult } from '../load-generator.ts';
import type { TargetName } from './options.ts';
import type { LatencySummary } from './statistics.ts';

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
};

export type Check = {
  name: string;
  detail: string;
  value: number | null;
  limit: number;
  unit: string;
  /** null when it could not be measured in this run. */
  pass: boolean | null;
};

export const LIMITS = {
  throughputRatio: 0.6,
  addedP50Ms: 0.15,
  addedP99Ms: 1,
  addedTimeToFirstChunkMs: 0.5,
  peakRssRatio: 1.3,
  /** "Back near idle": gateway RSS after load ≤ this × the floor proxy's RSS after load. */
  afterLoadRssRatio: 1.3,
} as const;

const MIB = 1024 * 1024;

function find(results: ScenarioResult[], target: TargetName, mode: Mode, connections: number): ScenarioResult | undefined {
  return results.find((r) => r.target === target && r.mode === mode && r.connections === connections && r.ok);
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

export function formatTables(results: ScenarioResult[], connectionsList: number[]): string {
  const out: string[] = [];
  const nonStreaming = results.filter((r) => r.mode === 'non-streaming');
  if (nonStreaming.length > 0) {
    const rows: string[][] = [];
    for (const connections of connectionsList) {
      const direct = find(results, 'direct', 'non-streaming', connections);
      const floor = find(results, 'floor', 'non-streaming', connections);
      for (const result of nonStreaming.filter((r) => r.connections === connections)) {
        const load = result.load;
        const isDirect = result.target === 'direct';
        rows.push([
          String(connections),
          result.target,
          fixed(load?.requestsPerSecond, 0),
          spreadCell(result),
          floor?.load && load ? percent(load.requestsPerSecond / floor.load.requestsPerSecond) : '—',
          fixed(load?.latency?.p50),
          fixed(load?.latency?.p90),
          fixed(load?.latency?.p99),
          isDirect ? '' : signed(difference(load?.latency, direct?.load?.latency, 'p50')),
          isDirect ? '' : signed(difference(load?.latency, direct?.load?.latency, 'p99')),
          rssCell(result),
          coreCell(result),
          percent(load?.generatorCpu),
          problems(result),
        ]);
      }
    }
    out.push('Non-streaming: whole response');
    out.push(
      table(
        ['conns', 'target', 'req/s', 'rounds', 'of floor', 'p50 ms', 'p90 ms', 'p99 ms', '+p50 ms', '+p99 ms', 'RSS MiB idle/peak/after', 'core1', 'gen', 'errors'],
        rows,
        [true, false, true, true, true, true, true, true, true, true, true, true, true, false],
      ),
    );
  }
  const streaming = results.filter((r) => r.mode === 'streaming');
  if (streaming.length > 0) {
    const rows: string[][] = [];
    for (const connections of connectionsList) {
      const direct = find(results, 'direct', 'streaming', connections);
      const floor = find(results, 'floor', 'streaming', connections);
      for (const result of streaming.filter((r) => r.connections === connections)) {
        const load = result.load;
        const isDirect = result.target === 'direct';
        rows.push([
          String(connections),
          result.target,
          fixed(load?.requestsPerSecond, 0),
          spreadCell(result),
          floor?.load && load ? percent(load.requestsPerSecond / floor.load.requestsPerSecond) : '—',
          fixed(load?.timeToFirstChunk?.p50),
          fixed(load?.timeToFirstChunk?.p90),
          fixed(load?.timeToFirstChunk?.p99),
          isDirect ? '' : signed(difference(load?.timeToFirstChunk, direct?.load?.timeToFirstChunk, 'p50')),
          fixed(load?.latency?.p50),
          fixed(load?.latency?.p90),
          fixed(load?.latency?.p99),
          isDirect ? '' : signed(difference(load?.latency, direct?.load?.latency, 'p50')),
          fixed(load?.meanEventsPerStream, 1),
          rssCell(result),
          coreCell(result),
          percent(load?.generatorCpu),
          problems(result),
        ]);
      }
    }
    out.push('');
    out.push('Streaming: TTFC = time to first chunk with content; full = time to end of stream');
    out.push(
      table(
        [
          'conns', 'target', 'streams/s', 'rounds', 'of floor', 'TTFC p50', 'TTFC p90', 'TTFC p99', '+TTFC p50',
          'full p50', 'full p90', 'full p99', '+full p50', 'events', 'RSS MiB idle/peak/after', 'core1', 'gen', 'errors',
        ],
        rows,
        [true, false, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, false],
      ),
    );
  }
  out.push('');
  out.push(
    'Latencies in ms (3 decimals). +x = over direct-to-emulator at the same connections. rounds = lowest–highest\n' +
      'rate among the alternating rounds (how much the machine moved). RSS is the target\'s own process (emulator for\n' +
      'direct). core1 = CPU of all server processes in the window (100% = the server core is full). gen = load\n' +
      'generator CPU on core 0 (near 100% = the generator, not the target, sets the pace).',
  );
  return out.join('\n');
}

export function computeChecks(results: ScenarioResult[], connectionsList: number[]): Check[] {
  const checks: Check[] = [];
  for (const connections of connectionsList) {
    const gateway = find(results, 'gateway', 'non-streaming', connections);
    const floor = find(results, 'floor', 'non-streaming', connections);
    if (gateway === undefined && floor === undefined) continue;
    const ratio = gateway?.load && floor?.load ? gateway.load.requestsPerSecond / floor.load.requestsPerSecond : null;
    const perRound = roundRatios(gateway, floor);
    const roundText =
      perRound.length > 1
        ? `; per round ${(Math.min(...perRound) * 100).toFixed(0)}–${(Math.max(...perRound) * 100).toFixed(0)}%`
        : '';
    checks.push({
      name: `non-streaming throughput @${connections} conn: gateway / floor proxy`,
      detail: `${fixed(gateway?.load?.requestsPerSecond, 0)} / ${fixed(floor?.load?.requestsPerSecond, 0)} req/s${roundText}`,
      value: ratio,
      limit: LIMITS.throughputRatio,
      unit: 'ratio≥',
      pass: ratio === null ? null : ratio >= LIMITS.throughputRatio,
    });
  }
  if (connectionsList.includes(1)) {
    const gateway = find(results, 'gateway', 'non-streaming', 1);
    const direct = find(results, 'direct', 'non-streaming', 1);
    for (const [key, limit] of [['p50', LIMITS.addedP50Ms], ['p99', LIMITS.addedP99Ms]] as const) {
      const added = difference(gateway?.load?.latency, direct?.load?.latency, key);
      checks.push({
        name: `added latency @1 conn, ${key}: gateway − direct`,
        detail: `${fixed(gateway?.load?.latency?.[key])} − ${fixed(direct?.load?.latency?.[key])} ms`,
        value: added,
        limit,
        unit: 'ms≤',
        pass: added === null ? null : added <= limit,
      });
    }
    const gatewayStream = find(results, 'gateway', 'streaming', 1);
    const directStream = find(results, 'direct', 'streaming', 1);
    const addedFirstChunk = difference(gatewayStream?.load?.timeToFirstChunk, directStream?.load?.timeToFirstChunk, 'p50');
    if (gatewayStream !== undefined || directStream !== undefined) {
      checks.push({
        name: 'streaming added time to first chunk @1 conn, p50: gateway − direct',
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
      if (result.target !== target || !result.ok || result.rss?.peak == null) continue;
      peak = Math.max(peak ?? 0, result.rss.peak);
    }
    return peak;
  };
  const gatewayPeak = peakOf('gateway');
  const floorPeak = peakOf('floor');
  if (gatewayPeak !== null || floorPeak !== null) {
    const ratio = gatewayPeak !== null && floorPeak !== null ? gatewayPeak / floorPeak : null;
    checks.push({
      name: 'peak RSS under load (all scenarios): gateway / floor proxy',
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
    const runs = results.filter((r) => r.target === target && r.ok && r.rss?.after != null);
    return runs.length === 0 ? null : (runs[runs.length - 1].rss?.after ?? null);
  };
  const gatewayAfter = lastAfter('gateway');
  const floorAfter = lastAfter('floor');
  if (gatewayAfter !== null || floorAfter !== null) {
    const ratio = gatewayAfter !== null && floorAfter !== null ? gatewayAfter / floorAfter : null;
    checks.push({
      name: 'RSS after load (settled, last scenario): gateway / floor proxy',
      detail: `${mib(gatewayAfter)} / ${mib(floorAfter)} MiB`,
      value: ratio,
      limit: LIMITS.afterLoadRssRatio,
      unit: 'ratio≤',
      pass: ratio === null ? null : ratio <= LIMITS.afterLoadRssRatio,
    });
  }
  return checks;
}

export function formatChecks(checks: Check[]): string {
  const lines = ['Targets (ratios within this run):'];
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
export function formatReference(results: ScenarioResult[], connectionsList: number[]): string {
  const lines: string[] = [];
  if (connectionsList.includes(1)) {
    const direct = find(results, 'direct', 'non-streaming', 1);
    const floor = find(results, 'floor', 'non-streaming', 1);
    const gateway = find(results, 'gateway', 'non-streaming', 1);
    if (direct && floor) {
      lines.push(
        `  floor proxy hop alone @1 conn: ${signed(difference(floor.load?.latency, direct.load?.latency, 'p50'))} ms p50, ` +
          `${signed(difference(floor.load?.latency, direct.load?.latency, 'p99'))} ms p99 over direct`,
      );
    }
    if (floor && gateway) {
      lines.push(
        `  gateway over floor proxy @1 conn: ${signed(difference(gateway.load?.latency, floor.load?.latency, 'p50'))} ms p50, ` +
          `${signed(difference(gateway.load?.latency, floor.load?.latency, 'p99'))} ms p99`,
      );
    }
    const directStream = find(results, 'direct', 'streaming', 1);
    const gatewayStream = find(results, 'gateway', 'streaming', 1);
    if (directStream && gatewayStream) {
      lines.push(
        `  streaming @1 conn, gateway − direct: TTFC p99 ${signed(difference(gatewayStream.load?.timeToFirstChunk, directStream.load?.timeToFirstChunk, 'p99'))} ms, ` +
          `full stream p50 ${signed(difference(gatewayStream.load?.latency, directStream.load?.latency, 'p50'))} ms`,
      );
    }
  }
  for (const target of ['floor', 'gateway'] as const) {
    const runs = results.filter((r) => r.target === target && r.ok && r.rss !== null);
    if (runs.length === 0) continue;
    const idle = runs[0].rss?.idleBefore ?? null;
    const afters = runs.map((r) => mib(r.rss?.after)).join(' → ');
    lines.push(`  ${target} RSS: idle before first load ${mib(idle)} MiB; settled after each scenario ${afters} MiB`);
  }
  return lines.length === 0 ? '' : ['Reference (not targets):', ...lines].join('\n');
}
