// The Azure OpenAI emulator as a process of its own, for `--upstream azure-openai|both` when the CLI has no
// `emulate azure-openai` (run-bench.ts tries the CLI first). Same emulator, started from its module.
//
// Usage: node bench/azure-emulator-process.ts --port <port> [--host 127.0.0.1] [--api-key KEY] [--quiet]
//        [--exit-with-stdin]   (exit when stdin closes, so it never outlives the harness that started it)

import { startAzureOpenAIEmulator } from '../emulators/azure-openai/index.ts';
import { argumentValue, exitOnShutdown } from './lib/child-process.ts';

const port = Number(argumentValue('--port') ?? '0');
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`azure-emulator-process: bad --port`);

const emulator = await startAzureOpenAIEmulator({
  host: argumentValue('--host') ?? '127.0.0.1',
  port,
  apiKey: argumentValue('--api-key'),
  quiet: process.argv.includes('--quiet'),
});
process.stdout.write(`azure-openai emulator listening on ${emulator.url}\n`);

exitOnShutdown(() => emulator.close());
