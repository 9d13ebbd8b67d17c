/**
 * Likely mistakes flagged as problems with a suggestion: environment references in another tool's syntax, files that
 * cannot be read, an empty configuration; and YAML syntax errors as one `file:line:column` line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfigFile } from './check-config.ts';
import { ConfigError, loadConfigFile, parseConfig, type Environment } from './load-config.ts';

function problemsOf(text: string, env: Environment = {}): string[] {
  try {
    parseConfig(text, { env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
  }
  assert.fail('expected the configuration to be rejected');
}

const shell = (name: string) => `"$${name}" looks like a shell environment reference, which is not substituted here; write "\${${name}}"`;
const liteLlm = (name: string) => `"os.environ/${name}" is LiteLLM's way to read an environment variable and is not substituted here; write "\${${name}}"`;

test('a secret written as $VAR or os.environ/VAR is a problem at its path with the ${VAR} to write', () => {
  assert.deepEqual(
    problemsOf(`providers:
  openai: { kind: openai, auth: { api_key: $OPENAI_API_KEY } }
  lower: { kind: openai, auth: { api_key: $openai_key } }
  litellm: { kind: openai, auth: { api_key: os.environ/OPENAI_API_KEY } }
  headed:
    kind: openai-compatible
    base_url: http://127.0.0.1:8000/v1
    headers: { X-Api-Token: "Bearer $VLLM_TOKEN" }
  azure:
    kind: azure-openai
    endpoint: os.environ/AZURE_API_BASE
    auth: { entra: { credential: client-secret, tenant_id: t, client_id: c, client_secret: $AZURE_CLIENT_SECRET } }
  aws:
    kind: bedrock
    region: us-east-1
    auth: { aws: { access_key_id: $AWS_ACCESS_KEY_ID, secret_access_key: $AWS_SECRET_ACCESS_KEY } }
  vllm: { kind: openai-compatible, base_url: $VLLM_BASE_URL }
models:
  m: { channels: [ { provider: openai, model: gpt-4o } ] }
`),
    [
      `providers.openai.auth.api_key: ${shell('OPENAI_API_KEY')}`,
      `providers.lower.auth.api_key: ${shell('openai_key')}`,
      `providers.litellm.auth.api_key: ${liteLlm('OPENAI_API_KEY')}`,
      `providers.headed.headers.X-Api-Token: ${shell('VLLM_TOKEN')}`,
      // The URL check's own complaint about the same value is left out: the reference is the problem.
      `providers.azure.endpoint: ${liteLlm('AZURE_API_BASE')}`,
      `providers.azure.auth.entra.client_secret: ${shell('AZURE_CLIENT_SECRET')}`,
      `providers.aws.auth.aws.access_key_id: ${shell('AWS_ACCESS_KEY_ID')}`,
      `providers.aws.auth.aws.secret_access_key: ${shell('AWS_SECRET_ACCESS_KEY')}`,
      `providers.vllm.base_url: ${shell('VLLM_BASE_URL')}`,
    ],
  );
});

test('a $ that is clearly literal is not taken for a reference', () => {
  const config = parseConfig(
    `providers:
  a: { kind: openai, auth: { api_key: "pa$sword" } }
  b: { kind: openai, auth: { api_key: "sk-abc$XYZ" } }
  c: { kind: openai, auth: { api_key: "\${KEY}" } }
  d: { kind: openai, auth: { api_key: "k$\${NOT_A_REF}" } }
  e: { kind: openai-compatible, base_url: http://127.0.0.1:8000/v1, headers: { X-Note: "$5 a month" } }
models:
  "$cheap": { owned_by: "costs $5 or $MAYBE", channels: [ { provider: a, model: "$lowercase" } ] }
  m: { owned_by: $lowercase, channels: [ { provider: c, model: x } ] }
`,
    // A value from the environment is never a mistake, whatever it looks like.
    { env: { KEY: '$LOOKS_LIKE_A_REFERENCE' } },
  );
  assert.equal(config.providers.get('a')?.apiKey, 'pa$sword');
  assert.equal(config.providers.get('b')?.apiKey, 'sk-abc$XYZ');
  assert.equal(config.providers.get('c')?.apiKey, '$LOOKS_LIKE_A_REFERENCE');
  assert.equal(config.providers.get('d')?.apiKey, 'k${NOT_A_REF}');
  assert.equal(config.models.get('$cheap')?.ownedBy, 'costs $5 or $MAYBE');
  assert.equal(config.models.get('m')?.ownedBy, '$lowercase');
});

test('an empty configuration is a problem; one that sets anything is not', () => {
  const empty =
    '(top level): the configuration is empty, so the gateway would have nothing to serve; add providers: and models: ' +
    '(examples/demo.yaml is a complete configuration, docs/configuration.md has every field)';
  for (const text of ['', '# nothing\n', '{}', 'providers:\nmodels:\n', 'providers: {}\nmodels: {}\nagreements: []\n', 'x-anchors: &a { kind: openai }\n']) {
    assert.deepEqual(problemsOf(text), [empty], JSON.stringify(text));
  }
  assert.equal(parseConfig('listen: 127.0.0.1:8080\n', { env: {} }).models.size, 0);
});

async function temporaryDirectory(t: { after: (callback: () => Promise<void>) => void }): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'interchange-mistakes-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

const vertexWithKeyFile = (file: string) => `providers:
  vertex:
    kind: vertex
    project: p
    location: us-central1
    auth: { google: { service_account_file: "${file}" } }
models:
  gemini: { channels: [ { provider: vertex, model: gemini-2.5-flash } ] }
`;

test('a key file that does not exist or is not a file is a problem at its field; a relative path is read from the configuration folder', async (t) => {
  const directory = await temporaryDirectory(t);
  await mkdir(join(directory, 'keys'));
  await writeFile(join(directory, 'keys', 'sa.json'), '{}');
  const file = join(directory, 'gateway.yaml');

  // The file is there: a relative path resolves from the configuration's folder, whatever the working directory.
  await writeFile(file, vertexWithKeyFile('keys/sa.json'));
  const config = await loadConfigFile(file, {});
  const settings = config.providers.get('vertex')?.settings as { credentials: { file: string } };
  assert.equal(settings.credentials.file, join(directory, 'keys', 'sa.json'));
  await writeFile(file, vertexWithKeyFile('${KEY_FILE}'));
  assert.equal(((await loadConfigFile(file, { KEY_FILE: join(directory, 'keys', 'sa.json') })).providers.get('vertex')?.settings as typeof settings).credentials.file, join(directory, 'keys', 'sa.json'));

  const problems = async (written: string, env: Environment = {}) => {
    await writeFile(file, vertexWithKeyFile(written));
    const result = await checkConfigFile(file, env);
    assert.equal(result.ok, false, result.output);
    return result.output.split('\n').slice(1, -1);
  };
  const field = 'providers.vertex.auth.google.service_account_file';
  assert.deepEqual(await problems('keys/missing.json'), [
    `${field}: no such file "keys/missing.json" (a relative path is read from the configuration's folder, ${JSON.stringify(directory)}); check the path`,
  ]);
  assert.deepEqual(await problems(join(directory, 'keys', 'sa.json', 'x')), [`${field}: no such file ${JSON.stringify(join(directory, 'keys', 'sa.json', 'x'))}; check the path`]);
  assert.deepEqual(await problems('keys'), [`${field}: "keys" is not a file (a directory or a device); give the path of the file itself`]);
  // From the environment: the message shows the reference, not the value.
  assert.deepEqual(await problems('${KEY_FILE}', { KEY_FILE: '/nowhere/sa.json' }), [`${field}: no such file "\${KEY_FILE}"; check the path`]);
  // Unset: only the variable is reported.
  assert.deepEqual(await problems('${KEY_FILE}'), [`${field}: environment variable KEY_FILE is not set`]);
});

test('a YAML syntax error is one line: file:line:column and the parser\'s reason', async (t) => {
  const directory = await temporaryDirectory(t);
  const file = join(directory, 'broken.yaml');
  // An unterminated quote inside a flow mapping: the parser reports it, then the mapping it could not close, twice.
  await writeFile(file, 'providers:\n  openai: { kind: openai, auth: { api_key: "x }\n');
  const result = await checkConfigFile(file, {});
  assert.equal(result.ok, false);
  assert.equal(result.output, `${file}:3:1: Missing closing "quote\n`);
  await writeFile(file, 'providers:\n  openai:\n    kind: openai\n   auth: { api_key: x }\nmodels:\n  a: [\n');
  assert.equal((await checkConfigFile(file, {})).output, `${file}:4:1: All mapping items must start at the same column\n`);
});
