// A /healthz sampler in its own process, so what it measures is the gateway's answer time and not the queueing of the
// load generator's own event loop: `node health-sampler.ts URL INTERVAL_MS`. GETs URL every INTERVAL_MS on one
// keep-alive connection (opened before it prints `ready`) until its stdin ends or 120 s pass, then prints one JSON
// line: { latenciesMs, failures }.

import { Client } from 'undici';

const [url, intervalText] = process.argv.slice(2);
const intervalMs = Number(intervalText);
const origin = new URL(url);
const client = new Client(origin.origin, { headersTimeout: 10_000, bodyTimeout: 10_000 });
const latenciesMs: number[] = [];
let failures = 0;
let running = true;
process.stdin.on('end', () => (running = false));
process.stdin.on('close', () => (running = false));
process.stdin.resume();
const stopAt = performance.now() + 120_000;

async function probe(): Promise<void> {
  const startedAt = performance.now();
  try {
    const response = await client.request({ path: origin.pathname, method: 'GET' });
    await response.body.dump();
    if (response.statusCode === 200) latenciesMs.push(performance.now() - startedAt);
    else failures++;
  } catch {
    failures++;
  }
}

await probe();
latenciesMs.length = 0;
failures = 0;
process.stdout.write('ready\n');
while (running && performance.now() < stopAt) {
  const startedAt = performance.now();
  await probe();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (performance.now() - startedAt))));
}
process.stdout.write(`${JSON.stringify({ latenciesMs, failures })}\n`);
await client.close();
process.exit(0);
