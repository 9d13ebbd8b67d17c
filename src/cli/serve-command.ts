import { describeConfigError } from '../config/check-config.ts';
import { ConfigError, loadConfigFile } from '../config/load-config.ts';
import { masterKeysFromEnv, MasterKeyProblem } from '../secrets/master-keys.ts';
import { storedSecretSource } from '../secrets/stored-secrets.ts';
import { startGateway } from '../server/gateway-server.ts';
import { ConfigReloader, reloadOnHangup } from '../server/reload.ts';
import { parseCommandArgs, parsePort, usageProblem } from './main.ts';
import { stopOnSignal } from './stop-on-signal.ts';

export const serveUsage = `Usage: interchange serve [--config FILE] [--host H] [--port N]

Runs the gateway with the configuration in FILE (see docs/configuration.md). A configuration with problems stops
start-up with every problem listed. SIGHUP reloads the file: it is validated first, and on any problem the running
configuration stays and the problems are logged. \${secret:NAME} references are read from the store (decrypted
with $INTERCHANGE_MASTER_KEY or $INTERCHANGE_MASTER_KEYS) at start-up and on every reload. SIGINT or SIGTERM stops the gateway gracefully: new requests get 503,
requests in flight get until server.drain_timeout, and a second signal ends them at once.

Options:
  -c, --config FILE   the configuration (YAML); default: $INTERCHANGE_CONFIG
      --host H        listen on H instead of the configuration's listen host
  -p, --port N        listen on port N instead of the configuration's (0: any free port)
  -h, --help          show this text
`;

export async function runServe(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('serve', args, {
    config: { type: 'string', short: 'c' },
    host: { type: 'string' },
    port: { type: 'string', short: 'p' },
  });
  if (positionals.length > 0) throw usageProblem('serve', `unexpected argument "${positionals[0]}"; the configuration is given as --config FILE`);
  const file = values.config ?? process.env.INTERCHANGE_CONFIG;
  if (file === undefined || file === '') {
    process.stderr.write('interchange serve: no configuration; pass --config FILE or set INTERCHANGE_CONFIG.\n');
    return 2;
  }
  let config;
  let masterKeys;
  const secrets = storedSecretSource();
  try {
    masterKeys = masterKeysFromEnv(process.env);
    config = await loadConfigFile(file, undefined, secrets);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`interchange serve: ${describeConfigError(file, error)}`);
      return 1;
    }
    if (error instanceof MasterKeyProblem) {
      process.stderr.write(`interchange serve: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  let gateway;
  try {
    gateway = await startGateway(config, { host: values.host, port: parsePort(values.port, '--port'), masterKeys });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Only the admin plane's agreements are checked at start: they no longer fit this file.
    process.stderr.write(
      `interchange serve: agreements made through the admin plane do not fit ${file} (${error.problems.length === 1 ? '1 problem' : `${error.problems.length} problems`}):\n${error.message}\n` +
        'Start with the file they were made for and change or remove them (interchange agreements set|delete), or change the file.\n',
    );
    return 1;
  }
  gateway.context.logger.info({ url: gateway.url, providers: config.providers.size, models: config.models.size }, 'interchange listening');
  const reloader = new ConfigReloader(gateway.context, file, { secrets });
  reloadOnHangup(reloader);
  try {
    return await stopOnSignal(gateway, config.server.shutdownDelayMs);
  } finally {
    await reloader.close();
  }
}
