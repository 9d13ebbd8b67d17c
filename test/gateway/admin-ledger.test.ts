/**
 * The ledger on the admin plane. Through the gateway: behind the admin token, the ledger the gateway books (on by
 * default), and a clear 404 when `metering.ledger` is off. The handler itself over real HTTP with a ledger in
 * memory: the statement as `interchange ledger statement --json` prints it, entries a page at a time with the cursor,
 * and every bad parameter a 400 that names it.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { buildStatement, statementJson, type StatementConfig } from '../../src/metering/statement.ts';
import { handleLedgerAdmin } from '../../src/server/admin-ledger.ts';
import { ledgerEntry } from '../../src/store/conformance/ledger-store-conformance.ts';
import { MemoryLedgerStore } from '../../src/store/memory/memory-ledger-store.ts';
import { openSqlite } from '../../src/store/sqlite/sqlite-database.ts';
import { SqliteLedgerStore } from '../../src/store/sqlite/sqlite-ledger-store.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startGateway } from '../../src/server/gateway-server.ts';
import { revenueShare } from '../support/agreements.ts';
import { stackAdminHeaders, startGatewayStack, type GatewayStack } from '../support/gateway-stack.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any;
}

async function get(base: string, path: string, headers: Record<string, string> = {}, method: 'GET' | 'POST' | 'DELETE' = 'GET'): Promise<Answer> {
  const response = await request(`${base}${path}`, { method, headers });
  return { status: response.statusCode, headers: response.headers, json: await response.body.json() };
}

function assertError(answer: Answer, status: number, code: string, param: string | null, message: RegExp): void {
  assert.equal(answer.status, status, JSON.stringify(answer.json));
  assert.deepEqual(Object.keys(answer.json.error), ['message', 'type', 'param', 'code']);
  assert.equal(answer.json.error.code, code);
  assert.equal(answer.json.error.param, param);
  assert.match(answer.json.error.message, message);
}

describe('/admin/ledger/ through the gateway', () => {
  let stack: GatewayStack;
  before(async () => {
    stack = await startGatewayStack();
  });
  after(() => stack?.close());

  it('needs the admin token, like every admin route', async () => {
    for (const path of ['/admin/ledger/statement', '/admin/ledger/entries']) {
      assertError(await get(stack.gateway.url, path), 401, 'invalid_admin_token', null, /admin token is required/);
      assertError(await get(stack.gateway.url, path, { authorization: 'Bearer wrong' }), 401, 'invalid_admin_token', null, /admin token is required/);
    }
  });

  it('answers from the ledger the gateway books by default; a gateway with metering.ledger off says so (404)', async () => {
    await request(`${stack.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local', messages: [{ role: 'user', content: 'hi' }] }),
    }).then((response) => response.body.text());
    const entries = await get(stack.gateway.url, '/admin/ledger/entries?limit=5', stackAdminHeaders);
    assert.equal(entries.status, 200);
    assert.equal(entries.json.data.length, 1);
    assert.equal((await get(stack.gateway.url, '/admin/ledger/statement', stackAdminHeaders)).status, 200);
    const off = parseConfig(
      `listen: 127.0.0.1:0\nauth: { clients: none }\nstore: { kind: memory }\nadmin: { tokens: { tests: ${stackAdminHeaders.authorization.slice(7)} } }\nmetering: { ledger: false }\nproviders:\n  p: { kind: openai-compatible, base_url: ${stack.secondary.baseUrl} }\nmodels:\n  m: { channels: [ { provider: p, model: gpt-4.1 } ] }\n`,
      { env: {}, source: 'ledger off' },
    );
    const gateway = await startGateway(off, { logger: createLogger('silent'), host: '127.0.0.1', port: 0, drainTimeoutMs: 1_000 });
    try {
      for (const path of ['/admin/ledger/statement', '/admin/ledger/entries?limit=5', '/admin/ledger/statement?by=nonsense']) {
        const answer = await get(gateway.url, path, stackAdminHeaders);
        assertError(answer, 404, 'not_found', null, /^The ledger is off on this gateway \(metering\.ledger: false, or no store keeps it\)/);
        assert.equal(answer.headers['x-request-id'] !== undefined, true);
      }
    } finally {
      await gateway.close();
    }
  });

  it('a wrong method or path is told so', async () => {
    const post = await get(stack.gateway.url, '/admin/ledger/entries', stackAdminHeaders, 'POST');
    assertError(post, 405, 'method_not_allowed', null, /use GET/);
    assert.equal(post.headers.allow, 'GET');
    assertError(await get(stack.gateway.url, '/admin/ledger/balance', stackAdminHeaders), 404, 'not_found', null, /^No route for GET \/admin\/ledger\/balance;/);
    assertError(await get(stack.gateway.url, '/admin/ledger', stackAdminHeaders), 404, 'not_found', null, /^No route for GET \/admin\/ledger;/);
    assertError(await get(stack.gateway.url, '/admin/ledger/entries/x', stackAdminHeaders), 404, 'not_found', null, /^No route/);
  });
});

const day = (text: string) => Date.parse(`${text}T00:00:00Z`);

const share = revenueShare({ name: 'ms-share', percentBasisPoints: 1_000, basis: 'cost', capMicros: 500 });

const config: StatementConfig = {
  agreements: [share],
  metering: { currency: 'USD', ledger: true, markupBasisPoints: 0, tenantMarkupBasisPoints: new Map(), budgets: [] },
};

describe('the ledger handler over HTTP', () => {
  const store = new MemoryLedgerStore();
  let server: Server;
  let base: string;

  before(async () => {
    const march = day('2026-03-01');
    // 2003 entries in March, many sharing a millisecond; one exactly at April's start.
    const entries = Array.from({ length: 2_003 }, (_, index) =>
      ledgerEntry(`req-${String(index).padStart(4, '0')}`, march + Math.floor(index / 3), {
        tenant: index % 2 === 0 ? 'acme' : undefined,
        provider: 'azure',
        costMicros: 1_000 + index,
        chargedMicros: 1_200 + index,
        accruals: index < 5 ? [{ agreement: 'ms-share', party: 'Microsoft', micros: 100, ...(index === 4 ? { capReached: true as const } : {}) }] : [],
      }),
    );
    entries.push(ledgerEntry('april', day('2026-04-01'), { costMicros: 7 }));
    await store.append(entries);
    server = createServer((incoming, response) => {
      const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
      const segments = url.pathname.slice('/admin/'.length).split('/').map(decodeURIComponent);
      handleLedgerAdmin(store, config, incoming, response, 'test-request', segments, url.searchParams).catch(() => response.writeHead(500).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('statement: the report --json prints, for the period asked, by the grouping asked', async () => {
    const answer = await get(base, '/admin/ledger/statement?from=2026-03-01&to=2026-04-01&by=tenant');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['cache-control'], 'no-store');
    assert.equal(answer.headers['x-request-id'], 'test-request');
    assert.deepEqual(
      answer.json.rows.map((row: any) => [row.group, row.requests]),
      [
        ['', 1_001],
        ['acme', 1_002],
      ],
    );
    // 1000 + 1001 + … + 3002, and April's entry left out.
    assert.equal(answer.json.totals.cost_micros, (2_003 * (1_000 + 3_002)) / 2);
    assert.deepEqual(
      [answer.json.revenue_shares[0].owed, answer.json.revenue_shares[0].cap_used, answer.json.revenue_shares[0].cap_reached_on],
      ['0.000500 USD', '100.00%', '2026-03-01'],
    );
    assert.deepEqual(answer.json, statementJson(await buildStatement(store, config, { fromMs: day('2026-03-01'), toMs: day('2026-04-01'), by: 'tenant' })));
    const byDefault = await get(base, '/admin/ledger/statement?from=2026-03-01T00:00:00Z&to=2026-03-01T00:00:00.001Z');
    assert.equal(byDefault.json.by, 'model');
    assert.equal(byDefault.json.totals.requests, 3, 'an ISO time: the first millisecond of March');
  });

  it('statement: a bad grouping, time or empty period is a 400 naming the parameter', async () => {
    assertError(await get(base, '/admin/ledger/statement?by=tenants'), 400, 'invalid_request', 'by', /^"by": unknown grouping "tenants"; expected one of party, provider, channel, tenant, key, model; did you mean "tenant"\?\.$/);
    assertError(await get(base, '/admin/ledger/statement?from=2026-02-30'), 400, 'invalid_request', 'from', /^"from": invalid day "2026-02-30": there is no such day\.$/);
    assertError(await get(base, '/admin/ledger/statement?from=2026-03-01&to=soon'), 400, 'invalid_request', 'to', /^"to": invalid time "soon"/);
    assertError(await get(base, '/admin/ledger/statement?from=2026-03-01&to=2026-03-01'), 400, 'invalid_request', 'to', /the period is empty/);
    assertError(await get(base, '/admin/ledger/statement?from='), 400, 'invalid_request', 'from', /invalid time ""/);
    assertError(await get(base, '/admin/ledger/statement?from=2099-01-01'), 400, 'invalid_request', 'from', /the period is empty/);
  });

  it('entries: pages of at most 1000 follow next_cursor, every entry exactly once; [from, to) and one request id', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const answer: Answer = await get(base, `/admin/ledger/entries?from=2026-03-01&to=2026-04-01&limit=1000${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      assert.equal(answer.json.object, 'list');
      sizes.push(answer.json.data.length);
      seen.push(...answer.json.data.map((entry: any) => entry.request_id));
      cursor = answer.json.next_cursor;
    } while (cursor !== null && sizes.length < 10);
    assert.deepEqual(sizes, [1_000, 1_000, 3]);
    assert.equal(seen.length, 2_003);
    assert.equal(new Set(seen).size, 2_003);
    assert.equal(seen.includes('april'), false);

    const first = await get(base, '/admin/ledger/entries');
    assert.equal(first.json.data.length, 100, 'a page is 100 entries by default');
    assert.equal(first.json.data[0].request_id, 'req-0000');
    assert.equal(first.json.data[0].at, '2026-03-01T00:00:00.000Z');
    assert.equal((await get(base, '/admin/ledger/entries?from=2026-04-01')).json.data[0].request_id, 'april');
    assert.deepEqual((await get(base, '/admin/ledger/entries?to=2026-03-01T00:00:00.001Z')).json.data.map((entry: any) => entry.request_id), ['req-0000', 'req-0001', 'req-0002']);
    const one = await get(base, '/admin/ledger/entries?request_id=req-0004');
    assert.deepEqual([one.json.data.length, one.json.data[0].accruals, one.json.next_cursor], [1, [{ agreement: 'ms-share', party: 'Microsoft', micros: 100, cap_reached: true }], null]);
    assert.deepEqual((await get(base, '/admin/ledger/entries?request_id=nope')).json, { object: 'list', data: [], next_cursor: null });
  });

  it('entries: limit from 1 to 1000, a cursor the gateway made, a request id not empty; otherwise a 400 naming it', async () => {
    assert.equal((await get(base, '/admin/ledger/entries?limit=1')).json.data.length, 1);
    assert.equal((await get(base, '/admin/ledger/entries?limit=1000')).json.data.length, 1_000);
    for (const limit of ['0', '1001', '1.5', '', 'ten', '-1', '1e3x']) {
      assertError(await get(base, `/admin/ledger/entries?limit=${encodeURIComponent(limit)}`), 400, 'invalid_request', 'limit', /^"limit" must be a whole number from 1 to 1000\.$/);
    }
    for (const cursor of ['nonsense', Buffer.from('[1,2]').toString('base64url'), '']) {
      assertError(await get(base, `/admin/ledger/entries?cursor=${encodeURIComponent(cursor)}`), 400, 'invalid_request', 'cursor', /^"cursor" is not one this gateway made/);
    }
    assertError(await get(base, '/admin/ledger/entries?request_id='), 400, 'invalid_request', 'request_id', /must not be empty/);
    assertError(await get(base, '/admin/ledger/entries?from=2026-03-02&to=2026-03-01'), 400, 'invalid_request', 'to', /the period is empty/);
    assertError(await get(base, '/admin/ledger/entries?to=2026-13-01'), 400, 'invalid_request', 'to', /^"to": invalid day "2026-13-01": there is no such day\.$/);
  });

  it('a store that fails is not answered as a bad request', async () => {
    // A real store whose database is gone from under it.
    const { database } = openSqlite(':memory:');
    const failing = new SqliteLedgerStore(database);
    database.close();
    const rejected = await new Promise<unknown>((resolve) => {
      const probe = createServer((incoming, response) => {
        handleLedgerAdmin(failing, config, incoming, response, 'r', ['ledger', 'entries'], new URLSearchParams()).then(
          () => resolve(undefined),
          (error: unknown) => {
            response.writeHead(500).end();
            resolve(error);
          },
        );
      });
      probe.listen(0, '127.0.0.1', () => {
        void request(`http://127.0.0.1:${(probe.address() as AddressInfo).port}/`).then((answer) => answer.body.dump()).finally(() => probe.close());
      });
    });
    assert.match(String(rejected), /database is not open/, 'rejected for the admin API to log as an internal error');
  });
});
