/**
 * `${file:PATH}` and `${secret:NAME}` in configuration values: resolved from a file (trimmed; relative to the
 * configuration's folder) and from stored secrets; a missing one is a problem at its path naming the file or the
 * secret, and no message ever shows the content.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { substituteString } from './env-references.ts';
import { ConfigError, loadConfigFile, parseConfig, type SecretLookup } from './load-config.ts';

const fileContent = 'sk-from-file-CANARY-9b8a';
const storedValue = 'sk-stored-CANARY-1c2d';

function config(apiKey: string, extra = ''): string {
  return `
store: { kind: memory }
${extra}
providers:
  openai: { kind: openai, auth: { api_key: "${apiKey}" } }
models:
  gpt-4o: { channels: [ { provider: openai, model: gpt-4o } ] }
`;
}

const lookup: SecretLookup = (name) => (name === 'openai-key' ? { value: storedValue } : { problem: `no stored secret "${name}"` });

function problemsOf(work: () => unknown): ConfigError {
  try {
    work();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('${file:PATH}', () => {
  let directory: string;
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'interchange-file-reference-'));
    await mkdir(join(directory, 'secrets'));
    await writeFile(join(directory, 'secrets', 'openai'), `\n  ${fileContent}\n\n`);
    await writeFile(join(directory, 'secrets', 'at-limit'), 'x'.repeat(64 * 1024));
    await writeFile(join(directory, 'secrets', 'over-limit'), 'x'.repeat(64 * 1024 + 1));
  });
  after(() => rm(directory, { recursive: true, force: true }));

  it('reads the file trimmed, a relative path from the configuration folder, an absolute one as it is', () => {
    const relative = parseConfig(config('${file:secrets/openai}'), { directory, env: {} });
    assert.equal(relative.providers.get('openai')!.apiKey, fileContent);
    const absolute = parseConfig(config(`\${file:${join(directory, 'secrets', 'openai')}}`), { env: {} });
    assert.equal(absolute.providers.get('openai')!.apiKey, fileContent);
    assert.equal(substituteString('Bearer ${file:secrets/openai}', {}, { directory }).value, `Bearer ${fileContent}`);
  });

  it('takes a file of 64 KiB and refuses one byte more', () => {
    assert.equal(substituteString('${file:secrets/at-limit}', {}, { directory }).value.length, 64 * 1024);
    assert.match(substituteString('${file:secrets/over-limit}', {}, { directory }).problems[0], /secrets\/over-limit"\x02 is larger than 64 KiB/);
  });

  it('a missing file, a directory or an unreadable one is a problem at its path naming the file, never its content', async () => {
    const missing = problemsOf(() => parseConfig(config('${file:secrets/nope}'), { directory, env: {} }));
    assert.deepEqual(missing.problems.map((problem) => problem.path), ['providers.openai.auth.api_key']);
    assert.match(missing.problems[0].message, /no such file "secrets\/nope" \(a relative path is read from the configuration's folder/);
    assert.match(problemsOf(() => parseConfig(config('${file:secrets}'), { directory, env: {} })).message, /"secrets" is not a file/);
    if (process.getuid?.() !== 0) {
      await writeFile(join(directory, 'secrets', 'locked'), fileContent);
      await chmod(join(directory, 'secrets', 'locked'), 0o000);
      assert.match(problemsOf(() => parseConfig(config('${file:secrets/locked}'), { directory, env: {} })).message, /permission denied/);
    }
    // A later problem on the same provider quotes what the file held only as a placeholder.
    const other = problemsOf(() => parseConfig(config('${file:secrets/openai}', 'listen: { port: "${file:secrets/openai}" }'), { directory, env: {} }));
    assert.ok(!other.message.includes(fileContent), other.message);
  });
});

describe('${secret:NAME}', () => {
  it('resolves through the lookup, next to environment references', () => {
    const resolved = parseConfig(config('${secret:openai-key}'), { env: {}, secrets: lookup });
    assert.equal(resolved.providers.get('openai')!.apiKey, storedValue);
    assert.equal(substituteString('${PREFIX}-${secret:openai-key}', { PREFIX: 'p' }, { secrets: lookup }).value, `p-${storedValue}`);
  });

  it('a secret the lookup lacks is a problem at its path naming it', () => {
    const error = problemsOf(() => parseConfig(config('${secret:azure-key}'), { env: {}, secrets: lookup }));
    assert.deepEqual(error.problems, [{ path: 'providers.openai.auth.api_key', message: 'no stored secret "azure-key"' }]);
  });

  it('without a lookup a reference is a problem; "unresolved" leaves it as written', () => {
    const error = problemsOf(() => parseConfig(config('${secret:openai-key}'), { env: {} }));
    assert.match(error.message, /the stored secret "openai-key" cannot be resolved here/);
    assert.equal(parseConfig(config('${secret:openai-key}'), { env: {}, secrets: 'unresolved' }).providers.get('openai')!.apiKey, '${secret:openai-key}');
  });

  it('a malformed name is a problem', () => {
    assert.match(substituteString('${secret:no spaces}', {}, { secrets: lookup }).problems[0], /malformed secret reference "\$\{secret:no spaces\}"/);
    assert.match(substituteString('${secret:}', {}, { secrets: lookup }).problems[0], /malformed secret reference/);
  });

  it('loadConfigFile reads the store the file names, then resolves from it', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'interchange-secret-reference-'));
    try {
      const file = join(directory, 'gateway.yaml');
      await writeFile(file, config('${secret:openai-key}').replace('store: { kind: memory }', 'store: { kind: sqlite, path: /somewhere/gateway.db }'));
      const stores: string[] = [];
      const loaded = await loadConfigFile(file, {}, async (store) => {
        stores.push(store.path);
        return lookup;
      });
      assert.equal(loaded.providers.get('openai')!.apiKey, storedValue);
      assert.deepEqual(stores, ['/somewhere/gateway.db']);
      await assert.rejects(loadConfigFile(file, {}), /cannot be resolved here/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
