/**
 * Structured JSON logs (pino). Secrets never reach a log line: request bodies and credentials are not logged.
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/types.ts';

export type { Logger };

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'interchange' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['*.authorization', '*.apiKey', '*.api_key', '*.headers.authorization'], censor: '[redacted]' },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
