import { checkConfigFile } from '../config/check-config.ts';
import { parseCommandArgs, usageProblem } from './main.ts';

export const checkConfigUsage = `Usage: interchange check-config FILE

Validates a configuration without starting anything. Prints what it defines (providers with their endpoints, models
with their channels in order, agreements, decline rules, routing settings) and any warnings, and exits 0; or lists
every problem by path and exits 1 (a file that is not YAML: one line, file:line:column and the reason). Secrets are
never printed. Environment references are resolved from this environment, and files the configuration names must be
readable, as when the gateway starts.

Options:
  -c, --config FILE   the same as giving FILE (default: $INTERCHANGE_CONFIG)
  -h, --help          show this text
`;

export async function runCheckConfig(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('check-config', args, { config: { type: 'string', short: 'c' } });
  if (positionals.length > 1) throw usageProblem('check-config', `one file at a time (got ${positionals.length})`);
  if (values.config !== undefined && positionals.length > 0) throw usageProblem('check-config', 'give the file once: FILE or --config FILE');
  const file = positionals[0] ?? values.config ?? process.env.INTERCHANGE_CONFIG;
  if (file === undefined || file === '') throw usageProblem('check-config', 'no configuration; give FILE or set INTERCHANGE_CONFIG');
  const { ok, output } = await checkConfigFile(file);
  (ok ? process.stdout : process.stderr).write(output.endsWith('\n') ? output : `${output}\n`);
  return ok ? 0 : 1;
}
