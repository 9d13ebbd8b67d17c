// The micro-benchmarks' timer: warm up, size a batch so one round takes about `roundMs`, time `rounds` batches and
// report the median time per call (the rounds' spread beside it: a shared machine moves between rounds).

export type Timing = { name: string; microseconds: number; lowest: number; highest: number };

/** Results land here so the optimizer cannot drop a call whose result is unused. */
export let sink: unknown;

export function measure(name: string, call: () => unknown, options: { warmupMs?: number; roundMs?: number; rounds?: number } = {}): Timing {
  const { warmupMs = 300, roundMs = 100, rounds = 15 } = options;
  const warmupEnd = performance.now() + warmupMs;
  let batch = 1;
  while (performance.now() < warmupEnd) {
    const started = performance.now();
    for (let index = 0; index < batch; index++) sink = call();
    // Grow the batch until one takes a tenth of a round, so the clock's own cost vanishes in it.
    if (performance.now() - started < roundMs / 10) batch *= 2;
  }
  const perCall: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    let calls = 0;
    do {
      for (let index = 0; index < batch; index++) sink = call();
      calls += batch;
    } while (performance.now() - started < roundMs);
    perCall.push(((performance.now() - started) * 1000) / calls);
  }
  perCall.sort((left, right) => left - right);
  return { name, microseconds: perCall[perCall.length >> 1], lowest: perCall[0], highest: perCall[perCall.length - 1] };
}

export function report(title: string, timings: readonly Timing[]): void {
  const width = Math.max(...timings.map((timing) => timing.name.length));
  process.stdout.write(`${title}\n`);
  for (const timing of timings) {
    process.stdout.write(
      `  ${timing.name.padEnd(width)}  ${timing.microseconds.toFixed(2).padStart(8)} µs  (rounds ${timing.lowest.toFixed(2)}–${timing.highest.toFixed(2)})\n`,
    );
  }
}
