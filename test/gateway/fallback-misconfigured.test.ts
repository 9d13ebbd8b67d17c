/**
 * A channel that fails on its own configuration (a wrong key, a deployment or model that does not exist) while a
 * fallback serves: the gateway warns once per channel per minute and counts every failure; the client never sees the
 * upstream's words about credentials, which can echo part of a key. Real misconfigurations against the emulators:
 * the gateway holds a wrong key, or names a deployment the emulator does not have.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { request } from 'undici';
import { startAzureOpenAIEmulator, type RunningAzureOpenAIEmulator } from '../../emulators/azure-openai/index.ts';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { resetRoutingState } from '../../src/execution/routing-runtime.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';

const openaiKey = 'sk-right-key-00000000';
const wrongOpenAIKey = 'sk-wrong-key-abcd9876';
const azureKey = 'azure-secret-7777';
const wrongAzureKey = '0123456789abcdef0123456789abcdef';

let openai: RunningEmulator;
let azure: RunningAzureOpenAIEmulator;
let fallback: RunningEmulator;
let gateway: RunningGateway;
const logLines: Array<Record<string, unknown>> = [];

before(async () => {
  openai = await startOpenAIEmulator({ apiKey: openaiKey, quiet: true });
  azure = await startAzureOpenAIEmulator({
    apiKey: azureKey,
    deployments: { 'gpt-4o-mini': { model: 'gpt-4o-mini' }, 'small-window': { model: 'gpt-4o-mini', contextWindow: 50 } },
    quiet: true,
  });
  fallback = await startOpenAIEmulator({ quiet: true });
  const config = parseConfig(
    `
logging: { level: warn, requests: false }
auth: { clients: none }
store: { kind: memory }
limits: { request_timeout: 20s }
providers:
  openai-wrong-key: { kind: openai, base_url: \${OPENAI_URL}, auth: { api_key: \${WRONG_OPENAI_KEY} } }
  openai-right-key: { kind: openai, base_url: \${OPENAI_URL}, auth: { api_key: \${OPENAI_KEY} } }
  azure-wrong-key: { kind: azure-openai, endpoint: \${AZURE_URL}, api: v1, auth: { api_key: \${WRONG_AZURE_KEY} } }
  azure-right-key: { kind: azure-openai, endpoint: \${AZURE_URL}, api: v1, auth: { api_key: \${AZURE_KEY} } }
  fallback: { kind: openai-compatible, base_url: \${FALLBACK_URL} }
models:
  wrong-openai-key:
    channels:
      - { provider: openai-wrong-key, model: gpt-4o-mini }
      - { provider: fallback, model: gpt-4o-mini }
  wrong-azure-key:
    channels:
      - { provider: azure-wrong-key, deployment: gpt-4o-mini }
      - { provider: fallback, model: gpt-4o-mini }
  missing-deployment:
    channels:
      - { provider: azure-right-key, deployment: no-such-deployment }
      - { provider: fallback, model: gpt-4o-mini }
  missing-model:
    channels:
      - { provider: openai-right-key, model: no-such-model }
      - { provider: fallback, model: gpt-4o-mini }
  only-wrong-openai-key: { channels: [ { provider: openai-wrong-key, model: gpt-4o-mini } ] }
  only-wrong-azure-key: { channels: [ { provider: azure-wrong-key, deployment: gpt-4o-mini } ] }
  only-openai: { channels: [ { provider: openai-right-key, model: gpt-4o-mini } ] }
  only-azure: { channels: [ { provider: azure-right-key, deployment: gpt-4o-mini } ] }
  small-window: { channels: [ { provider: azure-right-key, deployment: small-window } ] }
`,
    {
      env: {
        OPENAI_URL: openai.baseUrl,
        OPENAI_KEY: openaiKey,
        WRONG_OPENAI_KEY: wrongOpenAIKey,
        AZURE_URL: azure.url,
        AZURE_KEY: azureKey,
        WRONG_AZURE_KEY: wrongAzureKey,
        FALLBACK_URL: fallback.baseUrl,
      },
      source: 'misconfigured test',
    },
  );
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') logLines.push(JSON.parse(line));
      done();
    },
  });
  gateway = await startGateway(config, { logger: createLogger('warn', { destination }), host: '127.0.0.1', port: 0, drainTimeoutMs: 1000 });
});
after(async () => {
  await gateway.close();
  await Promise.all([openai.close(), azure.close(), fallback.close()]);
});
beforeEach(() => {
  openai.setFault(undefined);
  azure.setFault(undefined);
  resetRoutingState(gateway.context.runtime.routing);
});

async function chat(model: string, content = 'Who serves this?'): Promise<{ status: number; body: any; provider: string | undefined; text: string }> {
  const response = await request(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: JSON.parse(text), provider: response.headers['x-interchange-provider'] as string | undefined, text };
}

/** The warnings about one channel logged so far. */
function warningsFor(provider: string): Array<Record<string, unknown>> {
  return logLines.filter((line) => line.provider === provider && typeof line.msg === 'string' && line.msg.includes('is misconfigured'));
}

async function configFailures(provider: string, upstreamModel: string, reason: string): Promise<number> {
  const metrics = await (await request(`${gateway.url}/metrics`)).body.text();
  const match = new RegExp(`^interchange_channel_config_failures_total\\{provider="${provider}",upstream_model="${upstreamModel}",reason="${reason}"\\} (\\d+)$`, 'm').exec(metrics);
  return match === null ? 0 : Number(match[1]);
}

describe('a misconfigured primary is loud while the fallback serves', () => {
  it('a wrong OpenAI key: served by the fallback, one warning a minute, every failure counted', async () => {
    for (let index = 0; index < 3; index++) {
      const answer = await chat('wrong-openai-key');
      assert.equal(answer.status, 200);
      assert.equal(answer.provider, 'fallback');
    }
    const warnings = warningsFor('openai-wrong-key');
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    const [warning] = warnings;
    assert.equal(warning.level, 40, 'warn');
    assert.equal(warning.msg, 'channel openai-wrong-key/gpt-4o-mini is misconfigured: the upstream refused its credentials');
    assert.equal(warning.reason, 'authentication');
    assert.equal(warning.status, 401);
    // The upstream's own words go to the log, without the key it echoed.
    assert.match(String(warning.upstreamMessage), /Incorrect API key provided: \[redacted\]\. You can find your API key/);
    assert.equal(await configFailures('openai-wrong-key', 'gpt-4o-mini', 'authentication'), 3);
  });

  it('a wrong Azure key: the same, with its own channel and count', async () => {
    const before = await configFailures('azure-wrong-key', 'gpt-4o-mini', 'authentication');
    for (let index = 0; index < 2; index++) assert.equal((await chat('wrong-azure-key')).provider, 'fallback');
    const warnings = warningsFor('azure-wrong-key');
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0].upstreamMessage), /Access denied due to invalid subscription key/);
    assert.equal(await configFailures('azure-wrong-key', 'gpt-4o-mini', 'authentication'), before + 2);
  });

  it("an Azure deployment that does not exist (DeploymentNotFound): warned and counted as not_found", async () => {
    const calls = azure.stats.requests;
    for (let index = 0; index < 2; index++) assert.equal((await chat('missing-deployment')).provider, 'fallback');
    assert.equal(azure.stats.requests - calls, 2, 'one call per request');
    const warnings = warningsFor('azure-right-key');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].msg, 'channel azure-right-key/no-such-deployment is misconfigured: its deployment or model was not found upstream');
    assert.equal(warnings[0].reason, 'not_found');
    assert.equal(warnings[0].status, 404);
    assert.equal(await configFailures('azure-right-key', 'no-such-deployment', 'not_found'), 2);
  });

  it('an OpenAI model that does not exist: warned and counted as not_found', async () => {
    assert.equal((await chat('missing-model')).provider, 'fallback');
    const warnings = warningsFor('openai-right-key');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].upstreamModel, 'no-such-model');
    assert.equal(await configFailures('openai-right-key', 'no-such-model', 'not_found'), 1);
  });

  it('a channel that works is never warned about or counted', async () => {
    assert.equal((await chat('only-openai')).status, 200);
    assert.equal(warningsFor('openai-right-key').filter((line) => line.upstreamModel === 'gpt-4o-mini').length, 0);
    assert.equal(await configFailures('openai-right-key', 'gpt-4o-mini', 'authentication'), 0);
  });
});

describe("no upstream text about credentials reaches a client", () => {
  it("a wrong OpenAI key: the gateway's own message, no part of the key", async () => {
    const answer = await chat('only-wrong-openai-key');
    assert.equal(answer.status, 502);
    assert.deepEqual(answer.body.error, {
      message: `Model "only-wrong-openai-key" failed on 1 channel: [1] openai-wrong-key (gpt-4o-mini): openai-wrong-key refused the gateway's credentials (401)`,
      type: 'api_error',
      param: null,
      code: 'upstream_authentication_failed',
    });
    assert.doesNotMatch(answer.text, /Incorrect API key|sk-|9876/);
  });

  it("a wrong Azure key: the gateway's own message, not Azure's", async () => {
    const answer = await chat('only-wrong-azure-key');
    assert.equal(answer.status, 502);
    assert.equal(answer.body.error.code, 'upstream_authentication_failed');
    assert.equal(answer.body.error.message, `Model "only-wrong-azure-key" failed on 1 channel: [1] azure-wrong-key (gpt-4o-mini): azure-wrong-key refused the gateway's credentials (401)`);
    assert.doesNotMatch(answer.text, /Access denied|subscription key|0123456789abcdef/);
  });

  it('the log never holds the keys either', () => {
    const log = JSON.stringify(logLines);
    assert.ok(logLines.length > 0);
    for (const key of [wrongOpenAIKey, wrongOpenAIKey.slice(-4), wrongAzureKey, openaiKey, azureKey]) assert.ok(!log.includes(key), key);
  });
});

describe("other upstream client errors keep the upstream's message", () => {
  it('400 invalid request', async () => {
    openai.setFault('status=400');
    const answer = await chat('only-openai');
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, 'upstream_invalid_request');
    assert.equal(answer.body.error.message, 'Invalid request (injected by the emulator).');
  });

  it('context length', async () => {
    const answer = await chat('small-window', 'far too long for a fifty-token window '.repeat(20));
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, 'context_length_exceeded');
    assert.match(answer.body.error.message, /^This model's maximum context length is 50 tokens\./);
  });

  it('content filter', async () => {
    const answer = await chat('only-azure', 'something bad [azure-content-filter: prompt]');
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, 'content_filter');
    assert.match(answer.body.error.message, /^The response was filtered due to the prompt triggering Azure OpenAI's content management policy/);
  });
});
