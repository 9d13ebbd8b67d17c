/**
 * Virtual keys end to end: the admin plane creates tenants and keys, clients call with them (openai SDK and raw
 * HTTP), and every rule of the key contract is checked at its edges: hash-only storage in the SQLite file, expiry to
 * the millisecond, revocation on the very next request, rotation with a grace period, model and provider restrictions,
 * `/v1/models` per key, the admin token on every admin route, the audit log, and rate limits.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { request } from 'undici';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';
import { head, RawConnection } from '../support/raw-http.ts';

const adminToken = 'keys-test-admin-token-0123456789';
const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };

interface Stack {
  readonly upstream: RunningEmulator;
  readonly gateway: RunningGateway;
  readonly directory: string;
  /** The gateway's clock; tests move it. */
  now: number;
  close(): Promise<void>;
}

async function startStack(extra = '', lines?: string[]): Promise<Stack> {
  const upstream = await startOpenAIEmulator({ quiet: true, models: ['gpt-4o-mini', 'gpt-4o'] });
  const second = await startOpenAIEmulator({ quiet: true, models: ['gpt-4o-mini'] });
  const directory = await mkdtemp(join(tmpdir(), 'interchange-keys-'));
  const config = parseConfig(
    `
listen: 127.0.0.1:0
logging: { level: info, requests: ${lines === undefined ? 'false' : 'true'} }
store: { kind: sqlite, path: ${join(directory, 'gateway.db')} }
admin: { tokens: { ops: ${adminToken}, second: second-admin-token-abcdefgh } }
providers:
  azure-like: { kind: openai-compatible, base_url: ${upstream.baseUrl}, region: eastus }
  other: { kind: openai-compatible, base_url: ${second.baseUrl}, region: westeurope }
models:
  gpt-4o-mini:
    channels:
      - { provider: azure-like, model: gpt-4o-mini }
      - { provider: other, model: gpt-4o-mini }
  gpt-4o:
    channels:
      - { provider: azure-like, model: gpt-4o }
${extra}`,
    { env: {}, source: 'keys test' },
  );
  const stack: Stack = {
    upstream,
    directory,
    now: Date.UTC(2026, 11, 1),
    gateway: undefined as unknown as RunningGateway,
    async close() {
      await this.gateway.close();
      await Promise.all([upstream.close(), second.close()]);
      await rm(directory, { recursive: true, force: true });
    },
  };
  const logger =
    lines === undefined
      ? createLogger('silent')
      : createLogger('info', { destination: new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }) });
  (stack as { gateway: RunningGateway }).gateway = await startGateway(config, { logger, host: '127.0.0.1', port: 0, clock: () => stack.now });
  return stack;
}

async function adminCall(stack: Stack, method: string, path: string, body?: unknown, headers: Record<string, string> = admin) {
  const response = await request(`${stack.gateway.url}${path}`, { method: method as 'GET', headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.statusCode, headers: response.headers, body: (await response.body.json()) as any };
}

async function chat(stack: Stack, key: string | undefined, model = 'gpt-4o-mini', headerName: 'authorization' | 'api-key' = 'authorization', extra: object = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers[headerName] = headerName === 'authorization' ? `Bearer ${key}` : key;
  const response = await request(`${stack.gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }], ...extra }),
  });
  return { status: response.statusCode, headers: response.headers, body: (await response.body.json()) as any };
}

describe('virtual keys', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
    assert.equal((await adminCall(stack, 'POST', '/admin/tenants', { id: 'acme', name: 'Acme' })).status, 201);
  });
  after(() => stack.close());

  it('refuses every admin route without a valid admin token, and names the token in the audit log', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/admin/tenants'],
      ['POST', '/admin/tenants'],
      ['GET', '/admin/tenants/acme'],
      ['PATCH', '/admin/tenants/acme'],
      ['GET', '/admin/keys'],
      ['POST', '/admin/keys'],
      ['GET', '/admin/keys/abc'],
      ['PATCH', '/admin/keys/abc'],
      ['POST', '/admin/keys/abc/revoke'],
      ['POST', '/admin/keys/abc/rotate'],
      ['GET', '/admin/audit'],
      ['GET', '/admin/routes'],
      ['GET', '/admin/routes/some-id'],
      ['GET', '/admin/nothing-here'],
    ];
    for (const [method, path] of routes) {
      for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: adminToken }] as Record<string, string>[]) {
        const { status, body } = await adminCall(stack, method, path, method === 'GET' ? undefined : {}, headers);
        assert.equal(status, 401, `${method} ${path} with ${JSON.stringify(headers)}`);
        assert.equal(body.error.code, 'invalid_admin_token');
      }
    }
    const created = await adminCall(stack, 'POST', '/admin/tenants', { id: 'by-second', name: 'B' }, { ...admin, authorization: 'Bearer second-admin-token-abcdefgh' });
    assert.equal(created.status, 201);
    const audit = await adminCall(stack, 'GET', '/admin/audit');
    const entry = audit.body.data.find((item: { target: string }) => item.target === 'by-second');
    assert.equal(entry.actor, 'second');
    assert.equal(entry.action, 'tenant.create');
  });

  it('shows the key once, stores only its hash, and accepts it as a bearer token and as api-key', async () => {
    const created = await adminCall(stack, 'POST', '/admin/keys', { tenant: 'acme', name: 'ci', metadata: { owner: 'ana' } });
    assert.equal(created.status, 201);
    const key: string = created.body.key;
    assert.match(key, /^ick_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.body.prefix, key.slice(0, 16));
    const shown = await adminCall(stack, 'GET', `/admin/keys/${created.body.id}`);
    assert.equal(shown.body.key, undefined);
    assert.equal(JSON.stringify(shown.body).includes(key.slice(17)), false);
    const listed = await adminCall(stack, 'GET', '/admin/keys?tenant=acme');
    assert.ok(listed.body.data.some((item: { id: string }) => item.id === created.body.id));
    assert.equal(JSON.stringify(listed.body).includes(key.slice(17)), false);

    const database = await readFile(join(stack.directory, 'gateway.db'));
    const wal = await readFile(join(stack.directory, 'gateway.db-wal')).catch(() => Buffer.alloc(0));
    const secret = key.slice(17);
    assert.equal(database.includes(secret) || wal.includes(secret), false, 'the secret is not in the database file');
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(key).digest('hex');
    assert.ok(database.includes(hash) || wal.includes(hash), 'its SHA-256 is');
    assert.equal(JSON.stringify((await adminCall(stack, 'GET', '/admin/audit')).body).includes(secret), false, 'nor in the audit log');

    assert.equal((await chat(stack, key)).status, 200);
    assert.equal((await chat(stack, key, 'gpt-4o-mini', 'api-key')).status, 200);
    const client = new OpenAI({ apiKey: key, baseURL: `${stack.gateway.url}/v1` });
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(completion.object, 'chat.completion');
  });

  it('refuses a missing, unknown or malformed key with 401 invalid_api_key before reading the body', async () => {
    const created = await adminCall(stack, 'POST', '/admin/keys', { tenant: 'acme', name: 'probe' });
    const key: string = created.body.key;
    const forged = `${key.slice(0, 17)}${key.at(17) === 'A' ? 'B' : 'A'}${key.slice(18)}`;
    for (const presented of [undefined, '', 'sk-not-ours', forged, `${key}x`, key.slice(0, -1), `ick_ffffffffffff_${key.slice(17)}`]) {
      const result = await chat(stack, presented);
      assert.equal(result.status, 401, String(presented));
      assert.equal(result.body.error.code, 'invalid_api_key');
      assert.equal(result.body.error.type, 'authentication_error');
    }
    const unparsable = await request(`${stack.gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    assert.equal(unparsable.statusCode, 401, 'the key is checked before the body is parsed');
    await unparsable.body.dump();
    const models = await request(`${stack.gateway.url}/v1/models`);
    assert.equal(models.statusCode, 401);
    await models.body.dump();
  });

  it('answers a refused key before its body and reads the body to its end, so a client that writes first reads the 401', async () => {
    const body = Buffer.alloc(8 * 1024 * 1024, 'x');
    for (let attempt = 0; attempt < 5; attempt++) {
      const connection = new RawConnection(stack.gateway.port, { readFirst: false });
      let writeError = await connection.write(head('POST', '/v1/chat/completions', { 'content-type': 'application/json', 'content-length': body.length, authorization: 'Bearer ick_000000000000_nope' }));
      writeError ??= await connection.write(body);
      const reply = await connection.read();
      assert.equal(writeError, undefined, `attempt ${attempt}: the upload was cut (${writeError})`);
      assert.equal(reply.status, 401);
      assert.equal(reply.headers.connection, 'close');
      assert.equal(JSON.parse(reply.body).error.code, 'invalid_api_key');
    }
  });

  it('expires a key exactly at its expiry time', async () => {
    const expiresAt = stack.now + 60_000;
    const created = await adminCall(stack, 'POST', '/admin/keys', { tenant: 'acme', name: 'short', expires_at: new Date(expiresAt).toISOString() });
    const key: string = created.body.key;
    const start = stack.now;
    try {
      stack.now = expiresAt - 1;
      assert.equal((await chat(stack, key)).status, 200);
      stack.now = expiresAt;
      const refused = await chat(stack, key);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error.code, 'api_key_expired');
    } finally {
      stack.now = start;
    }
    const extended = await adminCall(stack, 'PATCH', `/admin/keys/${created.body.id}`, { expires_at: null });
    assert.equal(extended.body.expires_at, null);
    stack.now = expiresAt + 1;
    try {
      assert.equal((await chat(stack, key)).status, 200, 'clearing the expiry takes effect on the next request');
    } finally {
      stack.now = start;
    }
  });

  it('revokes on the very next request, under concurrent traffic', async () => {
    const created = await adminCall(stack, 'POST', '/admin/keys', { tenant: 'acme', name: 'doomed' });
    const key: string = created.body.key;
    let revokedAt: number | undefined;
    const lateSuccesses: number[] = [];
    let stop = false;
    const worker = async () => {
      for (let count = 0; count < 200 && !stop; count++) {
        const sentAt = performance.now();
        const result = await chat(stack, key);
        if (revokedAt !== undefined && sentAt > revokedAt && result.status === 200) lateSuccesses.push(sentAt);
        if (result.status === 401) assert.equal(result.body.error.code, 'api_key_revoked');
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const revoked = await adminCall(stack, 'POST', `/admin/keys/${created.body.id}/revoke`);
    revokedAt = performance.now();
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.revoked_at);
    await new Promise((resolve) => setTimeout(resolve, 150));
    stop = true;
    await Promise.all(workers);
    assert.deepEqual(lateSuccesses, [], 'no request sent after the revocation was answered succeeded');
    const after = await chat(stack, key);
    assert.equal(after.status, 401);
    assert.equal(after.body.error.code, 'api_key_revoked');
    const again = await adminCall(stack, 'POST', `/admin/keys/${created.body.id}/revoke`);
    assert.equal(again.body.revoked_at, revoked.body.revoked_at, 'a second revocation keeps the first time');
  });

  it('rotates: the new secret at once, the old one until the grace period ends', async () => {
    const created = await adminCall(stack, 'POST', '/admin/keys', { tenant: 'acme', name: 'rotating' });
    const old: string = created.body.key;
    const start = stack.now;
    const rotated = await adminCall(stack, 'POST', `/admin/keys/${created.body.id}/rotate`, { grace_seconds: 30 });
    assert.equal(rotated.status, 200);
    const fresh: string = rotated.body.key;
    assert.notEqual(fresh, old);
    assert.equal(fresh.slice(0, 16), old.slice(0, 16), 'the key keeps its id and prefix');
    try {
      assert.equal((await chat(stack, fresh)).status, 200);
      stack.now = start + 29_999;
      assert.equal((await chat(stack, old)).status, 200, 'the old secret within the grace period');
      stack.now = start + 30_000;
      const refused = await chat(stack, old);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error.code, 'api_key_revoked');
      assert.equal((await chat(stack, fresh)).status, 200);
    } finally {
      stack.now = start;
    }
    const immediate = await adminCall(stack, 'POST', `/admin/keys/${created.body.id}/rotate`);
    assert.equal((await chat(stack, fresh)).status, 401, 'without a grace period the previous secret stops at once');
    assert.equal((await chat(stack, immediate.body.key)).status, 200);
  });

  it('holds a key to its models and providers, and lists only those models', async () => {
    const onlyMini = (await adminCall(stack, 'POST', '/admin/keys', { tenant: 'acme', name: 'mini', models: ['gpt-4o-mini'] })).body.key as string;
    const refused = await chat(stack, onlyMini, 'gpt-4o');
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'model_not_allowed');
    assert.match(refused.body.error.message, /"gpt-4o"/);
    assert.equal((await chat(stack, onlyMini, 'gpt-4o-mini')).status, 200);
    const listed = await request(`${stack.gateway.url}/v1/models`, { headers: { authorization: `Bearer ${onlyMini}` } });
    assert.deepEqual(((await listed.body.json()) as { data: Array<{ id: string }> }).data.map((model) => model.id), ['gpt-4o-mini']);
    const detail = await request(`${stack.gateway.url}/v1/models/gpt-4o`, { headers: { authorization: `Bearer ${onlyMini}` } });
    assert.equal(detail.statusCode, 404);
    await detail.body.dump();

    const otherOnly = (await adminCall(stack, 'POST', '/admin/keys', { tenant: 'acme', name: 'other', providers: ['other'] })).body.key as string;
    const served = await chat(stack, otherOnly, 'gpt-4o-mini');
    assert.equal(served.status, 200);
    assert.equal(served.headers['x-interchange-provider'], 'other', 'routing skips the providers the key may not reach');
    const none = await chat(stack, otherOnly, 'gpt-4o');
    assert.equal(none.status, 403);
    assert.equal(none.body.error.code, 'model_not_allowed');
    const listedOther = await request(`${stack.gateway.url}/v1/models`, { headers: { authorization: `Bearer ${otherOnly}` } });
    assert.deepEqual(((await listedOther.body.json()) as { data: Array<{ id: string }> }).data.map((model) => model.id), ['gpt-4o-mini']);

    const westOnly = (await adminCall(stack, 'POST', '/admin/keys', { tenant: 'acme', name: 'west', regions: ['westeurope'] })).body.key as string;
    assert.equal((await chat(stack, westOnly, 'gpt-4o-mini')).headers['x-interchange-provider'], 'other');
  });

  it('validates admin input with a 400 naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ tenant: 'acme' }, 'name'],
      [{ tenant: 'nobody', name: 'x' }, 'tenant'],
      [{ tenant: 'acme', name: 'x', models: ['gpt-4o-mnii'] }, 'models[0]'],
      [{ tenant: 'acme', name: 'x', rpm: 0 }, 'rpm'],
      [{ tenant: 'acme', name: 'x', rpm: 1.5 }, 'rpm'],
      [{ tenant: 'acme', name: 'x', colour: 'red' }, 'colour'],
      [{ tenant: 'acme', name: 'x', expires_at: 'tomorrow' }, 'expires_at'],
    ];
    for (const [body, param] of cases) {
      const result = await adminCall(stack, 'POST', '/admin/keys', body);
      assert.equal(result.status, 400, JSON.stringify(body));
      assert.equal(result.body.error.param, param, JSON.stringify(body));
    }
    assert.match((await adminCall(stack, 'POST', '/admin/keys', { tenant: 'acme', name: 'x', models: ['gpt-4o-mnii'] })).body.error.message, /did you mean "gpt-4o-mini"/);
    assert.equal((await adminCall(stack, 'GET', '/admin/keys/000000000000')).status, 404);
    const duplicate = await adminCall(stack, 'POST', '/admin/tenants', { id: 'acme', name: 'again' });
    assert.equal(duplicate.status, 400);
    assert.equal(duplicate.body.error.param, 'id');
  });

  it('records every admin action in the audit log with before and after, never a secret or hash', async () => {
    const created = await adminCall(stack, 'POST', '/admin/keys', { tenant: 'acme', name: 'audited' });
    await adminCall(stack, 'PATCH', `/admin/keys/${created.body.id}`, { name: 'audited-2', rpm: 100 });
    const rotated = await adminCall(stack, 'POST', `/admin/keys/${created.body.id}/rotate`, {});
    await adminCall(stack, 'POST', `/admin/keys/${created.body.id}/revoke`);
    const audit = await adminCall(stack, 'GET', '/admin/audit?limit=1000');
    const mine = audit.body.data.filter((entry: { target: string }) => entry.target === created.body.id);
    assert.deepEqual(
      mine.map((entry: { action: string }) => entry.action),
      ['key.create', 'key.update', 'key.rotate', 'key.revoke'],
    );
    assert.equal(mine[1].before.name, 'audited');
    assert.equal(mine[1].after.name, 'audited-2');
    assert.deepEqual(mine[1].after.limits, { rpm: 100 });
    assert.match(mine[0].at, /^\d{4}-\d\d-\d\dT/);
    const text = JSON.stringify(audit.body);
    for (const secret of [created.body.key, rotated.body.key]) assert.equal(text.includes(secret.slice(17)), false);
    assert.equal(/"(previousH|h)ash"/.test(text), false);
  });
});

describe('rate limits', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
    assert.equal((await adminCall(stack, 'POST', '/admin/tenants', { id: 'acme', name: 'Acme' })).status, 201);
  });
  after(() => stack.close());

  it('admits exactly the RPM limit at once and answers the next with 429 and OpenAI headers', async () => {
    const key = (await adminCall(stack, 'POST', '/admin/keys', { tenant: 'acme', name: 'rpm', rpm: 5 })).body.key as string;
    for (let count = 0; count < 5; count++) assert.equal((await chat(stack, key)).status, 200, `request ${count + 1}`);
    const refused = await chat(stack, key);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, 'rate_limit_exceeded');
    assert.equal(refused.headers['retry-after'], '12');
    assert.equal(refused.headers['x-ratelimit-limit-requests'], '5');
    assert.equal(refused.headers['x-ratelimit-remaining-requests'], '0');
    assert.equal(refused.headers['x-ratelimit-reset-requests'], '60s');
    const start = stack.now;
    try {
      stack.now = start + 11_999;
      assert.equal((await chat(stack, key)).status, 429);
      stack.now = start + 12_000;
      assert.equal((await chat(stack, key)).status, 200, 'one more after one emission interval (60 s / 5)');
    } finally {
      stack.now = start;
    }
  });

  it('applies the tenant limit across its keys', async () => {
    await adminCall(stack, 'POST', '/admin/tenants', { id: 'small', name: 'Small', rpm: 3 });
    const first = (await adminCall(stack, 'POST', '/admin/keys', { tenant: 'small', name: 'a' })).body.key as string;
    const second = (await adminCall(stack, 'POST', '/admin/keys', { tenant: 'small', name: 'b', rpm: 100 })).body.key as string;
    assert.equal((await chat(stack, first)).status, 200);
    assert.equal((await chat(stack, second)).status, 200);
    assert.equal((await chat(stack, first)).status, 200);
    const refused = await chat(stack, second);
    assert.equal(refused.status, 429);
    assert.match(refused.body.error.message, /tenant "small"/);
    const raised = await adminCall(stack, 'PATCH', '/admin/tenants/small', { rpm: 10 });
    assert.equal(raised.body.rpm, 10);
    assert.equal((await chat(stack, second)).status, 200, 'a raised tenant limit holds from the next request');
  });

  it('reserves tokens up front and settles them to the real count', async () => {
    // max_tokens 50 and this prompt reserve the prompt estimate + 50; the emulator reports what it really used.
    const probe = (await adminCall(stack, 'POST', '/admin/keys', { tenant: 'acme', name: 'probe' })).body.key as string;
    const used = (await chat(stack, probe, 'gpt-4o-mini', 'authorization', { max_tokens: 50 })).body.usage.total_tokens as number;
    const tiny = await adminCall(stack, 'POST', '/admin/keys', { tenant: 'acme', name: 'tiny', tpm: 10 });
    const tooBig = await chat(stack, tiny.body.key, 'gpt-4o-mini', 'authorization', { max_tokens: 50 });
    assert.equal(tooBig.status, 429);
    const reserved = Number(/needs (\d+)/.exec(tooBig.body.error.message)![1]);
    assert.equal(tooBig.headers['retry-after'], undefined, 'a request above the whole limit can never pass');
    assert.ok(reserved > used, `reserved ${reserved} > used ${used}`);
    const limit = reserved + 2 * used;
    const key = (await adminCall(stack, 'POST', '/admin/keys', { tenant: 'acme', name: 'tpm', tpm: limit })).body.key as string;
    // Each admitted request settles to `used`: admitted while (n - 1) × used + reserved ≤ limit, so exactly 3.
    let admitted = 0;
    for (let count = 0; count < 10; count++) {
      const result = await chat(stack, key, 'gpt-4o-mini', 'authorization', { max_tokens: 50 });
      if (result.status !== 200) {
        assert.equal(result.status, 429);
        assert.equal(result.headers['x-ratelimit-limit-tokens'], String(limit));
        assert.equal(result.headers['x-ratelimit-remaining-tokens'], String(limit - 3 * used));
        break;
      }
      admitted++;
    }
    assert.equal(admitted, 3);
  });

  it('holds streams at once to max_streams and frees the slot when a stream ends', async () => {
    const key = (await adminCall(stack, 'POST', '/admin/keys', { tenant: 'acme', name: 'streams', max_streams: 1 })).body.key as string;
    const client = new OpenAI({ apiKey: key, baseURL: `${stack.gateway.url}/v1`, maxRetries: 0 });
    const slow = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'slow [emulator-fault: delay-chunks=40]' }] });
    const iterator = slow[Symbol.asyncIterator]();
    await iterator.next();
    const second = await chat(stack, key, 'gpt-4o-mini', 'authorization', { stream: true });
    assert.equal(second.status, 429);
    assert.equal(second.body.error.code, 'rate_limit_exceeded');
    assert.equal((await chat(stack, key)).status, 200, 'a request that does not stream takes no stream slot');
    for (let part = await iterator.next(); !part.done; part = await iterator.next());
    await new Promise((resolve) => setTimeout(resolve, 20));
    const after = await request(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'again' }] }),
    });
    assert.equal(after.statusCode, 200, 'the slot is free once the stream ended');
    await after.body.text();
  });
});

describe('the caller in logs and traces', () => {
  it('names the key by id, prefix and tenant in the request log and the route trace, never by its secret', async () => {
    const lines: string[] = [];
    const stack = await startStack('', lines);
    try {
      await adminCall(stack, 'POST', '/admin/tenants', { id: 'acme', name: 'Acme' });
      const created = await adminCall(stack, 'POST', '/admin/keys', { tenant: 'acme', name: 'logged' });
      const key: string = created.body.key;
      const response = await request(`${stack.gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': 'logged-1' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
      });
      assert.equal(response.statusCode, 200);
      await response.body.dump();
      await chat(stack, 'ick_000000000000_not-a-real-secret-not-a-real-secret-xx');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const line = lines.map((text) => JSON.parse(text)).find((entry) => entry.requestId === 'logged-1');
      assert.equal(line.keyId, created.body.id);
      assert.equal(line.keyPrefix, created.body.prefix);
      assert.equal(line.tenant, 'acme');
      const all = lines.join('');
      assert.equal(all.includes(key.slice(17)), false, 'the secret is in no log line');
      assert.equal(all.includes('not-a-real-secret'), false, 'nor a refused one');
      const trace = await adminCall(stack, 'GET', '/admin/routes/logged-1');
      assert.equal(trace.body.keyId, created.body.id);
      assert.equal(trace.body.tenant, 'acme');
    } finally {
      await stack.close();
    }
  });
});
