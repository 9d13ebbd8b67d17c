/**
 * The ledger's promise under `kill -9`: a gateway serving concurrent streaming and non-streaming requests is killed at
 * a random moment; every request whose response a client received in full is in the ledger exactly once afterwards,
 * and the gateway starts again on the same file. `KILL_RUNS` sets the rounds (default 3; the check is 20).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { openSqlite } from '../../src/store/sqlite/sqlite-database.ts';
import { SqliteLedgerStore } from '../../src/store/sqlite/sqlite-ledger-store.ts';
import { bin } from '../support/cli-process.ts';

const rounds = Number(process.env.KILL_RUNS ?? 3);
const WORKERS = 12;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function startGateway(configPath: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'serve', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`gateway not ready: ${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('interchange listening')) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.on('exit', (code, signal) => reject(new Error(`gateway exited (${code ?? signal}): ${output}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

/** One request; the request id when its response arrived in full, undefined otherwise (the gateway died first). */
async function oneRequest(origin: string, dispatcher: Agent, stream: boolean, n: number): Promise<string | undefined> {
  try {
    const response = await request(`${origin}/v1/chat/completions`, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream, max_tokens: 8, messages: [{ role: 'user', content: `request ${n}` }] }),
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) return undefined;
    const complete = stream ? text.trimEnd().endsWith('data: [DONE]') : JSON.parse(text).object === 'chat.completion';
    return complete ? String(response.headers['x-request-id']) : undefined;
  } catch {
    return undefined;
  }
}

describe('the ledger survives kill -9', () => {
  let emulator: RunningEmulator;
  let directory: string;
  before(async () => {
    emulator = await startOpenAIEmulator({ quiet: true });
    directory = mkdtempSync(join(tmpdir(), 'interchange-kill-'));
  });
  after(async () => {
    await emulator.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it(`every response a client received in full is booked exactly once (${rounds} rounds)`, async (t) => {
    const databasePath = join(directory, 'ledger.db');
    let totalReceived = 0;
    for (let round = 0; round < rounds; round++) {
      const port = await freePort();
      const configPath = join(directory, `gateway-${round}.yaml`);
      writeFileSync(
        configPath,
        `listen: 127.0.0.1:${port}
logging: { level: info, requests: false }
server: { shutdown_delay: 0s }
auth: { clients: none }
store: { kind: sqlite, path: ${databasePath} }
providers:
  upstream: { kind: openai-compatible, base_url: ${emulator.baseUrl} }
models:
  gpt-4o-mini: { channels: [ { provider: upstream, model: gpt-4o-mini, price: { input: 0.15, output: 0.60 } } ] }
`,
      );
      const gateway = await startGateway(configPath);
      const origin = `http://127.0.0.1:${port}`;
      const dispatcher = new Agent({ connections: WORKERS });
      const received: string[] = [];
      let stop = false;
      let n = 0;
      const workers = Array.from({ length: WORKERS }, async (_, worker) => {
        for (let i = 0; !stop && i < 10_000; i++) {
          const id = await oneRequest(origin, dispatcher, (worker + i) % 2 === 0, n++);
          if (id !== undefined) received.push(id);
        }
      });
      // A random moment after the load is under way.
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.floor(Math.random() * 1_200)));
      gateway.kill('SIGKILL');
      await exited(gateway);
      stop = true;
      await Promise.all(workers);
      await dispatcher.close();

      // A restart on the same file must work (WAL recovery, migrations already applied).
      const restarted = await startGateway(configPath);
      restarted.kill('SIGTERM');
      await exited(restarted);

      const { database } = openSqlite(databasePath);
      const ledger = new SqliteLedgerStore(database);
      const booked = new Map<string, number>();
      for (let cursor: string | undefined, page = 0; page < 10_000; page++) {
        const result = await ledger.entries({ cursor, limit: 1_000 });
        for (const entry of result.entries) booked.set(entry.requestId, (booked.get(entry.requestId) ?? 0) + 1);
        cursor = result.next;
        if (cursor === undefined) break;
      }
      database.close();
      const missing = received.filter((id) => !booked.has(id));
      assert.deepEqual(missing, [], `round ${round + 1}: ${missing.length} of ${received.length} received responses are not in the ledger`);
      assert.ok([...booked.values()].every((count) => count === 1));
      assert.ok(received.length > 0, `round ${round + 1}: no response arrived before the kill`);
      totalReceived += received.length;
      t.diagnostic(`round ${round + 1}: ${received.length} responses received in full before the kill, all booked; ${booked.size} entries in the ledger`);
    }
    t.diagnostic(`${rounds} rounds, ${totalReceived} responses received in full, none missing`);
  });
});
