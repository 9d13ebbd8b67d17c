// The Azure OpenAI emulator as a process of its own, for `--upstream azure-openai|both` when the CLI has no
// `emulate azure-openai` (run-bench.ts tries the CLI first). Same emulator, started from its module.
//
// Usage: node bench/azure-emulator-process.ts --port <port> [--host 127.0.0.1] [--api-key KEY] [--quiet]
//        [--exit-with-stdin]   (exit when stdin closes, so it never outlives the harness that started it)

import { startAzureOpenAIEmulator } from '../emulators/azure-openai/index.ts';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index !== -1 && index + 1 < process.argv.length ? process.argv[index + 1] : undefined;
}

const port = Number(argument('--port') ?? '0');
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`azure-emulator-process: bad --port`);

const emulator = await startAzureOpenAIEmulator({
  host: argument('--host') ?? '127.0.0.1',
  port,
  apiKey: argument('--api-key'),
  quiet: process.argv.includes('--quiet'),
});
process.stdout.write(`azure-openai emulator listening on ${emulator.url}\n`);

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
