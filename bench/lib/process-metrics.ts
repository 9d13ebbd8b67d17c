// Resident memory and CPU time of other processes, read from /proc (Linux). Missing /proc → nulls, not errors.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** VmRSS in bytes, or null when the process is gone or /proc is not there. */
export function readRssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const at = status.indexOf('VmRSS:');
    if (at === -1) return null;
    const kilobytes = Number.parseInt(status.slice(at + 6).trimStart(), 10);
    return Number.isFinite(kilobytes) ? kilobytes * 1024 : null;
  } catch {
    return null;
  }
}

let clockTicks: number | null = null;

function ticksPerSecond(): number {
  if (clockTicks === null) {
    const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const parsed = Number.parseInt(result.stdout ?? '', 10);
    clockTicks = Number.isFinite(parsed) && parsed > 0 ? parsed : 100;
  }
  return clockTicks;
}

/** User + system CPU seconds used so far by a process (resolution: one clock tick, usually 10 ms). */
export function readCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name may contain spaces and parentheses: fields are counted after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    const user = Number(fields[11]);
    const system = Number(fields[12]);
    return (user + system) / ticksPerSecond();
  } catch {
    return null;
  }
}

/** Samples the RSS of a set of processes every `intervalMs`, keeping the peak of each. */
export class RssSampler {
  pids: Map<string, number>;
  intervalMs: number;
  peaks = new Map<string, number>();
  timer: NodeJS.Timeout | null = null;

  constructor(pids: Map<string, number>, intervalMs = 100) {
    this.pids = pids;
    this.intervalMs = intervalMs;
  }

  start(): void {
    this.peaks.clear();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  sample(): void {
    for (const [name, pid] of this.pids) {
      const rss = readRssBytes(pid);
      if (rss === null) continue;
      const peak = this.peaks.get(name);
      if (peak === undefined || rss > peak) this.peaks.set(name, rss);
    }
  }

  stop(): Map<string, number> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return new Map(this.peaks);
  }
}

export function readAllRss(pids: Map<string, number>): Record<string, number | null> {
  const result: Record<string, number | null> = {};
  for (const [name, pid] of pids) result[name] = readRssBytes(pid);
  return result;
}

export function readAllCpu(pids: Map<string, number>): Record<string, number | null> {
  const result: Record<string, number | null> = {};
  for (const [name, pid] of pids) result[name] = readCpuSeconds(pid);
  return result;
}
