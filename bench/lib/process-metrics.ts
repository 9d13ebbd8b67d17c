// Resident memory and CPU time of the server processes, read from /proc (Linux); missing /proc gives nulls.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** VmRSS in bytes, or null when the process is gone or /proc is not there. */
export function readRssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const at = status.indexOf('VmRSS:');
    const kilobytes = at === -1 ? NaN : Number.parseInt(status.slice(at + 6).trimStart(), 10);
    return Number.isFinite(kilobytes) ? kilobytes * 1024 : null;
  } catch {
    return null;
  }
}

const ticksPerSecond = Number.parseInt(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout ?? '', 10) || 100;

/** User + system CPU seconds used so far (resolution: one clock tick, usually 10 ms). */
export function readCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields counted after the command name's last ')': utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return null;
  }
}

export function readAll(pids: Map<string, number>, read: (pid: number) => number | null): Record<string, number | null> {
  const result: Record<string, number | null> = {};
  for (const [name, pid] of pids) result[name] = read(pid);
  return result;
}

/** Samples the RSS of the processes every `intervalMs` until stopped, keeping each one's peak. */
export function sampleRssPeaks(pids: Map<string, number>, intervalMs: number): { stop: () => Map<string, number> } {
  const peaks = new Map<string, number>();
  const sample = () => {
    for (const [name, pid] of pids) {
      const rss = readRssBytes(pid);
      if (rss !== null && rss > (peaks.get(name) ?? 0)) peaks.set(name, rss);
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}
