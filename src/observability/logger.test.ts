/**
 * Request logs are written asynchronously; none may be lost when the process exits, normally or on a fatal error.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const loggerModule = new URL('./logger.ts', import.meta.url).href;
const folder = mkdtempSync(join(tmpdir(), 'interchange-logger-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** Runs a script that logs `lines` request lines through the stdout destination, then ends as `ending` says. */
function run(lines: number, ending: 'return' | 'throw' | 'exit'): { lines: string[]; status: number | null } {
  const file = join(folder, `${ending}.log`);
  const script = `
    import { createLogger, requestLogger } from ${JSON.stringify(loggerModule)};
    const log = requestLogger(createLogger('info', { pretty: false }));
    for (let i = 0; i < ${lines}; i++) log.info({ requestId: 'r' + i, status: 200, durationMs: 1.5 }, 'request');
    ${ending === 'throw' ? "throw new Error('fatal');" : ending === 'exit' ? 'process.exit(3);' : ''}
  `;
  const out = openSync(file, 'w');
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', out, 'ignore'] });
  closeSync(out);
  return { lines: readFileSync(file, 'utf8').split('\n').filter((line) => line !== ''), status: result.status };
}

describe('request log lines', () => {
  it('are all written on a normal exit, as JSON, in order', () => {
    const { lines, status } = run(20_000, 'return');
    assert.equal(status, 0);
    assert.equal(lines.length, 20_000);
    const first = JSON.parse(lines[0]) as Record<string, unknown>;
    assert.equal(first.requestId, 'r0');
    assert.equal(first.msg, 'request');
    assert.equal(first.service, 'interchange');
    assert.match(String(first.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(String(first.time)) - Date.now()) < 60_000, 'the time is now, not a stale cached one');
    assert.equal((JSON.parse(lines.at(-1)!) as { requestId: string }).requestId, 'r19999');
  });

  it('are all written when the process dies of an uncaught error', () => {
    const { lines, status } = run(20_000, 'throw');
    assert.equal(status, 1);
    assert.equal(lines.length, 20_000);
  });

  it('are all written on process.exit', () => {
    const { lines, status } = run(20_000, 'exit');
    assert.equal(status, 3);
    assert.equal(lines.length, 20_000);
  });
});

describe('the log buffer', () => {
  it('is bounded: when stdout stalls, lines past the bound are dropped and counted, not kept in memory', async () => {
    const { spawn } = await import('node:child_process');
    const total = 120_000;
    const script = `
      import { createLogger, requestLogger, droppedLogLines, maxBufferBytes } from ${JSON.stringify(loggerModule)};
      const log = requestLogger(createLogger('info', { pretty: false }));
      const padding = 'x'.repeat(300);
      for (let i = 0; i < ${total}; i++) log.info({ requestId: 'r' + i, padding }, 'request');
      process.stderr.write(JSON.stringify({ dropped: droppedLogLines(), maxBufferBytes }) + '\\n');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Nobody reads stdout until the child reported: the pipe fills and the destination's buffer reaches its bound.
    child.stdout.pause();
    const report = await new Promise<{ dropped: number; maxBufferBytes: number }>((resolve) => {
      let text = '';
      child.stderr.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(JSON.parse(text.slice(0, text.indexOf('\n'))));
      });
    });
    let received = 0;
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      for (const byte of chunk) if (byte === 10) received++;
    });
    child.stdout.resume();
    await new Promise((resolve) => child.on('close', resolve));
    assert.ok(report.dropped > 0, 'lines past the bound are dropped');
    assert.equal(received + report.dropped, total, 'every line is either written or counted as dropped');
    // What was held never exceeded the bound (plus the pipe's own buffer and one line).
    assert.ok(bytes <= report.maxBufferBytes + 1024 * 1024, `${bytes} bytes written after the stall`);
  });
});

describe('a quiet gateway', () => {
  it('writes a lone line within half a second, without waiting for a full batch or the exit', () => {
    const file = join(folder, 'quiet.log');
    const script = `
      import { readFileSync } from 'node:fs';
      import { createLogger, requestLogger } from ${JSON.stringify(loggerModule)};
      const log = requestLogger(createLogger('info', { pretty: false }));
      log.info({ requestId: 'lonely' }, 'request');
      const immediately = readFileSync(process.env.LOG_FILE, 'utf8').includes('lonely');
      setTimeout(() => {
        const later = readFileSync(process.env.LOG_FILE, 'utf8').includes('lonely');
        process.stderr.write(JSON.stringify({ immediately, later }));
      }, 500);
    `;
    const out = openSync(file, 'w');
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', out, 'pipe'], env: { ...process.env, LOG_FILE: file } });
    closeSync(out);
    const seen = JSON.parse(result.stderr.toString()) as { immediately: boolean; later: boolean };
    assert.equal(seen.immediately, false, 'one line is below the batch size, so it waits');
    assert.equal(seen.later, true, 'the periodic flush wrote it');
  });
});
