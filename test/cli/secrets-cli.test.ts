/**
 * `interchange secrets` against a served gateway on an embedded SQLite file, then `interchange serve` with a
 * configuration that references the stored secret: it reaches the upstream, and with a wrong master key start-up
 * stops with one line naming the secret and the key id (no stack, no value).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { runCli, startCliUntil } from '../support/cli-process.ts';

const adminToken = 'cli-secrets-admin-token-0123456789';
const upstreamKey = 'sk-cli-STOREDCANARY-5d6e7f';
const masterKey = randomBytes(32).toString('base64');

describe('interchange secrets', () => {
  let directory: string;
  let emulator: ReturnType<typeof startCliUntil>;
  let gateway: ReturnType<typeof startCliUntil>;
  let url: string;
  let emulatorUrl: string;
  const env = { INTERCHANGE_ADMIN_TOKEN: adminToken, INTERCHANGE_MASTER_KEYS: `k1:${masterKey}` };

  const configFile = async (name: string, provider: string) => {
    const file = join(directory, name);
    await writeFile(
      file,
      `listen: 127.0.0.1:0
logging: { level: info, requests: false }
auth: { clients: none }
store: { kind: sqlite, path: ${join(directory, 'data', 'gateway.db')} }
admin: { tokens: { cli: \${TEST_ADMIN_TOKEN} } }
providers:
  upstream: ${provider}
models:
  gpt-4o-mini: { channels: [ { provider: upstream, model: gpt-4o-mini } ] }
`,
    );
    return file;
  };

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'interchange-secrets-cli-'));
    emulator = startCliUntil(['emulate', 'openai', '--port', '0', '--api-key', upstreamKey], /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    emulatorUrl = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(await emulator.started)![1];
    const file = await configFile('admin.yaml', `{ kind: openai-compatible, base_url: ${emulatorUrl}/v1 }`);
    gateway = startCliUntil(['serve', '--config', file], /"url":"http:\/\/127\.0\.0\.1:\d+"/, { TEST_ADMIN_TOKEN: adminToken, INTERCHANGE_MASTER_KEYS: env.INTERCHANGE_MASTER_KEYS });
    url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(await gateway.started)![1];
  });
  after(async () => {
    await gateway?.stop();
    await emulator?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('sets from a file or a variable, lists, rotates and deletes, never printing a value', async () => {
    const valueFile = join(directory, 'openai-key');
    await writeFile(valueFile, `${upstreamKey}\n`);
    const set = await runCli(['secrets', 'set', 'openai-key', '--from-file', valueFile, '--gateway', url], env);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^key_id\s+k1$/m);
    const fromEnv = await runCli(['secrets', 'set', 'scratch', '--from-env', 'SCRATCH_VALUE', '--gateway', url], { ...env, SCRATCH_VALUE: 'scratch-STOREDCANARY' });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    const listed = await runCli(['secrets', 'list', '--gateway', url], env);
    assert.match(listed.stdout, /^name\s+key_id\s+created_at\s+updated_at$/m);
    assert.match(listed.stdout, /^openai-key\s+k1\s/m);
    const rotated = await runCli(['secrets', 'rotate', '--gateway', url, '--json'], env);
    assert.deepEqual(JSON.parse(rotated.stdout), { key_id: 'k1', rotated: [], total: 2 });
    assert.equal((await runCli(['secrets', 'delete', 'scratch', '--gateway', url], env)).code, 0);
    const again = await runCli(['secrets', 'delete', 'scratch', '--gateway', url], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /404 not_found/);
    const empty = await runCli(['secrets', 'set', 'x', '--gateway', url], env);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /the value is empty/);
    for (const run of [set, fromEnv, listed, rotated]) assert.equal(`${run.stdout}${run.stderr}`.includes('STOREDCANARY'), false);
  });

  it('serve resolves ${secret:…} from the store; a wrong master key stops start-up naming the secret and key id', async () => {
    const file = await configFile('uses-secret.yaml', `{ kind: openai, base_url: ${emulatorUrl}/v1, auth: { api_key: "\${secret:openai-key}" } }`);
    const served = startCliUntil(['serve', '--config', file], /"url":"http:\/\/127\.0\.0\.1:\d+"/, { TEST_ADMIN_TOKEN: adminToken, INTERCHANGE_MASTER_KEYS: env.INTERCHANGE_MASTER_KEYS });
    try {
      const servedUrl = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(await served.started)![1];
      const response = await request(`${servedUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const text = await response.body.text();
      assert.equal(response.statusCode, 200, text);
    } finally {
      await served.stop();
    }
    const wrong = await runCli(['serve', '--config', file], { TEST_ADMIN_TOKEN: adminToken, INTERCHANGE_MASTER_KEYS: `k1:${randomBytes(32).toString('base64')}` });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /providers\.upstream\.auth\.api_key: the stored secret "openai-key" cannot be decrypted with master key "k1"/);
    assert.doesNotMatch(wrong.stderr, /\n\s+at /);
    assert.equal(wrong.stderr.includes('STOREDCANARY'), false);
    const malformed = await runCli(['serve', '--config', file], { TEST_ADMIN_TOKEN: adminToken, INTERCHANGE_MASTER_KEY: 'not-a-key' });
    assert.equal(malformed.code, 1);
    assert.match(malformed.stderr, /INTERCHANGE_MASTER_KEY: a master key is 32 bytes/);
    assert.doesNotMatch(malformed.stderr, /\n\s+at /);
  });
});
