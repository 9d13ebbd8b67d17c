/**
 * How `serve` stops: the first SIGTERM or SIGINT starts a graceful shutdown (docs/observability.md#shutdown); a second
 * one during it ends the requests still running at once, and the process exits as soon as the logs are flushed.
 */
import { constants } from 'node:os';
import type { RunningGateway } from '../server/gateway-server.ts';
import { waitForShutdownSignal } from './main.ts';

/** Resolves with the exit code once the gateway has stopped: 0, or 128 + the signal's number when told twice. */
export async function stopOnSignal(gateway: RunningGateway, shutdownDelayMs: number): Promise<number> {
  const signal = await waitForShutdownSignal();
  let second: NodeJS.Signals | undefined;
  const closeNow = (again: NodeJS.Signals): void => {
    second ??= again;
    gateway.context.logger.warn({ signal: again }, 'second signal: ending the requests in flight now');
    gateway.closeNow();
  };
  process.on('SIGINT', closeNow);
  process.on('SIGTERM', closeNow);
  try {
    await gateway.close({ shutdownDelayMs, reason: signal });
  } finally {
    process.off('SIGINT', closeNow);
    process.off('SIGTERM', closeNow);
  }
  return second === undefined ? 0 : 128 + constants.signals[second];
}
