/**
 * The `interchange` command line.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { closestName } from '../config-schema/did-you-mean.ts';
import { keysUsage, runAgreements, runKeys, runMigrate, runSecrets, runTenants } from './admin-commands.ts';
import { checkConfigUsage, runCheckConfig } from './check-config-command.ts';
import { demoUsage, runDemo } from './demo-command.ts';
import { emulateUsage, runEmulate } from './emulate-command.ts';
import { ledgerUsage, runLedger } from './ledger-commands.ts';
import { routeUsage, runRoute } from './route-explain-command.ts';
import { runServe, serveUsage } from './serve-command.ts';

export const usage = `Usage: interchange <command> [options]

Commands:
  serve [--config FILE] [--host H] [--port N]
                       Run the gateway. FILE defaults to $INTERCHANGE_CONFIG. SIGHUP reloads it.
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
                       (azure-openai also: --deployments NAME=MODEL,… --accept-token TOKEN;
                        bedrock also: --region R --access-key-id ID --secret-access-key KEY;
                        vertex also: --project P --public-key-file PEM --accept-token TOKEN).
  keys <create|list|show|update|revoke|rotate> …, tenants <create|list|update> …
                       Manage virtual keys and tenants through the admin API ($INTERCHANGE_ADMIN_TOKEN;
                       \`interchange keys --help\` lists the options).
  secrets <set|list|delete|rotate> …
                       Stored secrets, encrypted under the master key ($INTERCHANGE_MASTER_KEY(S)); referenced in
                       the configuration as \${secret:NAME}. Values are read from stdin, a file or a variable.
  agreements <list|show|set|delete> …
                       Agreements through the admin API: the file's are listed, the admin plane's may be set
                       (\`--from-file F\`, as the configuration writes one; in force at once) and deleted.
  migrate [--config FILE]
                       Apply the store's pending migrations (serve also does at start-up).
  ledger statement [--config FILE] [--from D] [--to D] [--by party|provider|channel|tenant|key|model] [--json|--csv]
  ledger entries [--config FILE] [--from D] [--to D] [--request-id ID] [--limit N] [--json]
                       The ledger's statement (totals, revenue shares, commitments) or its entries, read from the
                       configuration's store, so they work while the gateway is down. D: YYYY-MM-DD (00:00 UTC) or an
                       ISO time; --to is excluded.
  demo [--port N]      Run the gateway with every cloud emulated on loopback (what \`npm start\` runs).
  bench [options]      Run the benchmark (see docs/benchmark.md).
  help [COMMAND]       Show this text, or a command's options (also: interchange COMMAND --help).
  version              Print the version.
`;

/** Ends a command before it runs: its usage for --help (stdout, exit 0), or a usage problem (stderr, exit 2). */
export class CommandLineExit extends Error {
  readonly code: number;

  constructor(code: number, text: string) {
    super(text);
    this.code = code;
  }
}

/** Where the command line's own texts (usage, help, usage problems) go; a running command writes to the process's. */
export interface CommandLineOutput {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export async function main(argv: string[], output: CommandLineOutput = process): Promise<number | void> {
  try {
    return await runCommand(argv);
  } catch (error) {
    if (!(error instanceof CommandLineExit)) throw error;
    (error.code === 0 ? output.stdout : output.stderr).write(error.message);
    return error.code;
  }
}

/** The `--help` text of a command. */
function commandUsage(command: string): string | undefined {
  switch (command) {
    case 'serve':
      return serveUsage;
    case 'check-config':
      return checkConfigUsage;
    case 'route':
    case 'route explain':
      return routeUsage;
    case 'emulate':
      return emulateUsage;
    case 'demo':
      return demoUsage;
    case 'keys':
    case 'tenants':
    case 'secrets':
    case 'agreements':
    case 'migrate':
      return keysUsage;
    case 'ledger':
    case 'ledger statement':
    case 'ledger entries':
      return ledgerUsage;
    default:
      return undefined;
  }
}

const commands = ['serve', 'check-config', 'route', 'emulate', 'demo', 'keys', 'tenants', 'secrets', 'agreements', 'migrate', 'ledger', 'bench', 'help', 'version'];

async function runCommand(argv: string[]): Promise<number | void> {
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
    case 'secrets':
      return runSecrets(rest);
    case 'agreements':
      return runAgreements(rest);
    case 'migrate':
      return runMigrate(rest);
    case 'ledger':
      return runLedger(rest);
    case 'bench':
      return runBench(rest);
    case 'version':
    case '--version':
    case '-v':
      console.log(readVersion());
      return 0;
    case 'help': {
      const topic = rest.join(' ');
      const text = topic === '' ? usage : commandUsage(topic);
      if (text === undefined) throw usageProblem('help', `no help on "${topic}"${suggestion(topic, commands, '')}`);
      throw new CommandLineExit(0, text);
    }
    case '--help':
    case '-h':
      throw new CommandLineExit(0, usage);
    case undefined:
      process.stdout.write(usage);
      return 1;
    default:
      throw new CommandLineExit(2, `interchange: unknown command "${command}"${suggestion(command, commands, '')}\n\n${usage}`);
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

/**
 * parseArgs with the CLI's conventions: `-h`/`--help` ends with the command's usage; an unknown option, or one without
 * its value, is a usage problem that names the command (an unknown option with the closest known one).
 */
export function parseCommandArgs<const T extends ParseArgsOptionsConfig>(command: string, args: string[], options: T) {
  const withHelp = { ...options, help: { type: 'boolean', short: 'h' } } as const;
  let parsed;
  try {
    parsed = parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>({ args, options: withHelp, allowPositionals: true, strict: true });
  } catch (error) {
    // Asking for help is never a mistake, whatever else is on the line.
    if (args.includes('--help') || args.includes('-h')) throw new CommandLineExit(0, commandUsage(command) ?? usage);
    throw usageProblem(command, describeArgumentError(error as Error & { code?: string }, withHelp));
  }
  if ((parsed.values as { help?: boolean }).help === true) throw new CommandLineExit(0, commandUsage(command) ?? usage);
  return parsed;
}

/** A usage problem of `command`: its message and where to read the options; exit 2. */
export function usageProblem(command: string, message: string): CommandLineExit {
  const help = commandUsage(command) === undefined ? 'interchange help' : `interchange ${command} --help`;
  return new CommandLineExit(2, `interchange ${command}: ${message}\nRun "${help}" for the options.\n`);
}

/** `; did you mean "x"?` (or `--x` for options) when a candidate is close, otherwise the empty string. */
export function suggestion(input: string, candidates: readonly string[], prefix: '--' | ''): string {
  const closest = closestName(input, candidates);
  return closest === undefined ? '' : `; did you mean ${prefix === '' ? JSON.stringify(closest) : `${prefix}${closest}`}?`;
}

/** parseArgs' errors in the CLI's words. */
function describeArgumentError(error: Error & { code?: string }, options: ParseArgsOptionsConfig): string {
  const flag = /'([^']+)'/.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag !== undefined) {
    const name = flag.replace(/^-+/, '');
    // A one-letter flag is too short to guess from.
    return `unknown option ${flag}${name.length > 1 ? suggestion(name, Object.keys(options), '--') : ''}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag !== undefined) {
    const name = /--([\w-]+)/.exec(flag)?.[1];
    if (name !== undefined) return options[name]?.type === 'string' ? `--${name} needs a value` : `--${name} takes no value`;
  }
  return error.message;
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
