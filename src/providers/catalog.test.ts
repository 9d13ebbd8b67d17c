import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../config/load-config.ts';
import { buildRoutes } from '../execution/routing-runtime.ts';
import { findProviderKind, providerCatalog, providerKinds } from './catalog.ts';
import { createAdapters } from './registry.ts';

/** Each kind's own example entry: a kind cannot join the catalog without one. */
const sampleEntries: Readonly<Record<string, string>> = Object.fromEntries(providerCatalog.map((definition) => [definition.kind, definition.example]));

const sampleConfig = () =>
  `providers:\n${Object.entries(sampleEntries)
    .map(([kind, entry]) => `  ${kind}-provider: ${entry}`)
    .join('\n')}\nmodels:\n  m:\n    channels:\n${Object.keys(sampleEntries)
    .map((kind) => `      - { provider: ${kind}-provider, model: x }`)
    .join('\n')}\n`;

test('every kind in the catalog has a schema, checks, resolution, routing facts and an adapter factory', () => {
  assert.deepEqual(Object.keys(sampleEntries), [...providerKinds], 'the samples cover the catalog, in its order');
  assert.equal(new Set(providerKinds).size, providerKinds.length, 'kinds are unique');
  for (const definition of providerCatalog) {
    assert.equal(findProviderKind(definition.kind), definition);
    assert.equal(typeof definition.fields, 'object', `${definition.kind}: fields`);
    for (const [key, schema] of Object.entries({ ...definition.fields, ...definition.authFields })) {
      assert.equal(typeof (schema as { safeParse?: unknown }).safeParse, 'function', `${definition.kind}: ${key} is a zod schema`);
    }
    assert.deepEqual(Object.keys(definition.authNames).sort(), Object.keys(definition.authFields).sort(), `${definition.kind}: every auth field is named`);
    assert.equal(typeof definition.check, 'function', `${definition.kind}: check`);
    assert.equal(typeof definition.resolve, 'function', `${definition.kind}: resolve`);
    assert.equal(typeof definition.createAdapter, 'function', `${definition.kind}: adapter factory`);
    assert.equal(typeof definition.routing.embeddings, 'boolean', `${definition.kind}: routing facts`);
  }
  assert.equal(findProviderKind('mainframe'), undefined);
});

test('an unknown kind lists the kinds of the catalog', () => {
  const error = (() => {
    try {
      parseConfig('providers:\n  a: { kind: mainframe }\n  b: { base_url: "http://b" }\n', { env: {} });
    } catch (caught) {
      return caught;
    }
    return undefined;
  })();
  assert.ok(error instanceof ConfigError);
  assert.deepEqual(
    error.problems.map((problem) => `${problem.path}: ${problem.message}`),
    [
      `providers.a.kind: unknown kind "mainframe" (available: ${providerKinds.join(', ')})`,
      `providers.b.kind: required field missing (available kinds: ${providerKinds.join(', ')})`,
    ],
  );
});

test('each kind resolves its entry and builds an adapter of its kind through the catalog', async () => {
  const config = parseConfig(sampleConfig(), { env: {} });
  for (const provider of config.providers.values()) {
    assert.equal(provider.name, `${provider.kind}-provider`);
    assert.equal(provider.baseUrl.startsWith('http'), true, `${provider.kind}: a base URL`);
    assert.equal(Object.isFrozen(provider.settings), true, `${provider.kind}: settings are read-only`);
  }
  const adapters = createAdapters(config.providers, {
    googleTokens: () => async () => ({ token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
  });
  try {
    assert.deepEqual(
      [...adapters.values()].map((adapter) => [adapter.name, adapter.kind]),
      [...config.providers.values()].map((provider) => [provider.name, provider.kind]),
    );
  } finally {
    await Promise.all([...adapters.values()].map((adapter) => adapter.close()));
  }
});

test('routing sees each provider where its kind says it serves, unless its entry names a region', () => {
  const config = parseConfig(
    `${sampleConfig()}\n`.replace('vertex, project: p', 'vertex, region: europe, project: p').replace('openai, auth:', 'openai, region: us, auth:'),
    { env: {} },
  );
  const regions = Object.fromEntries([...config.providers.values()].map((provider) => [provider.kind, provider.region]));
  assert.deepEqual(regions, { openai: 'us', 'openai-compatible': undefined, 'azure-openai': undefined, bedrock: 'eu-central-1', vertex: 'europe' });
  const withoutRegion = parseConfig(sampleConfig(), { env: {} });
  assert.equal(withoutRegion.providers.get('vertex-provider')?.region, 'europe-west4', "a Vertex provider's location");
  const route = buildRoutes(withoutRegion).get('m')!;
  assert.deepEqual(
    route.channels.map((channel) => [channel.providerKind, channel.region]),
    [
      ['openai', undefined],
      ['openai-compatible', undefined],
      ['azure-openai', undefined],
      ['bedrock', 'eu-central-1'],
      ['vertex', 'europe-west4'],
    ],
  );
});

test('an embedding model is refused where its kind does not know the upstream model, named by the kind', () => {
  const text = sampleConfig().replace('models:\n  m:\n', 'models:\n  m:\n    type: embedding\n');
  try {
    parseConfig(text, { env: {} });
    assert.fail('expected a ConfigError');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    const index = Object.keys(sampleEntries);
    assert.deepEqual(
      error.problems.map((problem) => problem.path),
      [`models.m.channels[${index.indexOf('bedrock')}].model`, `models.m.channels[${index.indexOf('vertex')}].model`],
    );
    assert.match(error.problems[0].message, /^bedrock embeddings are served for .* not "x"$/);
    assert.match(error.problems[1].message, /^vertex embeddings are served through :predict for .* not "x"$/);
  }
  const known = sampleConfig()
    .replace('models:\n  m:\n', 'models:\n  m:\n    type: embedding\n')
    .replace('bedrock-provider, model: x', 'bedrock-provider, model: "cohere.embed-english-v3"')
    .replace('vertex-provider, model: x', 'vertex-provider, model: text-embedding-005');
  assert.equal(parseConfig(known, { env: {} }).models.get('m')?.type, 'embedding', 'every kind serves embeddings');
});
