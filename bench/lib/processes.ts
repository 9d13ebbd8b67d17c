// Child processes for the bench: the harness's own Node (process.execPath), pinned to a core with taskset when it
// exists, stdin a pipe (the bench's own servers exit when it closes), tracked so every one is killed on exit.

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'undici';

export type ManagedProcess = {
  name: string;
  child: ChildProcess;
  pid: number;
  logPath: string | null;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  hasExited: () => boolean;
};

const live = new Set<ManagedProcess>();
let tasksetAvailable: boolean | null = null;

export function hasTaskset(): boolean {
  tasksetAvailable ??= spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
  return tasksetAvailable;
}

/** Pins an existing process (the harness itself) to one core; false when that is not possible. */
export function pinProcess(pid: number, core: number): boolean {
  return hasTaskset() && spawnSync('taskset', ['-cp', String(core), String(pid)], { stdio: 'ignore' }).status === 0;
}

export type StartOptions = {
  name: string;
  /** Node flags, then the script and its arguments. */
  nodeArguments: string[];
  /** Core to pin to, or null. */
  core: number | null;
  cwd: string;
  /** The file stdout and stderr go to; null to pipe them to the caller. */
  logPath: string | null;
  env?: NodeJS.ProcessEnv;
};

export function startNodeProcess(options: StartOptions): ManagedProcess {
  const pinned = options.core !== null && hasTaskset();
  const output = options.logPath === null ? 'pipe' : openSync(options.logPath, 'a');
  const child = spawn(pinned ? 'taskset' : process.execPath, pinned ? ['-c', String(options.core), process.execPath, ...options.nodeArguments] : options.nodeArguments, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['pipe', output, output],
  });
  if (typeof output === 'number') closeSync(output);
  if (child.pid === undefined) throw new Error(`could not start ${options.name}`);
  let done = false;
  const managed: ManagedProcess = {
    name: options.name,
    child,
    pid: child.pid, // taskset execs the command, so this is the Node process itself
    logPath: options.logPath,
    exited: new Promise((resolve) => {
      const finish = (outcome: number | string) => {
        done = true;
        live.delete(managed);
        resolve(outcome);
      };
      child.once('exit', (code, signal) => finish(code ?? signal ?? 'unknown'));
      child.once('error', (error) => finish(`error: ${error.message}`));
    }),
    hasExited: () => done,
  };
  child.stdin?.on('error', () => {});
  live.add(managed);
  return managed;
}

/** Asks a process to stop, then kills it if it is still there after `graceMs`. */
export async function stopProcess(managed: ManagedProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<void> {
  if (managed.hasExited()) return;
  managed.child.stdin?.end();
  managed.child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([managed.exited, new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)))]);
  clearTimeout(timer);
  if (outcome === 'timeout' && !managed.hasExited()) {
    managed.child.kill('SIGKILL');
    await managed.exited;
  }
}

/** The last resort (process 'exit'): SIGKILL everything still running, synchronously. */
export function killAllNow(): void {
  for (const managed of live) managed.child.kill('SIGKILL');
  live.clear();
}

export function liveProcesses(): ManagedProcess[] {
  return [...live];
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** The status of a GET on `url` (on a connection closed after it), or null when nothing answers within a second. */
const probe = (url: string): Promise<number | null> =>
  request(url, { reset: true, headersTimeout: 1000, bodyTimeout: 1000 }).then(
    async (response) => {
      await response.body.dump();
      return response.statusCode;
    },
    () => null,
  );

/** Polls `url` until `accept(status)`; fails early when the process exits, and after `timeoutMs`. */
export async function waitForHttp(url: string, accept: (status: number) => boolean, managed: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: number | null = null;
  while (Date.now() < deadline) {
    if (managed.hasExited()) throw new Error(`${managed.name} exited before it was ready (${await managed.exited})${logTail(managed)}`);
    last = await probe(url);
    if (last !== null && accept(last)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${managed.name} not ready after ${timeoutMs} ms (GET ${url} → ${last ?? 'no answer'})${logTail(managed)}`);
}

export function logTail(managed: ManagedProcess, characters = 2000): string {
  if (managed.logPath === null) return '';
  try {
    // Only the end: the gateway's log holds a line per request.
    const file = openSync(managed.logPath, 'r');
    const size = fstatSync(file).size;
    const tail = Buffer.alloc(Math.min(size, characters));
    readSync(file, tail, 0, tail.length, size - tail.length);
    closeSync(file);
    const text = tail.toString('utf8');
    return text.trim() === '' ? '' : `\n--- last output of ${managed.name} (${managed.logPath}) ---\n${text}`;
  } catch {
    return '';
  }
}
