/**
 * No secret ever reaches a client, a log or a metric. The gateway is configured with distinctive secrets (upstream
 * API keys, a wrong upstream key, admin tokens) and issues client keys; a full traffic scenario runs (successes,
 * streams, a fallback, upstream authentication failures, refused client keys, admin calls); then every byte the
 * gateway wrote to clients (bodies and headers), to its log and to `/metrics` is searched for each secret.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { parseMasterKeys } from '../../src/secrets/master-keys.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';

const upstreamKey = 'sk-upstream-LEAKCANARY-7f3a9c2e51d04b8a';
const wrongUpstreamKey = 'sk-wrongkey-LEAKCANARY-0d9e8f7a6b5c4d3e';
const adminToken = 'admin-LEAKCANARY-token-5a4b3c2d1e0f';
const otherAdminToken = 'admin-LEAKCANARY-other-9f8e7d6c5b4a';
const refusedClientKey = 'ick_0123456789ab_LEAKCANARYrefusedkeyrefusedkeyrefusedkey0';
const storedSecret = 'sk-stored-LEAKCANARY-3e2d1c0b9a8f7e6d';
const masterKey = Buffer.from('LEAKCANARY-master-key-32-bytes!!').toString('base64');

describe('no secret reaches a client, a log or a metric', () => {
  let good: RunningEmulator;
  let guarded: RunningEmulator;
  let gateway: RunningGateway;
  const written: string[] = [];
  const logLines: string[] = [];
  /** Client keys the gateway issued; the admin answer that creates or rotates one is the only place it may appear. */
  const issued: string[] = [];

  before(async () => {
    good = await startOpenAIEmulator({ quiet: true, apiKey: upstreamKey });
    guarded = await startOpenAIEmulator({ quiet: true, apiKey: 'sk-the-key-the-gateway-does-not-have' });
    const config = parseConfig(
      `
listen: 127.0.0.1:0
logging: { level: debug, requests: true }
store: { kind: memory }
admin: { tokens: { ops: \${ADMIN_TOKEN}, audit: \${OTHER_ADMIN_TOKEN} } }
providers:
  wrong-key: { kind: openai, base_url: ${guarded.baseUrl}, auth: { api_key: \${WRONG_KEY} } }
  good: { kind: openai, base_url: ${good.baseUrl}, auth: { api_key: \${UPSTREAM_KEY} } }
models:
  gpt-4o-mini:
    channels:
      - { provider: wrong-key, model: gpt-4o-mini }
      - { provider: good, model: gpt-4o-mini }
  only-wrong:
    channels:
      - { provider: wrong-key, model: gpt-4o-mini }
  text-embedding-3-small:
    type: embedding
    channels:
      - { provider: good, model: text-embedding-3-small }
`,
      { env: { ADMIN_TOKEN: adminToken, OTHER_ADMIN_TOKEN: otherAdminToken, WRONG_KEY: wrongUpstreamKey, UPSTREAM_KEY: upstreamKey } },
    );
    const destination = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    gateway = await startGateway(config, { logger: createLogger('debug', { destination }), host: '127.0.0.1', port: 0, masterKeys: parseMasterKeys(`m1:${masterKey}`) });
  });
  after(async () => {
    await gateway.close();
    await Promise.all([good.close(), guarded.close()]);
  });

  async function call(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, headers: Record<string, string>, body?: unknown, mayShowIssuedKey = false): Promise<any> {
    const response = await request(`${gateway.url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.body.text();
    const record = `${response.statusCode} ${JSON.stringify(response.headers)} ${text}`;
    if (mayShowIssuedKey) {
      const json = JSON.parse(text) as { key?: string };
      if (json.key !== undefined) issued.push(json.key);
      written.push(record.replaceAll(json.key ?? '\u0000', '[the issued key, shown once]'));
    } else written.push(record);
    return text.startsWith('{') ? JSON.parse(text) : text;
  }

  it('runs the traffic scenario', async () => {
    const admin = { authorization: `Bearer ${adminToken}` };
    await call('POST', '/admin/tenants', admin, { id: 'acme', name: 'Acme' });
    const created = await call('POST', '/admin/keys', admin, { tenant: 'acme', name: 'app', rpm: 1000 }, true);
    const client = { authorization: `Bearer ${issued[0]}` };
    const chat = (model: string, extra: object = {}, headers: Record<string, string> = client) =>
      call('POST', '/v1/chat/completions', headers, { model, messages: [{ role: 'user', content: 'hello' }], ...extra });

    const served = await chat('gpt-4o-mini');
    assert.equal(served.object, 'chat.completion', 'served by the fallback after the wrong key was refused');
    assert.match(String(await chat('gpt-4o-mini', { stream: true })), /\[DONE\]/);
    const failed = await chat('only-wrong');
    assert.equal(failed.error.code, 'upstream_authentication_failed');
    await chat('only-wrong', { stream: true });
    await chat('gpt-4o-mini', { messages: [{ role: 'user', content: 'x [emulator-fault@openai: status=503]' }] });
    await call('POST', '/v1/embeddings', client, { model: 'text-embedding-3-small', input: 'hi' });
    await call('GET', '/v1/models', client);
    await chat('gpt-4o-mini', {}, { authorization: `Bearer ${refusedClientKey}` });
    await chat('gpt-4o-mini', {}, { 'api-key': refusedClientKey });
    await chat('gpt-4o-mini', {}, { authorization: `Bearer ${adminToken}` });
    await call('GET', '/admin/keys', { authorization: `Bearer ${upstreamKey}` });
    await call('PATCH', `/admin/keys/${created.id}`, { authorization: `Bearer ${otherAdminToken}` }, { name: 'renamed' });
    await call('POST', `/admin/keys/${created.id}/rotate`, admin, { grace_seconds: 60 }, true);
    await call('GET', '/admin/keys', admin);
    await call('GET', `/admin/keys/${created.id}`, admin);
    await call('GET', '/admin/audit', admin);
    await call('GET', '/admin/routes?limit=100', admin);
    await call('POST', `/admin/keys/${created.id}/revoke`, admin);
    await call('PUT', '/admin/secrets/stored', admin, { value: storedSecret });
    await call('PUT', '/admin/secrets/stored', admin, { value: storedSecret });
    await call('PUT', '/admin/secrets/stored', { authorization: `Bearer ${storedSecret}` }, { value: storedSecret });
    await call('PUT', '/admin/secrets/bad%20name', admin, { value: storedSecret });
    await call('PUT', '/admin/secrets/stored', admin, { value: storedSecret, [storedSecret]: 1 });
    await call('GET', '/admin/secrets', admin);
    await call('POST', '/admin/secrets/rotate', admin);
    await call('GET', '/admin/audit', admin);
    await call('DELETE', '/admin/secrets/stored', admin);
    await chat('gpt-4o-mini');
    await call('GET', '/metrics', {});
    await new Promise((resolve) => setTimeout(resolve, 400));
  });

  it('finds none of the secrets in what the gateway wrote', () => {
    const secrets = [upstreamKey, wrongUpstreamKey, adminToken, otherAdminToken, refusedClientKey, storedSecret, masterKey, ...issued];
    const haystacks = { clients: written.join('\n'), log: logLines.join('') };
    assert.ok(haystacks.log.length > 1000, 'the log was captured');
    assert.match(haystacks.clients, /interchange_requests_total/, 'the metrics were read');
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of secrets) {
        // The whole secret, and its distinctive middle (a masked form such as sk-****abcd keeps only the ends).
        assert.equal(text.includes(secret), false, `${where} holds ${secret.slice(0, 12)}…`);
        assert.equal(text.includes(secret.slice(8, -6)), false, `${where} holds part of ${secret.slice(0, 12)}…`);
      }
      assert.equal(text.includes('LEAKCANARY'), false, `${where} holds a marked secret`);
    }
  });
});
