/**
 * Fuzzing the admin API over HTTP with an admin token (in-process gateway, memory store): every route, with valid,
 * near-valid and raw bodies, fuzzed ids in the path and fuzzed query strings. Every answer is below 500 and
 * OpenAI-shaped; what the admin API accepts reads back; the gateway is still up afterwards.
 *
 * The gateway is started afresh every few thousand requests so a long run's created tenants and keys do not make
 * every list call larger than the last.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { Pool } from 'undici';
import { startGatewayStack, stackAdminToken, type GatewayStack } from '../support/gateway-stack.ts';
import { fuzzParameters, hostileNumber, hostileString, mutate, mutation, rawBodies, Tally, toJsonText } from './fuzz-support.ts';
import { assertAnswer, send } from './http-contract.ts';

const admin = { authorization: `Bearer ${stackAdminToken}`, 'content-type': 'application/json' };
const requestsPerStack = 3000;

interface Fixture {
  readonly stack: GatewayStack;
  readonly pool: Pool;
  readonly keyIds: string[];
  used: number;
}

let fixture: Fixture | undefined;

/** A gateway with two tenants and three keys to aim at, replaced after `requestsPerStack` requests. */
async function current(): Promise<Fixture> {
  if (fixture !== undefined && fixture.used < requestsPerStack) return fixture;
  await closeFixture();
  const stack = await startGatewayStack();
  const pool = new Pool(stack.gateway.url, { connections: 4 });
  const keyIds: string[] = [];
  for (const id of ['acme', 'beta']) assert.equal((await send(pool, 'POST', '/admin/tenants', Buffer.from(JSON.stringify({ id, name: id })), admin)).status, 201);
  for (const tenant of ['acme', 'acme', 'beta']) {
    const created = await send(pool, 'POST', '/admin/keys', Buffer.from(JSON.stringify({ tenant, name: 'fixture' })), admin);
    assert.equal(created.status, 201);
    keyIds.push(JSON.parse(created.text).id);
  }
  fixture = { stack, pool, keyIds, used: 0 };
  return fixture;
}

async function closeFixture(): Promise<void> {
  if (fixture === undefined) return;
  await fixture.pool.close();
  await fixture.stack.close();
  fixture = undefined;
}

after(closeFixture);

const tenantIdText = fc.oneof(fc.constantFrom('acme', 'beta'), fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,62}$/));
const limit = fc.oneof(fc.integer({ min: 1, max: 1_000_000_000 }), fc.constant(null));
const names = fc.array(fc.constantFrom('gpt-4o-mini', 'solo', 'local', 'text-embedding-3-small', 'primary', 'secondary', 'eastus'), { maxLength: 3 });
const metadata = fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 4 });
const expiresAt = fc.oneof(
  fc.integer({ min: 1, max: 8_640_000_000_000 }),
  fc.date({ min: new Date(0), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constant(null),
);

const tenantFields = { name: fc.string({ minLength: 1, maxLength: 40 }), rpm: limit, tpm: limit, max_streams: limit, metadata };
const tenantCreate = fc.record({ id: tenantIdText, ...tenantFields }, { requiredKeys: ['name'] });
const tenantUpdate = fc.record(tenantFields, { requiredKeys: [] });
const keyFields = {
  name: fc.string({ minLength: 1, maxLength: 40 }),
  team: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constant(null)),
  models: fc.oneof(names.map((list) => list.filter((name) => !['primary', 'secondary', 'eastus'].includes(name))), fc.constant(null)),
  providers: fc.oneof(fc.constant(['primary']), fc.constant(['secondary']), fc.constant(null)),
  regions: fc.oneof(names, fc.constant(null)),
  zero_retention: fc.boolean(),
  rpm: limit,
  tpm: limit,
  max_streams: limit,
  expires_at: expiresAt,
  metadata,
};
const keyCreate = fc.record({ tenant: fc.constantFrom('acme', 'beta'), ...keyFields }, { requiredKeys: ['tenant', 'name'] });
const keyUpdate = fc.record(keyFields, { requiredKeys: [] });
const keyRotate = fc.record({ grace_seconds: fc.integer({ min: 0, max: 30 * 24 * 3600 }) }, { requiredKeys: [] });

const day = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10));
const selector = fc.record({ provider: fc.constantFrom('primary', 'secondary', 'nope'), model: fc.constantFrom('gpt-4o-mini', 'gpt-4o', 'other') }, { requiredKeys: ['provider'] });
const agreementBody = fc.oneof(
  fc.record(
    { kind: fc.constant('revenue-share'), party: fc.string({ minLength: 1, maxLength: 20 }), percent: fc.oneof(fc.integer({ min: 0, max: 101 }), fc.double({ min: 0, max: 100, noNaN: true })), basis: fc.constantFrom('revenue', 'cost'), channels: fc.array(selector, { maxLength: 2 }), models: names, from: day, until: day, cap: fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.constant('12.5')) },
    { requiredKeys: ['kind', 'party', 'percent'] },
  ),
  fc.record({ kind: fc.constant('commitment'), party: fc.string({ minLength: 1, maxLength: 20 }), provider: fc.constantFrom('primary', 'secondary', 'nope'), amount: fc.integer({ min: 0, max: 1_000_000 }), from: day, until: day, prefer: fc.boolean() }, { requiredKeys: ['kind', 'party', 'provider', 'amount', 'from', 'until'] }),
  fc.record({ kind: fc.constant('licence'), party: fc.string({ minLength: 1, maxLength: 20 }), channels: selector, models: names, from: day, until: day, exclusive: fc.boolean() }, { requiredKeys: ['kind', 'party', 'channels'] }),
);
const agreementName = fc.oneof(fc.constantFrom('share-a', 'commit-b', 'licence-c'), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,40}$/), hostileString.map((value) => encodeURIComponent(value.slice(0, 60).toWellFormed())));

/** A body: valid, one thing changed, or raw bytes. */
function bodyFrom(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Buffer | undefined> {
  const nearValid = fc.tuple(valid, fc.nat(), mutation).map(([body, pick, change]) => mutate(body, pick, change));
  return fc.oneof(
    { weight: 3, arbitrary: valid.map((body) => Buffer.from(JSON.stringify(body))) },
    { weight: 4, arbitrary: nearValid.map((body) => Buffer.from(toJsonText(body))) },
    { weight: 2, arbitrary: rawBodies(fc.oneof(valid, nearValid)) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** A key id: one of the fixture's (by index), or anything, percent-encoded as a client would. */
const keyReference = fc.oneof(
  { weight: 3, arbitrary: fc.nat({ max: 2 }).map((index) => ({ fixture: index })) },
  { weight: 1, arbitrary: hostileString.map((value) => ({ raw: encodeURIComponent(value.slice(0, 80).toWellFormed()) })) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%E0', '%zz', '%2F..%2F').map((raw) => ({ raw })) },
);
const tenantReference = fc.oneof(tenantIdText, hostileString.map((value) => encodeURIComponent(value.slice(0, 80).toWellFormed())), fc.constantFrom('%', '%E0%A4%A'));
const queryValue = fc.oneof(hostileNumber.map(String), hostileString.map((value) => encodeURIComponent(value.slice(0, 40).toWellFormed())), fc.constantFrom('%', '%E0', ''));

type KeyReference = { fixture: number } | { raw: string };
type Operation = { readonly method: string; readonly path: string | ((keyIds: readonly string[]) => string); readonly body?: Buffer };

function keyPath(reference: KeyReference, suffix = ''): (keyIds: readonly string[]) => string {
  return (keyIds) => `/admin/keys/${'fixture' in reference ? keyIds[reference.fixture] : reference.raw}${suffix}`;
}

const operation: fc.Arbitrary<Operation> = fc.oneof(
  bodyFrom(tenantCreate).map((body) => ({ method: 'POST', path: '/admin/tenants', body })),
  fc.tuple(tenantReference, bodyFrom(tenantUpdate)).map(([id, body]) => ({ method: 'PATCH', path: `/admin/tenants/${id}`, body })),
  tenantReference.map((id) => ({ method: 'GET', path: `/admin/tenants/${id}` })),
  bodyFrom(keyCreate).map((body) => ({ method: 'POST', path: '/admin/keys', body })),
  fc.tuple(keyReference, bodyFrom(keyUpdate)).map(([reference, body]) => ({ method: 'PATCH', path: keyPath(reference), body })),
  fc.tuple(keyReference, bodyFrom(keyRotate)).map(([reference, body]) => ({ method: 'POST', path: keyPath(reference, '/rotate'), body })),
  keyReference.map((reference) => ({ method: 'POST', path: keyPath(reference, '/revoke') })),
  keyReference.map((reference) => ({ method: 'GET', path: keyPath(reference) })),
  fc.tuple(tenantReference, fc.boolean()).map(([tenant, filtered]) => ({ method: 'GET', path: filtered ? `/admin/keys?tenant=${tenant}` : '/admin/keys' })),
  fc.tuple(queryValue, queryValue).map(([after, limit]) => ({ method: 'GET', path: `/admin/audit?after=${after}&limit=${limit}` })),
  fc.tuple(queryValue, hostileString).map(([limit, id]) => ({ method: 'GET', path: `/admin/routes?limit=${limit}` + (id === '' ? '' : `&x=${encodeURIComponent(id.toWellFormed())}`) })),
  fc.constantFrom('PUT', 'DELETE', 'PATCH', 'GET').map((method) => ({ method, path: method === 'GET' ? '/admin/tenants' : '/admin/keys' })),
  fc.tuple(agreementName, bodyFrom(agreementBody)).map(([name, body]) => ({ method: 'PUT', path: `/admin/agreements/${name}`, body })),
  fc.tuple(agreementName, fc.constantFrom('GET', 'DELETE')).map(([name, method]) => ({ method, path: `/admin/agreements/${name}` })),
  fc.constant({ method: 'GET', path: '/admin/agreements' }),
);

describe('fuzz: the admin API', () => {
  it('answers every operation below 500 in the documented shape, and what it accepts reads back', async (t) => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(operation, async ({ method, path, body }) => {
        const { pool, keyIds } = await current();
        fixture!.used++;
        const target = typeof path === 'string' ? path : path(keyIds);
        const answer = await send(pool, method, target, body, admin);
        const outcome = assertAnswer(answer);
        tally.add(`${method} ${outcome}`);
        if (answer.status === 201 || (answer.status === 200 && method !== 'GET')) {
          // A tenant or key the admin API wrote reads back as it answered (the secret aside).
          const written = JSON.parse(answer.text);
          if (target.startsWith('/admin/agreements')) {
            // A removed agreement is gone; a stored one reads back as answered.
            const read = await send(pool, 'GET', `/admin/agreements/${encodeURIComponent(written.name)}`, undefined, admin);
            if (method === 'DELETE') assert.equal(read.status, 404, read.text);
            // A commitment's pace moves with the clock.
            else assert.deepEqual({ ...JSON.parse(read.text), pace_micros: undefined }, { ...written, pace_micros: undefined });
            return;
          }
          const kind = target.startsWith('/admin/tenants') ? 'tenants' : 'keys';
          const read = await send(pool, 'GET', `/admin/${kind}/${encodeURIComponent(written.id)}`, undefined, admin);
          assert.equal(read.status, 200, read.text);
          const { key: _secret, ...shown } = written;
          assert.deepEqual(JSON.parse(read.text), shown);
        }
      }),
      fuzzParameters(200),
    );
    t.diagnostic(tally.summary('admin requests'));
    const { pool } = await current();
    assert.equal((await send(pool, 'GET', '/healthz')).status, 200);
    assert.equal((await send(pool, 'GET', '/admin/audit?limit=1', undefined, admin)).status, 200);
  });
});
