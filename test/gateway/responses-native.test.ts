/**
 * The Responses API on channels whose upstream speaks it (`responses: native`): OpenAI and Azure v1 by default, a
 * self-hosted server when its channel says so. With the openai SDK's `client.responses`: text, streaming, a function
 * tool round trip, `json_schema`; what the upstream received (its Responses API, unmodelled fields unchanged,
 * `store: false`, no `previous_response_id`); conversations moving between native and translated channels; fallback
 * from a failing native channel to a translated one before the first event; the configuration's checks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { DEFAULT_CREDENTIALS, startBedrockEmulator, type RunningBedrockEmulator } from '../../emulators/bedrock/index.ts';
import { startAzureOpenAIEmulator, type RunningAzureOpenAIEmulator } from '../../emulators/azure-openai/index.ts';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { ConfigError, parseConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';

const azureKey = 'azure-native-key';
const openaiKey = 'sk-native-upstream';

let azure: RunningAzureOpenAIEmulator;
let bedrock: RunningBedrockEmulator;
let openai: RunningEmulator;
let local: RunningEmulator;
let localNative: RunningEmulator;
let gateway: RunningGateway;
let client: OpenAI;

const [credentials] = DEFAULT_CREDENTIALS;

before(async () => {
  azure = await startAzureOpenAIEmulator({ apiKey: azureKey, deployments: { 'gpt-4o-mini': { model: 'gpt-4o-mini' } }, quiet: true });
  bedrock = await startBedrockEmulator({ region: 'us-west-2', models: { 'openai.gpt-oss-120b-1:0': {} }, quiet: true });
  openai = await startOpenAIEmulator({ apiKey: openaiKey, quiet: true });
  local = await startOpenAIEmulator({ quiet: true });
  localNative = await startOpenAIEmulator({ quiet: true });
  const config = parseConfig(
    `
logging: { level: silent, requests: false }
auth: { clients: none }
limits: { request_timeout: 20s }
providers:
  azure: { kind: azure-openai, endpoint: ${azure.url}, api: v1, auth: { api_key: ${azureKey} } }
  bedrock: { kind: bedrock, region: us-west-2, endpoint: ${bedrock.url}, auth: { aws: { access_key_id: ${credentials.accessKeyId}, secret_access_key: ${credentials.secretAccessKey} } } }
  openai: { kind: openai, base_url: ${openai.baseUrl}, auth: { api_key: ${openaiKey} } }
  local: { kind: openai-compatible, base_url: ${local.baseUrl} }
  local-native: { kind: openai-compatible, base_url: ${localNative.baseUrl} }
models:
  on-openai: { channels: [ { provider: openai, model: gpt-4o-mini } ] }
  on-azure: { channels: [ { provider: azure, deployment: gpt-4o-mini } ] }
  on-local: { channels: [ { provider: local, model: gpt-4o-mini } ] }
  on-local-native: { channels: [ { provider: local-native, model: gpt-4o-mini, responses: native } ] }
  on-bedrock: { channels: [ { provider: bedrock, model: "openai.gpt-oss-120b-1:0" } ] }
  native-then-translated:
    route: primary-first
    channels:
      - { provider: openai, model: gpt-4o-mini, primary: true }
      - { provider: local, model: gpt-4o-mini }
`,
    { env: {}, source: 'native responses test' },
  );
  gateway = await startGateway(config, { logger: createLogger('silent'), host: '127.0.0.1', port: 0, drainTimeoutMs: 1_000 });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await Promise.all([azure, bedrock, openai, local, localNative].map((emulator) => emulator?.close()));
});

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

type Received = { method: string; path: string; body: any };
const lastReceived = (emulator: { received: ReadonlyArray<unknown> }): Received => emulator.received.at(-1) as Received;

const natives = [
  { model: 'on-openai', provider: 'openai', path: '/v1/responses', upstream: () => openai },
  { model: 'on-azure', provider: 'azure', path: '/openai/v1/responses', upstream: () => azure },
] as const;

for (const native of natives) {
  describe(`the Responses API sent natively to ${native.provider}`, () => {
    it('text: the upstream got the Responses request with unmodelled fields, store: false, the upstream model', async () => {
      const { data: response, response: raw } = await client.responses
        .create({ model: native.model, input: 'Say hello', instructions: 'Be brief.', metadata: { team: 'native' }, prompt_cache_key: 'native-test', top_logprobs: 2 } as any)
        .withResponse();
      assert.equal(raw.headers.get('x-interchange-provider'), native.provider);
      assert.equal(response.status, 'completed');
      assert.equal(response.model, native.model);
      assert.match(response.id, /^resp_/);
      assert.match(response.output_text, /Say hello/);
      assert.ok(response.usage !== undefined && response.usage !== null && response.usage.input_tokens > 0 && response.usage.output_tokens > 0);
      const received = lastReceived(native.upstream());
      assert.equal(received.path, native.path);
      assert.equal(received.body.model, 'gpt-4o-mini');
      assert.equal(received.body.store, false);
      assert.equal(received.body.stream, false);
      assert.deepEqual(received.body.metadata, { team: 'native' });
      assert.equal(received.body.prompt_cache_key, 'native-test');
      assert.equal(received.body.top_logprobs, 2);
      assert.equal(received.body.instructions, 'Be brief.');
      assert.equal(received.body.input, 'Say hello');
    });

    it('streaming: the typed events in order, the text whole, the upstream streamed its Responses API', async () => {
      const stream = await client.responses.create({ model: native.model, input: 'Stream a hello', stream: true });
      const events: Array<{ type: string; sequence_number: number; delta?: string; response?: any }> = [];
      for await (const event of stream) events.push(event as any);
      assert.equal(events[0].type, 'response.created');
      assert.equal(events.at(-1)!.type, 'response.completed');
      events.forEach((event, index) => assert.equal(event.sequence_number, index));
      const text = events.filter((event) => event.type === 'response.output_text.delta').map((event) => event.delta).join('');
      assert.match(text, /Stream a hello/);
      const completed = events.at(-1)!.response;
      assert.equal(completed.output[0].content[0].text, text);
      assert.ok(completed.usage.output_tokens > 0);
      const received = lastReceived(native.upstream());
      assert.equal(received.path, native.path);
      assert.equal(received.body.stream, true);
      assert.equal(received.body.store, false);
    });

    it('a function tool round trip: the second turn carries the conversation as input items, no previous_response_id', async () => {
      const first = await client.responses.create({ model: native.model, input: 'Call get_weather for Paris', tools: [weatherTool] });
      const call = first.output.find((item) => item.type === 'function_call');
      assert.ok(call !== undefined && call.type === 'function_call', JSON.stringify(first.output));
      assert.equal(call.name, 'get_weather');
      const second = await client.responses.create({
        model: native.model,
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny and 21 degrees' }],
        tools: [weatherTool],
      });
      assert.equal(second.status, 'completed');
      assert.match(second.output_text, /sunny and 21 degrees/);
      assert.equal(second.previous_response_id, first.id);
      const received = lastReceived(native.upstream());
      assert.equal(received.path, native.path);
      assert.equal('previous_response_id' in received.body, false);
      assert.equal(received.body.store, false);
      assert.deepEqual(received.body.input, [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Call get_weather for Paris' }] },
        { type: 'function_call', call_id: call.call_id, name: 'get_weather', arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: 'sunny and 21 degrees' },
      ]);
    });

    it('json_schema: the output follows the schema; text.format reached the upstream unchanged', async () => {
      const format = { type: 'json_schema' as const, name: 'city', schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false }, strict: true };
      const response = await client.responses.create({ model: native.model, input: 'Give me a city', text: { format } });
      assert.equal(typeof (JSON.parse(response.output_text) as { name: unknown }).name, 'string');
      assert.deepEqual(lastReceived(native.upstream()).body.text, { format });
    });
  });
}

describe('conversations and fallback between native and translated channels', () => {
  it('starts on a native channel and continues on a translated one (Bedrock)', async () => {
    const first = await client.responses.create({ model: 'on-openai', input: 'Remember the word marmalade' });
    assert.equal(lastReceived(openai).path, '/v1/responses');
    const second = await client.responses.create({ model: 'on-bedrock', input: 'Which word?', previous_response_id: first.id });
    assert.equal(second.status, 'completed');
    const sent = JSON.stringify(lastReceived(bedrock).body);
    assert.match(sent, /Remember the word marmalade/);
    assert.ok(sent.includes(JSON.stringify(first.output_text).slice(1, -1)), 'the first answer, whole');
    assert.match(sent, /Which word\?/);
  });

  it('starts on a translated channel and continues on a native one, the conversation as input items', async () => {
    const first = await client.responses.create({ model: 'on-local', input: 'Remember the word quince' });
    assert.equal(lastReceived(local).path, '/v1/chat/completions');
    const second = await client.responses.create({ model: 'on-azure', input: 'Which word?', previous_response_id: first.id });
    assert.equal(second.status, 'completed');
    const received = lastReceived(azure);
    assert.equal(received.path, '/openai/v1/responses');
    assert.equal('previous_response_id' in received.body, false);
    assert.deepEqual(received.body.input, [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Remember the word quince' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: first.output_text, annotations: [] }] },
      { type: 'message', role: 'user', content: 'Which word?' },
    ]);
  });

  it('a failing native channel (503) falls back to a translated one before the first event; the route shows both', async () => {
    openai.setFault('status=503');
    try {
      const before = openai.received.length;
      const stream = await client.responses.create({ model: 'native-then-translated', input: 'Fall back please', stream: true }).withResponse();
      assert.equal(stream.response.headers.get('x-interchange-provider'), 'local');
      assert.match(String(stream.response.headers.get('x-interchange-route')), /^openai\/gpt-4o-mini:fail=503@\d+ms;local\/gpt-4o-mini:ok@/);
      const types: string[] = [];
      for await (const event of stream.data) types.push(event.type);
      assert.equal(types[0], 'response.created');
      assert.equal(types.at(-1), 'response.completed');
      assert.equal(openai.received.at(-1)?.path, '/v1/responses', 'the native channel was tried with its Responses API');
      assert.ok(openai.received.length > before);
      assert.equal(lastReceived(local).path, '/v1/chat/completions');
    } finally {
      openai.setFault(undefined);
    }
  });

  it('a stream that fails with an error event before any output falls back too', async () => {
    openai.setFault('error-after=0');
    try {
      const stream = await client.responses.create({ model: 'native-then-translated', input: 'Fall back again', stream: true }).withResponse();
      assert.equal(stream.response.headers.get('x-interchange-provider'), 'local');
      const types: string[] = [];
      for await (const event of stream.data) types.push(event.type);
      assert.equal(types.at(-1), 'response.completed');
    } finally {
      openai.setFault(undefined);
    }
  });
});

describe('which channels are native', () => {
  it('an openai-compatible channel is translated by default and native with responses: native', async () => {
    await client.responses.create({ model: 'on-local', input: 'Translate me' });
    assert.equal(lastReceived(local).path, '/v1/chat/completions');
    const response = await client.responses.create({ model: 'on-local-native', input: 'Pass me through', metadata: { via: 'native' } });
    assert.match(response.output_text, /Pass me through/);
    const received = lastReceived(localNative);
    assert.equal(received.path, '/v1/responses');
    assert.deepEqual(received.body.metadata, { via: 'native' });
    assert.equal(received.body.store, false);
  });

  it('a hosted tool (web_search) passes to a model whose channels are all native; with a translated channel it is a 400 naming it', async () => {
    const response = await client.responses.create({ model: 'on-openai', input: 'Search the news', tools: [{ type: 'web_search' }] } as any);
    assert.equal(response.status, 'completed');
    assert.deepEqual(lastReceived(openai).body.tools, [{ type: 'web_search' }], 'passed as the client wrote it');
    assert.deepEqual((response.tools as Array<{ type: string }>).map((tool) => tool.type), ['web_search'], 'echoed');
    assert.deepEqual(response.output.map((item) => item.type), ['web_search_call', 'message'], "the upstream's search item comes back in its place");
    assert.deepEqual((response.output[0] as any).action, { type: 'search', query: 'Search the news' });
    const stream = await client.responses.create({ model: 'on-openai', input: 'Search the news', tools: [{ type: 'web_search' }], stream: true } as any);
    const events: any[] = [];
    for await (const event of stream as any) events.push(event);
    const added = events.find((event) => event.type === 'response.output_item.added');
    assert.equal(added.item.type, 'web_search_call');
    assert.deepEqual(events.at(-1).response.output.map((item: { type: string }) => item.type), ['web_search_call', 'message']);
    const before = openai.received.length;
    await assert.rejects(
      client.responses.create({ model: 'native-then-translated', input: 'Search', tools: [weatherTool, { type: 'web_search' }] } as any),
      (error: unknown) =>
        error instanceof OpenAI.BadRequestError &&
        (error as any).param === 'tools[1].type' &&
        /Tool type "web_search" is not supported on model "native-then-translated": only function tools are translated, and local\/gpt-4o-mini does not speak the Responses API natively/.test(error.message),
    );
    assert.equal(openai.received.length, before, 'refused before any upstream call');
  });

  it('a chat completions request on a native channel still goes to chat completions', async () => {
    await client.chat.completions.create({ model: 'on-openai', messages: [{ role: 'user', content: 'Chat please' }] });
    assert.equal(lastReceived(openai).path, '/v1/chat/completions');
  });

  it('configuration: responses: native is refused on Bedrock, Vertex and Azure deployments; translate is accepted everywhere', () => {
    const providers = `
providers:
  bedrock: { kind: bedrock, region: us-west-2, auth: { aws: { access_key_id: AKIDEXAMPLE, secret_access_key: secret } } }
  vertex: { kind: vertex, project: p, location: us-central1, auth: { google: application-default } }
  azure-d: { kind: azure-openai, endpoint: "https://contoso.openai.azure.com", api: deployments, auth: { api_key: k } }
  azure-v1: { kind: azure-openai, endpoint: "https://contoso.openai.azure.com", auth: { api_key: k } }
`;
    const problems = (responses: string) => {
      try {
        parseConfig(
          `${providers}
models:
  b: { channels: [ { provider: bedrock, model: m, responses: ${responses} } ] }
  v: { channels: [ { provider: vertex, model: gemini-2.5-flash, responses: ${responses} } ] }
  d: { channels: [ { provider: azure-d, deployment: m, responses: ${responses} } ] }
  a: { channels: [ { provider: azure-v1, deployment: m, responses: ${responses} } ] }
`,
          { env: {}, source: 'test' },
        );
        return '';
      } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error.message;
      }
    };
    const refused = problems('native');
    assert.match(refused, /models\.b\.channels\[0\]\.responses.*kind "bedrock" has no Responses API/);
    assert.match(refused, /models\.v\.channels\[0\]\.responses.*kind "vertex" has no Responses API/);
    assert.match(refused, /models\.d\.channels\[0\]\.responses.*api: v1/);
    assert.doesNotMatch(refused, /models\.a\./);
    assert.equal(problems('translate'), '');
    assert.match(problems('always'), /responses/);
  });
});
