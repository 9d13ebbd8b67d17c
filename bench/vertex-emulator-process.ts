// The Vertex AI emulator as a process of its own, for `--upstream vertex|all` when the CLI has no `emulate vertex`
// (run-bench.ts tries the CLI first). Same emulator, started from its module, accepting one bearer token.
//
// Usage: node bench/vertex-emulator-process.ts --port <port> [--host 127.0.0.1] [--project P] [--token T] [--quiet]
//        [--exit-with-stdin]   (exit when stdin closes, so it never outlives the harness that started it)

import { startVertexEmulator } from '../emulators/vertex/index.ts';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index !== -1 && index + 1 < process.argv.length ? process.argv[index + 1] : undefined;
}

const port = Number(argument('--port') ?? '0');
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`vertex-emulator-process: bad --port`);
const accepted = argument('--token') ?? 'bench-vertex-token';

const emulator = await startVertexEmulator({
  host: argument('--host') ?? '127.0.0.1',
  port,
  project: argument('--project') ?? 'bench-project',
  acceptToken: (token: string) => token === accepted,
  quiet: process.argv.includes('--quiet'),
});
process.stdout.write(`vertex emulator listening on ${emulator.url}\n`);

let stopping = false;
function shutdown(): void {
  if (stopping) return;
  stopping = true;
  const timer = setTimeout(() => process.exit(0), 2000);
  timer.unref();
  emulator.close().finally(() => process.exit(0));
}
if (process.argv.includes('--exit-with-stdin')) {
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
