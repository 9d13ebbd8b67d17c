// The Vertex AI emulator as a process of its own, for `--upstream vertex|all` when the CLI has no `emulate vertex`
// (run-bench.ts tries the CLI first). Same emulator, started from its module, accepting one bearer token.
//
// Usage: node bench/vertex-emulator-process.ts --port <port> [--host 127.0.0.1] [--project P] [--token T] [--quiet]
//        [--exit-with-stdin]   (exit when stdin closes, so it never outlives the harness that started it)

import { startVertexEmulator } from '../emulators/vertex/index.ts';
import { argumentValue, exitOnShutdown } from './lib/child-process.ts';

const port = Number(argumentValue('--port') ?? '0');
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`vertex-emulator-process: bad --port`);
const accepted = argumentValue('--token') ?? 'bench-vertex-token';

const emulator = await startVertexEmulator({
  host: argumentValue('--host') ?? '127.0.0.1',
  port,
  project: argumentValue('--project') ?? 'bench-project',
  acceptToken: (token: string) => token === accepted,
  quiet: process.argv.includes('--quiet'),
});
process.stdout.write(`vertex emulator listening on ${emulator.url}\n`);

exitOnShutdown(() => emulator.close());
