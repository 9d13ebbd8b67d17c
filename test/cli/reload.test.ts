/**
 * SIGHUP on `interchange serve`, the real signal to a child process: a valid change takes effect while a stream that
 * started before it completes, an invalid one is logged and changes nothing, and the gateway keeps running.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';

const bin = fileURLToPath(new URL('../../bin/interchange.js', import.meta.url));
let directory: string;
let first: RunningEmulator;
let second: RunningEmulator;

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'interchange-sighup-'));
  first = await startOpenAIEmulator({ name: 'first', quiet: true });
  second = await startOpenAIEmulator({ name: 'second', quiet: true });
});

after(async () => {
  await Promise.all([first.close(), second.close()]);
  await rm(directory, { recursive: true, force: true });
});

const configuration = (upstream: RunningEmulator, models: string) => `listen: 127.0.0.1:0
logging: { level: info, requests: false }
auth: { clients: none }
store: { kind: memory }
providers:
  up: { kind: openai-compatible, base_url: ${upstream.baseUrl} }
models:
${models}
`;

/** The gateway as a child process, with its JSON log lines as they arrive. */
function serve(file: string) {
  const child = spawn(process.execPath, [bin, 'serve', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  let partial = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdout.on('data', (chunk: Buffer) => {
    partial += chunk.toString('utf8');
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete) if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    for (const wake of waiters.splice(0)) wake();
  });
  /** The first log line whose message matches, waiting up to 15 s for it. */
  const line = async (message: RegExp): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const found = lines.find((entry) => message.test(String(entry.msg)));
      if (found !== undefined) return found;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the gateway exited (${child.exitCode ?? child.signalCode}); stderr: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`no log line ${message} in time; lines: ${JSON.stringify(lines)}; stderr: ${stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  return {
    child,
    line,
    stop: () =>
      new Promise<number | null>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.on('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

async function chat(url: string, model: string): Promise<number> {
  const response = await request(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await response.body.text();
  return response.statusCode;
}

describe('interchange serve on SIGHUP', () => {
  it('reloads a valid change with a stream in flight, and keeps running on an invalid one', async () => {
    const file = join(directory, 'gateway.yaml');
    await writeFile(file, configuration(first, '  chat: { channels: [ { provider: up, model: gpt-4o-mini } ] }'));
    const gateway = serve(file);
    try {
      const url = String((await gateway.line(/^interchange listening$/)).url);

      // A slow stream, started on the first emulator before the reload.
      const stream = await request(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'Tell me a story [emulator-fault: delay-chunks=60]' }] }),
      });
      assert.equal(stream.statusCode, 200);
      const reader = stream.body[Symbol.asyncIterator]();
      let events = String((await reader.next()).value);

      await writeFile(
        file,
        configuration(second, '  chat: { channels: [ { provider: up, model: gpt-4o-mini } ] }\n  added: { channels: [ { provider: up, model: gpt-4.1 } ] }'),
      );
      gateway.child.kill('SIGHUP');
      const reloaded = await gateway.line(/^configuration reloaded$/);
      assert.equal(reloaded.level, 30);
      assert.deepEqual(reloaded.providers, { changed: ['up'] });
      assert.deepEqual(reloaded.models, { added: ['added'] });
      const before = second.stats.requests;
      assert.equal(await chat(url, 'added'), 200);
      assert.equal(second.stats.requests, before + 1, 'the new model is served by the changed provider');

      for (let next = await reader.next(); next.done !== true; next = await reader.next()) events += String(next.value);
      assert.match(events, /"finish_reason":"stop"/);
      assert.match(events, /data: \[DONE\]\n\n$/, 'the stream that started before the reload completed');

      await writeFile(file, 'providers:\n  up: { kind: openai-compatible, base_url: nowhere }\nmodels:\n  chat: { channels: [ { provider: upp, model: x } ] }\n');
      gateway.child.kill('SIGHUP');
      const refused = await gateway.line(/^configuration not reloaded/);
      assert.equal(refused.level, 50);
      assert.equal(refused.msg, `configuration not reloaded: ${file} has 2 problems; the running configuration stays`);
      assert.deepEqual(refused.problems, [
        'providers.up.base_url: is not a valid URL: it needs a scheme, e.g. "https://api.example.com/v1" or "http://127.0.0.1:8000/v1"',
        'models.chat.channels[0].provider: unknown provider "upp"; did you mean "up"?',
      ]);
      assert.equal(await chat(url, 'added'), 200, 'the running configuration still serves');
      assert.equal(gateway.child.exitCode ?? gateway.child.signalCode, null, 'still running');
    } finally {
      assert.equal(await gateway.stop(), 0);
    }
  });
});
