/**
 * Stored secrets end to end: the admin API stores them encrypted (the database file never holds a plaintext; answers
 * and the audit log never show one), a configuration's `${secret:NAME}` reaches the upstream, a wrong or missing master
 * key is a start-up problem naming the secret and the key id, and a rotation re-encrypts everything so the old key
 * can be dropped.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { ConfigError, loadConfigFile, parseConfig } from '../../src/config/load-config.ts';
import { parseMasterKeys } from '../../src/secrets/master-keys.ts';
import { storedSecretSource } from '../../src/secrets/stored-secrets.ts';
import { ConfigReloader } from '../../src/server/reload.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';
import { MemorySecretStore } from '../../src/store/memory/memory-secret-store.ts';

const upstreamKey = 'sk-upstream-STOREDCANARY-4e5f6a7b8c9d';
const otherValue = 'sk-other-STOREDCANARY-0a1b2c3d';
const adminToken = 'secrets-admin-token-0123456789';
const admin = { authorization: `Bearer ${adminToken}` };
const oldKey = randomBytes(32).toString('base64');
const newKey = randomBytes(32).toString('hex');

async function call(gateway: RunningGateway, method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; text: string; json: any }> {
  const response = await request(`${gateway.url}${path}`, {
    method,
    headers: { ...admin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, text, json: JSON.parse(text) };
}

describe('stored secrets', () => {
  let directory: string;
  let emulator: RunningEmulator;
  let file: string;
  /** Every admin answer's text, searched for values at the end. */
  const answers: string[] = [];

  const storeYaml = () => `store: { kind: sqlite, path: ${join(directory, 'data', 'gateway.db')} }`;
  const adminGateway = async (keys: string | undefined) => {
    const config = parseConfig(
      `listen: 127.0.0.1:0
logging: { level: silent }
auth: { clients: none }
${storeYaml()}
admin: { tokens: { ops: ${adminToken} } }
providers: { up: { kind: openai-compatible, base_url: ${emulator.baseUrl} } }
models: { m: { channels: [ { provider: up, model: gpt-4o-mini } ] } }
`,
      { env: {} },
    );
    return startGateway(config, { host: '127.0.0.1', port: 0, masterKeys: keys === undefined ? undefined : parseMasterKeys(keys) });
  };
  const record = async (gateway: RunningGateway, method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown) => {
    const answer = await call(gateway, method, path, body);
    answers.push(answer.text);
    return answer;
  };

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'interchange-secrets-'));
    emulator = await startOpenAIEmulator({ quiet: true, apiKey: upstreamKey });
    file = join(directory, 'gateway.yaml');
    await writeFile(
      file,
      `listen: 127.0.0.1:0
logging: { level: silent }
auth: { clients: none }
${storeYaml()}
providers:
  openai: { kind: openai, base_url: ${emulator.baseUrl}, auth: { api_key: "\${secret:openai-key}" } }
models: { gpt-4o-mini: { channels: [ { provider: openai, model: gpt-4o-mini } ] } }
`,
    );
  });
  after(async () => {
    await emulator.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('PUT creates (201) then replaces (200), GET lists, DELETE removes; answers carry names and key ids, never values', async () => {
    const gateway = await adminGateway(`old:${oldKey}`);
    try {
      const created = await record(gateway, 'PUT', '/admin/secrets/openai-key', { value: upstreamKey });
      assert.equal(created.status, 201, created.text);
      assert.deepEqual(Object.keys(created.json).sort(), ['created_at', 'key_id', 'name', 'updated_at']);
      assert.equal(created.json.name, 'openai-key');
      assert.equal(created.json.key_id, 'old');
      const replaced = await record(gateway, 'PUT', '/admin/secrets/openai-key', { value: upstreamKey });
      assert.equal(replaced.status, 200);
      assert.equal(replaced.json.created_at, created.json.created_at);
      assert.equal((await record(gateway, 'PUT', '/admin/secrets/other', { value: otherValue })).status, 201);
      const listed = await record(gateway, 'GET', '/admin/secrets');
      assert.deepEqual(listed.json.data.map((secret: any) => [secret.name, secret.key_id]), [['openai-key', 'old'], ['other', 'old']]);

      const refused = [
        await record(gateway, 'PUT', '/admin/secrets/has%20space', { value: 'x' }),
        await record(gateway, 'PUT', '/admin/secrets/ok', { value: '' }),
        await record(gateway, 'PUT', '/admin/secrets/ok', { value: 'x', extra: 1 }),
        await record(gateway, 'PUT', '/admin/secrets/ok', { value: 'x'.repeat(16 * 1024 + 1) }),
      ];
      assert.deepEqual(refused.map((answer) => [answer.status, answer.json.error.code, answer.json.error.param]), [
        [400, 'invalid_request', 'name'],
        [400, 'invalid_request', 'value'],
        [400, 'invalid_request', null],
        [400, 'invalid_request', 'value'],
      ]);
      const malformed = await request(`${gateway.url}/admin/secrets/ok`, { method: 'PUT', headers: { ...admin, 'content-type': 'application/json' }, body: `{"value": ${upstreamKey}}` });
      const malformedText = await malformed.body.text();
      answers.push(malformedText);
      assert.equal(malformed.statusCode, 400);
      assert.equal(malformedText.includes(upstreamKey.slice(0, 8)), false, 'V8 quotes the text around the fault: not here');
      assert.match(JSON.parse(malformedText).error.message, /^The request body is not valid JSON \(at position \d+\); expected/);
      assert.equal((await record(gateway, 'PUT', '/admin/secrets/at-limit', { value: 'x'.repeat(16 * 1024) })).status, 201);
      assert.equal((await record(gateway, 'DELETE', '/admin/secrets/at-limit')).status, 200);
      const gone = await record(gateway, 'DELETE', '/admin/secrets/at-limit');
      assert.deepEqual([gone.status, gone.json.error.code], [404, 'not_found']);
      assert.equal((await record(gateway, 'GET', '/admin/secrets/openai-key')).status, 405, 'a value is never read back');

      const audit = await record(gateway, 'GET', '/admin/audit');
      assert.deepEqual(
        audit.json.data.map((entry: any) => `${entry.actor} ${entry.action} ${entry.target}`),
        ['ops secret.create openai-key', 'ops secret.update openai-key', 'ops secret.create other', 'ops secret.create at-limit', 'ops secret.delete at-limit'],
      );
    } finally {
      await gateway.close();
    }
  });

  it('the database files never hold a plaintext', async () => {
    const folder = join(directory, 'data');
    const files = await readdir(folder);
    assert.ok(files.includes('gateway.db'));
    for (const name of files) {
      const bytes = await readFile(join(folder, name));
      for (const value of [upstreamKey, otherValue, 'STOREDCANARY']) assert.equal(bytes.includes(Buffer.from(value)), false, `${name} holds ${value.slice(0, 10)}…`);
    }
  });

  it('a gateway configured with ${secret:…} calls the upstream with the stored value', async () => {
    const env = { INTERCHANGE_MASTER_KEYS: `old:${oldKey}` };
    const config = await loadConfigFile(file, env, storedSecretSource(env));
    const gateway = await startGateway(config, { host: '127.0.0.1', port: 0, masterKeys: parseMasterKeys(env.INTERCHANGE_MASTER_KEYS) });
    const chat = async () => {
      const response = await request(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const body = (await response.body.json()) as any;
      return { status: response.statusCode, code: body.error?.code as string | undefined, object: body.object as string | undefined };
    };
    try {
      assert.deepEqual(await chat(), { status: 200, code: undefined, object: 'chat.completion' });
    } finally {
      await gateway.close();
    }
  });

  it('a changed stored secret takes effect on the next reload, not before', async () => {
    const env = { INTERCHANGE_MASTER_KEYS: `old:${oldKey}` };
    const secrets = storedSecretSource(env);
    const gateway = await startGateway(await loadConfigFile(file, env, secrets), { host: '127.0.0.1', port: 0, masterKeys: parseMasterKeys(env.INTERCHANGE_MASTER_KEYS) });
    const reloader = new ConfigReloader(gateway.context, file, { env, secrets });
    const writer = await adminGateway(`old:${oldKey}`);
    const chat = async () => {
      const response = await request(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const body = (await response.body.json()) as any;
      return body.error?.code ?? response.statusCode;
    };
    try {
      assert.equal(await chat(), 200);
      await record(writer, 'PUT', '/admin/secrets/openai-key', { value: 'sk-not-the-upstream-key' });
      assert.equal(await chat(), 200, 'the running configuration keeps the value it loaded');
      const reloaded = await reloader.reload();
      assert.equal(reloaded.outcome, 'reloaded');
      assert.deepEqual(reloaded.outcome === 'reloaded' && reloaded.changes.providers.changed, ['openai']);
      assert.equal(await chat(), 'upstream_authentication_failed');
      await record(writer, 'PUT', '/admin/secrets/openai-key', { value: upstreamKey });
      assert.equal((await reloader.reload()).outcome, 'reloaded');
      assert.equal(await chat(), 200);
    } finally {
      // As serve does: the gateway first (it closes the adapters it started with), then what reloads built.
      await Promise.all([gateway.close(), writer.close()]);
      await reloader.close();
    }
  });

  it('a missing master key, a wrong one and a missing secret are start-up problems naming the secret and key id, never the value', async () => {
    const problem = async (env: Record<string, string>, pattern: RegExp, text?: string) => {
      const error = await loadConfigFile(text === undefined ? file : text, env, storedSecretSource(env)).then(
        () => assert.fail('expected a ConfigError'),
        (error: unknown) => error,
      );
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.problems[0].path, 'providers.openai.auth.api_key');
      assert.match(error.message, pattern);
      assert.equal(error.message.includes('STOREDCANARY'), false);
      assert.equal(error.message.includes(oldKey), false);
    };
    await problem({}, /the stored secret "openai-key" \(master key "old"\) cannot be decrypted: no master key is given/);
    await problem({ INTERCHANGE_MASTER_KEYS: `old:${newKey}` }, /"openai-key" cannot be decrypted with master key "old": the key is wrong/);
    await problem({ INTERCHANGE_MASTER_KEYS: `new:${newKey}` }, /"openai-key" is encrypted under master key "old", which is not among the master keys given/);
    await problem({ INTERCHANGE_MASTER_KEY: 'short' }, /"openai-key" cannot be decrypted: INTERCHANGE_MASTER_KEY: a master key is 32 bytes/);
    const missing = join(directory, 'missing.yaml');
    await writeFile(missing, (await readFile(file, 'utf8')).replace('secret:openai-key', 'secret:azure-key'));
    await problem({ INTERCHANGE_MASTER_KEYS: `old:${oldKey}` }, /no stored secret "azure-key" in the store .*gateway\.db"; store it with PUT \/admin\/secrets\/azure-key/, missing);
  });

  it('rotation re-encrypts every value under the current key, after which the old key can be dropped', async () => {
    const gateway = await adminGateway(`new:${newKey},old:${oldKey}`);
    try {
      const rotated = await record(gateway, 'POST', '/admin/secrets/rotate');
      assert.equal(rotated.status, 200, rotated.text);
      assert.deepEqual(rotated.json, { key_id: 'new', rotated: ['openai-key', 'other'], total: 2 });
      assert.deepEqual((await record(gateway, 'GET', '/admin/secrets')).json.data.map((secret: any) => secret.key_id), ['new', 'new']);
      assert.deepEqual((await record(gateway, 'POST', '/admin/secrets/rotate')).json, { key_id: 'new', rotated: [], total: 2 });
      const audit = await record(gateway, 'GET', '/admin/audit');
      assert.deepEqual(audit.json.data.filter((entry: any) => entry.action === 'secret.rotate').map((entry: any) => [entry.action, entry.after]), [
        ['secret.rotate', { key_id: 'new', rotated: ['openai-key', 'other'] }],
        ['secret.rotate', { key_id: 'new', rotated: [] }],
      ]);
    } finally {
      await gateway.close();
    }
    const onlyNew = { INTERCHANGE_MASTER_KEYS: `new:${newKey}` };
    assert.equal((await loadConfigFile(file, onlyNew, storedSecretSource(onlyNew))).providers.get('openai')!.apiKey, upstreamKey);
    const onlyOld = { INTERCHANGE_MASTER_KEYS: `old:${oldKey}` };
    await assert.rejects(loadConfigFile(file, onlyOld, storedSecretSource(onlyOld)), /encrypted under master key "new"/);
  });

  it('a rotation that meets a value it cannot decrypt changes nothing and names it', async () => {
    const store = new MemorySecretStore(() => undefined);
    const config = parseConfig(`listen: 127.0.0.1:0\nlogging: { level: silent }\nauth: { clients: none }\nstore: { kind: memory }\nadmin: { tokens: { ops: ${adminToken} } }\n`, { env: {} });
    const lost = await startGateway(config, { host: '127.0.0.1', port: 0, secretStore: store, masterKeys: parseMasterKeys(`lost:${randomBytes(32).toString('hex')}`) });
    const current = await startGateway(config, { host: '127.0.0.1', port: 0, secretStore: store, masterKeys: parseMasterKeys(`new:${newKey},old:${oldKey}`) });
    try {
      await record(lost, 'PUT', '/admin/secrets/a', { value: otherValue });
      await record(current, 'PUT', '/admin/secrets/b', { value: otherValue });
      const old = await startGateway(config, { host: '127.0.0.1', port: 0, secretStore: store, masterKeys: parseMasterKeys(`old:${oldKey}`) });
      await record(old, 'PUT', '/admin/secrets/c', { value: otherValue });
      await old.close();
      const refused = await record(current, 'POST', '/admin/secrets/rotate');
      assert.deepEqual([refused.status, refused.json.error.code], [503, 'secrets_unavailable']);
      assert.match(refused.json.error.message, /Nothing was rotated: the stored secret "a" is encrypted under master key "lost"/);
      assert.deepEqual((await record(current, 'GET', '/admin/secrets')).json.data.map((secret: any) => secret.key_id), ['lost', 'new', 'old']);
    } finally {
      await Promise.all([lost.close(), current.close()]);
    }
  });

  it('without a master key, secrets can be listed but not stored or rotated', async () => {
    const gateway = await adminGateway(undefined);
    try {
      const refused = await record(gateway, 'PUT', '/admin/secrets/x', { value: otherValue });
      assert.deepEqual([refused.status, refused.json.error.code], [503, 'secrets_unavailable']);
      assert.match(refused.json.error.message, /No master key is given: set INTERCHANGE_MASTER_KEY/);
      assert.equal((await record(gateway, 'POST', '/admin/secrets/rotate')).status, 503);
      assert.equal((await record(gateway, 'GET', '/admin/secrets')).json.data.length, 2);
    } finally {
      await gateway.close();
    }
  });

  it('no admin answer held a value', () => {
    const all = answers.join('\n');
    assert.ok(answers.length > 20);
    for (const value of [upstreamKey, otherValue, 'STOREDCANARY', oldKey, newKey]) assert.equal(all.includes(value), false, `an answer holds ${value.slice(0, 10)}…`);
  });
});
