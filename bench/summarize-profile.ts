// Summarizes a V8 .cpuprofile (from `npm run bench -- --cpu-prof`) in the terminal: self time by function and by
// file, heaviest first. Usage: node bench/summarize-profile.ts <file.cpuprofile> [--top N]

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function place(url: string): string {
  if (url === '') return '(native)';
  if (url.startsWith('file://')) return relative(ROOT, fileURLToPath(url));
  return url;
}

function summarize(path: string, top: number): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  const selfMicroseconds = new Map<number, number>();
  for (let index = 0; index < profile.samples.length; index++) {
    const id = profile.samples[index];
    selfMicroseconds.set(id, (selfMicroseconds.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  }
  const total = profile.endTime - profile.startTime;
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let idle = 0;
  for (const [id, microseconds] of selfMicroseconds) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    if (frame.functionName === '(idle)') {
      idle += microseconds;
      continue;
    }
    const file = place(frame.url);
    const name = `${frame.functionName || '(anonymous)'}  ${file}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + microseconds);
    const group = file.includes('node_modules/') ? file.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, 'node_modules/$1') : file;
    byFile.set(group, (byFile.get(group) ?? 0) + microseconds);
  }
  const busy = total - idle;
  const lines = [
    `${path}: ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (${((busy / total) * 100).toFixed(0)}%)`,
    '',
    `Self time by function (share of busy time), top ${top}:`,
  ];
  const rows = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, microseconds]) => `  ${((microseconds / busy) * 100).toFixed(1).padStart(5)}%  ${(microseconds / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  lines.push(...rows(byFunction), '', `Self time by file or package, top ${top}:`, ...rows(byFile));
  return lines.join('\n');
}

if (import.meta.main) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('Usage: node bench/summarize-profile.ts <file.cpuprofile> [--top N]\n');
    process.exit(2);
  }
  const topIndex = process.argv.indexOf('--top');
  const top = topIndex === -1 ? 25 : Number(process.argv[topIndex + 1]) || 25;
  process.stdout.write(summarize(file, top) + '\n');
}
