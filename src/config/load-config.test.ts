import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, loadConfigFile, parseConfig, type ParseConfigOptions } from './load-config.ts';
import type { ProviderConfig } from './types.ts';

/** Each kind's settings type. */
type SettingsByKind = { [Provider in ProviderConfig as Provider['kind']]: Provider['settings'] };

/** The settings of a provider, after asserting its kind (the settings' type depends on it). */
function settingsOf<Kind extends keyof SettingsByKind>(provider: ProviderConfig | undefined, kind: Kind): SettingsByKind[Kind] {
  assert.equal(provider?.kind, kind);
  return provider!.settings as SettingsByKind[Kind];
}

const referenceConfig = `
listen: 127.0.0.1:8080
limits:
  max_body_bytes: 4mb
  request_timeout: 600s
  stream_idle_timeout: 60s
logging:
  level: info
  requests: true
providers:
  openai:
    kind: openai
    base_url: https://api.openai.com/v1
    auth: { api_key: \${OPENAI_API_KEY} }
    headers: { OpenAI-Organization: org-123 }
    region: us
    connections: 256
    timeout: 60s
  local-vllm: { kind: openai-compatible, base_url: http://127.0.0.1:8000/v1 }
models:
  gpt-4o:
    type: chat
    route: ordered
    owned_by: openai
    channels:
      - { provider: openai, model: gpt-4o-2024-08-06, primary: true }
      - { provider: local-vllm, model: llama-3.1-70b }
`;

/** The problems `parseConfig` reports, as `path: message` lines; fails the test when the text is valid. */
function problemsOf(text: string, options: ParseConfigOptions = {}): string[] {
  try {
    parseConfig(text, { env: {}, ...options });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    const lines = error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    assert.equal(error.message, lines.join('\n'), 'the message lists every problem, one per line');
    return lines;
  }
  assert.fail('expected the configuration to be rejected');
}

/** A channel's new settings when the file gives none of them. */
const channelDefaults = {
  weight: 1,
  capacity: undefined,
  price: undefined,
  prices: [],
  capabilities: { vision: true, tools: true, jsonSchema: true, streaming: true, contextWindow: undefined },
} as const;

const minimal = (models: string, providers = 'openai: { kind: openai, auth: { api_key: sk-test } }') =>
  `providers:\n  ${providers}\nmodels:\n${models}\n`;

test('the reference configuration maps onto GatewayConfig', () => {
  const config = parseConfig(referenceConfig, { env: { OPENAI_API_KEY: 'sk-live-1' } });
  assert.deepEqual(config.listen, { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(config.limits, { maxBodyBytes: 4 * 1024 * 1024, requestTimeoutMs: 600_000, streamIdleTimeoutMs: 60_000, maxStreams: undefined });
  assert.deepEqual(config.logging, { level: 'info', requests: true });
  assert.deepEqual([...config.providers.keys()], ['openai', 'local-vllm']);
  assert.deepEqual({ ...config.providers.get('openai') }, {
    name: 'openai',
    kind: 'openai',
    baseUrl: 'https://api.openai.com/v1',
    apiKey: 'sk-live-1',
    headers: { 'OpenAI-Organization': 'org-123' },
    region: 'us',
    connections: 256,
    queue: { max: 256, timeoutMs: 1_000 },
    timeoutMs: 60_000,
    dataPolicy: { zeroRetention: false },
    settings: {},
  });
  assert.deepEqual({ ...config.providers.get('local-vllm') }, {
    name: 'local-vllm',
    kind: 'openai-compatible',
    baseUrl: 'http://127.0.0.1:8000/v1',
    apiKey: undefined,
    headers: {},
    region: undefined,
    connections: 256,
    queue: { max: 256, timeoutMs: 1_000 },
    timeoutMs: 60_000,
    dataPolicy: { zeroRetention: false },
    settings: {},
  });
  assert.deepEqual({ ...config.models.get('gpt-4o') }, {
    name: 'gpt-4o',
    type: 'chat',
    route: 'ordered',
    ownedBy: 'openai',
    channels: [
      { provider: 'openai', model: 'gpt-4o-2024-08-06', primary: true, ...channelDefaults, responses: 'native' },
      { provider: 'local-vllm', model: 'llama-3.1-70b', primary: false, ...channelDefaults, responses: 'translate' },
    ],
    sticky: undefined,
    firstTokenTimeoutMs: undefined,
  });
});

test('defaults: a file that sets only listen, with empty sections or none, is fully defaulted', () => {
  for (const text of ['listen: 127.0.0.1:8080', 'listen: 127.0.0.1:8080\nlimits:\nlogging:\nproviders:\nmodels:\n']) {
    const config = parseConfig(text, { env: {} });
    assert.deepEqual(config.listen, { host: '127.0.0.1', port: 8080 }, JSON.stringify(text));
    assert.deepEqual(config.limits, { maxBodyBytes: 4 * 1024 * 1024, requestTimeoutMs: 600_000, streamIdleTimeoutMs: 60_000, maxStreams: undefined });
    assert.deepEqual(config.logging, { level: 'info', requests: true });
    assert.equal(config.providers.size, 0);
    assert.equal(config.models.size, 0);
  }
});

test('defaults: provider and model fields', () => {
  const config = parseConfig(minimal('  m: { channels: [{ provider: openai, deployment: dep-1 }] }'), { env: {} });
  const provider = config.providers.get('openai');
  assert.equal(provider?.baseUrl, 'https://api.openai.com/v1', 'kind openai defaults to the OpenAI API');
  assert.equal(provider?.connections, 256);
  assert.equal(provider?.timeoutMs, 60_000);
  assert.deepEqual(provider?.headers, {});
  assert.equal(provider?.region, undefined);
  const model = config.models.get('m');
  assert.equal(model?.type, 'chat');
  assert.equal(model?.route, 'ordered');
  assert.equal(model?.ownedBy, 'interchange');
  assert.deepEqual(model?.channels, [{ provider: 'openai', model: 'dep-1', primary: false, ...channelDefaults, responses: 'native' }], 'deployment is an alias of model');
  assert.equal(model?.sticky, undefined);
  assert.equal(model?.firstTokenTimeoutMs, undefined);
  assert.deepEqual(provider?.dataPolicy, { zeroRetention: false });
});

test('the result is read-only', () => {
  const config = parseConfig(referenceConfig, { env: { OPENAI_API_KEY: 'sk-live-1' } });
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.limits) && Object.isFrozen(config.listen));
  const provider = config.providers.get('openai');
  assert.ok(provider !== undefined && Object.isFrozen(provider) && Object.isFrozen(provider.headers));
  const model = config.models.get('gpt-4o');
  assert.ok(model !== undefined && Object.isFrozen(model.channels) && Object.isFrozen(model.channels[0]));
  assert.ok(config.providers instanceof Map);
  assert.throws(() => (config.providers as Map<string, unknown>).set('x', {}), TypeError);
  assert.throws(() => (config.models as Map<string, unknown>).delete('gpt-4o'), TypeError);
  assert.throws(() => (config.models as Map<string, unknown>).clear(), TypeError);
  assert.equal(config.models.size, 1);
});

test('printing or serialising a provider never shows its API key or header values', () => {
  const config = parseConfig(
    minimal('  m: { channels: [{ provider: openai, model: x }] }', 'openai: { kind: openai, auth: { api_key: sk-hidden-9 }, headers: { X-Secret: hdr-hidden-9 } }'),
    { env: {} },
  );
  const provider = config.providers.get('openai');
  assert.equal(provider?.apiKey, 'sk-hidden-9');
  for (const text of [JSON.stringify(provider), JSON.stringify([...config.providers]), inspect(config, { depth: 10 })]) {
    assert.doesNotMatch(text, /hidden-9/);
    assert.match(text, /\[redacted\]/);
  }
});

test('scalars come as text from environment variables wherever numbers or booleans are expected', () => {
  const text = `
listen: \${LISTEN:-127.0.0.1:9999}
limits: { max_body_bytes: \${BODY}, request_timeout: \${TIMEOUT} }
logging: { requests: \${REQUESTS}, level: \${LEVEL:-debug} }
providers:
  vllm: { kind: openai-compatible, base_url: "\${VLLM_URL}", connections: \${CONNECTIONS}, auth: { api_key: \${VLLM_KEY:-} } }
`;
  const config = parseConfig(text, {
    env: { BODY: '1048576', TIMEOUT: '90s', REQUESTS: 'false', VLLM_URL: 'http://10.0.0.5:8000/v1/', CONNECTIONS: '32' },
  });
  assert.deepEqual(config.listen, { host: '127.0.0.1', port: 9999 });
  assert.equal(config.limits.maxBodyBytes, 1_048_576);
  assert.equal(config.limits.requestTimeoutMs, 90_000);
  assert.deepEqual(config.logging, { level: 'debug', requests: false });
  assert.equal(config.providers.get('vllm')?.baseUrl, 'http://10.0.0.5:8000/v1');
  assert.equal(config.providers.get('vllm')?.connections, 32);
  assert.equal(config.providers.get('vllm')?.apiKey, undefined, 'an empty key means none');
});

test('environment references default to process.env', () => {
  const name = `INTERCHANGE_CONFIG_TEST_${process.pid}`;
  process.env[name] = 'sk-from-process';
  try {
    const config = parseConfig(`providers: { openai: { kind: openai, auth: { api_key: \${${name}} } } }`);
    assert.equal(config.providers.get('openai')?.apiKey, 'sk-from-process');
  } finally {
    delete process.env[name];
  }
});

test('$${ escapes a literal ${ in any value', () => {
  const config = parseConfig(
    minimal('  m: { owned_by: "cost $${USD}", channels: [{ provider: openai, model: x }] }', 'openai: { kind: openai, auth: { api_key: k$${x} } }'),
    { env: {} },
  );
  assert.equal(config.models.get('m')?.ownedBy, 'cost ${USD}');
  assert.equal(config.providers.get('openai')?.apiKey, 'k${x}');
});

test('a missing environment variable is reported at its path, and only there', () => {
  assert.deepEqual(problemsOf(referenceConfig), ['providers.openai.auth.api_key: environment variable OPENAI_API_KEY is not set']);
  assert.deepEqual(problemsOf('listen: ${ADDRESS}\nlimits: { request_timeout: "${A}${B}" }'), [
    'listen: environment variable ADDRESS is not set',
    'limits.request_timeout: environment variable A is not set',
    'limits.request_timeout: environment variable B is not set',
  ]);
});

test('every problem is reported at once, in document order', () => {
  const text = `
listen: ":8080"
limits: { max_body_bytes: 10 parsecs, request_timeout: 10 parsecs }
logging: { level: verbose }
providers:
  azure: { kind: openai-compatible, base_url: "http://azure.local/v1" }
  x: { kind: opneai }
  openai: { kind: openai, base_ur: "https://api.openai.com/v1", auth: { api_key: sk } }
models:
  gpt-4o:
    channels:
      - { provider: openai, model: a, primary: true }
      - { provider: azur, model: b, primary: true }
`;
  assert.deepEqual(problemsOf(text), [
    'listen: has no host; write "0.0.0.0:8080" to listen on every interface or "127.0.0.1:8080" for this machine only',
    'limits.max_body_bytes: invalid size "10 parsecs": unknown unit "parsecs" (units: b, kb, mb, gb, also kib, mib, gib; e.g. "512kb", "4mb" or "1gb")',
    'limits.request_timeout: invalid duration "10 parsecs": unknown unit "parsecs" (units: ms, s, m, h; e.g. "500ms", "30s", "10m" or "1h30m")',
    'logging.level: unknown level "verbose" (available: fatal, error, warn, info, debug, trace, silent)',
    'providers.x.kind: unknown kind "opneai"; did you mean "openai"?',
    'providers.openai.base_ur: unknown field; did you mean "base_url"?',
    'models.gpt-4o.channels[1].provider: unknown provider "azur"; did you mean "azure"?',
    'models.gpt-4o.channels[1].primary: a model has at most one primary channel; channels[0] already is',
  ]);
});

test('paths bracket-quote keys with characters outside [A-Za-z0-9_-]', () => {
  assert.deepEqual(problemsOf(minimal('  "gpt-4.1": { channels: [{ provider: openai }] }')), [
    'models["gpt-4.1"].channels[0].model: required field missing: the upstream model name this channel sends (or its alias, deployment)',
  ]);
  assert.deepEqual(problemsOf(minimal('  "a b": { channels: [{ provider: openai, model: x }] }')), [
    'models["a b"]: model names must be 1 to 256 characters without spaces or control characters',
  ]);
});

test('unknown fields are reported one per key at every level, with suggestions and hints', () => {
  const text = `
lisen: 127.0.0.1:1
port: 8080
limits: { max_body: 1mb }
logging: { Level: info }
providers:
  p: { kind: openai, auth: { api_kye: sk }, api_key: sk2, endpoint: "https://x", zzz: 1 }
models:
  m: { channel: [], channels: [{ provider: p, model: x, priority: 2 }] }
`;
  assert.deepEqual(problemsOf(text), [
    'lisen: unknown field; did you mean "listen"?',
    'port: unknown field; set the address with listen: "host:port"',
    'limits.max_body: unknown field; did you mean "max_body_bytes"?',
    'logging.Level: unknown field; did you mean "level"?',
    'providers.p.auth.api_kye: unknown field; did you mean "api_key"?',
    'providers.p.auth.api_key: required field missing: kind "openai" needs an API key, e.g. ${OPENAI_API_KEY}',
    'providers.p.api_key: unknown field; the API key goes under auth: { api_key: … }',
    'providers.p.endpoint: only for kinds "azure-openai", "bedrock" and "vertex"; did you mean "base_url"?',
    'providers.p.zzz: unknown field',
    'models.m.channel: unknown field; did you mean "channels"?',
    'models.m.channels[0].priority: unknown field; not available in this build (route "ordered" tries channels in the order listed)',
  ]);
});

test('kinds: unknown ones get a suggestion', () => {
  assert.deepEqual(
    problemsOf(`providers:
  a: { kind: opneai }
  b: { kind: bedrock, region: us-east-1 }
  c: { kind: azure-openai }
  d: { kind: vertex, project: p, location: global }
  e: { kind: mainframe }
  f: { base_url: "http://f" }
  g: { kind: 3 }
`),
    [
      'providers.a.kind: unknown kind "opneai"; did you mean "openai"?',
      'providers.c.endpoint: required field missing: kind "azure-openai" needs the resource endpoint, e.g. "https://contoso.openai.azure.com"',
      'providers.c.auth: required field missing: kind "azure-openai" needs auth: { api_key: … } or auth: { entra: { credential: … } }',
      'providers.e.kind: unknown kind "mainframe" (available: openai, openai-compatible, azure-openai, bedrock, vertex)',
      'providers.f.kind: required field missing (available kinds: openai, openai-compatible, azure-openai, bedrock, vertex)',
      'providers.g.kind: expected one of openai, openai-compatible, azure-openai, bedrock, vertex, got a whole number',
    ],
  );
});

test('kind-specific requirements: openai needs an API key, openai-compatible a base_url', () => {
  assert.deepEqual(
    problemsOf(`providers:
  a: { kind: openai }
  b: { kind: openai, auth: { api_key: "  " } }
  c: { kind: openai-compatible }
  d: { kind: openai-compatible, base_url: "http://d/v1", auth: { api_key: k }, headers: { authorization: x } }
`),
    [
      'providers.a.auth: required field missing: kind "openai" needs an API key, e.g. auth: { api_key: ${OPENAI_API_KEY} }',
      'providers.b.auth.api_key: is empty: kind "openai" needs an API key',
      'providers.c.base_url: required field missing: kind "openai-compatible" needs the server\'s URL with its version path, e.g. "http://127.0.0.1:8000/v1"',
      'providers.d.headers.authorization: conflicts with auth.api_key, which is sent as Authorization: Bearer …; keep one of them',
    ],
  );
  const config = parseConfig('providers: { e: { kind: openai-compatible, base_url: "http://e/v1", headers: { Authorization: "Basic abc" } } }', { env: {} });
  assert.deepEqual(config.providers.get('e')?.headers, { Authorization: 'Basic abc' }, 'a custom Authorization header without api_key is fine');
});

test('provider fields: base_url, headers, connections, timeout, names', () => {
  assert.deepEqual(
    problemsOf(`providers:
  a: { kind: openai-compatible, base_url: "ftp://a" }
  b: { kind: openai-compatible, base_url: "http://b/v1?x=1", connections: 0, timeout: 10 parsecs }
  c: { kind: openai-compatible, base_url: "http://c", headers: { Host: x, X-A: x, x-a: y, "bad name": z, X-N: [1] } }
  "-bad": { kind: openai-compatible, base_url: "http://d", region: 5 }
`),
    [
      'providers.a.base_url: must use http or https, not "ftp"',
      'providers.b.base_url: must not contain a query string ("?…"); use headers for extra parameters',
      'providers.b.connections: must be from 1 to 10000, got 0',
      'providers.b.timeout: invalid duration "10 parsecs": unknown unit "parsecs" (units: ms, s, m, h; e.g. "500ms", "30s", "10m" or "1h30m")',
      'providers.c.headers.Host: header "Host" is managed by the gateway and cannot be set here',
      'providers.c.headers.x-a: header "x-a" repeats "X-A" (header names ignore case)',
      'providers.c.headers["bad name"]: invalid header name "bad name"; names are letters, digits and !#$%&\'*+.^_`|~-',
      'providers.c.headers.X-N: expected a header value (text), got a list',
      'providers.-bad: provider names must start with a letter or digit and contain only letters, digits, ".", "_" and "-"',
      'providers.-bad.region: expected text, got a whole number (put it in quotes to make it text)',
    ],
  );
});

test('models: channels are required and non-empty; one primary; model xor deployment; type and route', () => {
  const text = minimal(`  a: { type: chta, route: primary-frist, channels: [] }
  b: {}
  c: { channels: [{ provider: openai, model: x, deployment: y }, { model: z }, "openai"] }
  d: { type: embedding, route: weighted, owned_by: "", channels: [{ provider: openai, model: e, primary: maybe }] }
  e:
`);
  assert.deepEqual(problemsOf(text), [
    'models.a.type: unknown type "chta"; did you mean "chat"?',
    'models.a.route: unknown route "primary-frist"; did you mean "primary-first"?',
    'models.a.channels: must list at least one channel',
    'models.b.channels: required field missing: a model needs at least one channel ({ provider, model })',
    'models.c.channels[0].deployment: give either model or deployment, not both (deployment is another name for model)',
    'models.c.channels[1].provider: required field missing (the name of a provider under providers:)',
    'models.c.channels[2]: expected a mapping (key: value), got text',
    'models.d.owned_by: must not be empty',
    'models.d.channels[0].primary: expected true or false, got "maybe"',
    'models.e: expected a mapping (key: value), got an empty value',
  ]);
});

test('unknown provider references: suggestions among defined providers, none when nothing is close', () => {
  const text = `providers:
  azure-eastus: { kind: openai-compatible, base_url: "http://a/v1" }
  openai: { kind: openai, auth: { api_key: k } }
models:
  m:
    channels:
      - { provider: azure, model: x }
      - { provider: opena, model: x }
      - { provider: bedrock-use1, model: x }
`;
  assert.deepEqual(problemsOf(text), [
    'models.m.channels[0].provider: unknown provider "azure"; did you mean "azure-eastus"?',
    'models.m.channels[1].provider: unknown provider "opena"; did you mean "openai"?',
    'models.m.channels[2].provider: unknown provider "bedrock-use1"',
  ]);
  assert.deepEqual(problemsOf('models: { m: { channels: [{ provider: openai, model: x }] } }'), [
    'models.m.channels[0].provider: unknown provider "openai" (no providers are defined)',
  ]);
});

test('an embedding model may use any provider', () => {
  const config = parseConfig(
    minimal('  e: { type: embedding, channels: [{ provider: vllm, model: bge }, { provider: openai, model: text-embedding-3-small }] }', `openai: { kind: openai, auth: { api_key: k } }
  vllm: { kind: openai-compatible, base_url: "http://v/v1" }`),
    { env: {} },
  );
  assert.equal(config.models.get('e')?.type, 'embedding');
  assert.deepEqual(config.models.get('e')?.channels.map((channel) => channel.provider), ['vllm', 'openai']);
});

test('wrong types at the top and in sections', () => {
  assert.deepEqual(problemsOf('- a\n- b\n'), ['(top level): expected a mapping (key: value), got a list']);
  assert.deepEqual(problemsOf('just text\n'), ['(top level): expected a mapping (key: value), got text']);
  assert.deepEqual(problemsOf('limits: 5\nlogging: [a]\nproviders: [a]\nmodels: text\n'), [
    'limits: expected a mapping (key: value), got a whole number',
    'logging: expected a mapping (key: value), got a list',
    'providers: expected a mapping of provider names to their settings, got a list',
    'models: expected a mapping of model names to their settings, got text',
  ]);
});

test('YAML syntax errors and duplicate keys are located by line and column', () => {
  assert.deepEqual(problemsOf('providers:\n  a: { kind: openai }\n  a: { kind: openai }\n', { source: 'gw.yaml' }), [
    'gw.yaml:3:3: duplicate key "a"; a key may appear only once in a mapping',
  ]);
  const unterminated = problemsOf('listen: "127.0.0.1:8080\n', { source: 'gw.yaml' });
  assert.equal(unterminated.length, 1);
  assert.match(unterminated[0], /^gw\.yaml:2:1: Missing closing "quote/);
  assert.match(problemsOf('a: [1, 2\n')[0], /^config:\d+:\d+: /, 'without a source the location starts with "config"');
  assert.match(problemsOf('a: !secret x\n')[0], /^config:1:4: Unresolved tag: !secret \(custom YAML tags are not supported\)$/);
});

test('unquoted references inside flow collections parse, and YAML columns stay right', () => {
  const config = parseConfig('providers: { p: { kind: openai, auth: { api_key: ${KEY:-a,b} } } }', { env: {} });
  assert.equal(config.providers.get('p')?.apiKey, 'a,b');
  assert.deepEqual(problemsOf('providers: { p: { kind: openai, auth: { api_key: ${KEY} } } }\nx: [\n', { env: { KEY: 'k' } }).length, 1);
  assert.match(problemsOf('a: { b: ${KEY} }\na: 1\n')[0], /^config:2:1: duplicate key "a"/);
});

test('x- top-level keys are ignored and hold anchors for merges', () => {
  const config = parseConfig(
    `x-vllm: &vllm { kind: openai-compatible, connections: 8 }
providers:
  a: { <<: *vllm, base_url: "http://a/v1" }
  b:
    <<: *vllm
    base_url: http://b/v1/
    connections: 9
`,
    { env: {} },
  );
  assert.deepEqual(
    [...config.providers.values()].map((provider) => [provider.name, provider.kind, provider.baseUrl, provider.connections]),
    [
      ['a', 'openai-compatible', 'http://a/v1', 8],
      ['b', 'openai-compatible', 'http://b/v1', 9],
    ],
  );
});

test('secrets from the environment never appear in any message', () => {
  const secret = 'sk-TOPSECRET-42';
  const env = { S: secret, URL: `https://user:${secret}@host/v1`, QUERY: `https://host/v1?key=${secret}`, LISTEN: `${secret}:80` };
  const text = `
listen: \${LISTEN}
limits: { max_body_bytes: \${S}, request_timeout: "\${S}", stream_idle_timeout: "5 \${S}" }
logging: { level: \${S}, requests: \${S} }
providers:
  a: { kind: \${S}, base_url: \${URL}, region: \${S} }
  b: { kind: openai-compatible, base_url: \${QUERY}, connections: \${S}, timeout: "1\${S}", headers: { X-Key: "\${S}\\n" } }
  c: { kind: "my-\${S}" }
models:
  m: { type: \${S}, route: \${S}, channels: [{ provider: \${S}, model: x, primary: \${S} }, { provider: "p\${S}", model: y }] }
`;
  const problems = problemsOf(text, { env });
  assert.ok(problems.length >= 15, `expected many problems, got:\n${problems.join('\n')}`);
  for (const problem of problems) {
    assert.doesNotMatch(problem, /TOPSECRET/, problem);
  }
  assert.ok(problems.includes('providers.a.kind: unknown kind "${S}" (available: openai, openai-compatible, azure-openai, bedrock, vertex)'), problems.join('\n'));
  assert.ok(problems.includes('models.m.channels[0].provider: unknown provider "${S}"'), problems.join('\n'));
  assert.ok(problems.includes('providers.c.kind: unknown kind "my-${S}" (available: openai, openai-compatible, azure-openai, bedrock, vertex)'), problems.join('\n'));
});

test('a value equal to an environment value elsewhere is not confused with it', () => {
  const problems = problemsOf('providers:\n  a: { kind: openai-compatible, base_url: "http://a", auth: { api_key: ${K} } }\n  b: { kind: mainframe }\n', {
    env: { K: 'mainframe' },
  });
  assert.deepEqual(problems, ['providers.b.kind: unknown kind (a value from the environment) (available: openai, openai-compatible, azure-openai, bedrock, vertex)']);
});

test('loadConfigFile reads a file; an unreadable one is a ConfigError naming it', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'interchange-config-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const file = join(directory, 'gateway.yaml');
  await writeFile(file, `\uFEFF${referenceConfig}`);
  const config = await loadConfigFile(file, { OPENAI_API_KEY: 'sk-file' });
  assert.equal(config.providers.get('openai')?.apiKey, 'sk-file');

  await assert.rejects(loadConfigFile(file, {}), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.source, file);
    assert.deepEqual(error.problems, [{ path: 'providers.openai.auth.api_key', message: 'environment variable OPENAI_API_KEY is not set' }]);
    return true;
  });
  await writeFile(join(directory, 'broken.yaml'), 'a: [\n');
  await assert.rejects(loadConfigFile(join(directory, 'broken.yaml'), {}), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, new RegExp(`^${join(directory, 'broken.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
    return true;
  });
  const missing = join(directory, 'missing.yaml');
  await assert.rejects(loadConfigFile(missing, {}), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.problems, [{ path: missing, message: 'cannot read the configuration: no such file' }]);
    return true;
  });
  await assert.rejects(loadConfigFile(directory, {}), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /cannot read the configuration: it is a directory/);
    return true;
  });
});

test('a YAML alias bomb is refused instead of expanded', () => {
  const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
  for (const [name, previous] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e']]) {
    levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
  }
  assert.deepEqual(problemsOf(`${levels.join('\n')}\n`, { source: 'bomb.yaml' }), [
    'bomb.yaml: Excessive alias count indicates a resource exhaustion attack',
  ]);
});

test('azure-openai: endpoint, API style, api-version and api-key map onto the provider', () => {
  const config = parseConfig(
    `providers:
  azure-eastus:
    kind: azure-openai
    endpoint: https://contoso.openai.azure.com/
    api: deployments
    api_version: 2025-04-01-preview
    auth: { api_key: \${AZURE_KEY} }
    region: eastus
  azure-v1: { kind: azure-openai, endpoint: https://fabrikam.openai.azure.com, auth: { entra: { credential: managed-identity, client_id: abc } } }
models:
  gpt-4.1: { channels: [ { provider: azure-eastus, deployment: gpt41-prod }, { provider: azure-v1, deployment: gpt41 } ] }
`,
    { env: { AZURE_KEY: 'azure-secret' } },
  );
  const eastus = config.providers.get('azure-eastus')!;
  assert.equal(eastus.baseUrl, 'https://contoso.openai.azure.com');
  assert.equal(eastus.apiKey, 'azure-secret');
  assert.deepEqual({ ...settingsOf(eastus, 'azure-openai') }, { api: 'deployments', apiVersion: '2025-04-01-preview', entra: undefined });
  const v1 = config.providers.get('azure-v1')!;
  assert.equal(settingsOf(v1, 'azure-openai').api, 'v1');
  assert.deepEqual({ ...settingsOf(v1, 'azure-openai').entra }, {
    credential: 'managed-identity',
    tenantId: undefined,
    clientId: 'abc',
    clientSecret: undefined,
    scope: 'https://cognitiveservices.azure.com/.default',
  });
  assert.equal(config.models.get('gpt-4.1')?.channels[0].model, 'gpt41-prod');
});

test('azure-openai: every rule about endpoint and auth is reported', () => {
  assert.deepEqual(
    problemsOf(`providers:
  a: { kind: azure-openai, auth: { api_key: k } }
  b: { kind: azure-openai, endpoint: "https://b", base_url: "https://b/v1" }
  c: { kind: azure-openai, endpoint: "https://c", auth: { api_key: k, entra: { credential: default } } }
  d: { kind: azure-openai, endpoint: "https://d", auth: { entra: { credential: client-secret, tenant_id: t } } }
  e: { kind: azure-openai, endpoint: "https://e", api: v1, api_version: "2024-10-21", auth: { api_key: k } }
  f: { kind: azure-openai, endpoint: "https://f", api: v2, auth: { entra: { credential: sso } } }
  g: { kind: openai-compatible, base_url: "http://g", api_version: x, auth: { entra: { credential: default } } }
`),
    [
      'providers.a.endpoint: required field missing: kind "azure-openai" needs the resource endpoint, e.g. "https://contoso.openai.azure.com"',
      'providers.b.base_url: kind "azure-openai" takes "endpoint" (the resource URL), not base_url',
      'providers.b.auth: required field missing: kind "azure-openai" needs auth: { api_key: … } or auth: { entra: { credential: … } }',
      'providers.c.auth.entra: give either api_key or entra, not both',
      'providers.d.auth.entra.client_id: required field missing: credential "client-secret" needs client_id',
      'providers.d.auth.entra.client_secret: required field missing: credential "client-secret" needs client_secret',
      'providers.e.api_version: only for api: deployments (the v1 API takes no api-version)',
      'providers.f.api: unknown api "v2"; did you mean "v1"?',
      'providers.f.auth.entra.credential: unknown credential "sso" (available: default, azure-cli, managed-identity, workload-identity, client-secret)',
      'providers.g.api_version: only for kinds "azure-openai", "bedrock" and "vertex"',
      'providers.g.auth.entra: Entra ID credentials are only for kind "azure-openai"',
    ],
  );
});

test('bedrock: region, endpoint, API and every credential source', () => {
  const config = parseConfig(
    `providers:
  chain: { kind: bedrock, region: us-east-1 }
  profile: { kind: bedrock, region: eu-west-1, api: openai, auth: { aws: { profile: prod } } }
  keys: { kind: bedrock, region: us-west-2, endpoint: "http://127.0.0.1:9000", auth: { aws: { access_key_id: AKID, secret_access_key: \${SECRET}, session_token: \${TOKEN} } } }
  bearer: { kind: bedrock, region: us-east-1, auth: { api_key: \${BEDROCK_KEY} } }
  explicit-chain: { kind: bedrock, region: us-east-1, auth: { aws: default-chain } }
models:
  gpt-oss-120b: { channels: [ { provider: chain, model: "openai.gpt-oss-120b-1:0" }, { provider: keys, model: "us.anthropic.claude-3-5-sonnet-20241022-v2:0" } ] }
`,
    { env: { SECRET: 's3cr3t', TOKEN: 'tok', BEDROCK_KEY: 'bedrock-key' } },
  );
  const chain = config.providers.get('chain')!;
  assert.equal(chain.baseUrl, 'https://bedrock-runtime.us-east-1.amazonaws.com');
  assert.deepEqual({ ...settingsOf(chain, 'bedrock') }, { api: 'converse', region: 'us-east-1', credentials: { source: 'default-chain' } });
  assert.deepEqual({ ...settingsOf(config.providers.get('profile'), 'bedrock') }, { api: 'openai', region: 'eu-west-1', credentials: { source: 'profile', profile: 'prod' } });
  const keys = config.providers.get('keys')!;
  assert.equal(keys.baseUrl, 'http://127.0.0.1:9000');
  assert.deepEqual(settingsOf(keys, 'bedrock').credentials, { source: 'static', accessKeyId: 'AKID', secretAccessKey: 's3cr3t', sessionToken: 'tok' });
  assert.doesNotMatch(JSON.stringify(keys), /s3cr3t|"tok"/, 'printing a provider hides its AWS secrets');
  const bearer = config.providers.get('bearer')!;
  assert.equal(bearer.apiKey, 'bedrock-key');
  assert.equal(settingsOf(bearer, 'bedrock').credentials, undefined);
  assert.deepEqual(settingsOf(config.providers.get('explicit-chain'), 'bedrock').credentials, { source: 'default-chain' });
});

test('bedrock: every rule is reported', () => {
  assert.deepEqual(
    problemsOf(`providers:
  a: { kind: bedrock }
  b: { kind: bedrock, region: us-east-1, base_url: "https://b", api: deployments }
  c: { kind: bedrock, region: us-east-1, auth: { api_key: k, aws: default-chain } }
  d: { kind: bedrock, region: us-east-1, auth: { aws: { profile: p, access_key_id: x } } }
  e: { kind: bedrock, region: us-east-1, auth: { aws: { access_key_id: x } } }
  f: { kind: bedrock, region: us-east-1, auth: { aws: { acess_key_id: x } } }
  g: { kind: bedrock, region: us-east-1, auth: { aws: sso } }
  h: { kind: openai-compatible, base_url: "http://h", auth: { aws: default-chain } }
  i: { kind: azure-openai, endpoint: "https://i", api: converse, auth: { api_key: k } }
  j: { kind: bedrock, region: us-east-1 }
models:
  e1: { type: embedding, channels: [ { provider: a, model: amazon.titan-embed-text-v2 } ] }
  e2: { type: embedding, channels: [ { provider: j, model: "amazon.titan-embed-text-v1" }, { provider: j, deployment: "us.cohere.embed-v4:0" } ] }
  e3:
    type: embedding
    channels:
      - { provider: j, model: "amazon.titan-embed-text-v2:0" }
      - { provider: j, model: "us.cohere.embed-english-v3" }
      - { provider: j, model: "arn:aws:bedrock:us-east-1::foundation-model/cohere.embed-multilingual-v3" }
`),
    [
      'providers.a.region: required field missing: kind "bedrock" signs requests for an AWS region, e.g. us-east-1',
      'providers.b.base_url: kind "bedrock" takes "endpoint" (only to override the regional endpoint), not base_url',
      'providers.b.api: kind "bedrock" has api "converse" or "openai", not "deployments"',
      'providers.c.auth.aws: give either api_key (a Bedrock API key) or aws credentials, not both',
      'providers.d.auth.aws: give either a profile or access keys, not both',
      'providers.e.auth.aws: required field missing: secret_access_key (static credentials need both keys)',
      'providers.f.auth.aws.acess_key_id: unknown field; did you mean "access_key_id"?',
      'providers.g.auth.aws: expected "default-chain", { profile }, or { access_key_id, secret_access_key, session_token }, got "sso"',
      'providers.h.auth.aws: AWS credentials are only for kind "bedrock"',
      'providers.i.api: kind "azure-openai" has api "v1" or "deployments", not "converse"',
      'models.e2.channels[0].model: bedrock embeddings are served for amazon.titan-embed-text-v2:0, cohere.embed-english-v3 and cohere.embed-multilingual-v3 (a model ID, an inference profile or an ARN naming one), not "amazon.titan-embed-text-v1"',
      'models.e2.channels[1].deployment: bedrock embeddings are served for amazon.titan-embed-text-v2:0, cohere.embed-english-v3 and cohere.embed-multilingual-v3 (a model ID, an inference profile or an ARN naming one), not "us.cohere.embed-v4:0"',
    ],
  );
});

test('vertex: project, location, the endpoint for each kind of location, API and credentials', () => {
  const config = parseConfig(`providers:
  central: { kind: vertex, project: acme-ai, location: us-central1 }
  global: { kind: vertex, project: acme-ai, location: global, api: openai, auth: { google: application-default } }
  us: { kind: vertex, project: acme-ai, location: us, auth: { google: { service_account_file: /secrets/sa.json } } }
  local: { kind: vertex, project: p, location: europe-west4, endpoint: "http://127.0.0.1:9105" }
models:
  gemini-2.5-flash: { channels: [ { provider: central, model: gemini-2.5-flash } ] }
`);
  const central = config.providers.get('central')!;
  assert.equal(central.baseUrl, 'https://us-central1-aiplatform.googleapis.com');
  assert.deepEqual({ ...settingsOf(central, 'vertex') }, { api: 'gemini', project: 'acme-ai', location: 'us-central1', credentials: { source: 'application-default' } });
  assert.equal(config.providers.get('global')!.baseUrl, 'https://aiplatform.googleapis.com');
  assert.equal(settingsOf(config.providers.get('global'), 'vertex').api, 'openai');
  assert.equal(config.providers.get('us')!.baseUrl, 'https://aiplatform.us.rep.googleapis.com');
  assert.deepEqual(settingsOf(config.providers.get('us'), 'vertex').credentials, { source: 'service-account-file', file: '/secrets/sa.json' });
  assert.equal(config.providers.get('local')!.baseUrl, 'http://127.0.0.1:9105');
});

test('vertex: every rule is reported', () => {
  assert.deepEqual(
    problemsOf(`providers:
  a: { kind: vertex }
  b: { kind: vertex, project: p, location: global, base_url: "https://b", api: converse, auth: { api_key: k } }
  c: { kind: vertex, project: p, location: global, auth: { google: { service_acount_file: f } } }
  d: { kind: vertex, project: p, location: global, auth: { google: adc } }
  e: { kind: openai-compatible, base_url: "http://e", project: p, auth: { google: application-default } }
  f: { kind: vertex, project: p, location: global }
models:
  e1: { type: embedding, channels: [ { provider: a, model: text-embedding-005 } ] }
  e2: { type: embedding, channels: [ { provider: f, model: gemini-embedding-2 }, { provider: f, model: gemini-2.5-flash } ] }
  e3:
    type: embedding
    channels:
      - { provider: f, model: gemini-embedding-001 }
      - { provider: f, model: text-multilingual-embedding-002 }
      - { provider: f, model: textembedding-gecko@003 }
`),
    [
      'providers.a.project: required field missing: kind "vertex" needs the Google Cloud project ID',
      'providers.a.location: required field missing: kind "vertex" needs the Google Cloud location (global, a region such as us-central1, or us / eu)',
      'providers.b.base_url: kind "vertex" takes "endpoint" (only to override the location\'s endpoint), not base_url',
      'providers.b.api: kind "vertex" has api "gemini" or "openai", not "converse"',
      'providers.b.auth.api_key: kind "vertex" authenticates with Google credentials: auth: { google: application-default } or { google: { service_account_file } }',
      'providers.c.auth.google.service_acount_file: unknown field; did you mean "service_account_file"?',
      'providers.d.auth.google: expected "application-default" or { service_account_file: path }, got "adc"',
      'providers.e.project: only for kind "vertex"',
      'providers.e.auth.google: Google credentials are only for kind "vertex"',
      'models.e2.channels[0].model: vertex embeddings are served through :predict for gemini-embedding-001, text-embedding-*, text-multilingual-embedding-* and textembedding-gecko*, not "gemini-embedding-2"',
      'models.e2.channels[1].model: vertex embeddings are served through :predict for gemini-embedding-001, text-embedding-*, text-multilingual-embedding-* and textembedding-gecko*, not "gemini-2.5-flash"',
    ],
  );
});
