// Summarizes a V8 .cpuprofile (from `npm run bench -- --cpu-prof`) in the terminal: self time by function and by
// file or package, heaviest first. Usage: npx node bench/summarize-profile.ts <file.cpuprofile> [--top N]

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number } };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function summarize(path: string, top: number): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let idle = 0;
  profile.samples.forEach((id, index) => {
    const frame = frames.get(id);
    const microseconds = profile.timeDeltas[index] ?? 0;
    if (frame === undefined) return;
    if (frame.functionName === '(idle)') {
      idle += microseconds;
      return;
    }
    const file = frame.url === '' ? '(native)' : frame.url.startsWith('file://') ? relative(ROOT, fileURLToPath(frame.url)) : frame.url;
    const name = `${frame.functionName || '(anonymous)'}  ${file}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + microseconds);
    const group = file.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, 'node_modules/$1');
    byFile.set(group, (byFile.get(group) ?? 0) + microseconds);
  });
  const total = profile.endTime - profile.startTime;
  const busy = total - idle;
  const rows = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, microseconds]) => `  ${((microseconds / busy) * 100).toFixed(1).padStart(5)}%  ${(microseconds / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  return [
    `${path}: ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (${((busy / total) * 100).toFixed(0)}%)`,
    '',
    `Self time by function (share of busy time), top ${top}:`,
    ...rows(byFunction),
    '',
    `Self time by file or package, top ${top}:`,
    ...rows(byFile),
  ].join('\n');
}

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('Usage: npx node bench/summarize-profile.ts <file.cpuprofile> [--top N]\n');
  process.exit(2);
}
const topIndex = process.argv.indexOf('--top');
process.stdout.write(summarize(file, topIndex === -1 ? 25 : Number(process.argv[topIndex + 1]) || 25) + '\n');
