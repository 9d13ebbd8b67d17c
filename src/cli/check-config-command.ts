import { checkConfigFile } from '../config/check-config.ts';
import { parseCommandArgs } from './main.ts';

export async function runCheckConfig(args: string[]): Promise<number> {
  const { positionals } = parseCommandArgs('check-config', args, {});
  const file = positionals[0] ?? process.env.INTERCHANGE_CONFIG;
  if (file === undefined || positionals.length > 1) {
    process.stderr.write('Usage: interchange check-config FILE\n');
    return 2;
  }
  const { ok, output } = await checkConfigFile(file);
  (ok ? process.stdout : process.stderr).write(output.endsWith('\n') ? output : `${output}\n`);
  return ok ? 0 : 1;
}
