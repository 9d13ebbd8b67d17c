/**
 * `interchange tenants|keys|migrate` against a served gateway on an embedded SQLite file: the CLI calls the admin API,
 * prints tables or the API's JSON, shows a secret once, and the key it made works on the data plane.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { runCli, startCliUntil } from '../support/cli-process.ts';

const adminToken = 'cli-test-admin-token-0123456789';

describe('interchange keys, tenants and migrate', () => {
  let directory: string;
  let file: string;
  let gateway: ReturnType<typeof startCliUntil>;
  let emulator: ReturnType<typeof startCliUntil>;
  let url: string;
  const env = () => ({ INTERCHANGE_ADMIN_TOKEN: adminToken });

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'interchange-keys-cli-'));
    emulator = startCliUntil(['emulate', 'openai', '--port', '0'], /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const emulatorUrl = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(await emulator.started)![1];
    file = join(directory, 'gateway.yaml');
    await writeFile(
      file,
      `listen: 127.0.0.1:0
logging: { level: info, requests: false }
store: { kind: sqlite, path: ${join(directory, 'data', 'gateway.db')} }
admin: { tokens: { cli: \${TEST_ADMIN_TOKEN} } }
providers:
  upstream: { kind: openai-compatible, base_url: ${emulatorUrl}/v1 }
models:
  gpt-4o-mini: { channels: [ { provider: upstream, model: gpt-4o-mini } ] }
`,
    );
    gateway = startCliUntil(['serve', '--config', file], /"url":"http:\/\/127\.0\.0\.1:\d+"/, { TEST_ADMIN_TOKEN: adminToken });
    url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(await gateway.started)![1];
  });
  after(async () => {
    await gateway?.stop();
    await emulator?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('creates a tenant and a key, prints the secret once, and the key serves requests', async () => {
    const tenant = await runCli(['tenants', 'create', '--id', 'acme', '--name', 'Acme', '--rpm', '100', '--gateway', url], env());
    assert.equal(tenant.code, 0, tenant.stderr);
    assert.match(tenant.stdout, /^id\s+acme$/m);
    const created = await runCli(['keys', 'create', '--tenant', 'acme', '--name', 'ci', '--models', 'gpt-4o-mini', '--rpm', '60', '--metadata', 'owner=ana', '--gateway', url], env());
    assert.equal(created.code, 0, created.stderr);
    const key = /^key: (ick_\S+)$/m.exec(created.stdout)![1];
    assert.match(created.stdout, /not shown again/);
    const id = /^id\s+(\S+)$/m.exec(created.stdout)![1];

    const chat = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(chat.statusCode, 200);
    await chat.body.dump();

    const listed = await runCli(['keys', 'list', '--tenant', 'acme', '--json', '--gateway', url], env());
    assert.equal(listed.code, 0, listed.stderr);
    const json = JSON.parse(listed.stdout) as { data: Array<{ id: string; rpm: number; metadata: object }> };
    assert.deepEqual(json.data.map((item) => [item.id, item.rpm, item.metadata]), [[id, 60, { owner: 'ana' }]]);
    assert.equal(listed.stdout.includes(key.slice(17)), false);
    const table = await runCli(['keys', 'list', '--gateway', url], env());
    assert.match(table.stdout, /^id\s+prefix\s+tenant\s+name/m);
    assert.match(table.stdout, new RegExp(`^${id}\\s+${key.slice(0, 16)}\\s+acme\\s+ci\\s+gpt-4o-mini\\s+60`, 'm'));

    assert.equal((await runCli(['keys', 'update', id, '--rpm', 'none', '--gateway', url], env())).code, 0);
    assert.match((await runCli(['keys', 'show', id, '--gateway', url], env())).stdout, /^rpm\s+-$/m);
    const revoked = await runCli(['keys', 'revoke', id, '--gateway', url], env());
    assert.equal(revoked.code, 0, revoked.stderr);
    const refused = await request(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(refused.statusCode, 401);
    await refused.body.dump();
  });

  it('reports API errors and usage errors with their exit codes', async () => {
    const wrong = await runCli(['keys', 'list', '--gateway', url], { INTERCHANGE_ADMIN_TOKEN: 'not-the-admin-token-at-all' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /401 invalid_admin_token/);
    const noToken = await runCli(['keys', 'list', '--gateway', url], { INTERCHANGE_ADMIN_TOKEN: '' });
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /INTERCHANGE_ADMIN_TOKEN/);
    const unknown = await runCli(['keys', 'frobnicate', '--gateway', url], env());
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown action "frobnicate"/);
    const missing = await runCli(['keys', 'create', '--tenant', 'ghost', '--name', 'x', '--gateway', url], env());
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /400 invalid_request: No tenant has id "ghost"/);
  });

  it('migrate reports the schema version of the store', async () => {
    const fresh = join(directory, 'fresh.yaml');
    await writeFile(fresh, `store: { kind: sqlite, path: ${join(directory, 'fresh', 'new.db')} }\nauth: { clients: none }\nproviders: {}\nmodels: {}\n`);
    const first = await runCli(['migrate', '--config', fresh]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /schema version 0 → 5 \(applied 0001-identity, 0002-secrets, 0003-ledger, 0004-agreements, 0005-responses\)/);
    const again = await runCli(['migrate', '--config', fresh]);
    assert.match(again.stdout, /at schema version 5; nothing to apply/);
  });
});
