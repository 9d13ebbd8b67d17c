/**
 * Routing end to end over the emulators of the three clouds: the articles' scenario, Azure primary with Bedrock and
 * Vertex behind it. Every decision is read back from the x-interchange-route header, /metrics and /admin/routes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { request } from 'undici';
import { startAzureOpenAIEmulator, type RunningAzureOpenAIEmulator } from '../../emulators/azure-openai/index.ts';
import { startBedrockEmulator, type RunningBedrockEmulator } from '../../emulators/bedrock/index.ts';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { createTestServiceAccount, startVertexEmulator, type RunningVertexEmulator } from '../../emulators/vertex/index.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { resetRoutingState } from '../../src/execution/routing-runtime.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';
import { writeServiceAccountFile } from '../support/service-account-file.ts';

const adminHeaders = { headers: { authorization: 'Bearer routing-test-admin-token' } };

const awsCredentials = { accessKeyId: 'AKIDROUTING', secretAccessKey: 'routing-secret' };
let azure: RunningAzureOpenAIEmulator;
let bedrock: RunningBedrockEmulator;
let vertex: RunningVertexEmulator;
let openai: RunningEmulator;
let gateway: RunningGateway;
let client: OpenAI;
let directory: string;

before(async () => {
  const account = createTestServiceAccount();
  azure = await startAzureOpenAIEmulator({ apiKey: 'azure-key', deployments: { 'gpt-oss-120b': { model: 'gpt-oss-120b', contextWindow: 128_000 } }, quiet: true });
  bedrock = await startBedrockEmulator({ region: 'us-east-1', credentials: [awsCredentials], quiet: true });
  vertex = await startVertexEmulator({ project: 'acme-ai', publicKey: account.publicKey, models: { 'openai/gpt-oss-120b-maas': { contextWindow: 1_000_000 } }, quiet: true });
  openai = await startOpenAIEmulator({ apiKey: 'sk-openai', quiet: true });
  directory = await mkdtemp(join(tmpdir(), 'interchange-routing-'));
  const keyFile = await writeServiceAccountFile(directory, account);
  const config = parseConfig(
    `
logging: { level: silent, requests: false }
auth: { clients: none }
store: { kind: memory }
admin: { tokens: { tests: routing-test-admin-token } }
limits: { request_timeout: 20s }
routing:
  breaker: { failure_rate: 0.5, minimum_requests: 4, window: 30s, open_for: 1s, half_open_probes: 1 }
providers:
  azure-eastus: { kind: azure-openai, endpoint: \${AZURE}, api: deployments, auth: { api_key: azure-key }, region: eastus }
  bedrock-use1: { kind: bedrock, region: us-east-1, endpoint: \${BEDROCK}, auth: { aws: { access_key_id: ${awsCredentials.accessKeyId}, secret_access_key: ${awsCredentials.secretAccessKey} } } }
  vertex-euw4: { kind: vertex, project: acme-ai, location: europe-west4, api: openai, endpoint: \${VERTEX}, auth: { google: { service_account_file: \${KEY_FILE} } } }
  openai: { kind: openai, base_url: \${OPENAI}, auth: { api_key: sk-openai }, region: us }
models:
  gpt-oss-120b:
    route: primary-first
    channels:
      - { provider: azure-eastus, deployment: gpt-oss-120b, primary: true, capabilities: { context_window: 128000 } }
      - { provider: bedrock-use1, model: "openai.gpt-oss-120b-1:0", capabilities: { context_window: 128000 } }
      - { provider: vertex-euw4, model: openai/gpt-oss-120b-maas, capabilities: { context_window: 1000000 } }
      - { provider: openai, model: gpt-oss-120b, capabilities: { context_window: 128000 } }
  reserved:
    route: primary-first
    channels:
      - { provider: azure-eastus, deployment: gpt-oss-120b, primary: true, capacity: { rpm: 2 } }
      - { provider: vertex-euw4, model: openai/gpt-oss-120b-maas }
  held:
    route: primary-first
    first_token_timeout: 300ms
    channels:
      - { provider: azure-eastus, deployment: gpt-oss-120b, primary: true }
      - { provider: bedrock-use1, model: "openai.gpt-oss-120b-1:0" }
agreements:
  - { name: msft-licence, kind: licence, party: Microsoft, channels: { provider: azure-eastus }, until: 2032-12-31, exclusive: false }
`,
    { env: { AZURE: azure.url, BEDROCK: bedrock.url, VERTEX: vertex.url, OPENAI: openai.baseUrl, KEY_FILE: keyFile } },
  );
  gateway = await startGateway(config, { logger: createLogger('silent'), host: '127.0.0.1', port: 0, drainTimeoutMs: 500 });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client', maxRetries: 0 });
});

after(async () => {
  await gateway.close();
  await Promise.all([azure.close(), bedrock.close(), vertex.close(), openai.close()]);
  await rm(directory, { recursive: true, force: true });
});

beforeEach(() => {
  azure.setFault(undefined);
  azure.resetQuotas();
  resetRoutingState(gateway.context.runtime.routing);
});

async function ask(model: string, headers: Record<string, string> = {}, content = 'Hello') {
  const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content }] }, { headers }).withResponse();
  return { data, provider: response.headers.get('x-interchange-provider'), route: response.headers.get('x-interchange-route') ?? '' };
}

async function metrics(): Promise<string> {
  return (await request(`${gateway.url}/metrics`)).body.text();
}

describe('routing: the primary partner first, every pass-over explained', () => {
  it('Azure, the primary, serves everything while healthy', async () => {
    for (let index = 0; index < 5; index++) {
      const { provider, route } = await ask('gpt-oss-120b');
      assert.equal(provider, 'azure-eastus');
      assert.match(route, /^azure-eastus\/gpt-oss-120b:ok@\d+ms$/);
    }
    assert.equal(bedrock.stats.requests + vertex.stats.requests + openai.stats.requests, 0);
  });

  it('when Azure, Bedrock and Vertex all fail, OpenAI\'s own API serves, and the trace names every step', async () => {
    azure.setFault('status=503', 1);
    bedrock.setFault('status=503', 1);
    vertex.setFault('status=503', 1);
    try {
      const { provider, route } = await ask('gpt-oss-120b');
      assert.equal(provider, 'openai');
      assert.match(route, /^azure-eastus\/gpt-oss-120b:fail=503@\d+ms;bedrock-use1\/openai\.gpt-oss-120b-1:0:fail=503@\d+ms;vertex-euw4\/openai\/gpt-oss-120b-maas:fail=503@\d+ms;openai\/gpt-oss-120b:ok@\d+ms$/);
    } finally {
      bedrock.setFault(undefined);
      vertex.setFault(undefined);
    }
  });

  it('Azure 429 → Bedrock, and the trace says why', async () => {
    azure.setFault('status=429, retry-after=5', 1);
    const first = await ask('gpt-oss-120b');
    assert.equal(first.provider, 'bedrock-use1');
    assert.match(first.route, /^azure-eastus\/gpt-oss-120b:fail=429@\d+ms;bedrock-use1\/openai\.gpt-oss-120b-1:0:ok@\d+ms$/);
    const second = await ask('gpt-oss-120b');
    assert.equal(second.provider, 'bedrock-use1', 'Azure is still cooling down');
    assert.match(second.route, /^azure-eastus\/gpt-oss-120b:unable=429;bedrock-use1/);
    assert.match(await metrics(), /interchange_primary_passover_total\{reason="unable_429"\} [1-9]/);
  });

  it('Azure\'s reserved capacity full → declined → Vertex', async () => {
    const providers: Array<string | null> = [];
    const routes: string[] = [];
    for (let index = 0; index < 3; index++) {
      const { provider, route } = await ask('reserved');
      providers.push(provider);
      routes.push(route);
    }
    assert.deepEqual(providers, ['azure-eastus', 'azure-eastus', 'vertex-euw4']);
    assert.match(routes[2], /^azure-eastus\/gpt-oss-120b:declined=rpm/);
    assert.match(await metrics(), /interchange_primary_passover_total\{reason="declined_rpm"\} [1-9]/);
  });

  it('a request needing 200k context skips the channels with a 128k window', async () => {
    const prompt = 'word '.repeat(200_000);
    const azureBefore = azure.stats.requests;
    const { provider, route } = await ask('gpt-oss-120b', {}, prompt);
    assert.equal(provider, 'vertex-euw4');
    assert.match(route, /azure-eastus\/gpt-oss-120b:unable=context/);
    assert.match(route, /bedrock-use1\/openai\.gpt-oss-120b-1:0:unable=context/);
    assert.equal(azure.stats.requests, azureBefore);
  });

  it('an EU-only request never reaches a US channel', async () => {
    const azureBefore = azure.stats.requests;
    const bedrockBefore = bedrock.stats.requests;
    for (let index = 0; index < 3; index++) {
      const { provider, route } = await ask('gpt-oss-120b', { 'x-interchange-allowed-regions': 'europe-west4' });
      assert.equal(provider, 'vertex-euw4');
      assert.match(route, /azure-eastus\/gpt-oss-120b:excluded=region/);
    }
    assert.equal(azure.stats.requests, azureBefore);
    assert.equal(bedrock.stats.requests, bedrockBefore);
    await assert.rejects(ask('gpt-oss-120b', { 'x-interchange-allowed-regions': 'ap-south-1' }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.match(error.message, /region/);
      return true;
    });
  });

  it('the breaker opens after repeated failures, traffic moves away, and returns after a half-open probe succeeds', async () => {
    azure.setFault('status=500');
    for (let index = 0; index < 4; index++) assert.equal((await ask('gpt-oss-120b')).provider, 'bedrock-use1');
    const azureAfterFailures = azure.stats.requests;
    const open = await ask('gpt-oss-120b');
    assert.equal(open.provider, 'bedrock-use1');
    assert.match(open.route, /^azure-eastus\/gpt-oss-120b:unable=circuit-open;/);
    assert.equal(azure.stats.requests, azureAfterFailures, 'no call reaches Azure while the circuit is open');
    azure.setFault(undefined);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const probe = await ask('gpt-oss-120b');
    assert.equal(probe.provider, 'azure-eastus', 'the half-open probe succeeds');
    assert.equal((await ask('gpt-oss-120b')).provider, 'azure-eastus', 'closed again');
    assert.match(await metrics(), /interchange_primary_passover_total\{reason="unable_circuit_open"\} [1-9]/);
  });

  it('client preferences narrow the candidates, and the trace shows their effect', async () => {
    const { provider, route } = await ask('gpt-oss-120b', { 'x-interchange-providers': 'ignore=azure-eastus' });
    assert.equal(provider, 'bedrock-use1');
    assert.match(route, /azure-eastus\/gpt-oss-120b:excluded=preference-ignore/);
    const body = await client.chat.completions.create({
      model: 'gpt-oss-120b',
      messages: [{ role: 'user', content: 'hi' }],
      ...({ interchange: { providers: { only: ['vertex-euw4'] } } } as object),
    });
    assert.ok(body.choices[0].message.content);
    const received = vertex.received.at(-1)!.body as Record<string, unknown>;
    assert.equal(received.interchange, undefined, 'the extension is stripped before the upstream');
  });

  it('the full reasons are in the trace the admin endpoint keeps', async () => {
    azure.setFault('status=429, retry-after=5', 1);
    await ask('gpt-oss-120b', { 'x-request-id': 'cooling-1' });
    await ask('gpt-oss-120b', { 'x-request-id': 'cooling-2' });
    const found = (await (await request(`${gateway.url}/admin/routes/cooling-2`, adminHeaders)).body.text());
    assert.match(found, /429 retry-after [45]s/);
  });

  it('first-token failover: a stream whose first token does not come in time, or that dies before it, still fails over', async () => {
    for (const fault of ['delay-chunks=600', 'cut-after=1']) {
      azure.setFault(fault);
      const stream = await client.chat.completions.create({ model: 'held', messages: [{ role: 'user', content: 'stream please' }], stream: true }).withResponse();
      let text = '';
      for await (const chunk of stream.data) text += chunk.choices[0]?.delta.content ?? '';
      assert.equal(stream.response.headers.get('x-interchange-provider'), 'bedrock-use1', fault);
      assert.match(stream.response.headers.get('x-interchange-route') ?? '', /^azure-eastus\/gpt-oss-120b:fail=/);
      assert.ok(text.length > 0);
    }
    azure.setFault(undefined);
    const healthy = await client.chat.completions.create({ model: 'held', messages: [{ role: 'user', content: 'stream please' }], stream: true }).withResponse();
    for await (const _chunk of healthy.data) {
      // drain
    }
    assert.equal(healthy.response.headers.get('x-interchange-provider'), 'azure-eastus');
  });

  it('recent traces are queryable on the admin endpoint', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'gpt-oss-120b', messages: [{ role: 'user', content: 'trace me' }] }, { headers: { 'x-request-id': 'route-me-1' } })
      .withResponse();
    assert.equal(response.status, 200);
    const one = (await (await request(`${gateway.url}/admin/routes/route-me-1`, adminHeaders)).body.json()) as { requestId: string; model: string; trace: unknown };
    assert.equal(one.requestId, 'route-me-1');
    assert.equal(one.model, 'gpt-oss-120b');
    const list = (await (await request(`${gateway.url}/admin/routes?limit=5`, adminHeaders)).body.json()) as { data: Array<{ requestId: string }> };
    assert.equal(list.data[0].requestId, 'route-me-1');
    assert.ok(list.data.length <= 5);
  });
});
