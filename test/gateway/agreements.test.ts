/**
 * Agreements through the admin plane, end to end: made, changed and removed over HTTP, checked as the file's are,
 * audited, in force from the next request (accruals, licences, a commitment's routing preference), kept across a
 * restart on the same SQLite file and across a reload, and refused where they no longer fit the file.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { ConfigError, parseConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';
import { ConfigReloader } from '../../src/server/reload.ts';

const adminToken = 'agreements-test-admin-token-0123';
const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
const dayMs = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function configText(upstream: RunningEmulator, databasePath: string, extra = '', providers = ['primary', 'backup']): string {
  return `
listen: 127.0.0.1:0
logging: { level: silent, requests: false }
auth: { clients: none }
store: { kind: sqlite, path: ${databasePath} }
admin: { tokens: { ops: ${adminToken} } }
providers:
${providers.map((name) => `  ${name}: { kind: openai-compatible, base_url: ${upstream.baseUrl} }`).join('\n')}
models:
  gpt-4o-mini:
    route: primary-first
    channels:
      # 1 micro-unit per input token, 2 per output token.
${providers.map((name, index) => `      - { provider: ${name}, model: gpt-4o-mini, price: { input: 1, output: 2 }${index === 0 ? ', primary: true' : ''} }`).join('\n')}
agreements:
  - { name: file-licence, kind: licence, party: Microsoft, channels: { provider: primary }, until: 2032-12-31 }
${extra}`;
}

async function start(text: string): Promise<RunningGateway> {
  return startGateway(parseConfig(text, { env: {}, source: 'agreements test' }), { logger: createLogger('silent'), host: '127.0.0.1', port: 0, drainTimeoutMs: 1_000 });
}

async function call(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = admin) {
  const response = await request(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, json: text === '' ? undefined : JSON.parse(text) };
}

const chatBody = { model: 'gpt-4o-mini', max_tokens: 4, messages: [{ role: 'user', content: 'Say hello' }] };

async function chat(url: string) {
  const answer = await call(url, 'POST', '/v1/chat/completions', chatBody, { 'content-type': 'application/json' });
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  return { provider: String(answer.headers['x-interchange-provider']), route: String(answer.headers['x-interchange-route']), requestId: String(answer.headers['x-request-id']) };
}

async function accrualsOf(url: string, requestId: string): Promise<Array<{ agreement: string; micros: number }>> {
  const found = await call(url, 'GET', `/admin/ledger/entries?request_id=${encodeURIComponent(requestId)}`);
  assert.equal(found.status, 200);
  assert.equal(found.json.data.length, 1);
  return found.json.data[0].accruals;
}

describe('agreements through the admin plane', () => {
  let upstream: RunningEmulator;
  let directory: string;

  before(async () => {
    upstream = await startOpenAIEmulator({ port: 0 });
    directory = await mkdtemp(join(tmpdir(), 'interchange-agreements-'));
  });

  after(async () => {
    await upstream.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('made, changed and removed over HTTP: checked first, audited, in force from the next request', async () => {
    const gateway = await start(configText(upstream, join(directory, 'lifecycle.db')));
    const url = gateway.url;
    try {
      const listed = await call(url, 'GET', '/admin/agreements');
      assert.equal(listed.status, 200);
      assert.deepEqual(
        listed.json.data.map((view: { name: string; source: string; in_force: boolean }) => [view.name, view.source, view.in_force]),
        [['file-licence', 'config', true]],
      );
      assert.equal((await call(url, 'GET', '/admin/agreements', undefined, {})).status, 401, 'an admin token is required');

      const share = { kind: 'revenue-share', party: 'Microsoft', percent: 50, basis: 'cost', models: ['gpt-4o-mini'] };
      const created = await call(url, 'PUT', '/admin/agreements/half-share', share);
      assert.equal(created.status, 201, JSON.stringify(created.json));
      assert.equal(created.json.source, 'admin');
      assert.deepEqual(created.json.document, { name: 'half-share', ...share });
      assert.equal(created.json.accrued_micros, 0);
      const first = await chat(url);
      const [accrual] = await accrualsOf(url, first.requestId);
      assert.equal(accrual.agreement, 'half-share');
      assert.ok(accrual.micros > 0);
      assert.equal((await call(url, 'GET', '/admin/agreements/half-share')).json.accrued_micros, accrual.micros);

      const changed = await call(url, 'PUT', '/admin/agreements/half-share', { ...share, percent: 25, name: 'half-share' });
      assert.equal(changed.status, 200);
      assert.equal(changed.json.document.percent, 25);
      const second = await chat(url);
      assert.equal((await accrualsOf(url, second.requestId))[0].micros, Math.round(accrual.micros / 2), 'the next request accrues at the new percent');

      const invalid = await call(url, 'PUT', '/admin/agreements/bad', { kind: 'revenue-share', party: 'P', percent: 101, channels: [{ provider: 'nope' }] });
      assert.equal(invalid.status, 400);
      assert.equal(invalid.json.error.code, 'invalid_request');
      assert.equal(invalid.json.error.message, 'The agreement is not valid: percent: must be at most 100 (percent), got 101; channels[0].provider: unknown provider "nope".');
      assert.equal((await call(url, 'GET', '/admin/agreements/bad')).status, 404, 'a refused agreement is not stored');
      const mismatch = await call(url, 'PUT', '/admin/agreements/one', { ...share, name: 'other' });
      assert.deepEqual([mismatch.status, mismatch.json.error.param], [400, 'name']);
      const badName = await call(url, 'PUT', '/admin/agreements/-x', share);
      assert.deepEqual([badName.status, badName.json.error.param], [400, 'name']);
      const notObject = await call(url, 'PUT', '/admin/agreements/x', [share]);
      assert.equal(notObject.status, 400);
      const theFiles = await call(url, 'PUT', '/admin/agreements/file-licence', { kind: 'licence', party: 'M', channels: { provider: 'backup' } });
      assert.deepEqual([theFiles.status, theFiles.json.error.code], [409, 'conflict']);
      assert.equal((await call(url, 'DELETE', '/admin/agreements/file-licence')).status, 409);
      assert.equal((await call(url, 'POST', '/admin/agreements/half-share', share)).status, 405);

      const removed = await call(url, 'DELETE', '/admin/agreements/half-share');
      assert.equal(removed.status, 200);
      assert.equal(removed.json.name, 'half-share');
      assert.deepEqual(await accrualsOf(url, (await chat(url)).requestId), [], 'removed: nothing more accrues to it');
      assert.deepEqual((await accrualsOf(url, first.requestId))[0].agreement, 'half-share', 'what it accrued stays booked');
      const again = await call(url, 'DELETE', '/admin/agreements/half-share');
      assert.deepEqual([again.status, again.json.error.code], [404, 'not_found']);

      const audit = await call(url, 'GET', '/admin/audit');
      const agreementEvents = audit.json.data.filter((entry: { action: string }) => entry.action.startsWith('agreement.'));
      assert.deepEqual(
        agreementEvents.map((entry: { action: string; actor: string; target: string; before: { percent?: number } | null; after: { percent?: number } | null }) => [entry.action, entry.actor, entry.target, entry.before?.percent ?? null, entry.after?.percent ?? null]),
        [
          ['agreement.create', 'ops', 'half-share', null, 50],
          ['agreement.update', 'ops', 'half-share', 50, 25],
          ['agreement.delete', 'ops', 'half-share', 25, null],
        ],
      );
    } finally {
      await gateway.close();
    }
  });

  it('an exclusive licence made through the admin plane excludes the other channels at once', async () => {
    const gateway = await start(configText(upstream, join(directory, 'licence.db')));
    try {
      assert.equal((await chat(gateway.url)).provider, 'primary');
      const licence = await call(gateway.url, 'PUT', '/admin/agreements/backup-only', { kind: 'licence', party: 'Amazon', channels: { provider: 'backup' }, models: ['gpt-4o-mini'], exclusive: true });
      assert.equal(licence.status, 201, JSON.stringify(licence.json));
      const served = await chat(gateway.url);
      assert.equal(served.provider, 'backup');
      assert.match(served.route, /^primary\/gpt-4o-mini:excluded=licence-exclusive;backup\/gpt-4o-mini:ok@/);
    } finally {
      await gateway.close();
    }
  });

  it("kept across a restart on the same store and a reload; a file they no longer fit is refused at start and at reload", async () => {
    const path = join(directory, 'restart.db');
    const text = configText(upstream, path);
    const first = await start(text);
    try {
      assert.equal((await call(first.url, 'PUT', '/admin/agreements/backup-share', { kind: 'revenue-share', party: 'Amazon', percent: 10, channels: [{ provider: 'backup' }] })).status, 201);
      assert.equal((await call(first.url, 'PUT', '/admin/agreements/all-share', { kind: 'revenue-share', party: 'Microsoft', percent: 10 })).status, 201);
    } finally {
      await first.close();
    }

    const second = await start(text);
    try {
      const names = (await call(second.url, 'GET', '/admin/agreements')).json.data.map((view: { name: string }) => view.name);
      assert.deepEqual(names, ['file-licence', 'all-share', 'backup-share'], "the file's first, then the admin plane's by name");
      assert.deepEqual((await accrualsOf(second.url, (await chat(second.url)).requestId)).map((accrual) => accrual.agreement), ['all-share']);

      const file = join(directory, 'reload.yaml');
      await writeFile(file, `${text}routing: { recent_traces: 10 }\n`);
      const reloader = new ConfigReloader(second.context, file, { env: {} });
      try {
        assert.equal((await reloader.reload()).outcome, 'reloaded');
        assert.equal(second.context.config.agreements.filter((agreement) => agreement.source === 'admin').length, 2, 'a reload keeps them');
        await writeFile(file, configText(upstream, path, '', ['primary', 'other']));
        const refused = await reloader.reload();
        assert.equal(refused.outcome, 'refused');
        assert.ok(refused.outcome === 'refused' && refused.problems.some((problem) => problem.path === 'agreement "backup-share" (admin plane).channels[0].provider'));
        assert.equal(second.context.config.providers.has('backup'), true, 'the running configuration stays');
      } finally {
        await reloader.close();
      }
    } finally {
      await second.close();
    }

    await assert.rejects(start(configText(upstream, path, '', ['primary', 'other'])), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(
        error.problems.map((problem) => problem.path),
        ['agreement "backup-share" (admin plane).channels[0].provider'],
      );
      return true;
    });
  });

  it("a commitment made through the admin plane with prefer: its provider serves while behind its pace, then the primary again", async () => {
    const gateway = await start(configText(upstream, join(directory, 'commitment.db')));
    const url = gateway.url;
    try {
      const now = Date.now();
      // A ten-day term, half or more gone by: 100 micro-units committed, a pace of 50 to 60 now.
      const commitment = { kind: 'commitment', party: 'Amazon', provider: 'backup', amount: '0.0001', from: utcDay(now - 5 * dayMs), until: utcDay(now + 4 * dayMs), prefer: true };
      const created = await call(url, 'PUT', '/admin/agreements/aws-commit', commitment);
      assert.equal(created.status, 201, JSON.stringify(created.json));
      assert.equal(created.json.spent_micros, 0);
      assert.equal(created.json.behind_pace, true);

      const served: string[] = [];
      for (let index = 0; index < 20; index++) {
        const view = (await call(url, 'GET', '/admin/agreements/aws-commit')).json;
        const answer = await chat(url);
        served.push(answer.provider);
        if (answer.provider === 'backup') {
          assert.ok(view.spent_micros < view.pace_micros, `backup served while behind: ${view.spent_micros} < ${view.pace_micros}`);
          assert.match(answer.route, /^primary\/gpt-4o-mini:declined=commitment;backup\/gpt-4o-mini:ok@/);
        } else {
          assert.ok(view.spent_micros >= view.pace_micros, `the primary served once on pace: ${view.spent_micros} >= ${view.pace_micros}`);
          assert.doesNotMatch(answer.route, /declined/);
          break;
        }
      }
      assert.equal(served[0], 'backup');
      assert.equal(served.at(-1), 'primary', `back to the primary once on pace: ${served.join(',')}`);

      const metrics = await request(`${url}/metrics`).then((response) => response.body.text());
      assert.match(metrics, /primary_passover_total\{[^}]*reason="declined_commitment"[^}]*\} [1-9]/);

      // Without prefer the commitment is tracked but routes nothing.
      const amount = '1000';
      assert.equal((await call(url, 'PUT', '/admin/agreements/aws-commit', { ...commitment, amount, prefer: false })).status, 200);
      assert.equal((await chat(url)).provider, 'primary');
      const behind = (await call(url, 'PUT', '/admin/agreements/aws-commit', { ...commitment, amount })).json;
      assert.equal(behind.behind_pace, true);
      assert.equal((await chat(url)).provider, 'backup', 'a larger amount puts it behind its pace again');
    } finally {
      await gateway.close();
    }
  });
});
