/**
 * Metering end to end through the gateway: what a client is told a request cost, what the ledger books, budgets under
 * concurrency (hard) and when passed (soft), and spend and caps carried across a restart on the same SQLite file.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { formatMicros } from '../../src/metering/cost.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';

const adminToken = 'metering-test-admin-token-0123';
const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };

interface Gateway {
  readonly gateway: RunningGateway;
  readonly url: string;
}

async function start(upstream: RunningEmulator, databasePath: string, metering: string): Promise<Gateway> {
  const config = parseConfig(
    `
listen: 127.0.0.1:0
logging: { level: silent, requests: false }
store: { kind: sqlite, path: ${databasePath} }
admin: { tokens: { ops: ${adminToken} } }
providers:
  upstream: { kind: openai-compatible, base_url: ${upstream.baseUrl} }
models:
  gpt-4o-mini:
    channels:
      # 1 micro-unit per input token, 2 per output token.
      - { provider: upstream, model: gpt-4o-mini, price: { input: 1, output: 2 } }
metering:
${metering}
`,
    { env: {}, source: 'metering test' },
  );
  const gateway = await startGateway(config, { logger: createLogger('silent'), host: '127.0.0.1', port: 0, drainTimeoutMs: 1_000 });
  return { gateway, url: gateway.url };
}

async function call(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = admin) {
  const response = await request(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, json: text === '' ? undefined : JSON.parse(text) };
}

async function keyFor(url: string, tenant: string): Promise<string> {
  assert.equal((await call(url, 'POST', '/admin/tenants', { id: tenant, name: tenant })).status, 201);
  const created = await call(url, 'POST', '/admin/keys', { tenant, name: `${tenant}-key` });
  assert.equal(created.status, 201);
  return created.json.key as string;
}

function chat(url: string, key: string, content = 'Say hello', maxTokens = 8, stream = false) {
  return call(url, 'POST', '/v1/chat/completions', { model: 'gpt-4o-mini', stream, max_tokens: maxTokens, messages: [{ role: 'user', content }] }, {
    authorization: `Bearer ${key}`,
    'content-type': 'application/json',
  });
}

async function entries(url: string) {
  const page = await call(url, 'GET', '/admin/ledger/entries?limit=1000');
  assert.equal(page.status, 200);
  return page.json.data as Array<{ request_id?: string; requestId?: string; charged_micros?: number; chargedMicros?: number; cost_micros?: number; costMicros?: number }>;
}

const chargedOf = (entry: Record<string, unknown>) => Number(entry.charged_micros ?? entry.chargedMicros);
const costOf = (entry: Record<string, unknown>) => Number(entry.cost_micros ?? entry.costMicros);
const idOf = (entry: Record<string, unknown>) => String(entry.request_id ?? entry.requestId);

describe('metering through the gateway', () => {
  let upstream: RunningEmulator;
  let directory: string;
  before(async () => {
    upstream = await startOpenAIEmulator({ quiet: true });
    directory = await mkdtemp(join(tmpdir(), 'interchange-metering-'));
  });
  after(async () => {
    await upstream.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('tells the client what its tenant is charged (x-interchange-cost) and books the same in the ledger', async () => {
    const { gateway, url } = await start(upstream, join(directory, 'header.db'), '  tenants: { marked: { markup: 50 } }');
    try {
      const plain = await keyFor(url, 'plain');
      const marked = await keyFor(url, 'marked');
      const first = await chat(url, plain);
      const second = await chat(url, marked);
      assert.equal(first.status, 200);
      const usage = first.json.usage;
      const cost = usage.prompt_tokens * 1 + usage.completion_tokens * 2;
      assert.equal(first.headers['x-interchange-cost'], formatMicros(cost, 'USD'));
      const booked = new Map((await entries(url)).map((entry) => [idOf(entry), entry]));
      const plainEntry = booked.get(String(first.headers['x-request-id']))!;
      assert.equal(costOf(plainEntry), cost);
      assert.equal(chargedOf(plainEntry), cost);
      const markedEntry = booked.get(String(second.headers['x-request-id']))!;
      const markedCost = second.json.usage.prompt_tokens + second.json.usage.completion_tokens * 2;
      assert.equal(chargedOf(markedEntry), Math.round(markedCost * 1.5));
      assert.equal(second.headers['x-interchange-cost'], formatMicros(Math.round(markedCost * 1.5), 'USD'));
      const metrics = await (await request(`${url}/metrics`)).body.text();
      assert.match(metrics, /interchange_cost_micros_total\{provider="upstream",model="gpt-4o-mini",tenant="plain"\} \d+/);
    } finally {
      await gateway.close();
    }
  });

  it('a hard budget under 200 concurrent requests: spend never passes it, the rest get 429 budget_exceeded naming it', async (t) => {
    // The refusal names the request's reservation (its prompt estimate and 8 output tokens at the first channel's price).
    const probe = await start(upstream, join(directory, 'probe.db'), '  budgets: [ { name: probe, tenant: acme, amount: 0.000001, period: day } ]');
    let reservation: number;
    try {
      const refused = await chat(probe.url, await keyFor(probe.url, 'acme'), 'Count to three', 8);
      assert.equal(refused.status, 429);
      assert.equal(refused.json.error.code, 'budget_exceeded');
      assert.equal(refused.json.error.type, 'insufficient_quota');
      assert.match(refused.json.error.message, /"probe" \(tenant acme\)/);
      assert.ok(Number(refused.headers['retry-after']) >= 1);
      const [, amount] = /may cost up to (\d+\.\d{6}) USD/.exec(refused.json.error.message)!;
      reservation = Math.round(Number(amount) * 1_000_000);
      assert.equal((await entries(probe.url)).length, 0, 'a refused request is not booked');
    } finally {
      await probe.gateway.close();
    }
    const amountMicros = 50 * reservation;
    const { gateway, url } = await start(upstream, join(directory, 'budget.db'), `  budgets: [ { name: acme-day, tenant: acme, amount: ${formatMicros(amountMicros, '').trim()}, period: day } ]`);
    try {
      const key = await keyFor(url, 'acme');
      const answers = await Promise.all(Array.from({ length: 200 }, () => chat(url, key, 'Count to three', 8)));
      const admitted = answers.filter((answer) => answer.status === 200);
      const refused = answers.filter((answer) => answer.status !== 200);
      for (const answer of refused) {
        assert.equal(answer.status, 429);
        assert.equal(answer.json.error.code, 'budget_exceeded');
        assert.match(answer.json.error.message, /"acme-day"/);
      }
      const booked = await entries(url);
      assert.equal(booked.length, admitted.length, 'every admitted request is booked, no refused one');
      const spent = booked.reduce((sum, entry) => sum + chargedOf(entry), 0);
      // The documented bound: what actual charges exceed their reservations (0 when none does).
      const overshootAllowed = booked.reduce((sum, entry) => sum + Math.max(0, chargedOf(entry) - reservation), 0);
      assert.ok(spent <= amountMicros + overshootAllowed, `spent ${spent} of ${amountMicros} (+${overshootAllowed} allowed)`);
      assert.ok(admitted.length >= 50, `the budget admits at least the 50 reservations it has room for, admitted ${admitted.length}`);
      t.diagnostic(`reservation ${reservation} µ, budget ${amountMicros} µ: ${admitted.length} admitted, ${refused.length} refused, spent ${spent} µ, allowed overshoot ${overshootAllowed} µ`);
    } finally {
      await gateway.close();
    }
  });

  it('a soft budget refuses nothing; passing it is audited and counted once', async () => {
    const { gateway, url } = await start(upstream, join(directory, 'soft.db'), '  budgets: [ { name: soft-day, tenant: soft, amount: 0.000001, period: day, hard: false } ]');
    try {
      const key = await keyFor(url, 'soft');
      for (let i = 0; i < 3; i++) assert.equal((await chat(url, key)).status, 200);
      const audit = await call(url, 'GET', '/admin/audit');
      const passed = (audit.json.data as Array<{ action: string; target: string; actor: string }>).filter((entry) => entry.action === 'budget.passed');
      assert.deepEqual(passed.map((entry) => [entry.actor, entry.target]), [['gateway', 'soft-day']]);
      const metrics = await (await request(`${url}/metrics`)).body.text();
      assert.match(metrics, /interchange_budget_exceeded_total\{budget="soft-day"\} 1\b/);
    } finally {
      await gateway.close();
    }
  });

  it('after a restart on the same file, a spent hard budget still refuses and a reached cap accrues nothing more', async () => {
    const path = join(directory, 'restart.db');
    const metering = `  budgets: [ { name: once, tenant: again, amount: 0.000100, period: month } ]`;
    const agreements = `agreements:\n  - { name: capped, kind: revenue-share, party: Partner, percent: 50, basis: cost, cap: 0.000010 }`;
    const first = await start(upstream, path, `${metering}\n${agreements}`);
    let key: string;
    try {
      key = await keyFor(first.url, 'again');
      for (let i = 0; i < 30; i++) {
        const answer = await chat(first.url, key, 'Say hello', 4);
        if (answer.status !== 200) break;
      }
      assert.equal((await chat(first.url, key, 'Say hello', 4)).status, 429);
    } finally {
      await first.gateway.close();
    }
    const second = await start(upstream, path, `${metering}\n${agreements}`);
    try {
      const refused = await chat(second.url, key!, 'Say hello', 4);
      assert.equal(refused.status, 429, 'the spend of the month was read back from the ledger');
      // Another tenant, no budget: its requests would accrue if the cap's total had not been read back.
      const other = await keyFor(second.url, 'other');
      for (let i = 0; i < 2; i++) assert.equal((await chat(second.url, other, 'Say hello', 4)).status, 200);
      const statement = await call(second.url, 'GET', '/admin/ledger/statement?by=party');
      assert.equal(statement.status, 200);
      const text = JSON.stringify(statement.json);
      assert.match(text, /capped/);
      const totals = await call(second.url, 'GET', '/admin/ledger/entries?limit=1000');
      const accrued = (totals.json.data as Array<{ accruals: Array<{ micros: number }> }>).reduce((sum, entry) => sum + entry.accruals.reduce((inner, accrual) => inner + accrual.micros, 0), 0);
      assert.equal(accrued, 10, 'accruals stop exactly at the cap of 10 micro-units');
    } finally {
      await second.gateway.close();
    }
  });

  it("a provider's spent budget with decline: routing passes the provider over (the primary chooses not to)", async () => {
    const config = parseConfig(
      `
listen: 127.0.0.1:0
logging: { level: silent, requests: false }
auth: { clients: none }
store: { kind: memory }
providers:
  primary: { kind: openai-compatible, base_url: ${upstream.baseUrl} }
  backup: { kind: openai-compatible, base_url: ${upstream.baseUrl} }
models:
  gpt-4o-mini:
    route: primary-first
    channels:
      - { provider: primary, model: gpt-4o-mini, primary: true, price: { input: 1, output: 2 } }
      - { provider: backup, model: gpt-4o-mini, price: { input: 1, output: 2 } }
metering:
  budgets: [ { name: primary-month, provider: primary, amount: 0.000001, period: month, decline: true } ]
`,
      { env: {}, source: 'metering test' },
    );
    const gateway = await startGateway(config, { logger: createLogger('silent'), host: '127.0.0.1', port: 0, drainTimeoutMs: 1_000 });
    try {
      const body = { model: 'gpt-4o-mini', max_tokens: 4, messages: [{ role: 'user', content: 'Say hello' }] };
      const headers = { 'content-type': 'application/json' };
      const first = await call(gateway.url, 'POST', '/v1/chat/completions', body, headers);
      assert.equal(first.headers['x-interchange-provider'], 'primary', 'under its budget the primary serves');
      const second = await call(gateway.url, 'POST', '/v1/chat/completions', body, headers);
      assert.equal(second.status, 200);
      assert.equal(second.headers['x-interchange-provider'], 'backup');
      assert.match(String(second.headers['x-interchange-route']), /^primary\/gpt-4o-mini:declined=budget;backup\/gpt-4o-mini:ok@/);
    } finally {
      await gateway.close();
    }
  });
});
