import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfigFile, configWarnings, describeConfig, formatListenAddress } from './check-config.ts';
import { parseConfig } from './load-config.ts';

async function temporaryDirectory(t: { after: (callback: () => Promise<void>) => void }): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'interchange-check-config-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

const validConfig = `
listen: 0.0.0.0:9000
providers:
  openai:
    kind: openai
    auth: { api_key: \${OPENAI_API_KEY} }
    headers: { OpenAI-Organization: org-secret-header }
    region: us
  local-vllm: { kind: openai-compatible, base_url: http://127.0.0.1:8000/v1/, auth: { api_key: vllm-secret-key } }
models:
  gpt-4o:
    owned_by: openai
    channels:
      - { provider: openai, model: gpt-4o-2024-08-06, primary: true }
      - { provider: local-vllm, model: llama-3.1-70b }
  text-embedding-3-small:
    type: embedding
    channels:
      - { provider: openai, deployment: text-embedding-3-small }
`;

test('a valid file: a summary of listen, limits, providers and models with channels in order, no secrets', async (t) => {
  const file = join(await temporaryDirectory(t), 'gateway.yaml');
  await writeFile(file, validConfig);
  const result = await checkConfigFile(file, { OPENAI_API_KEY: 'sk-openai-secret' });
  assert.equal(result.ok, true);
  assert.equal(
    result.output,
    [
      `${file} is valid.`,
      'listen   0.0.0.0:9000',
      'limits   max body 4 MiB, request timeout 600s, stream idle timeout 60s',
      'logging  level info, request log on',
      'routing  breaker opens for 30s when 50% of at least 10 requests in 30s fail, then 2 half-open probes; 1 retry on the last channel left (backoff 100ms to 2s); 1000 route traces kept',
      'metering currency USD; ledger on; tenants charged cost',
      '',
      'providers (2)',
      '  openai      openai             https://api.openai.com/v1  (API key set; region us; 256 connections; timeout 60s; headers: OpenAI-Organization)',
      '  local-vllm  openai-compatible  http://127.0.0.1:8000/v1   (API key set; 256 connections; timeout 60s)',
      'models (2)',
      '  gpt-4o  (chat, route ordered, owned by openai)',
      '    1.  openai      gpt-4o-2024-08-06  (primary)',
      '    2.  local-vllm  llama-3.1-70b',
      '  text-embedding-3-small  (embedding, route ordered, owned by interchange)',
      '    1.  openai  text-embedding-3-small',
      '',
    ].join('\n'),
  );
  assert.doesNotMatch(result.output, /secret/);
});

test('an invalid file: every problem, one per line, after a heading', async (t) => {
  const file = join(await temporaryDirectory(t), 'gateway.yaml');
  await writeFile(
    file,
    `providers:
  azure: { kind: openai-compatible, base_url: "http://a/v1", auth: { api_key: \${KEY} } }
  x: { kind: opneai, base_ur: "http://x" }
models:
  m: { channels: [{ provider: azur, model: y }] }
`,
  );
  const result = await checkConfigFile(file, { KEY: 'sk-do-not-print' });
  assert.equal(result.ok, false);
  assert.equal(
    result.output,
    [
      `${file} is not valid (3 problems):`,
      'providers.x.kind: unknown kind "opneai"; did you mean "openai"?',
      'providers.x.base_ur: unknown field; did you mean "base_url"?',
      'models.m.channels[0].provider: unknown provider "azur"; did you mean "azure"?',
      '',
    ].join('\n'),
  );
  const unreadable = await checkConfigFile(join(file, 'nope.yaml'), {});
  assert.equal(unreadable.ok, false);
  assert.match(unreadable.output, /is not valid \(1 problem\):\n.*nope\.yaml: cannot read the configuration/);
});

test('a missing environment variable fails the check and says which', async (t) => {
  const file = join(await temporaryDirectory(t), 'gateway.yaml');
  await writeFile(file, validConfig);
  const result = await checkConfigFile(file, {});
  assert.equal(result.ok, false);
  assert.match(result.output, /^providers\.openai\.auth\.api_key: environment variable OPENAI_API_KEY is not set$/m);
});

test('warnings: no models, unused providers, millisecond-looking timeouts, late primary, repeated channel, long attempt timeout', () => {
  assert.deepEqual(configWarnings(parseConfig('listen: 127.0.0.1:8080\n', { env: {} })), [
    { path: 'models', message: 'no models are configured; every request will be answered "model not found"' },
  ]);
  const config = parseConfig(
    `limits: { request_timeout: 600, stream_idle_timeout: 30s }
providers:
  a: { kind: openai-compatible, base_url: "http://a/v1", timeout: 5s }
  b: { kind: openai-compatible, base_url: "http://b/v1", timeout: 10m }
  unused: { kind: openai-compatible, base_url: "http://c/v1" }
models:
  m:
    channels:
      - { provider: a, model: x }
      - { provider: b, model: x, primary: true }
      - { provider: a, model: x }
`,
    { env: {} },
  );
  assert.deepEqual(
    configWarnings(config).map((warning) => `${warning.path}: ${warning.message}`),
    [
      'providers.unused: not used by any model',
      'limits.request_timeout: is only 600ms (a plain number is milliseconds; write "600s" for seconds)',
      'providers.a.timeout: 5s is not shorter than limits.request_timeout (600ms), so a slow attempt uses up the whole request and no other channel is tried',
      'providers.b.timeout: 600s is not shorter than limits.request_timeout (600ms), so a slow attempt uses up the whole request and no other channel is tried',
      'providers.unused.timeout: 60s is not shorter than limits.request_timeout (600ms), so a slow attempt uses up the whole request and no other channel is tried',
      'models.m.channels[1].primary: route "ordered" tries channels in the order listed, so this primary channel is tried only after channels[0]; list it first',
      'models.m.channels[2]: same provider and model as channels[0]; a failure there is retried here',
    ],
  );
  assert.match(describeConfig(config), /\nwarnings \(7\)\n  providers\.unused: not used by any model\n/);
  assert.doesNotMatch(describeConfig(parseConfig(validConfig, { env: { OPENAI_API_KEY: 'k' } })), /warnings/);
});

test('listen addresses print as clients write them', () => {
  assert.equal(formatListenAddress({ host: '127.0.0.1', port: 8080 }), '127.0.0.1:8080');
  assert.equal(formatListenAddress({ host: '::1', port: 8080 }), '[::1]:8080');
});

test('check-config shows an Azure provider’s API style and how it authenticates, never the secret', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'interchange-check-azure-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const file = join(directory, 'azure.yaml');
  await writeFile(
    file,
    `providers:
  east: { kind: azure-openai, endpoint: "https://contoso.openai.azure.com", api: deployments, auth: { api_key: \${K} } }
  west: { kind: azure-openai, endpoint: "https://fabrikam.openai.azure.com", auth: { entra: { credential: client-secret, tenant_id: t, client_id: c, client_secret: \${S} } } }
models:
  m: { channels: [ { provider: east, deployment: d1 }, { provider: west, deployment: d2 } ] }
`,
  );
  const { ok, output } = await checkConfigFile(file, { K: 'key-secret-1', S: 'secret-2' });
  assert.equal(ok, true, output);
  assert.match(output, /east\s+azure-openai\s+https:\/\/contoso\.openai\.azure\.com\s+\(API deployments, api-version 2024-10-21; API key set;/);
  assert.match(output, /west\s+azure-openai\s+https:\/\/fabrikam\.openai\.azure\.com\s+\(API v1; Entra ID \(client-secret\);/);
  assert.doesNotMatch(output, /key-secret-1|secret-2/);
});
