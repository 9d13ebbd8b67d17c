/**
 * How many times the gateway calls an upstream: `routing.retries.attempts` extra attempts on the last channel left,
 * none for refused credentials, counted from the requests the emulators received. And what the client sees when
 * every channel failed: each channel once, with its attempt count.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { request } from 'undici';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { resetRoutingState } from '../../src/execution/routing-runtime.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';

const primaryKey = 'sk-test-primary';
let primary: RunningEmulator;
let secondary: RunningEmulator;
const gateways: RunningGateway[] = [];

before(async () => {
  primary = await startOpenAIEmulator({ apiKey: primaryKey, quiet: true });
  secondary = await startOpenAIEmulator({ quiet: true });
});
after(async () => {
  await Promise.all(gateways.map((gateway) => gateway.close()));
  await Promise.all([primary.close(), secondary.close()]);
});
beforeEach(() => {
  primary.setFault(undefined);
  secondary.setFault(undefined);
  for (const gateway of gateways) resetRoutingState(gateway.context.runtime.routing);
});

/** A gateway with the `routing` section given (undefined: the defaults). Models: `pair` (primary, then secondary), `solo` (primary only). */
async function startWithRouting(routing: string | undefined): Promise<RunningGateway> {
  const config = parseConfig(
    `
logging: { level: silent, requests: false }
auth: { clients: none }
store: { kind: memory }
limits: { request_timeout: 20s }
${routing === undefined ? '' : `routing: ${routing}`}
providers:
  primary: { kind: openai, base_url: \${PRIMARY_URL}, auth: { api_key: \${PRIMARY_KEY} } }
  secondary: { kind: openai-compatible, base_url: \${SECONDARY_URL} }
models:
  pair:
    channels:
      - { provider: primary, model: gpt-4o-mini }
      - { provider: secondary, model: gpt-4o-mini }
  solo:
    channels:
      - { provider: primary, model: gpt-4o }
`,
    { env: { PRIMARY_URL: primary.baseUrl, PRIMARY_KEY: primaryKey, SECONDARY_URL: secondary.baseUrl }, source: 'retries test' },
  );
  const gateway = await startGateway(config, { logger: createLogger('silent'), host: '127.0.0.1', port: 0, drainTimeoutMs: 1000 });
  gateways.push(gateway);
  return gateway;
}

interface Answer {
  readonly status: number;
  readonly body: { error?: { message: string; type: string; code: string } };
  readonly route: string;
  readonly provider: string | undefined;
  /** Requests each emulator received for this call. */
  readonly calls: { primary: number; secondary: number };
}

async function chat(gateway: RunningGateway, model: string, stream = false): Promise<Answer> {
  const before = { primary: primary.stats.requests, secondary: secondary.stats.requests };
  const response = await request(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'Count the calls' }] }),
  });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    body: response.headers['content-type']?.includes('json') ? JSON.parse(text) : {},
    route: String(response.headers['x-interchange-route']),
    provider: response.headers['x-interchange-provider'] as string | undefined,
    calls: { primary: primary.stats.requests - before.primary, secondary: secondary.stats.requests - before.secondary },
  };
}

// Extra attempts as configured; small delays keep the suite fast (the default waits up to 100 ms). With 10, the
// breaker (which opens after 10 failures by default) is set not to open, so it cannot cut the count short.
const settings: ReadonlyArray<readonly [string, string | undefined, number]> = [
  ['the default (1)', undefined, 1],
  ['0', '{ retries: { attempts: 0 } }', 0],
  ['2', '{ retries: { attempts: 2, base_delay: 1ms, max_delay: 4ms } }', 2],
  ['10, the most allowed', '{ retries: { attempts: 10, base_delay: 1ms, max_delay: 2ms }, breaker: { minimum_requests: 1000 } }', 10],
];

describe('retries on the last channel left: exactly 1 + retries.attempts calls', () => {
  for (const [name, routing, extra] of settings) {
    describe(`retries.attempts ${name}`, () => {
      let gateway: RunningGateway;
      before(async () => {
        gateway = await startWithRouting(routing);
      });

      it(`503 on the only channel: ${1 + extra} ${extra === 0 ? 'call' : 'calls'}, then 503 naming the channel once`, async () => {
        primary.setFault('status=503');
        const answer = await chat(gateway, 'solo');
        assert.deepEqual(answer.calls, { primary: 1 + extra, secondary: 0 });
        assert.equal(answer.status, 503);
        assert.equal(answer.body.error?.code, 'upstream_unavailable');
        const tries = extra === 0 ? '' : `, ${1 + extra} attempts`;
        assert.equal(answer.body.error?.message, `Model "solo" failed on 1 channel: [1] primary (gpt-4o)${tries}: primary answered 503: The server is overloaded or not ready yet.`);
      });

      it(`503 on both channels: the first once, the last ${extra === 0 ? 'once' : `${1 + extra} times`}`, async () => {
        primary.setFault('status=503');
        secondary.setFault('status=503');
        const answer = await chat(gateway, 'pair');
        assert.deepEqual(answer.calls, { primary: 1, secondary: 1 + extra });
        assert.equal(answer.route.split(';').length, 2 + extra, answer.route);
      });

      it('401 on the only channel: 1 call, never retried, 502 upstream_authentication_failed', async () => {
        primary.setFault('status=401');
        const answer = await chat(gateway, 'solo');
        assert.deepEqual(answer.calls, { primary: 1, secondary: 0 });
        assert.equal(answer.status, 502);
        assert.deepEqual(answer.body.error, {
          message: `Model "solo" failed on 1 channel: [1] primary (gpt-4o): primary refused the gateway's credentials (401)`,
          type: 'api_error',
          param: null,
          code: 'upstream_authentication_failed',
        });
      });

      it('401 on both channels: 1 call each, 502 upstream_authentication_failed', async () => {
        primary.setFault('status=401');
        secondary.setFault('status=401');
        const answer = await chat(gateway, 'pair');
        assert.deepEqual(answer.calls, { primary: 1, secondary: 1 });
        assert.equal(answer.status, 502);
        assert.equal(answer.body.error?.code, 'upstream_authentication_failed');
        assert.equal(answer.body.error?.type, 'api_error');
      });
    });
  }

  describe('with the defaults', () => {
    let gateway: RunningGateway;
    before(async () => {
      gateway = await startWithRouting(undefined);
    });

    it('503 on the only channel, streaming: 2 calls', async () => {
      primary.setFault('status=503');
      const answer = await chat(gateway, 'solo', true);
      assert.deepEqual(answer.calls, { primary: 2, secondary: 0 });
      assert.equal(answer.status, 503);
    });

    it("401 on the only channel, streaming: 1 call, the gateway's own message", async () => {
      primary.setFault('status=401');
      const answer = await chat(gateway, 'solo', true);
      assert.deepEqual(answer.calls, { primary: 1, secondary: 0 });
      assert.equal(answer.status, 502);
      assert.equal(answer.body.error?.code, 'upstream_authentication_failed');
      assert.equal(answer.body.error?.message, `Model "solo" failed on 1 channel: [1] primary (gpt-4o): primary refused the gateway's credentials (401)`);
    });

    it('403 on the only channel: 1 call', async () => {
      primary.setFault('status=403');
      const answer = await chat(gateway, 'solo');
      assert.deepEqual(answer.calls, { primary: 1, secondary: 0 });
      assert.equal(answer.body.error?.code, 'upstream_authentication_failed');
      assert.equal(answer.body.error?.message, `Model "solo" failed on 1 channel: [1] primary (gpt-4o): primary refused the gateway's credentials (403)`);
    });

    it('401 on the first channel: the next channel is still tried and serves', async () => {
      primary.setFault('status=401');
      const answer = await chat(gateway, 'pair');
      assert.deepEqual(answer.calls, { primary: 1, secondary: 1 });
      assert.equal(answer.status, 200);
      assert.equal(answer.provider, 'secondary');
      assert.match(answer.route, /^primary\/gpt-4o-mini:fail=401@\d+ms;secondary\/gpt-4o-mini:ok@\d+ms$/);
    });

    it('404 (deployment or model not found) on the only channel: 1 call', async () => {
      primary.setFault('status=404');
      const answer = await chat(gateway, 'solo');
      assert.deepEqual(answer.calls, { primary: 1, secondary: 0 });
      assert.equal(answer.status, 502);
      assert.equal(answer.body.error?.code, 'upstream_error');
    });

    it('credentials refused on one channel, unavailable on the other: 502 upstream_error naming both', async () => {
      primary.setFault('status=401');
      secondary.setFault('status=503');
      const answer = await chat(gateway, 'pair');
      assert.deepEqual(answer.calls, { primary: 1, secondary: 2 });
      assert.equal(answer.status, 502);
      assert.equal(answer.body.error?.code, 'upstream_error');
      assert.equal(
        answer.body.error?.message,
        `Model "pair" failed on 2 channels: [1] primary (gpt-4o-mini): primary refused the gateway's credentials (401); [2] secondary (gpt-4o-mini), 2 attempts: secondary answered 503: The server is overloaded or not ready yet.`,
      );
    });
  });
});
