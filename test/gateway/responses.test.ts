/**
 * The Responses API end to end with the official openai SDK's `client.responses`: text, streaming, a function tool
 * with its output sent back, `json_schema`, `previous_response_id` over two turns, on a model served by each cloud
 * (Azure, Bedrock, Vertex Gemini, OpenAI, a self-hosted server), all through the translated path; stored responses
 * (get, input items, delete, cancel) and their isolation between tenants; fallback before the first event; the ledger.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { request } from 'undici';
import { startAzureOpenAIEmulator, type RunningAzureOpenAIEmulator } from '../../emulators/azure-openai/index.ts';
import { DEFAULT_CREDENTIALS, startBedrockEmulator, type RunningBedrockEmulator } from '../../emulators/bedrock/index.ts';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { createTestServiceAccount, startVertexEmulator, type RunningVertexEmulator } from '../../emulators/vertex/index.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';
import { writeServiceAccountFile } from '../support/service-account-file.ts';

const adminToken = 'responses-test-admin-token-0123';
const azureKey = 'azure-responses-key';
const openaiKey = 'sk-responses-upstream';

let azure: RunningAzureOpenAIEmulator;
let bedrock: RunningBedrockEmulator;
let vertex: RunningVertexEmulator;
let openai: RunningEmulator;
let local: RunningEmulator;
let gateway: RunningGateway;
let directory: string;
let client: OpenAI;
let otherTenant: OpenAI;

/** Each cloud's model, and the provider that serves it. */
const clouds = [
  { model: 'on-azure', provider: 'azure', upstream: () => azure },
  { model: 'on-bedrock', provider: 'bedrock', upstream: () => bedrock },
  { model: 'on-gemini', provider: 'vertex', upstream: () => vertex },
  { model: 'on-openai', provider: 'openai', upstream: () => openai },
  { model: 'on-local', provider: 'local', upstream: () => local },
] as const;

async function admin(method: string, path: string, body?: unknown): Promise<any> {
  const response = await request(`${gateway.url}${path}`, { method, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await response.body.json();
  assert.ok(response.statusCode < 300, JSON.stringify(json));
  return json;
}

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'interchange-responses-'));
  azure = await startAzureOpenAIEmulator({ apiKey: azureKey, deployments: { 'gpt-4o-mini': { model: 'gpt-4o-mini' } }, quiet: true });
  bedrock = await startBedrockEmulator({ region: 'us-west-2', models: { 'openai.gpt-oss-120b-1:0': {} }, quiet: true });
  const account = createTestServiceAccount();
  vertex = await startVertexEmulator({ project: 'acme-ai', publicKey: account.publicKey, models: { 'gemini-2.5-flash': {} }, quiet: true });
  openai = await startOpenAIEmulator({ apiKey: openaiKey, quiet: true });
  local = await startOpenAIEmulator({ quiet: true });
  const keyFile = await writeServiceAccountFile(directory, account);
  const [credentials] = DEFAULT_CREDENTIALS;
  const config = parseConfig(
    `
logging: { level: silent, requests: false }
store: { kind: sqlite, path: ${join(directory, 'gateway.db')} }
admin: { tokens: { ops: ${adminToken} } }
limits: { request_timeout: 20s }
providers:
  azure: { kind: azure-openai, endpoint: ${azure.url}, api: v1, auth: { api_key: ${azureKey} } }
  bedrock: { kind: bedrock, region: us-west-2, endpoint: ${bedrock.url}, auth: { aws: { access_key_id: ${credentials.accessKeyId}, secret_access_key: ${credentials.secretAccessKey} } } }
  vertex: { kind: vertex, project: acme-ai, location: us-central1, endpoint: ${vertex.url}, auth: { google: { service_account_file: ${keyFile} } } }
  openai: { kind: openai, base_url: ${openai.baseUrl}, auth: { api_key: ${openaiKey} } }
  local: { kind: openai-compatible, base_url: ${local.baseUrl} }
models:
  on-azure: { channels: [ { provider: azure, deployment: gpt-4o-mini, price: { input: 1, output: 2 } } ] }
  on-bedrock: { channels: [ { provider: bedrock, model: "openai.gpt-oss-120b-1:0" } ] }
  on-gemini: { channels: [ { provider: vertex, model: gemini-2.5-flash } ] }
  on-openai: { channels: [ { provider: openai, model: gpt-4o-mini } ] }
  on-local: { channels: [ { provider: local, model: gpt-4o-mini } ] }
  falls-back:
    route: primary-first
    channels:
      - { provider: openai, model: gpt-4o-mini, primary: true }
      - { provider: bedrock, model: "openai.gpt-oss-120b-1:0" }
`,
    { env: {}, source: 'responses test' },
  );
  gateway = await startGateway(config, { logger: createLogger('silent'), host: '127.0.0.1', port: 0, drainTimeoutMs: 1_000 });
  for (const tenant of ['acme', 'globex']) await admin('POST', '/admin/tenants', { id: tenant, name: tenant });
  const key = async (tenant: string) => (await admin('POST', '/admin/keys', { tenant, name: `${tenant}-key` })).key as string;
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: await key('acme'), maxRetries: 0 });
  otherTenant = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: await key('globex'), maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await Promise.all([azure, bedrock, vertex, openai, local].map((emulator) => emulator?.close()));
  await rm(directory, { recursive: true, force: true });
});

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

for (const cloud of clouds) {
  describe(`the Responses API on ${cloud.provider}`, () => {
    it('text: a completed response with output_text, usage and the serving provider', async () => {
      const { data: response, response: raw } = await client.responses.create({ model: cloud.model, input: 'Say hello', instructions: 'Be brief.' }).withResponse();
      assert.equal(raw.headers.get('x-interchange-provider'), cloud.provider);
      assert.equal(response.object, 'response');
      assert.match(response.id, /^resp_/);
      assert.equal(response.status, 'completed');
      assert.equal(response.model, cloud.model);
      assert.match(response.output_text, /Say hello/);
      assert.ok(response.usage !== undefined && response.usage !== null && response.usage.input_tokens > 0 && response.usage.output_tokens > 0);
      assert.equal(response.instructions, 'Be brief.');
    });

    it('streaming: the typed events in order, deltas adding up to the completed text', async () => {
      const stream = await client.responses.create({ model: cloud.model, input: 'Stream a hello', stream: true });
      const events: Array<{ type: string; sequence_number: number; delta?: string; response?: any }> = [];
      for await (const event of stream) events.push(event as any);
      assert.equal(events[0].type, 'response.created');
      assert.equal(events[1].type, 'response.in_progress');
      assert.equal(events.at(-1)!.type, 'response.completed');
      assert.deepEqual(events.map((event) => event.sequence_number), events.map((_, index) => index));
      const deltas = events.filter((event) => event.type === 'response.output_text.delta').map((event) => event.delta).join('');
      const completed = events.at(-1)!.response;
      assert.equal(completed.output[0].content[0].text, deltas);
      assert.match(deltas, /Stream a hello/);
      for (const type of ['response.output_item.added', 'response.content_part.added', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done']) {
        assert.ok(events.some((event) => event.type === type), `${type} is sent`);
      }
    });

    it('a function tool: the call, then its output sent back with previous_response_id', async () => {
      const first = await client.responses.create({ model: cloud.model, input: 'Call get_weather for Paris', tools: [weatherTool] });
      const call = first.output.find((item) => item.type === 'function_call');
      assert.ok(call !== undefined && call.type === 'function_call', JSON.stringify(first.output));
      assert.equal(call.name, 'get_weather');
      JSON.parse(call.arguments);
      const second = await client.responses.create({
        model: cloud.model,
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny and 21 degrees' }],
        tools: [weatherTool],
      });
      assert.equal(second.status, 'completed');
      assert.match(second.output_text, /sunny and 21 degrees/, 'the upstream saw the call and its output');
      assert.equal(second.previous_response_id, first.id);
    });

    it('json_schema: the output parses and follows the schema', async () => {
      const response = await client.responses.create({
        model: cloud.model,
        input: 'Give me a city',
        text: { format: { type: 'json_schema', name: 'city', schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false }, strict: true } },
      });
      const parsed = JSON.parse(response.output_text) as { name: unknown };
      assert.equal(typeof parsed.name, 'string');
    });

    it('previous_response_id over two turns: the second request carries the first turn to the upstream', async () => {
      const first = await client.responses.create({ model: cloud.model, input: 'Remember the word marmalade', instructions: 'You are a memory test.' });
      const second = await client.responses.create({ model: cloud.model, input: 'Which word?', previous_response_id: first.id });
      assert.equal(second.status, 'completed');
      const sent = JSON.stringify(cloud.upstream().received.at(-1)?.body);
      assert.match(sent, /Remember the word marmalade/, 'the first user turn');
      assert.ok(sent.includes(JSON.stringify(first.output_text).slice(1, -1)), 'the first answer, whole');
      assert.match(sent, /Which word\?/);
    });
  });
}

describe('stored responses', () => {
  it("get, input items, delete; another tenant's id is unknown to it; cancel applies only to background responses", async () => {
    const created = await client.responses.create({ model: 'on-local', input: [{ role: 'user', content: [{ type: 'input_text', text: 'first' }] }, { role: 'user', content: 'second' }] });
    const fetched = await client.responses.retrieve(created.id);
    assert.deepEqual(fetched.output, created.output);
    const items = await client.responses.inputItems.list(created.id, { order: 'asc' });
    assert.deepEqual(
      items.data.map((item: any) => item.content[0].text),
      ['first', 'second'],
    );
    await assert.rejects(otherTenant.responses.retrieve(created.id), (error: unknown) => error instanceof OpenAI.NotFoundError);
    await assert.rejects(otherTenant.responses.delete(created.id), (error: unknown) => error instanceof OpenAI.NotFoundError);
    await assert.rejects(otherTenant.responses.create({ model: 'on-local', input: 'x', previous_response_id: created.id }), (error: unknown) => error instanceof OpenAI.BadRequestError && (error as any).code === 'previous_response_not_found');
    await assert.rejects(client.responses.cancel(created.id), (error: unknown) => error instanceof OpenAI.BadRequestError);
    await client.responses.delete(created.id);
    await assert.rejects(client.responses.retrieve(created.id), (error: unknown) => error instanceof OpenAI.NotFoundError);
  });

  it('store: false keeps nothing: the id cannot be continued or read', async () => {
    const created = await client.responses.create({ model: 'on-local', input: 'forget me', store: false });
    assert.equal((created as unknown as { store: boolean }).store, false);
    await assert.rejects(client.responses.retrieve(created.id), (error: unknown) => error instanceof OpenAI.NotFoundError);
    await assert.rejects(client.responses.create({ model: 'on-local', input: 'x', previous_response_id: created.id }), (error: unknown) => error instanceof OpenAI.BadRequestError);
  });
});

describe('Responses requests on the pipeline', () => {
  it('a failing channel falls back before the first event; the route says so', async () => {
    openai.setFault('status=503');
    try {
      const stream = await client.responses.create({ model: 'falls-back', input: 'Fall back please', stream: true }).withResponse();
      assert.equal(stream.response.headers.get('x-interchange-provider'), 'bedrock');
      assert.match(String(stream.response.headers.get('x-interchange-route')), /^openai\/gpt-4o-mini:fail=503@\d+ms;bedrock\/openai\.gpt-oss-120b-1:0:ok@/);
      const types: string[] = [];
      for await (const event of stream.data) types.push(event.type);
      assert.equal(types.at(-1), 'response.completed');
    } finally {
      openai.setFault(undefined);
    }
  });

  it('each is booked in the ledger like chat, with its cost', async () => {
    const { response: raw } = await client.responses.create({ model: 'on-azure', input: 'Bill me' }).withResponse();
    const requestId = raw.headers.get('x-request-id')!;
    assert.match(String(raw.headers.get('x-interchange-cost')), /^\d+\.\d+ USD$/);
    const found = await admin('GET', `/admin/ledger/entries?request_id=${requestId}`);
    assert.equal(found.data.length, 1);
    assert.equal(found.data[0].endpoint, 'responses');
    assert.ok(found.data[0].cost_micros > 0);
  });

  it('errors are OpenAI-shaped with the param: an unsupported tool type, a bad input item', async () => {
    await assert.rejects(client.responses.create({ model: 'on-local', input: 'x', tools: [{ type: 'web_search' } as any] }), (error: unknown) => error instanceof OpenAI.BadRequestError && (error as any).param === 'tools[0].type');
    await assert.rejects(client.responses.create({ model: 'nope', input: 'x' }), (error: unknown) => error instanceof OpenAI.NotFoundError);
  });
});
