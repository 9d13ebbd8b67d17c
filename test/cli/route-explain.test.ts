/**
 * `interchange route explain` as a user runs it: a child process of this Node, on temporary configuration files.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/interchange.js', import.meta.url));
let directory: string;
let config: string;

/**
 * The articles' scenario: Azure primary (reserved capacity, Microsoft's licence through 2032, batch traffic declined at
 * night), the same open model on Bedrock and Vertex behind it; plus a Vertex EU multi-region channel with a larger
 * context window, for the residency and long-prompt cases.
 */
const articlesConfig = `
providers:
  azure-eastus:
    kind: azure-openai
    endpoint: https://contoso.openai.azure.com
    auth: { api_key: azure-key-secret }
    region: eastus
    data_policy: { zero_retention: true }
  bedrock-use1: { kind: bedrock, region: us-east-1, auth: { aws: default-chain } }
  vertex-usc1: { kind: vertex, project: acme-ai, location: us-central1, region: us-central1 }
  vertex-eu: { kind: vertex, project: acme-ai, location: eu }
models:
  gpt-oss-120b:
    route: primary-first
    owned_by: openai
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
      - provider: vertex-eu
        model: openai/gpt-oss-120b-maas
        capabilities: { vision: false, context_window: 262144 }
  text-embedding-3-large:
    type: embedding
    channels:
      - { provider: azure-eastus, deployment: embeddings-large }
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
    when: { hours: "22:00-06:00", tenants: [batch-team] }
`;

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'interchange-route-explain-'));
  config = join(directory, 'articles.yaml');
  await writeFile(config, articlesConfig);
});

after(async () => {
  await rm(directory, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, INTERCHANGE_CONFIG: undefined, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function explain(...args: string[]): Promise<Run> {
  return run(['route', 'explain', '--config', config, ...args]);
}

/** The candidate lines, as `N. channel` (notes dropped). */
function candidates(stdout: string): string[] {
  return [...stdout.matchAll(/^ {2}(\d+\. \S+)/gm)].map((match) => match[1]);
}

/** `channel → reason` for every skipped line. */
function skipped(stdout: string): Map<string, string> {
  const section = stdout.split(/^skipped \(\d+\)$/m)[1]?.split(/^\S/m)[0] ?? '';
  return new Map([...section.matchAll(/^ {2}(\S+) +(.+)$/gm)].map((match) => [match[1], match[2]]));
}

const azure = 'azure-eastus/gpt-oss-120b-prod';
const bedrock = 'bedrock-use1/openai.gpt-oss-120b-1:0';
const vertex = 'vertex-usc1/openai/gpt-oss-120b-maas';
const vertexEu = 'vertex-eu/openai/gpt-oss-120b-maas';

describe('interchange route explain', () => {
  it("orders the articles' scenario primary first, Bedrock and Vertex behind, on fresh state", async () => {
    const result = await explain('--model', 'gpt-oss-120b', '--at', '2031-06-01T12:00:00Z');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^model +gpt-oss-120b \(chat, route primary-first/m);
    assert.match(result.stdout, /^at +2031-06-01T12:00:00\.000Z \(Sunday, UTC\)/m);
    assert.match(result.stdout, /fresh: no circuit open, no cooldown, no capacity used/);
    assert.match(result.stdout, /^request +\d+ prompt tokens \(estimated/m);
    assert.deepEqual(candidates(result.stdout), [`1. ${azure}`, `2. ${bedrock}`, `3. ${vertex}`, `4. ${vertexEu}`]);
    assert.match(result.stdout, /^ {2}1\. azure-eastus\/gpt-oss-120b-prod +primary/m);
    assert.doesNotMatch(result.stdout, /^skipped/m);
    assert.match(result.stdout, /^x-interchange-route: azure-eastus\/gpt-oss-120b-prod:ok@<ms>ms$/m);
  });

  it('skips the 128k channel of a 200k prompt with a context reason', async () => {
    const result = await explain('--model', 'gpt-oss-120b', '--prompt-tokens', '200000', '--at', '2031-06-01T12:00:00Z');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^request +200,000 prompt tokens \(given\)/m);
    assert.deepEqual(candidates(result.stdout), [`1. ${vertexEu}`]);
    const reasons = skipped(result.stdout);
    assert.equal(reasons.get(bedrock), 'unable: context 200,000 > 128,000');
    assert.equal(reasons.get(azure), 'unable: context 200,000 > 131,072');
    assert.equal(reasons.get(vertex), 'unable: context 200,000 > 131,072');
    assert.match(result.stdout, new RegExp(`^primary ${azure} passed over: unable: context 200,000 > 131,072$`, 'm'));
    assert.match(result.stdout, /x-interchange-route: azure-eastus\/gpt-oss-120b-prod:unable=context;bedrock-use1\/openai\.gpt-oss-120b-1:0:unable=context;/);
  });

  it('--region eu excludes the US channels', async () => {
    const result = await explain('--model', 'gpt-oss-120b', '--region', 'eu', '--at', '2031-06-01T12:00:00Z');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(candidates(result.stdout), [`1. ${vertexEu}`]);
    const reasons = skipped(result.stdout);
    assert.deepEqual([...reasons.keys()], [azure, bedrock, vertex]);
    for (const reason of reasons.values()) assert.equal(reason, 'excluded: region eu-only');
  });

  it('excludes a channel whose licence expired the day before --at, and allows it on the day of until', async () => {
    const expired = await explain('--model', 'gpt-oss-120b', '--at', '2033-01-01T00:00:00Z');
    assert.equal(expired.code, 0, expired.stderr);
    assert.equal(skipped(expired.stdout).get(azure), 'excluded: licence expired 2032-12-31');
    assert.deepEqual(candidates(expired.stdout), [`1. ${bedrock}`, `2. ${vertex}`, `3. ${vertexEu}`]);
    assert.match(expired.stdout, /x-interchange-route: azure-eastus\/gpt-oss-120b-prod:excluded=licence-expired;bedrock-use1\/openai\.gpt-oss-120b-1:0:ok@<ms>ms/);

    const lastDay = await explain('--model', 'gpt-oss-120b', '--at', '2032-12-31T23:59:59Z');
    assert.equal(lastDay.code, 0, lastDay.stderr);
    assert.equal(candidates(lastDay.stdout)[0], `1. ${azure}`);
    assert.equal(skipped(lastDay.stdout).size, 0);
  });

  it('declines by the rule’s hours (across midnight) for its tenant only', async () => {
    const night = await explain('--model', 'gpt-oss-120b', '--tenant', 'batch-team', '--at', '2031-06-01T23:00:00Z');
    assert.equal(night.code, 0, night.stderr);
    assert.equal(skipped(night.stdout).get(azure), 'declined: rule night-batch');
    assert.equal(candidates(night.stdout)[0], `1. ${bedrock}`);
    assert.match(night.stdout, /azure-eastus\/gpt-oss-120b-prod:declined=rule;/);

    const beforeDawn = await explain('--model', 'gpt-oss-120b', '--tenant', 'batch-team', '--at', '2031-06-02T05:59:00Z');
    assert.equal(skipped(beforeDawn.stdout).get(azure), 'declined: rule night-batch');

    const dawn = await explain('--model', 'gpt-oss-120b', '--tenant', 'batch-team', '--at', '2031-06-02T06:00:00Z');
    assert.equal(candidates(dawn.stdout)[0], `1. ${azure}`);

    const otherTenant = await explain('--model', 'gpt-oss-120b', '--tenant', 'web', '--at', '2031-06-01T23:00:00Z');
    assert.equal(candidates(otherTenant.stdout)[0], `1. ${azure}`);
  });

  it('--json prints the plan as a document', async () => {
    const result = await explain('--model', 'gpt-oss-120b', '--image', '--at', '2031-06-01T12:00:00Z', '--json');
    assert.equal(result.code, 0, result.stderr);
    const document = JSON.parse(result.stdout);
    assert.equal(document.model, 'gpt-oss-120b');
    assert.equal(document.policy, 'primary-first');
    assert.equal(document.at, '2031-06-01T12:00:00.000Z');
    assert.equal(document.state, 'fresh');
    assert.equal(document.request.images, 1);
    assert.deepEqual(
      document.candidates.map((candidate: { channel: string }) => candidate.channel),
      [azure],
    );
    assert.equal(document.candidates[0].primary, true);
    assert.deepEqual(
      document.skipped.map((entry: { channel: string; reason: string }) => [entry.channel, entry.reason]),
      [
        [bedrock, 'unable: no vision'],
        [vertex, 'unable: no vision'],
        [vertexEu, 'unable: no vision'],
      ],
    );
    assert.equal(document.header, `${bedrock}:unable=vision;${vertex}:unable=vision;${vertexEu}:unable=vision;${azure}:ok@<ms>ms`);
    assert.deepEqual(document.trace.candidates, [azure]);
    assert.equal(document.noRoute, null);
  });

  it('reads an OpenAI request file, validated like the gateway does, with its body preferences', async () => {
    const file = join(directory, 'request.json');
    await writeFile(
      file,
      JSON.stringify({
        model: 'gpt-oss-120b',
        stream: true,
        messages: [{ role: 'user', content: 'Summarise the licence terms.' }],
        response_format: { type: 'json_schema', json_schema: { name: 'summary', schema: { type: 'object' } } },
        interchange: { providers: { order: ['vertex-eu'] } },
      }),
    );
    const result = await run(['route', 'explain', '--request', file, '--at', '2031-06-01T12:00:00Z'], { INTERCHANGE_CONFIG: config });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /; stream, json schema$/m);
    assert.deepEqual(candidates(result.stdout), [`1. ${vertexEu}`, `2. ${azure}`, `3. ${bedrock}`]);
    assert.equal(skipped(result.stdout).get(vertex), 'unable: no json schema');

    const invalid = join(directory, 'invalid-request.json');
    await writeFile(invalid, JSON.stringify({ model: 'gpt-oss-120b', messages: [] }));
    const rejected = await explain('--request', invalid);
    assert.equal(rejected.code, 2);
    assert.match(rejected.stderr, /would be rejected with 400 invalid_request \(messages\)/);
  });

  it('exits 2 after printing why when no channel can take the request', async () => {
    const result = await explain('--model', 'gpt-oss-120b', '--region', 'eu', '--zero-retention', '--at', '2031-06-01T12:00:00Z');
    assert.equal(result.code, 2);
    assert.match(result.stdout, /^candidates \(0\)$/m);
    assert.equal(skipped(result.stdout).get(azure), 'excluded: region eu-only');
    assert.equal(skipped(result.stdout).get(vertexEu), 'excluded: data policy zero retention required');
    assert.match(result.stdout, /the gateway would answer 503 upstream_unavailable/);

    const json = await explain('--model', 'gpt-oss-120b', '--providers', 'only=nobody', '--json');
    assert.equal(json.code, 2);
    const document = JSON.parse(json.stdout);
    assert.deepEqual(document.candidates, []);
    assert.equal(document.noRoute.code, 'invalid_request');
    assert.equal(document.noRoute.param, 'interchange.providers');
  });

  it('exits 1 on an invalid configuration, printing its problems like check-config', async () => {
    const bad = join(directory, 'bad.yaml');
    await writeFile(bad, 'providers:\n  azure: { kind: openai, auth: { api_key: x } }\nmodels:\n  m:\n    channels:\n      - { provider: azur, model: gpt-4o }\n');
    const result = await run(['route', 'explain', '--config', bad, '--model', 'm']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /bad\.yaml is not valid \(1 problem\):/);
    assert.match(result.stderr, /models\.m\.channels\[0\]\.provider: unknown provider "azur"; did you mean "azure"\?/);
    assert.equal(result.stdout, '');
  });

  it('exits 1 on an unknown model, naming the configured ones', async () => {
    const result = await explain('--model', 'gpt-5', '--at', '2031-06-01T12:00:00Z');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /unknown model "gpt-5"; configured: gpt-oss-120b, text-embedding-3-large\./);
  });

  it('exits 2 on usage errors', async () => {
    const noConfig = await run(['route', 'explain', '--model', 'gpt-oss-120b']);
    assert.equal(noConfig.code, 2);
    assert.match(noConfig.stderr, /give --config FILE or set INTERCHANGE_CONFIG/);

    const neither = await explain();
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /give --request FILE or --model NAME/);

    const badAt = await explain('--model', 'gpt-oss-120b', '--at', 'tomorrow');
    assert.equal(badAt.code, 2);
    assert.match(badAt.stderr, /--at: expected a time/);

    const badPreferences = await explain('--model', 'gpt-oss-120b', '--providers', 'allow_fallbacks=maybe');
    assert.equal(badPreferences.code, 2);
    assert.match(badPreferences.stderr, /--providers: Invalid x-interchange-providers\.allow_fallbacks: expected true or false/);

    const unknownFlag = await explain('--model', 'gpt-oss-120b', '--bogus');
    assert.equal(unknownFlag.code, 2);
    assert.match(unknownFlag.stderr, /^interchange route explain: unknown option --bogus\nRun "interchange route explain --help" for the options\.\n$/);

    const unknownSubcommand = await run(['route', 'plan']);
    assert.equal(unknownSubcommand.code, 2);
    assert.match(unknownSubcommand.stderr, /unknown subcommand "plan"/);
  });

  it('explains an embedding model from --prompt', async () => {
    const result = await explain('--model', 'text-embedding-3-large', '--prompt', 'hello world', '--at', '2031-06-01T12:00:00Z');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^model +text-embedding-3-large \(embedding, route /m);
    assert.deepEqual(candidates(result.stdout), ['1. azure-eastus/embeddings-large']);
  });

  it('is listed in the usage text', async () => {
    const result = await run(['help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^ {2}route explain \[--config FILE\] \(--request FILE \| --model NAME/m);
  });
});
