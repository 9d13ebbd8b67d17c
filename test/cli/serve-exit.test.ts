/** `serve` stops as soon as nothing is in flight: an idle gateway does not wait for its drain deadline to exit. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { startCliUntil } from '../support/cli-process.ts';

it('an idle serve exits on SIGTERM long before server.drain_timeout', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'interchange-exit-'));
  try {
    const configPath = join(directory, 'gateway.yaml');
    await writeFile(
      configPath,
      `listen: 127.0.0.1:0
auth: { clients: none }
store: { kind: memory }
server: { shutdown_delay: 0s, drain_timeout: 60s }
providers: { p: { kind: openai-compatible, base_url: "http://127.0.0.1:9/v1" } }
models: { m: { channels: [ { provider: p, model: m } ] } }
`,
    );
    const serve = startCliUntil(['serve', '--config', configPath], /interchange listening/);
    await serve.started;
    const startedAt = performance.now();
    const code = await serve.stop();
    const tookMs = performance.now() - startedAt;
    assert.equal(code, 0);
    // The deadline is 60 s; anything near it means the drain timer held the process.
    assert.ok(tookMs < 30_000, `exited after ${Math.round(tookMs)} ms`);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
