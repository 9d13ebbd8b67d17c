/**
 * The `interchange` command line.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { runKeys, runMigrate, runTenants } from './admin-commands.ts';
import { runCheckConfig } from './check-config-command.ts';
import { runDemo } from './demo-command.ts';
import { runEmulate } from './emulate-command.ts';
import { runRoute } from './route-explain-command.ts';
import { runServe } from './serve-command.ts';

export const usage = `Usage: interchange <command> [options]

Commands:
  serve [--config FILE] [--host H] [--port N]
                       Run the gateway. FILE defaults to $INTERCHANGE_CONFIG.
  check-config FILE    Validate a configuration file and print what it defines (or every problem).
  route explain [--config FILE] (--request FILE | --model NAME [--stream] [--tools] [--image] [--json-schema]
                [--prompt TEXT] [--max-tokens N]) [--prompt-tokens N] [--region R[,R…]] [--zero-retention]
                [--tenant T] [--sticky-key K] [--providers 'only=a,b; ignore=c; order=c,a; require_region=eu;
                allow_fallbacks=false; zdr=true'] [--at 2031-06-01T12:00:00Z] [--json]
                       Dry-run routing: the channels a request would try, in order, and why the others are passed
                       over (fresh state: no circuit open, no cooldown, no capacity used; nothing is called).
                       FILE defaults to $INTERCHANGE_CONFIG; --request is an OpenAI request body; --providers takes
                       the x-interchange-providers header's grammar; --at sets the time (licences, decline rules).
                       Exits 1 on an invalid configuration or unknown model, 2 when no channel can take the request.
  emulate <cloud> [--host H] [--port N] [--api-key KEY] [--fault SPEC] [--fault-count N]
                       Run a local cloud emulator. Clouds: openai, azure-openai, bedrock, vertex
                       (bedrock also: --region R --access-key-id ID --secret-access-key KEY;
                        vertex also: --project P --public-key-file PEM of the service account whose JWTs it accepts).
  keys <create|list|show|update|revoke|rotate> …, tenants <create|list|update> …
                       Manage virtual keys and tenants through the admin API ($INTERCHANGE_ADMIN_TOKEN;
                       \`interchange keys --help\` lists the options).
  migrate [--config FILE]
                       Apply the store's pending migrations (serve also does at start-up).
  demo [--port N]      Run the gateway with every cloud emulated on loopback (what \`npm start\` runs).
  bench [options]      Run the benchmark (see docs/benchmark.md).
  help                 Show this text.
  version              Print the version.
`;

export async function main(argv: string[]): Promise<number | void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return runServe(rest);
    case 'check-config':
      return runCheckConfig(rest);
    case 'route':
      return runRoute(rest);
    case 'emulate':
      return runEmulate(rest);
    case 'demo':
      return runDemo(rest);
    case 'keys':
      return runKeys(rest);
    case 'tenants':
      return runTenants(rest);
    case 'migrate':
      return runMigrate(rest);
    case 'bench':
      return runBench(rest);
    case 'version':
    case '--version':
    case '-v':
      console.log(readVersion());
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`interchange: unknown command "${command}"\n\n${usage}`);
      return 2;
  }
}

/** Runs the benchmark harness in its own process, with this Node. */
function runBench(args: string[]): Promise<number> {
  const script = fileURLToPath(new URL('../../bench/run-bench.ts', import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

function readVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return packageJson.version;
}

/** parseArgs with the CLI's conventions: unknown flags are errors that name the command. */
export function parseCommandArgs<const T extends ParseArgsOptionsConfig>(command: string, args: string[], options: T) {
  try {
    return parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new Error(`interchange ${command}: ${(error as Error).message}\n\n${usage}`);
  }
}

/** Resolves when SIGINT or SIGTERM arrives. */
export function waitForShutdownSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: string) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export function parsePort(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${flag}: expected a port number from 0 to 65535, got "${value}"`);
  return port;
}
