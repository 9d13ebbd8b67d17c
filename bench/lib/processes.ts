// Child processes for the bench: started with the same Node as the harness (process.execPath), pinned to a core
// with taskset when it exists, tracked so that every one of them is killed on exit, error or signal.

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';

export type ManagedProcess = {
  name: string;
  child: ChildProcess;
  pid: number;
  logPath: string | null;
  /** Resolves with the exit code (or signal name) when the process has exited. */
  exited: Promise<number | string>;
  hasExited: () => boolean;
};

const live = new Set<ManagedProcess>();

let tasksetAvailable: boolean | null = null;

export function hasTaskset(): boolean {
  if (tasksetAvailable === null) {
    const probe = spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    tasksetAvailable = probe.error === undefined && probe.status === 0;
  }
  return tasksetAvailable;
}

/** Pins an existing process (e.g. the harness itself) to one core. Returns false when that is not possible. */
export function pinProcess(pid: number, core: number): boolean {
  if (!hasTaskset()) return false;
  const result = spawnSync('taskset', ['-cp', String(core), String(pid)], { stdio: 'ignore' });
  return result.status === 0;
}

export type StartOptions = {
  name: string;
  /** Arguments after the Node binary: Node flags, then the script and its arguments. */
  nodeArguments: string[];
  /** Core to pin to with taskset, or null for unpinned. */
  core: number | null;
  cwd: string;
  /** Where stdout and stderr go; null to pipe them to the caller. */
  logPath: string | null;
  /** Keep stdin as a pipe (processes that exit when their stdin closes use that to never outlive the harness). */
  stdinPipe?: boolean;
  env?: NodeJS.ProcessEnv;
};

export function startNodeProcess(options: StartOptions): ManagedProcess {
  const pinned = options.core !== null && hasTaskset();
  const command = pinned ? 'taskset' : process.execPath;
  const commandArguments = pinned
    ? ['-c', String(options.core), process.execPath, ...options.nodeArguments]
    : options.nodeArguments;
  let logFd: number | null = null;
  if (options.logPath !== null) logFd = openSync(options.logPath, 'a');
  const output = logFd === null ? 'pipe' : logFd;
  const child = spawn(command, commandArguments, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [options.stdinPipe === true ? 'pipe' : 'ignore', output, output],
  });
  if (logFd !== null) closeSync(logFd);
  if (child.pid === undefined) throw new Error(`could not start ${options.name}`);
  let done = false;
  const managed: ManagedProcess = {
    name: options.name,
    child,
    pid: child.pid, // taskset execs the command, so this is the Node process itself
    logPath: options.logPath,
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        done = true;
        live.delete(managed);
        resolve(code ?? signal ?? 'unknown');
      });
      child.once('error', (error) => {
        done = true;
        live.delete(managed);
        resolve(`error: ${error.message}`);
      });
    }),
    hasExited: () => done,
  };
  live.add(managed);
  return managed;
}

/** Asks a process to stop, then kills it if it is still there after `graceMs`. */
export async function stopProcess(managed: ManagedProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<void> {
  if (managed.hasExited()) return;
  managed.child.stdin?.end();
  managed.child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  const outcome = await Promise.race([managed.exited, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout' && !managed.hasExited()) {
    managed.child.kill('SIGKILL');
    await managed.exited;
  }
}

/** Synchronous last resort (for process 'exit'): SIGKILL everything still running. */
export function killAllNow(): void {
  for (const managed of live) {
    try {
      managed.child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
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
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function probe(url: string, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const outgoing = httpRequest(url, { method: 'GET', agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? null));
      response.once('error', () => resolve(null));
    });
    outgoing.once('timeout', () => outgoing.destroy());
    outgoing.once('error', () => resolve(null));
    outgoing.end();
  });
}

/**
 * Polls `url` until `accept(status)` holds. Fails early when `managed` exits, and after `timeoutMs` overall.
 */
export async function waitForHttp(
  url: string,
  accept: (status: number) => boolean,
  managed: ManagedProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: number | null = null;
  while (Date.now() < deadline) {
    if (managed.hasExited()) {
      throw new Error(`${managed.name} exited before it was ready (${await managed.exited})${logTail(managed)}`);
    }
    last = await probe(url, 1000);
    if (last !== null && accept(last)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${managed.name} not ready after ${timeoutMs} ms (GET ${url} → ${last ?? 'no answer'})${logTail(managed)}`);
}

export function logTail(managed: ManagedProcess, characters = 2000): string {
  if (managed.logPath === null) return '';
  try {
    const text = readFileSync(managed.logPath, 'utf8');
    if (text.trim() === '') return '';
    return `\n--- last output of ${managed.name} (${managed.logPath}) ---\n${text.slice(-characters)}`;
  } catch {
    return '';
  }
}
