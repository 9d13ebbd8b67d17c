/** The background purge of expired stored responses: batches and their bounds, the interval, stop, failures logged. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { storedResponse } from './conformance/response-store-conformance.ts';
import { MemoryResponseStore } from './memory/memory-response-store.ts';
import { purgeBatch, purgeExpiredResponses, startResponsePurge } from './purge-responses.ts';
import { openSqlite } from './sqlite/sqlite-database.ts';
import { SqliteResponseStore } from './sqlite/sqlite-response-store.ts';

async function storeWith(expired: number, live = 0): Promise<MemoryResponseStore> {
  const store = new MemoryResponseStore({ maxResponses: 100_000, maxCharacters: Number.MAX_SAFE_INTEGER });
  for (let index = 0; index < expired; index++) await store.put(storedResponse(`resp_e${index}`, 'acme', { expiresAt: 100 + index }));
  for (let index = 0; index < live; index++) await store.put(storedResponse(`resp_l${index}`, 'acme', { expiresAt: 1_000_000 }));
  return store;
}

/** Polls `condition` every 5 ms for at most `ms`. */
async function eventually(condition: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await sleep(5);
  }
}

const unbounded = { maxBatches: 1_000, budgetMs: Number.MAX_SAFE_INTEGER };

describe('purgeExpiredResponses', () => {
  it('deletes in batches until one comes back short, leaving what has not expired', async () => {
    const store = await storeWith(2 * purgeBatch + 1, 3);
    assert.equal(await purgeExpiredResponses(store, () => 500_000, unbounded), 2 * purgeBatch + 1);
    assert.equal(store.size, 3);
    assert.equal(await purgeExpiredResponses(store, () => 500_000, unbounded), 0);
  });

  it('runs at most maxBatches batches', async () => {
    const at = (expired: number, maxBatches: number) => storeWith(expired).then(async (store) => [await purgeExpiredResponses(store, () => 500_000, { ...unbounded, maxBatches }), store.size]);
    assert.deepEqual(await at(2 * purgeBatch - 1, 2), [2 * purgeBatch - 1, 0]);
    assert.deepEqual(await at(2 * purgeBatch, 2), [2 * purgeBatch, 0]);
    assert.deepEqual(await at(2 * purgeBatch + 1, 2), [2 * purgeBatch, 1]);
    assert.deepEqual(await at(purgeBatch, 1), [purgeBatch, 0]);
    assert.deepEqual(await at(purgeBatch + 1, 1), [purgeBatch, 1]);
  });

  it('starts no batch once the run has taken budgetMs (the first always runs)', async () => {
    // The clock moves 10 ms each time it is read: the run starts at +10, its batches at +20, +30, +40…
    const stepping = () => {
      let time = 1_000_000;
      return () => (time += 10);
    };
    const run = async (budgetMs: number) => {
      const store = await storeWith(5 * purgeBatch);
      return purgeExpiredResponses(store, stepping(), { maxBatches: 100, budgetMs });
    };
    assert.equal(await run(20), 1 * purgeBatch, 'the second batch would start 20 ms in');
    assert.equal(await run(21), 2 * purgeBatch);
    assert.equal(await run(1), 1 * purgeBatch);
  });

  it('stops between batches once asked', async () => {
    const store = await storeWith(3 * purgeBatch);
    let asked = 0;
    assert.equal(await purgeExpiredResponses(store, () => 500_000, unbounded, () => ++asked >= 2), 2 * purgeBatch);
  });
});

describe('startResponsePurge', () => {
  it('purges on its interval by the clock it is given, and not after stop', async () => {
    const store = new MemoryResponseStore();
    await store.put(storedResponse('resp_a', 'acme', { expiresAt: 100 }));
    await store.put(storedResponse('resp_b', 'acme', { expiresAt: 200 }));
    let now = 99;
    const warnings: unknown[] = [];
    const purge = startResponsePurge(store, { warn: (fields) => warnings.push(fields) }, { intervalMs: 5, clock: () => now });
    await sleep(30);
    assert.equal(store.size, 2, 'nothing expired yet');
    now = 100;
    await eventually(() => store.size === 1);
    assert.equal((await store.get('resp_b', 'acme', 0))?.id, 'resp_b');
    now = 200;
    await eventually(() => store.size === 0);
    await purge.stop();
    await store.put(storedResponse('resp_c', 'acme', { expiresAt: 300 }));
    now = 400;
    await sleep(50);
    assert.equal(store.size, 1, 'stopped: resp_c stays');
    assert.deepEqual(warnings, []);
  });

  it('stop resolves once a run in progress has stopped; nothing is deleted after it', async () => {
    const store = await storeWith(20 * purgeBatch);
    const purge = startResponsePurge(store, { warn: () => {} }, { intervalMs: 1, clock: () => 500_000, limits: unbounded });
    // Polled every turn of the event loop, as often as the run yields between its batches, to stop it mid-run.
    const deadline = Date.now() + 5_000;
    while (store.size === 20 * purgeBatch && Date.now() < deadline) await nextTurn();
    await purge.stop();
    const left = store.size;
    assert.ok(left > 0 && left < 20 * purgeBatch && left % purgeBatch === 0, `stopped part-way, between batches (${left} left)`);
    await sleep(30);
    assert.equal(store.size, left);
  });

  it('logs a failure and keeps running: the next run tries again', async () => {
    const { database } = openSqlite(':memory:');
    const store = new SqliteResponseStore(database);
    database.close();
    const warnings: { fields: { err?: unknown }; message: string }[] = [];
    const purge = startResponsePurge(store, { warn: (fields, message) => warnings.push({ fields, message }) }, { intervalMs: 5 });
    await eventually(() => warnings.length >= 2);
    await purge.stop();
    assert.match(warnings[0].message, /could not purge expired stored responses/);
    assert.ok(warnings[0].fields.err instanceof Error, 'the error, for the logger to serialise');
    assert.match((warnings[0].fields.err as Error).message, /finalized|not open/);
  });

  it('never keeps the process alive', async () => {
    const script = `
      import { MemoryResponseStore } from ${JSON.stringify(new URL('./memory/memory-response-store.ts', import.meta.url).href)};
      import { startResponsePurge } from ${JSON.stringify(new URL('./purge-responses.ts', import.meta.url).href)};
      startResponsePurge(new MemoryResponseStore(), console, { intervalMs: 3_600_000 });
      console.log('started');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const timer = setTimeout(() => child.kill(), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    assert.equal(code, 0, output);
    assert.match(output, /started/);
  });
});
