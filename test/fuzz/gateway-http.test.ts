/**
 * Fuzzing the gateway over HTTP, in process, in front of the OpenAI emulators (keys off, memory store): raw bodies
 * (JSON, near-valid requests, invalid UTF-8, truncated JSON, deep nesting, random bytes) on both data-plane endpoints,
 * with fuzzed routing headers, and fuzzed paths and methods. Every answer has a status below 500 and is OpenAI-shaped
 * JSON with an `error.code` from the error table when it is an error; a stream ends with `[DONE]`; the gateway is still
 * up afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Pool } from 'undici';
import { stackAdminHeaders, startGatewayStack, type GatewayStack } from '../support/gateway-stack.ts';
import { chatForUpstream, fuzzParameters, hostileString, nearValidEmbeddingBody, rawBodies, Tally, validEmbeddingBody } from './fuzz-support.ts';
import { assertAnswer, send } from './http-contract.ts';

const routingHeader = fc.oneof(
  fc.constantFrom('primary', 'secondary', 'only=primary', 'order=secondary,primary', 'ignore=primary; zdr', 'require_region=us', 'allow_fallbacks=false', 'only=nope', '=', ';;', ','),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((value) => value.replace(/[^\x20-\x7e]/g, '')),
);

const someHeaders = fc.record(
  {
    'x-interchange-providers': routingHeader,
    'x-interchange-provider-annotations': fc.constantFrom('include', 'exclude', ''),
    'content-type': fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
    'x-request-id': fc.oneof(fc.constantFrom('req-1', 'a'.repeat(129), '../x'), fc.string({ unit: 'binary-ascii', maxLength: 20 }).map((value) => value.replace(/[^\x21-\x7e]/g, '') || 'x')),
  },
  { requiredKeys: [] },
);
/** Mostly none, so that most near-valid bodies are judged on their own. */
const dataPlaneHeaders = fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: someHeaders });

let stack: GatewayStack;
let pool: Pool;

before(async () => {
  stack = await startGatewayStack();
  pool = new Pool(stack.gateway.url, { connections: 4 });
});

after(async () => {
  await pool.close();
  await stack.close();
});

async function assertStillUp(): Promise<void> {
  const health = await send(pool, 'GET', '/healthz');
  assert.equal(health.status, 200);
  const models = await send(pool, 'GET', '/v1/models');
  assert.equal(models.status, 200);
}

describe('fuzz: the gateway over HTTP', () => {
  it('POST /v1/chat/completions: any body and routing headers get an answer below 500 in the documented shape', async (t) => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(rawBodies(fc.oneof(chatForUpstream.wellFormed, chatForUpstream.wellFormed, chatForUpstream.valid, chatForUpstream.nearValid, chatForUpstream.nearValid)), dataPlaneHeaders, async (body, headers) => {
        tally.add(assertAnswer(await send(pool, 'POST', '/v1/chat/completions', body, headers)));
      }),
      fuzzParameters(150),
    );
    t.diagnostic(tally.summary('requests'));
    await assertStillUp();
  });

  it('POST /v1/embeddings: any body gets an answer below 500 in the documented shape', async (t) => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(rawBodies(fc.oneof(validEmbeddingBody, nearValidEmbeddingBody)), dataPlaneHeaders, async (body, headers) => {
        tally.add(assertAnswer(await send(pool, 'POST', '/v1/embeddings', body, headers)));
      }),
      fuzzParameters(100),
    );
    t.diagnostic(tally.summary('requests'));
    await assertStillUp();
  });

  it('any method on any path, percent-escapes included, gets an answer below 500', async (t) => {
    const tally = new Tally();
    const segment = fc.oneof(
      fc.constantFrom('%', '%E0', '%E0%A4%A', '%2F', '%00', '%FF', '..', '.', '', 'gpt-4o-mini', 'keys', 'tenants', 'revoke', 'rotate'),
      hostileString.map((value) => encodeURIComponent(value.slice(0, 40).toWellFormed()).replace(/%2[05]/g, '%')),
    );
    const path = fc
      .tuple(fc.constantFrom('/v1/models/', '/admin/', '/admin/keys/', '/admin/tenants/', '/admin/routes/', '/v1/', '/', '/healthz/'), fc.array(segment, { minLength: 1, maxLength: 3 }), fc.constantFrom('', '?limit=%E0', '?limit=-1', '?x'))
      .map(([prefix, segments, query]) => `${prefix}${segments.join('/')}${query}`);
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS');
    await fc.assert(
      fc.asyncProperty(method, path, fc.boolean(), async (verb, target, asAdmin) => {
        tally.add(assertAnswer(await send(pool, verb, target, undefined, asAdmin ? stackAdminHeaders : {})));
      }),
      fuzzParameters(200),
    );
    t.diagnostic(tally.summary('requests'));
    await assertStillUp();
  });
});
