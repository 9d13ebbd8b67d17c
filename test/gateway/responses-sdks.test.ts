/**
 * The Responses API with the clients that speak it by default: the OpenAI Agents SDK (`@openai/agents`) runs an agent
 * with one function tool to completion, streaming and not, on a translated cloud (Bedrock) and on a native one
 * (OpenAI, its own Responses API); the Vercel AI SDK's OpenAI provider (`@ai-sdk/openai`, whose `openai(model)` is the Responses API)
 * `generateText` and `streamText` with a tool that runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import { Agent, OpenAIProvider, Runner, tool as agentTool } from '@openai/agents';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { z } from 'zod';
import { DEFAULT_CREDENTIALS, startBedrockEmulator, type RunningBedrockEmulator } from '../../emulators/bedrock/index.ts';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';

let bedrock: RunningBedrockEmulator;
let openai: RunningEmulator;
let gateway: RunningGateway;

before(async () => {
  bedrock = await startBedrockEmulator({ region: 'us-west-2', models: { 'openai.gpt-oss-120b-1:0': {} }, quiet: true });
  openai = await startOpenAIEmulator({ apiKey: 'sk-sdk-upstream', quiet: true });
  const [credentials] = DEFAULT_CREDENTIALS;
  const config = parseConfig(
    `
logging: { level: silent, requests: false }
auth: { clients: none }
store: { kind: memory }
providers:
  bedrock: { kind: bedrock, region: us-west-2, endpoint: ${bedrock.url}, auth: { aws: { access_key_id: ${credentials.accessKeyId}, secret_access_key: ${credentials.secretAccessKey} } } }
  # kind openai: its channels speak the Responses API natively (Bedrock's are translated).
  openai: { kind: openai, base_url: ${openai.baseUrl}, auth: { api_key: sk-sdk-upstream } }
models:
  on-bedrock: { channels: [ { provider: bedrock, model: "openai.gpt-oss-120b-1:0" } ] }
  on-openai: { channels: [ { provider: openai, model: gpt-4o-mini } ] }
`,
    { env: {}, source: 'responses sdk test' },
  );
  gateway = await startGateway(config, { logger: createLogger('silent'), host: '127.0.0.1', port: 0, drainTimeoutMs: 1_000 });
});

after(async () => {
  await gateway?.close();
  await Promise.all([bedrock?.close(), openai?.close()]);
});

describe('the OpenAI Agents SDK through the gateway', () => {
  const runner = () =>
    new Runner({
      modelProvider: new OpenAIProvider({ openAIClient: new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 }), useResponses: true }),
      tracingDisabled: true,
    });
  const calls: string[] = [];
  const getWeather = agentTool({
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      calls.push(city);
      return `sunny in ${city}`;
    },
  });

  for (const model of ['on-bedrock', 'on-openai']) {
    it(`${model}: runs an agent with a function tool to completion`, async () => {
      const before = calls.length;
      const agent = new Agent({ name: 'Weather', instructions: 'Answer with the weather tool.', model, tools: [getWeather] });
      const result = await runner().run(agent, 'Call get_weather for Paris');
      assert.equal(calls.length, before + 1, 'the tool ran once');
      assert.match(String(result.finalOutput), /get_weather: "sunny in/);
      if (model === 'on-openai') assert.equal((openai.received.at(-1) as { path: string }).path, '/v1/responses', 'sent natively');
    });

    it(`${model}: streams an agent run with a function tool to completion`, async () => {
      const before = calls.length;
      const agent = new Agent({ name: 'Weather', instructions: 'Answer with the weather tool.', model, tools: [getWeather] });
      const result = await runner().run(agent, 'Call get_weather for Rome', { stream: true });
      let events = 0;
      for await (const _event of result) events++;
      await result.completed;
      assert.ok(events > 0);
      assert.equal(calls.length, before + 1);
      assert.match(String(result.finalOutput), /get_weather: "sunny in/);
    });
  }
});

describe("the Vercel AI SDK's OpenAI provider (the Responses API) through the gateway", () => {
  const provider = () => createOpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused' });
  const weather = tool({
    description: 'The weather in a city',
    inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }),
    execute: async ({ city }) => `sunny in ${city}`,
  });

  it('generateText runs the tool and answers with its result', async () => {
    const result = await generateText({ model: provider()('on-bedrock'), prompt: 'Use get_weather for Oslo', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0 });
    assert.equal(result.steps.length, 2);
    assert.equal(result.steps[0].finishReason, 'tool-calls');
    assert.match(result.text, /get_weather: "sunny in/);
    assert.ok((result.totalUsage.inputTokens ?? 0) > 0);
  });

  it('streamText streams the tool call, then the answer', async () => {
    const result = streamText({ model: provider()('on-openai'), prompt: 'Use get_weather for Lima', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0 });
    const parts: string[] = [];
    for await (const part of result.fullStream) parts.push(part.type);
    assert.ok(parts.includes('tool-call') && parts.includes('tool-result'), parts.join(','));
    assert.match(await result.text, /get_weather: "sunny in/);
  });
});
