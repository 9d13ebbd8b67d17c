// Instructions a server process retires, counted by Linux `perf stat` from the CPU's hardware counters. CPU time moves
// with the machine's speed (a shared VM's rounds differ by 1.5–2×); an instruction count does not, so it settles what
// a request costs a process when timings cannot. One `perf stat -I` per server process runs beside a group's load,
// printing a count every interval; a measured window's count is read from the intervals it overlaps.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export const INSTRUCTION_INTERVAL_MS = 100;

/** One interval of `perf stat -I`: when it ended (ms on perf's clock, from its start) and what it counted. */
export type IntervalCount = { endMs: number; count: number };

/**
 * A count from one line of `perf stat -x,` output (`[time,]count,unit,event,…`), or null for anything else (headers,
 * `<not counted>`, `<not supported>`). `interval`: the line starts with `-I`'s timestamp in seconds.
 */
export function parsePerfLine(line: string, interval: boolean): IntervalCount | null {
  const fields = line.trim().split(',');
  const [timeField, countField, , eventField] = interval ? fields : ['0', ...fields];
  if (eventField === undefined || !eventField.startsWith('instructions')) return null;
  if (!/^\d+$/.test(countField ?? '')) return null;
  const seconds = Number(timeField);
  if (!Number.isFinite(seconds)) return null;
  return { endMs: seconds * 1000, count: Number(countField) };
}

/**
 * Instructions counted between `fromMs` and `toMs` (on perf's clock): each interval spans from the previous one's end
 * (the first from perf's start, 0) to its own, and its count is spread evenly over that span, so a window that cuts an
 * interval takes its share. Null when the intervals do not reach `toMs` yet.
 */
export function instructionsBetween(intervals: IntervalCount[], fromMs: number, toMs: number): number | null {
  if (intervals.length === 0 || intervals[intervals.length - 1].endMs < toMs) return null;
  let total = 0;
  let startMs = 0;
  for (const { endMs, count } of intervals) {
    const overlap = Math.min(endMs, toMs) - Math.max(startMs, fromMs);
    if (overlap > 0) total += (count * overlap) / (endMs - startMs);
    startMs = endMs;
  }
  return total;
}

/** Whether `perf stat` can count this machine's instructions (a VM may not expose the counters). */
export function perfInstructionsAvailable(): boolean {
  const result = spawnSync('perf', ['stat', '-x,', '-e', 'instructions', 'true'], { encoding: 'utf8', timeout: 10_000 });
  if (result.error !== undefined || result.status !== 0) return false;
  return (result.stderr ?? '').split('\n').some((line) => parsePerfLine(line, false) !== null);
}

/** One `perf stat -I` attached to a process for the life of a scenario group. */
export class InstructionSampler {
  readonly #child: ChildProcess;
  readonly #intervals: IntervalCount[] = [];
  /** performance.now() minus perf's clock, the least seen: the line that arrived with the least delay. */
  #offsetMs = Number.POSITIVE_INFINITY;
  #pending = '';
  #failed = false;

  constructor(pid: number, core: number | null) {
    const perf = ['perf', 'stat', '-x,', '-I', String(INSTRUCTION_INTERVAL_MS), '-e', 'instructions', '-p', String(pid)];
    const [command, ...args] = core === null ? perf : ['taskset', '-c', String(core), ...perf];
    this.#child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child.on('error', () => {
      this.#failed = true;
    });
    this.#child.stderr!.setEncoding('utf8');
    this.#child.stderr!.on('data', (text: string) => {
      const arrived = performance.now();
      const lines = (this.#pending + text).split('\n');
      this.#pending = lines.pop() ?? '';
      for (const line of lines) {
        const interval = parsePerfLine(line, true);
        if (interval === null) continue;
        this.#intervals.push(interval);
        this.#offsetMs = Math.min(this.#offsetMs, arrived - interval.endMs);
      }
    });
  }

  /** Instructions between two performance.now() times, or null (perf failed, or its intervals do not reach `toMs` yet). */
  between(fromMs: number, toMs: number): number | null {
    if (this.#failed || !Number.isFinite(this.#offsetMs)) return null;
    return instructionsBetween(this.#intervals, fromMs - this.#offsetMs, toMs - this.#offsetMs);
  }

  /** Waits until perf has printed an interval ending after `toMs` (performance.now()), at most `limitMs`. */
  async reach(toMs: number, limitMs = 1000): Promise<void> {
    const deadline = performance.now() + limitMs;
    while (!this.#failed && performance.now() < deadline) {
      const last = this.#intervals.at(-1);
      if (last !== undefined && Number.isFinite(this.#offsetMs) && last.endMs + this.#offsetMs >= toMs) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGINT');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 2000);
    await once(this.#child, 'exit').catch(() => undefined);
    clearTimeout(timer);
  }
}
