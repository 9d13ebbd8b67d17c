import { ConfigError, loadConfigFile } from '../config/load-config.ts';
import { startGateway } from '../server/gateway-server.ts';
import { parseCommandArgs, parsePort } from './main.ts';
import { stopOnSignal } from './stop-on-signal.ts';

export async function runServe(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('serve', args, {
    config: { type: 'string', short: 'c' },
    host: { type: 'string' },
    port: { type: 'string', short: 'p' },
  });
  const file = values.config ?? process.env.INTERCHANGE_CONFIG;
  if (file === undefined || file === '') {
    process.stderr.write('interchange serve: no configuration; pass --config FILE or set INTERCHANGE_CONFIG.\n');
    return 2;
  }
  let config;
  try {
    config = await loadConfigFile(file);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`interchange serve: ${file} is not a valid configuration:\n${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const gateway = await startGateway(config, { host: values.host, port: parsePort(values.port, '--port') });
  gateway.context.logger.info({ url: gateway.url, providers: config.providers.size, models: config.models.size }, 'interchange listening');
  return stopOnSignal(gateway, config.server.shutdownDelayMs);
}
