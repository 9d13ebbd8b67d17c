// What the bench's own server processes (floor proxy, emulator fallbacks) share: reading their flags and shutting
// down when the harness says so.

/** The value after `name` on the command line, or undefined. */
export function argumentValue(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index !== -1 && index + 1 < process.argv.length ? process.argv[index + 1] : undefined;
}

/**
 * Runs `close` and exits on SIGTERM or SIGINT, and with `--exit-with-stdin` when stdin ends (so the process never
 * outlives the harness that started it). Exits after 2 s even if `close` has not settled.
 */
export function exitOnShutdown(close: () => Promise<unknown>): void {
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 2000).unref();
    close().finally(() => process.exit(0));
  };
  if (process.argv.includes('--exit-with-stdin')) {
    process.stdin.on('end', shutdown);
    process.stdin.on('error', shutdown);
    process.stdin.resume();
  }
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
