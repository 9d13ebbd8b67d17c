// The harness's side of a load-generator process: commands over stdin, JSON events from stdout, a time limit on
// every step so a stuck target can never hang the run.

import { join } from 'node:path';
import type { GeneratorOptions, LoadResult, SegmentResult } from '../load-generator.ts';
import { startNodeProcess, stopProcess } from './processes.ts';
import type { ManagedProcess } from './processes.ts';

type Event = { event: string } & Record<string, unknown>;

export class GeneratorHandle {
  process: ManagedProcess;
  stderr = '';
  buffered = '';
  waiters: { event: string; resolve: (event: Event) => void }[] = [];
  /** Called synchronously at the edges of a measured window (the harness reads /proc there). */
  onEdge: ((edge: 'measure-start' | 'measure-end') => void) | null = null;

  constructor(benchDirectory: string, root: string, options: GeneratorOptions, core: number | null) {
    this.process = startNodeProcess({ name: 'load-generator', nodeArguments: [join(benchDirectory, 'load-generator.ts'), JSON.stringify(options)], core, cwd: root, logPath: null });
    this.process.child.stderr?.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 8000) this.stderr += chunk.toString();
    });
    this.process.child.stdout?.on('data', (chunk: Buffer) => this.onStdout(chunk));
  }

  onStdout(chunk: Buffer): void {
    this.buffered += chunk.toString();
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) !== -1) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      let event: Event;
      try {
        event = JSON.parse(line) as Event;
      } catch {
        continue;
      }
      if (event.event === 'measure-start' || event.event === 'measure-end') this.onEdge?.(event.event);
      const index = this.waiters.findIndex((waiter) => waiter.event === event.event);
      if (index !== -1) this.waiters.splice(index, 1)[0].resolve(event);
    }
  }

  /** Waits for `event`, failing if the process exits first or `timeoutMs` passes. */
  async expect(event: string, timeoutMs: number): Promise<Event> {
    let timer: NodeJS.Timeout | undefined;
    const waiter = { event, resolve: (_event: Event) => {} };
    const arrived = new Promise<Event>((resolve) => {
      waiter.resolve = resolve;
      this.waiters.push(waiter);
    });
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([arrived, timedOut, this.process.exited.then((code) => ({ exited: code }))]);
    clearTimeout(timer);
    const index = this.waiters.indexOf(waiter);
    if (index !== -1) this.waiters.splice(index, 1);
    const stderr = this.stderr.trim() === '' ? '' : `: ${this.stderr.trim().slice(-500)}`;
    if (outcome === 'timeout') throw new Error(`load generator: no "${event}" within ${timeoutMs} ms${stderr}`);
    if ('exited' in outcome) throw new Error(`load generator exited (${outcome.exited}) before "${event}"${stderr}`);
    return outcome;
  }

  async ready(timeoutMs = 10_000): Promise<void> {
    await this.expect('ready', timeoutMs);
  }

  async segment(warmupMs: number, durationMs: number, requestTimeoutMs: number): Promise<SegmentResult> {
    const done = this.expect('segment', warmupMs + durationMs + requestTimeoutMs + 10_000);
    this.process.child.stdin?.write(JSON.stringify({ command: 'segment', warmupMs, durationMs }) + '\n');
    const { event: _event, ...result } = await done;
    return result as unknown as SegmentResult;
  }

  async finish(timeoutMs = 30_000): Promise<LoadResult> {
    const done = this.expect('result', timeoutMs);
    this.process.child.stdin?.write(JSON.stringify({ command: 'finish' }) + '\n');
    const { event: _event, ...result } = await done;
    await Promise.race([this.process.exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
    return result as unknown as LoadResult;
  }

  async kill(): Promise<void> {
    await stopProcess(this.process, 'SIGKILL', 1000);
  }
}
