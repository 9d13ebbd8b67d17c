import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfigFile, configWarnings } from './check-config.ts';
import { ConfigError, parseConfig, type ParseConfigOptions } from './load-config.ts';
import { laterRoutePolicies, routePolicies } from './schema.ts';
import type { GatewayConfig, LicenceAgreement } from './types.ts';
import { buildLicenceBook } from '../execution/routing-runtime.ts';

/** The problems `parseConfig` reports, as `path: message` lines; fails the test when the text is valid. */
function problemsOf(text: string, options: ParseConfigOptions = {}): string[] {
  try {
    parseConfig(text, { env: {}, ...options });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
  }
  assert.fail('expected the configuration to be rejected');
}

/**
 * The articles' scenario: Azure stays the primary cloud (with reserved capacity), the same open model is also sold on
 * Bedrock and Vertex (each with its region and context window), Microsoft's licence is non-exclusive through 2032, and
 * batch traffic is kept off Azure at night and at weekends.
 */
const articlesConfig = `
limits: { request_timeout: 120s }
routing:
  breaker: { failure_rate: 0.25, minimum_requests: 20, window: 1m, open_for: 15s, half_open_probes: 1 }
  retries: { attempts: 2, base_delay: 250ms, max_delay: 4s }
  recent_traces: 5000
providers:
  azure-eastus:
    kind: azure-openai
    endpoint: https://contoso.openai.azure.com
    auth: { api_key: \${AZURE_OPENAI_API_KEY} }
    region: eastus
    data_policy: { zero_retention: true }
  bedrock-use1: { kind: bedrock, region: us-east-1, auth: { aws: default-chain } }
  vertex-usc1: { kind: vertex, project: acme-ai, location: us-central1, region: us-central1 }
models:
  gpt-oss-120b:
    route: primary-first
    owned_by: openai
    sticky: { header: X-Session-Id }
    first_token_timeout: 2s
    channels:
      - provider: azure-eastus
        deployment: gpt-oss-120b-prod
        primary: true
        capacity: { tpm: 2000000 }
        price: { input: 0.15, output: 0.60 }
        capabilities: { context_window: 131072 }
      - provider: bedrock-use1
        model: openai.gpt-oss-120b-1:0
        price: { input: 0.15, cached_input: 0.075, output: 0.60 }
        capabilities: { vision: false, context_window: 128000 }
      - provider: vertex-usc1
        model: openai/gpt-oss-120b-maas
        price: { input: 0.09, output: 0.36 }
        capabilities: { vision: false, json_schema: false, context_window: 131072 }
agreements:
  - name: msft-licence
    kind: licence
    party: Microsoft
    channels: { provider: azure-eastus }
    until: 2032-12-31
    exclusive: false
decline_rules:
  - name: night-batch
    channel: { provider: azure-eastus, model: gpt-oss-120b-prod }
    when: { hours: "22:00-06:00", days: [sat, sun], tenants: [batch-team], min_prompt_tokens: 100000 }
`;

const environment = { AZURE_OPENAI_API_KEY: 'azure-key-secret' };

/** The licences among the agreements, typed as such. */
function licencesOf(config: GatewayConfig): LicenceAgreement[] {
  return config.agreements.filter((agreement) => agreement.kind === 'licence');
}

test('every route named in the brief is available, none is left for later', () => {
  assert.deepEqual([...routePolicies], ['ordered', 'primary-first', 'weighted', 'round-robin', 'lowest-cost', 'lowest-latency']);
  assert.deepEqual([...laterRoutePolicies], []);
  for (const route of routePolicies) {
    const config = parseConfig(
      `providers: { p: { kind: openai-compatible, base_url: "http://p/v1" } }
models: { m: { route: ${route}, channels: [ { provider: p, model: x, primary: true, price: { input: 1, output: 2 } } ] } }`,
      { env: {} },
    );
    assert.equal(config.models.get('m')?.route, route);
  }
});

test("the articles' scenario maps onto GatewayConfig", () => {
  const config = parseConfig(articlesConfig, { env: environment });
  assert.deepEqual(config.routing, {
    breaker: { failureRate: 0.25, minimumRequests: 20, windowMs: 60_000, openForMs: 15_000, halfOpenProbes: 1 },
    retries: { attempts: 2, baseDelayMs: 250, maxDelayMs: 4_000 },
    recentTraces: 5000,
  });
  assert.deepEqual(config.providers.get('azure-eastus')?.dataPolicy, { zeroRetention: true });
  assert.equal(config.providers.get('azure-eastus')?.region, 'eastus');
  assert.deepEqual(config.providers.get('bedrock-use1')?.dataPolicy, { zeroRetention: false });
  assert.equal(config.providers.get('bedrock-use1')?.region, 'us-east-1');
  assert.equal(config.providers.get('vertex-usc1')?.region, 'us-central1');
  const model = config.models.get('gpt-oss-120b');
  assert.deepEqual({ ...model, channels: undefined }, {
    name: 'gpt-oss-120b',
    type: 'chat',
    route: 'primary-first',
    channels: undefined,
    ownedBy: 'openai',
    sticky: { header: 'x-session-id' },
    firstTokenTimeoutMs: 2_000,
  });
  assert.deepEqual(model?.channels, [
    {
      provider: 'azure-eastus',
      model: 'gpt-oss-120b-prod',
      primary: true,
      weight: 1,
      capacity: { tpm: 2_000_000, rpm: undefined },
      price: { inputMicrosPerMillion: 150_000, cachedInputMicrosPerMillion: 150_000, outputMicrosPerMillion: 600_000 },
      prices: [{ from: undefined, fromMs: undefined, inputMicrosPerMillion: 150_000, cachedInputMicrosPerMillion: 150_000, cacheWriteMicrosPerMillion: 150_000, outputMicrosPerMillion: 600_000, reasoningMicrosPerMillion: 600_000 }],
      capabilities: { vision: true, tools: true, jsonSchema: true, streaming: true, contextWindow: 131_072 },
      responses: 'native',
    },
    {
      provider: 'bedrock-use1',
      model: 'openai.gpt-oss-120b-1:0',
      primary: false,
      weight: 1,
      capacity: undefined,
      price: { inputMicrosPerMillion: 150_000, cachedInputMicrosPerMillion: 75_000, outputMicrosPerMillion: 600_000 },
      prices: [{ from: undefined, fromMs: undefined, inputMicrosPerMillion: 150_000, cachedInputMicrosPerMillion: 75_000, cacheWriteMicrosPerMillion: 150_000, outputMicrosPerMillion: 600_000, reasoningMicrosPerMillion: 600_000 }],
      capabilities: { vision: false, tools: true, jsonSchema: true, streaming: true, contextWindow: 128_000 },
      responses: 'translate',
    },
    {
      provider: 'vertex-usc1',
      model: 'openai/gpt-oss-120b-maas',
      primary: false,
      weight: 1,
      capacity: undefined,
      price: { inputMicrosPerMillion: 90_000, cachedInputMicrosPerMillion: 90_000, outputMicrosPerMillion: 360_000 },
      prices: [{ from: undefined, fromMs: undefined, inputMicrosPerMillion: 90_000, cachedInputMicrosPerMillion: 90_000, cacheWriteMicrosPerMillion: 90_000, outputMicrosPerMillion: 360_000, reasoningMicrosPerMillion: 360_000 }],
      // A Gemini-API provider: its kind names the image types Gemini takes.
      capabilities: {
        vision: false,
        tools: true,
        jsonSchema: false,
        streaming: true,
        contextWindow: 131_072,
        imageTypes: ['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif'],
      },
      responses: 'translate',
    },
  ]);
  assert.deepEqual(config.agreements, [
    {
      name: 'msft-licence',
      kind: 'licence',
      source: 'config',
      party: 'Microsoft',
      channels: { provider: 'azure-eastus', model: undefined },
      models: undefined,
      coveredModels: ['gpt-oss-120b'],
      from: undefined,
      until: '2032-12-31',
      startsAtMs: undefined,
      endsAtMs: Date.UTC(2033, 0, 1),
      exclusive: false,
    },
  ]);
  assert.deepEqual(config.declineRules, [
    {
      name: 'night-batch',
      channel: { provider: 'azure-eastus', model: 'gpt-oss-120b-prod' },
      when: {
        hours: { startMinute: 22 * 60, endMinute: 6 * 60 },
        days: ['sat', 'sun'],
        models: undefined,
        tenants: ['batch-team'],
        minPromptTokens: 100_000,
        maxPromptTokens: undefined,
      },
    },
  ]);
  assert.deepEqual(configWarnings(config), []);
});

test('everything new is read-only', () => {
  const config = parseConfig(articlesConfig, { env: environment });
  const channel = config.models.get('gpt-oss-120b')!.channels[0];
  const [agreement] = licencesOf(config);
  const [rule] = config.declineRules;
  for (const value of [
    config.routing,
    config.routing.breaker,
    config.routing.retries,
    config.providers.get('azure-eastus')!.dataPolicy,
    config.models.get('gpt-oss-120b')!.sticky,
    channel.capacity,
    channel.price,
    channel.capabilities,
    config.agreements,
    agreement,
    agreement.channels,
    agreement.coveredModels,
    config.declineRules,
    rule,
    rule.channel,
    rule.when,
    rule.when.hours,
    rule.when.days,
    rule.when.tenants,
  ]) {
    assert.ok(Object.isFrozen(value), JSON.stringify(value));
  }
});

test("check-config summarises the articles' scenario: route, primary, capacity, prices, capabilities, agreements, decline rules; no secret", async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'interchange-routing-config-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const file = join(directory, 'gateway.yaml');
  await writeFile(file, articlesConfig);
  const result = await checkConfigFile(file, environment);
  assert.equal(result.ok, true, result.output);
  assert.equal(
    result.output,
    [
      `${file} is valid.`,
      'listen   127.0.0.1:8080',
      'limits   max body 4 MiB, request timeout 120s, stream idle timeout 60s',
      'logging  level info, request log on',
      'routing  breaker opens for 15s when 25% of at least 20 requests in 60s fail, then 1 half-open probe; 2 retries on the last channel left (backoff 250ms to 4s); 5000 route traces kept',
      'metering currency USD; ledger on; tenants charged cost',
      '',
      'providers (3)',
      '  azure-eastus  azure-openai  https://contoso.openai.azure.com                 (API v1; API key set; region eastus; zero retention; 256 connections; timeout 60s)',
      '  bedrock-use1  bedrock       https://bedrock-runtime.us-east-1.amazonaws.com  (no API key; region us-east-1; 256 connections; timeout 60s)',
      '  vertex-usc1   vertex        https://us-central1-aiplatform.googleapis.com    (no API key; region us-central1; 256 connections; timeout 60s)',
      'models (1)',
      '  gpt-oss-120b  (chat, route primary-first, owned by openai, sticky by x-session-id, first token within 2s)',
      '    1.  azure-eastus  gpt-oss-120b-prod         (primary; capacity 2M tpm; $0.15 in, $0.60 out per 1M tokens; context 131072)',
      '    2.  bedrock-use1  openai.gpt-oss-120b-1:0   ($0.15 in, $0.075 cached, $0.60 out per 1M tokens; no vision; context 128k)',
      '    3.  vertex-usc1   openai/gpt-oss-120b-maas  ($0.09 in, $0.36 out per 1M tokens; no vision, no json_schema; context 131072)',
      'agreements (1)',
      '  msft-licence  licence from Microsoft  azure-eastus  any model  (for every model its channels serve (gpt-oss-120b); until 2032-12-31; non-exclusive)',
      'decline rules (1)',
      '  night-batch  declines on  azure-eastus  gpt-oss-120b-prod  (22:00-06:00 UTC; sat, sun; tenants batch-team; prompts of at least 100k tokens)',
      '',
    ].join('\n'),
  );
  assert.doesNotMatch(result.output, /azure-key-secret/);
});

test('defaults: no routing section, no agreements, no decline rules; channel capabilities all present', () => {
  const config = parseConfig(
    `providers: { p: { kind: openai-compatible, base_url: "http://p/v1" } }
models:
  m: { channels: [ { provider: p, model: x, price: { input: 2.5, output: 10 } } ] }
  e: { type: embedding, channels: [ { provider: p, model: bge, price: { input: 0.02 } } ] }`,
    { env: {} },
  );
  assert.deepEqual(config.routing, {
    breaker: { failureRate: 0.5, minimumRequests: 10, windowMs: 30_000, openForMs: 30_000, halfOpenProbes: 2 },
    retries: { attempts: 1, baseDelayMs: 100, maxDelayMs: 2_000 },
    recentTraces: 1000,
  });
  assert.deepEqual(config.agreements, []);
  assert.deepEqual(config.declineRules, []);
  assert.deepEqual(config.providers.get('p')?.dataPolicy, { zeroRetention: false });
  const [channel] = config.models.get('m')!.channels;
  assert.equal(channel.weight, 1);
  assert.equal(channel.capacity, undefined);
  assert.deepEqual(channel.price, { inputMicrosPerMillion: 2_500_000, cachedInputMicrosPerMillion: 2_500_000, outputMicrosPerMillion: 10_000_000 }, 'cached input defaults to input');
  assert.deepEqual(channel.capabilities, { vision: true, tools: true, jsonSchema: true, streaming: true, contextWindow: undefined });
  assert.deepEqual(config.models.get('e')!.channels[0].price, { inputMicrosPerMillion: 20_000, cachedInputMicrosPerMillion: 20_000, outputMicrosPerMillion: 0 }, 'an embedding model needs no output price');
  assert.deepEqual(parseConfig('listen: 127.0.0.1:8080\nrouting:\nagreements:\ndecline_rules:\n', { env: {} }).routing, config.routing, 'empty sections are all defaults');
});

test('routing section: every value is checked', () => {
  assert.deepEqual(
    problemsOf(`routing:
  breaker: { failure_rate: 50%, minimum_requests: 0, windw: 30s, open_for: soon, half_open_probes: 0 }
  retries: { attempts: 11, base_delay: 5s, max_attempts: 3 }
  recent_traces: -1
  traces: 5
`),
    [
      'routing.breaker.failure_rate: expected a share from 0 to 1 (0.5 is half), got "50%"',
      'routing.breaker.minimum_requests: must be from 1 to 1000000, got 0',
      'routing.breaker.windw: unknown field; did you mean "window"?',
      'routing.breaker.open_for: invalid duration "soon"; expected e.g. "500ms", "30s", "10m" or "1h30m", or a number of milliseconds',
      'routing.breaker.half_open_probes: must be from 1 to 1000, got 0',
      'routing.retries.attempts: must be from 0 to 10, got 11',
      'routing.retries.base_delay: must not be longer than max_delay (2s, the default)',
      'routing.retries.max_attempts: unknown field; did you mean "attempts" (extra attempts per channel)?',
      'routing.recent_traces: must be from 0 to 100000, got -1',
      'routing.traces: unknown field; did you mean "recent_traces"?',
    ],
  );
  assert.deepEqual(problemsOf('routing: { breaker: { failure_rate: 1.5 }, retries: { base_delay: 1s, max_delay: 500ms } }'), [
    'routing.breaker.failure_rate: must be at most 1 (a share: 0.5 is half), got 1.5',
    'routing.retries.max_delay: must not be shorter than base_delay (1s)',
  ]);
  assert.deepEqual(problemsOf('routing: { retries: { base_delay: 5s, max_delay: soon } }'), [
    'routing.retries.max_delay: invalid duration "soon"; expected e.g. "500ms", "30s", "10m" or "1h30m", or a number of milliseconds',
  ], 'a malformed delay is not compared with the other');
  const config = parseConfig('routing: { breaker: { failure_rate: 1 }, retries: { attempts: 0, base_delay: 2s }, recent_traces: 0 }', { env: {} });
  assert.equal(config.routing.breaker.failureRate, 1);
  assert.deepEqual(config.routing.retries, { attempts: 0, baseDelayMs: 2_000, maxDelayMs: 2_000 }, 'base_delay may equal max_delay');
  assert.equal(config.routing.recentTraces, 0);
});

test('routes: primary-first needs its primary, lowest-cost a price on every channel, weights are positive', () => {
  const text = `providers: { p: { kind: openai-compatible, base_url: "http://p/v1" } }
models:
  primary-none: { route: primary-first, channels: [ { provider: p, model: a }, { provider: p, model: b } ] }
  primary-two: { route: primary-first, channels: [ { provider: p, model: a, primary: true }, { provider: p, model: b, primary: true } ] }
  cost: { route: lowest-cost, channels: [ { provider: p, model: a, price: { input: 1, output: 2 } }, { provider: p, model: b }, { provider: p, model: c, price: } ] }
  weights: { route: weighted, channels: [ { provider: p, model: a, weight: 0 }, { provider: p, model: b, weight: -2 }, { provider: p, model: c, weight: heavy } ] }
  roun: { route: round-robbin, channels: [ { provider: p, model: a } ] }
`;
  assert.deepEqual(problemsOf(text), [
    'models.primary-none.route: route "primary-first" needs one channel with primary: true; none has it',
    'models.primary-two.channels[1].primary: a model has at most one primary channel; channels[0] already is',
    'models.cost.channels[1].price: required field missing: route "lowest-cost" needs a price on every channel',
    'models.cost.channels[2].price: required field missing: route "lowest-cost" needs a price on every channel',
    'models.weights.channels[0].weight: must be greater than 0, got 0',
    'models.weights.channels[1].weight: must be greater than 0, got -2',
    'models.weights.channels[2].weight: expected a number, got text',
    'models.roun.route: unknown route "round-robbin"; did you mean "round-robin"?',
  ]);
  const config = parseConfig(
    `providers: { p: { kind: openai-compatible, base_url: "http://p/v1" } }
models: { m: { route: weighted, channels: [ { provider: p, model: a, weight: 3 }, { provider: p, model: b, weight: "0.5" }, { provider: p, model: c } ] } }`,
    { env: {} },
  );
  assert.deepEqual(config.models.get('m')?.channels.map((channel) => channel.weight), [3, 0.5, 1]);
});

test('sticky header and first-token timeout', () => {
  const text = `limits: { request_timeout: 30s }
providers: { p: { kind: openai-compatible, base_url: "http://p/v1" } }
models:
  a: { sticky: { header: "x session" }, first_token_timeout: 31s, channels: [ { provider: p, model: a } ] }
  b: { sticky: { name: x-session-id }, first_token_timeout: later, channels: [ { provider: p, model: a } ] }
  c: { sticky: x-session-id, channels: [ { provider: p, model: a } ] }
  e: { type: embedding, first_token_timeout: 1s, channels: [ { provider: p, model: e } ] }
`;
  assert.deepEqual(problemsOf(text), [
    'models.a.sticky.header: invalid header name "x session"; names are letters, digits and !#$%&\'*+.^_`|~-',
    'models.a.first_token_timeout: must not be longer than limits.request_timeout (30s)',
    'models.b.sticky.name: unknown field',
    'models.b.sticky.header: required field missing (the request header whose value keeps requests on one channel, e.g. x-session-id)',
    'models.b.first_token_timeout: invalid duration "later"; expected e.g. "500ms", "30s", "10m" or "1h30m", or a number of milliseconds',
    'models.c.sticky: expected a mapping (key: value), got text',
    'models.e.first_token_timeout: only for chat models (embeddings are not streamed)',
  ]);
  assert.deepEqual(problemsOf('models: { m: { first_token_timeout: 601s, channels: [ { provider: p, model: a } ] } }\nproviders: { p: { kind: openai-compatible, base_url: "http://p/v1" } }'), [
    'models.m.first_token_timeout: must not be longer than limits.request_timeout (600s)',
  ], 'the default request timeout counts too');
  assert.deepEqual(problemsOf('limits: { request_timeout: soon }\nmodels: { m: { first_token_timeout: 601s, channels: [ { provider: p, model: a } ] } }\nproviders: { p: { kind: openai-compatible, base_url: "http://p/v1" } }'), [
    'limits.request_timeout: invalid duration "soon"; expected e.g. "500ms", "30s", "10m" or "1h30m", or a number of milliseconds',
  ], 'nothing is compared with a malformed request timeout');
  const config = parseConfig(
    `limits: { request_timeout: 30s }
providers: { p: { kind: openai-compatible, base_url: "http://p/v1" } }
models: { m: { sticky: { header: X-User }, first_token_timeout: 30s, channels: [ { provider: p, model: a } ] } }`,
    { env: {} },
  );
  assert.deepEqual(config.models.get('m')?.sticky, { header: 'x-user' }, 'header names are kept in lower case, as Node presents them');
  assert.equal(config.models.get('m')?.firstTokenTimeoutMs, 30_000, 'equal to the request timeout is allowed');
});

test('channel capacity, price and capabilities: every value is checked', () => {
  const text = `providers: { p: { kind: openai-compatible, base_url: "http://p/v1" } }
models:
  m:
    channels:
      - { provider: p, model: a, capacity: {}, price: { input: 2.5000001, cahced_input: 1 }, capabilities: { vison: false, context_window: 0 } }
      - { provider: p, model: b, capacity: { tpm: 1.5, rpm: 0, tokens_per_minute: 1 }, price: { output: 1, currency: EUR }, capabilities: { tools: maybe, images: false } }
      - { provider: p, model: c, capacity: 100, price: 2.5, capabilities: [vision] }
`;
  assert.deepEqual(problemsOf(text), [
    'models.m.channels[0].capacity: required field missing: tpm (tokens per minute), rpm (requests per minute) or both',
    'models.m.channels[0].price.input: must have at most 6 decimal places (prices are kept in millionths of a currency unit)',
    'models.m.channels[0].price.cahced_input: unknown field; did you mean "cached_input"?',
    'models.m.channels[0].price.output: required field missing (the price per million output tokens, e.g. 10.00)',
    'models.m.channels[0].capabilities.vison: unknown field; did you mean "vision"?',
    'models.m.channels[0].capabilities.context_window: must be at least 1, got 0',
    'models.m.channels[1].capacity.tpm: must be a whole number, got 1.5',
    'models.m.channels[1].capacity.rpm: must be at least 1, got 0',
    'models.m.channels[1].capacity.tokens_per_minute: unknown field; did you mean "tpm"?',
    'models.m.channels[1].price.currency: unknown field; prices are in metering.currency (one currency for the whole configuration)',
    'models.m.channels[1].price.input: required field missing (the price per million input tokens, e.g. 2.50)',
    'models.m.channels[1].capabilities.tools: expected true or false, got "maybe"',
    'models.m.channels[1].capabilities.images: unknown field; did you mean "vision"?',
    'models.m.channels[2].capacity: expected a mapping (key: value), got a whole number',
    'models.m.channels[2].price: expected a price { input, output, … } or a list of them, each with its from, got a number',
    'models.m.channels[2].capabilities: expected a mapping (key: value), got a list',
  ]);
});

test('provider data policy', () => {
  assert.deepEqual(
    problemsOf(`providers:
  a: { kind: openai-compatible, base_url: "http://a/v1", data_policy: { zero_retention: maybe, zero_data_retention: true } }
  b: { kind: openai-compatible, base_url: "http://b/v1", data_policy: true }
`),
    [
      'providers.a.data_policy.zero_retention: expected true or false, got "maybe"',
      'providers.a.data_policy.zero_data_retention: unknown field; did you mean "zero_retention"?',
      'providers.b.data_policy: expected a mapping (key: value), got true',
    ],
  );
  const config = parseConfig('providers: { a: { kind: openai-compatible, base_url: "http://a/v1", data_policy: { zero_retention: "${ZDR}" } } }', { env: { ZDR: 'true' } });
  assert.deepEqual(config.providers.get('a')?.dataPolicy, { zeroRetention: true });
});

const twoClouds = `providers:
  azure-eastus: { kind: azure-openai, endpoint: "https://contoso.openai.azure.com", auth: { api_key: k } }
  bedrock-use1: { kind: bedrock, region: us-east-1 }
  unused: { kind: openai-compatible, base_url: "http://u/v1" }
models:
  gpt-4o: { channels: [ { provider: azure-eastus, deployment: gpt-4o-prod }, { provider: bedrock-use1, model: openai.gpt-4o } ] }
  gpt-oss-120b: { channels: [ { provider: azure-eastus, deployment: gpt-oss }, { provider: bedrock-use1, model: "openai.gpt-oss-120b-1:0" } ] }
`;

test('agreements: a licence maps with its dates as days and as times; models it covers are resolved', () => {
  const config = parseConfig(
    `${twoClouds}agreements:
  - { name: msft-2019, kind: licence, party: Microsoft, channels: { provider: azure-eastus }, models: [gpt-4o], from: 2019-07-22, until: 2025-10-27, exclusive: true }
  - { name: msft-2025, kind: licence, party: Microsoft, channels: { provider: azure-eastus, model: gpt-oss }, from: 2025-10-28, until: 2032-12-31 }
  - { name: aws, kind: licence, party: OpenAI, channels: { provider: bedrock-use1 } }
`,
    { env: {} },
  );
  assert.deepEqual(
    licencesOf(config).map((agreement) => [agreement.name, agreement.models, agreement.coveredModels, agreement.from, agreement.until, agreement.startsAtMs, agreement.endsAtMs, agreement.exclusive]),
    [
      ['msft-2019', ['gpt-4o'], ['gpt-4o'], '2019-07-22', '2025-10-27', Date.UTC(2019, 6, 22), Date.UTC(2025, 9, 28), true],
      ['msft-2025', undefined, ['gpt-oss-120b'], '2025-10-28', '2032-12-31', Date.UTC(2025, 9, 28), Date.UTC(2033, 0, 1), false],
      ['aws', undefined, ['gpt-4o', 'gpt-oss-120b'], undefined, undefined, undefined, undefined, false],
    ],
  );
  assert.deepEqual(licencesOf(config)[1].channels, { provider: 'azure-eastus', model: 'gpt-oss' });
});

test('agreements: every rule is reported, each kind with its own required fields', () => {
  const text = `${twoClouds}agreements:
  - { name: msft-revenue-share, kind: revenue-share, party: Microsoft, percent: 20, basis: revenue, applies_to: { models: [gpt-oss-120b] }, cap: 250000000 USD }
  - { kind: commitment, spend: 1000000 }
  - { kind: licence, channels: { provider: azure } }
  - { name: a, kind: licence, party: P, channels: { provider: azure-eastus, model: gpt-4o }, models: [gpt4o, gpt4o, gpt-5], from: 2025-02-30, until: "2024-01-01" }
  - { name: a, kind: licence, party: P, channels: { provider: bedrock-use1, deployment: x }, from: 2026-01-01, until: 2025-12-31, to: 2030-01-01 }
  - { name: "b c", kind: license, party: P, channels: { provider: unused, model: x }, models: gpt-4o }
  - { name: d, party: P, channels: { model: gpt-4o-prod }, exclusive: yes, applies_to: {} }
  - "msft"
`;
  assert.deepEqual(problemsOf(text), [
    'agreements[0].applies_to: unknown field; an agreement names its channels under channels: { provider, model }, its models under models: [...] and (a revenue share) its tenants under tenants: [...]',
    `agreements[0].cap: invalid amount "250000000 USD"; expected a number of currency units, e.g. 250000; the currency is metering.currency (or the agreement's currency:), not part of the number`,
    'agreements[1].spend: unknown field; did you mean "amount"?',
    'agreements[1].name: required field missing (a name for the agreement, e.g. azure-commitment)',
    'agreements[1].party: required field missing (who the spend is committed to, e.g. Microsoft)',
    'agreements[1].provider: required field missing (the provider the spend is committed with, a name under providers:)',
    'agreements[1].amount: required field missing (the amount committed, in metering.currency, e.g. 1000000)',
    'agreements[1].from: required field missing (the first day of the commitment, YYYY-MM-DD)',
    'agreements[1].until: required field missing (the last day of the commitment, YYYY-MM-DD)',
    'agreements[2].channels.provider: unknown provider "azure"; did you mean "azure-eastus"?',
    'agreements[2].name: required field missing (a name for the agreement, e.g. msft-licence)',
    'agreements[2].party: required field missing (who granted the licence, e.g. Microsoft)',
    'agreements[3].channels.model: no channel of provider "azure-eastus" sends model "gpt-4o"; did you mean "gpt-4o-prod"?',
    'agreements[3].models[0]: unknown model "gpt4o"; did you mean "gpt-4o"?',
    'agreements[3].models[1]: "gpt4o" is listed twice (also at [0])',
    'agreements[3].models[2]: unknown model "gpt-5"',
    'agreements[3].from: invalid date "2025-02-30": there is no such day',
    'agreements[4].name: agreements[3] already has the name "a"; names must be unique',
    'agreements[4].channels.deployment: unknown field; write the upstream model or deployment name under model',
    'agreements[4].until: must not be before from (2026-01-01)',
    'agreements[4].to: unknown field; did you mean "until"?',
    'agreements[5].name: agreement names must start with a letter or digit and contain only letters, digits, ".", "_" and "-"',
    'agreements[5].kind: unknown kind "license"; did you mean "licence"?',
    'agreements[5].channels.model: no channel uses provider "unused", so no channel sends model "x"',
    'agreements[5].models: expected a list of model names (e.g. [gpt-4o]), got text',
    'agreements[6].channels.provider: required field missing (the name of a provider under providers:)',
    'agreements[6].exclusive: expected true or false, got "yes"',
    'agreements[6].applies_to: unknown field; an agreement names its channels under channels: { provider, model }, its models under models: [...] and (a revenue share) its tenants under tenants: [...]',
    'agreements[6].kind: required field missing (available kinds: licence, revenue-share, commitment)',
    'agreements[7]: expected a mapping (key: value), got text',
  ]);
  assert.deepEqual(problemsOf(`${twoClouds}agreements: { msft: { kind: licence } }`), [
    'agreements: expected a list of agreements (- { name, kind, party, channels, … }), got a mapping',
  ]);
  assert.deepEqual(problemsOf('agreements: [ { name: x, kind: licence, party: P } ]'), [
    'agreements[0].channels: required field missing: the channels the licence covers, { provider, model }',
  ]);
  assert.deepEqual(problemsOf('agreements: [ { name: x, kind: licence, party: P, channels: { provider: p }, models: [m] } ]'), [
    'agreements[0].channels.provider: unknown provider "p" (no providers are defined)',
    'agreements[0].models[0]: unknown model "m" (no models are defined)',
  ]);
});

test('agreements: an exclusive licence covers a model (one whose channels it selects none of would crash routing at start)', () => {
  const unused = `providers:\n  used: { kind: openai-compatible, base_url: "http://127.0.0.1:1/v1" }\n  unused: { kind: openai-compatible, base_url: "http://127.0.0.1:2/v1" }\nmodels:\n  m: { channels: [ { provider: used, model: x } ] }\n`;
  assert.deepEqual(problemsOf(`${unused}agreements: [ { name: l, kind: licence, party: P, channels: { provider: unused }, exclusive: true } ]`), [
    'agreements[0].channels: an exclusive licence must cover a model: no model has a channel it selects; name the models it is exclusive for under models:',
  ]);
  // Named models: it forbids their other channels. Not exclusive: it forbids nothing. Both load, and routing starts.
  for (const fine of ['models: [m], exclusive: true', 'exclusive: false']) {
    buildLicenceBook(parseConfig(`${unused}agreements: [ { name: l, kind: licence, party: P, channels: { provider: unused }, ${fine} } ]`, { env: {} }));
  }
});

test('agreements: two exclusive licences may not cover one model on different channels while both are in force', () => {
  const agreements = (...entries: string[]) => `${twoClouds}agreements:\n${entries.map((entry) => `  - ${entry}\n`).join('')}`;
  const azure = (extra: string) => `{ name: msft, kind: licence, party: Microsoft, channels: { provider: azure-eastus }, exclusive: true${extra} }`;
  const bedrock = (extra: string) => `{ name: aws, kind: licence, party: Amazon, channels: { provider: bedrock-use1 }, exclusive: true${extra} }`;

  assert.deepEqual(problemsOf(agreements(azure(', until: 2030-12-31'), bedrock(', from: 2030-01-01, models: [gpt-oss-120b]'))), [
    'agreements[1].exclusive: exclusive licences "msft" (agreements[0]) and "aws" both cover model "gpt-oss-120b" on different channels while both are in force (from 2030-01-01 until 2030-12-31); each forbids the channels of the other',
  ]);
  assert.deepEqual(problemsOf(agreements(azure(''), bedrock(''))), [
    'agreements[1].exclusive: exclusive licences "msft" (agreements[0]) and "aws" both cover model "gpt-4o" on different channels while both are in force (at any time); each forbids the channels of the other',
  ]);
  assert.deepEqual(
    problemsOf(agreements(azure(', models: [gpt-4o]'), `{ name: narrow, kind: licence, party: P, channels: { provider: azure-eastus, model: gpt-oss }, models: [gpt-4o], exclusive: true, from: 2031-01-01 }`)),
    [
      'agreements[1].exclusive: exclusive licences "msft" (agreements[0]) and "narrow" both cover model "gpt-4o" on different channels while both are in force (from 2031-01-01 on); each forbids the channels of the other',
    ],
    'a licence naming a model none of its channels serves still forbids the others',
  );

  for (const valid of [
    agreements(azure(', until: 2029-12-31'), bedrock(', from: 2030-01-01')),
    agreements(azure(', models: [gpt-4o]'), bedrock(', models: [gpt-oss-120b]')),
    agreements(azure(''), `{ name: msft-too, kind: licence, party: Microsoft, channels: { provider: azure-eastus }, exclusive: true, from: 2020-01-01 }`),
    agreements(azure(''), `{ name: aws, kind: licence, party: Amazon, channels: { provider: bedrock-use1 }, exclusive: false }`),
  ]) {
    assert.doesNotThrow(() => parseConfig(valid, { env: {} }), valid);
  }
});

test('decline rules: map onto the config, and every rule is reported', () => {
  const config = parseConfig(
    `${twoClouds}decline_rules:
  - { name: night-batch, channel: { provider: azure-eastus }, when: { hours: "22:00-06:00", days: [Sat, sun], models: [gpt-4o], tenants: [batch-team], min_prompt_tokens: 100000, max_prompt_tokens: 500000 } }
  - { name: big-prompts, channel: { provider: bedrock-use1, model: openai.gpt-4o }, when: { max_prompt_tokens: 0 } }
`,
    { env: {} },
  );
  assert.deepEqual(config.declineRules, [
    {
      name: 'night-batch',
      channel: { provider: 'azure-eastus', model: undefined },
      when: {
        hours: { startMinute: 1320, endMinute: 360 },
        days: ['sat', 'sun'],
        models: ['gpt-4o'],
        tenants: ['batch-team'],
        minPromptTokens: 100_000,
        maxPromptTokens: 500_000,
      },
    },
    {
      name: 'big-prompts',
      channel: { provider: 'bedrock-use1', model: 'openai.gpt-4o' },
      when: { hours: undefined, days: undefined, models: undefined, tenants: undefined, minPromptTokens: undefined, maxPromptTokens: 0 },
    },
  ]);

  const text = `${twoClouds}decline_rules:
  - { name: n, channel: { provider: azure-eastus, model: nope }, when: {} }
  - { name: n, channels: { provider: bedrock-use1 } }
  - name: "bad name"
    channel: { provider: bedrock-us1 }
    when: { hours: "25:00-06:00", days: [saturday, sun, sun, xyz], models: [gpt-4], tenants: [], min_prompt_tokens: 10, max_prompt_tokens: 5 }
  - { name: t, channel: { provider: bedrock-use1 }, when: { hours: "10pm-6am", days: sat, tenants: [a, ""], hour: "1:00-2:00" } }
  - { channel: { provider: azure-eastus, model: gpt-oss }, when: { min_prompt_tokens: -1 } }
`;
  assert.deepEqual(problemsOf(text), [
    'decline_rules[0].channel.model: no channel of provider "azure-eastus" sends model "nope" (its channels send: "gpt-4o-prod", "gpt-oss")',
    'decline_rules[0].when: needs at least one condition (hours, days, models, tenants, min_prompt_tokens, max_prompt_tokens)',
    'decline_rules[1].name: decline_rules[0] already has the name "n"; names must be unique',
    'decline_rules[1].channels: unknown field; did you mean "channel"? (a decline rule names one provider, optionally one model)',
    'decline_rules[1].channel: required field missing: the channel that declines, { provider, model }',
    'decline_rules[1].when: required field missing: the conditions under which the channel declines (hours, days, models, tenants, min_prompt_tokens, max_prompt_tokens)',
    'decline_rules[2].name: decline rule names must start with a letter or digit and contain only letters, digits, ".", "_" and "-"',
    'decline_rules[2].channel.provider: unknown provider "bedrock-us1"; did you mean "bedrock-use1"?',
    'decline_rules[2].when.hours: invalid time range "25:00-06:00": hours are 00 to 23 and minutes 00 to 59 (24:00 only as an end)',
    'decline_rules[2].when.days[0]: unknown day "saturday"; did you mean "sat"?',
    'decline_rules[2].when.days[2]: "sun" is listed twice (also at [1])',
    'decline_rules[2].when.days[3]: unknown day "xyz" (days: mon, tue, wed, thu, fri, sat, sun)',
    'decline_rules[2].when.models[0]: unknown model "gpt-4"; did you mean "gpt-4o"?',
    'decline_rules[2].when.tenants: must list at least one tenant',
    'decline_rules[2].when.max_prompt_tokens: must not be less than min_prompt_tokens (10)',
    'decline_rules[3].when.hours: invalid time range "10pm-6am"; expected "HH:MM-HH:MM", e.g. "22:00-06:00"',
    'decline_rules[3].when.days: expected a list of day names (e.g. [sat, sun]), got text',
    'decline_rules[3].when.tenants[1]: must not be empty',
    'decline_rules[3].when.hour: unknown field; did you mean "hours"?',
    'decline_rules[4].when.min_prompt_tokens: must be at least 0, got -1',
    'decline_rules[4].name: required field missing (a name for the rule, shown in route traces)',
  ]);
});

test('check-config warns about a licence or decline rule naming a model its channels do not serve', () => {
  const config = parseConfig(
    `${twoClouds}agreements:
  - { name: nothing, kind: licence, party: P, channels: { provider: unused } }
  - { name: odd, kind: licence, party: P, channels: { provider: azure-eastus, model: gpt-oss }, models: [gpt-oss-120b, gpt-4o] }
  - { name: odd-exclusive, kind: licence, party: P, channels: { provider: azure-eastus, model: gpt-oss }, models: [gpt-4o], exclusive: true }
decline_rules:
  - { name: r, channel: { provider: bedrock-use1, model: openai.gpt-4o }, when: { models: [gpt-4o, gpt-oss-120b] } }
`,
    { env: {} },
  );
  assert.deepEqual(
    configWarnings(config).map((warning) => `${warning.path}: ${warning.message}`),
    [
      'providers.unused: not used by any model',
      'agreements[0].channels: no model has a channel it covers, so it applies to nothing',
      'agreements[1].models[1]: no channel it covers serves model "gpt-4o", so it has no effect on it',
      'agreements[2].models[0]: no channel it covers serves model "gpt-4o", so while it is in force no channel may serve it',
      'decline_rules[0].when.models[1]: the channel it names does not serve model "gpt-oss-120b", so this never matches',
    ],
  );
});

test('secrets from the environment never appear in messages about the new sections', () => {
  const providersOnly = twoClouds.slice(0, twoClouds.indexOf('models:'));
  const problems = problemsOf(
    `${providersOnly}models:
  m: { sticky: { header: "\${S} x" }, channels: [ { provider: "\${S}", model: x, price: { input: "\${S}", output: 1 } } ] }
agreements: [ { name: "\${S}", kind: "\${S}", party: P, channels: { provider: "\${S}", model: "\${S}" }, models: ["\${S}"], from: "\${S}" } ]
decline_rules: [ { name: n, channel: { provider: "x\${S}" }, when: { hours: "\${S}", days: ["\${S}"], tenants: [t] } } ]
`,
    { env: { S: 'sk-ROUTING-SECRET' } },
  );
  assert.equal(problems.length, 10, problems.join('\n'));
  for (const problem of problems) assert.doesNotMatch(problem, /ROUTING-SECRET/, problem);
  assert.ok(problems.includes('models.m.channels[0].price.input: invalid price "${S}"; expected a number of currency units per million tokens, e.g. 2.50'), problems.join('\n'));
  assert.ok(problems.includes('decline_rules[0].channel.provider: unknown provider "x${S}"'), problems.join('\n'));
});
