/**
 * Structured JSON logs (pino). Secrets never reach a log line: request bodies and credentials are not logged.
 *
 * Lines are written in batches: pino's SonicBoom destination on stdout writes once 8 KiB are buffered (or every
 * 250 ms), so under load many lines leave in one system call. When stdout is a pipe or a terminal, batches are written
 * in the background and the buffer is bounded (`maxBufferBytes`); past it, lines are dropped and counted
 * (`interchange_log_lines_dropped_total`) rather than letting memory grow. What is buffered is written when the
 * process exits, normally or on a fatal error. On a terminal, lines are pretty-printed.
 */
import { fstatSync } from 'node:fs';
import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevel } from '../config/types.ts';

export type { Logger };

/** Past this many buffered bytes (a stalled stdout), new lines are dropped instead of growing memory. */
export const maxBufferBytes = 16 * 1024 * 1024;

/**
 * Lines are written once this many bytes are buffered (about sixteen request lines), or after `flushIntervalMs`: a log
 * write costs mostly per system call (the hand-off to libuv's thread pool, the file system), not per byte. Larger
 * batches cost more again, since the destination measures its pending string on every line.
 */
const batchBytes = 8 * 1024;
/** A quiet gateway still writes its lines within a quarter second. */
const flushIntervalMs = 250;

let dropped = 0;

/** Log lines dropped because stdout could not keep up (the buffer bound was reached). */
export function droppedLogLines(): number {
  return dropped;
}

const redact = { paths: ['*.authorization', '*.apiKey', '*.api_key', '*.headers.authorization'], censor: '[redacted]' };

export interface LoggerOptions {
  /** Defaults to stdout: pretty-printed when it is a terminal, JSON otherwise. */
  readonly destination?: DestinationStream | NodeJS.WritableStream;
  /** Force pretty (true) or JSON (false) on stdout; default: pretty only when stdout is a terminal. */
  readonly pretty?: boolean;
}

export function createLogger(level: LogLevel, options: LoggerOptions = {}): Logger {
  const settings = { level, base: { service: 'interchange' }, timestamp: pino.stdTimeFunctions.isoTime, redact };
  if (options.destination !== undefined) return pino(settings, options.destination);
  if (options.pretty ?? process.stdout.isTTY === true) return pino(settings, pretty({ destination: 1, sync: false, colorize: true, singleLine: true, ignore: 'pid,hostname,service' }));
  return pino(settings, stdoutDestination());
}

/**
 * The logger for request lines: the same destination, without redaction. A request line is built from known fields
 * only (never a body or a header), and path redaction costs more than the rest of the line.
 */
export function requestLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [] } });
}

let stdout: ReturnType<typeof pino.destination> | undefined;

function stdoutDestination(): ReturnType<typeof pino.destination> {
  if (stdout !== undefined) return stdout;
  // A regular file never waits for a reader: a batch is written at once (no hand-off to libuv's thread pool, whose
  // wake-ups cost more than the write itself). A pipe or a terminal can stall, so there a batch is written in the
  // background and what waits is bounded. pino writes out what is buffered when the process exits.
  const file = isRegularFile(1);
  const destination = pino.destination({ dest: 1, sync: file, minLength: batchBytes, maxLength: maxBufferBytes, periodicFlush: flushIntervalMs });
  destination.on('drop', () => {
    dropped++;
  });
  // A failed write (a full disk) loses that batch, not the process.
  destination.on('error', () => {
    dropped++;
  });
  // pino flushes a background destination on exit itself, but not a synchronous one that holds a partial batch.
  if (file) process.once('exit', () => destination.flushSync());
  stdout = destination;
  return destination;
}

function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

/** Writes out what the stdout destination holds (graceful shutdown). */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
