/**
 * The `interchange` command as a user runs it: a child process of this Node.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { runCli, startCliUntil } from '../support/cli-process.ts';

let directory: string;

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'interchange-cli-'));
});

const run = runCli;
const startUntil = startCliUntil;

describe('interchange CLI', () => {
  it('check-config lists every problem by path and exits 1', async () => {
    const file = join(directory, 'bad.yaml');
    await writeFile(
      file,
      `providers:
  azure: { kind: openai, auth: { api_key: \${MISSING_KEY_FOR_TEST} } }
models:
  gpt-4o:
    channels:
      - { provider: azure, model: gpt-4o }
      - { provider: azur, model: gpt-4o }
    chanels: []
`,
    );
    const result = await run(['check-config', file]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /models\.gpt-4o\.channels\[1\]\.provider: unknown provider "azur"; did you mean "azure"\?/);
    assert.match(result.stderr, /providers\.azure\.auth\.api_key: environment variable MISSING_KEY_FOR_TEST is not set/);
    assert.match(result.stderr, /models\.gpt-4o\.chanels: unknown field; did you mean "channels"\?/);
  });

  it('check-config describes a valid file without printing secrets', async () => {
    const file = join(directory, 'good.yaml');
    await writeFile(
      file,
      `providers:
  openai: { kind: openai, auth: { api_key: \${TEST_OPENAI_KEY} } }
models:
  gpt-4o: { channels: [ { provider: openai, model: gpt-4o-2024-08-06 } ] }
`,
    );
    const result = await run(['check-config', file], { TEST_OPENAI_KEY: 'sk-very-secret-value' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /gpt-4o/);
    assert.match(result.stdout, /https:\/\/api\.openai\.com\/v1/);
    assert.doesNotMatch(result.stdout + result.stderr, /sk-very-secret-value/);
  });

  it('serve refuses a bad configuration with its problems, and without one says how to give one', async () => {
    const file = join(directory, 'bad-serve.yaml');
    await writeFile(file, 'listen: nowhere:99999\nproviders: {}\nmodels: {}\n');
    const bad = await run(['serve', '--config', file]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /listen/);
    const missing = await run(['serve'], { INTERCHANGE_CONFIG: '' });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--config FILE or set INTERCHANGE_CONFIG/);
  });

  it('serve runs a configuration from INTERCHANGE_CONFIG against an emulator, and stops on SIGTERM', async () => {
    const emulator = startUntil(['emulate', 'openai', '--port', '0'], /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const emulatorUrl = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(await emulator.started)![1];
    const file = join(directory, 'serve.yaml');
    await writeFile(
      file,
      `listen: 127.0.0.1:0
logging: { level: info, requests: true }
auth: { clients: none }
store: { kind: memory }
providers:
  upstream: { kind: openai-compatible, base_url: ${emulatorUrl}/v1 }
models:
  gpt-4o-mini: { channels: [ { provider: upstream, model: gpt-4o-mini } ] }
`,
    );
    const gateway = startUntil(['serve'], /"url":"http:\/\/127\.0\.0\.1:\d+"/, { INTERCHANGE_CONFIG: file });
    try {
      const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(await gateway.started)![1];
      const response = await request(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['x-interchange-provider'], 'upstream');
      await response.body.json();
    } finally {
      assert.equal(await gateway.stop(), 0);
      await emulator.stop();
    }
  });

  it('demo starts the gateway with emulated clouds and prints how to try it', async () => {
    const demo = startUntil(['demo', '--port', '0', '--openai-port', '0', '--vllm-port', '0', '--azure-port', '0', '--bedrock-port', '0', '--vertex-port', '0'], /Press Ctrl\+C to stop/);
    try {
      const text = await demo.started;
      const url = /Gateway \(OpenAI-compatible\)\s+(http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(text)![1];
      // The demo runs with keys, as production does: it prints its key and admin token on their own lines.
      const key = /^  demo key: (ick_\S+)$/m.exec(text)![1];
      const adminToken = /^  admin token: (\S+)$/m.exec(text)![1];
      assert.match(text, /curl -s http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions -H "authorization: Bearer \$DEMO_KEY"/);
      const anonymous = await request(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello from the demo' }] }),
      });
      assert.equal(anonymous.statusCode, 401);
      assert.equal(((await anonymous.body.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
      const keys = await request(`${url}/admin/keys`, { headers: { authorization: `Bearer ${adminToken}` } });
      assert.deepEqual(((await keys.body.json()) as { data: Array<{ tenant: string; name: string }> }).data.map((item) => [item.tenant, item.name]), [['demo', 'demo key']]);
      // The fault hint warns that faults open Azure's breaker, which then masks later experiments.
      assert.match(
        text.replace(/\s+/g, ' '),
        /count against Azure's circuit breaker: once 50% of at least 10 requests to it within 30s have failed, the circuit opens and for 30s Azure is passed over without a call \(route: azure-eastus\/gpt-4o-mini:unable=circuit-open\).*later fault markers aimed at Azure show nothing\. Wait 30s \(or restart the demo\) between fault experiments\./,
      );
      const response = await request(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello from the demo' }] }),
      });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['x-interchange-provider'], 'azure-eastus');
      const body = (await response.body.json()) as { choices: Array<{ message: { content: string } }> };
      assert.ok(body.choices[0].message.content.length > 0);
      const fallback = await request(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi [emulator-fault@azure-openai: status=429, retry-after=1]' }] }),
      });
      assert.equal(fallback.statusCode, 200);
      assert.equal(fallback.headers['x-interchange-provider'], 'openai');
      await fallback.body.json();
      const models = (await (await request(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).body.json()) as { data: Array<{ id: string }> };
      assert.deepEqual(models.data.map((model) => model.id).sort(), [
        'claude-sonnet',
        'gemini-2.5-flash',
        'gpt-4.1',
        'gpt-4o-mini',
        'gpt-oss-120b',
        'llama-3.1-8b',
        'llama-4-maverick',
        'text-embedding-3-large',
        'text-embedding-3-small',
      ]);
      for (const [model, provider] of [
        ['gemini-2.5-flash', 'vertex-usc1'],
        ['llama-4-maverick', 'vertex-maas'],
      ]) {
        const response = await request(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
        });
        assert.equal(response.statusCode, 200, `${model}: ${await response.body.text()}`);
        assert.equal(response.headers['x-interchange-provider'], provider);
      }
      const claude = await request(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: 'claude-sonnet', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(claude.statusCode, 200);
      assert.equal(claude.headers['x-interchange-provider'], 'bedrock-use1');
      await claude.body.json();
      for (const model of ['gpt-4.1', 'text-embedding-3-large']) {
        const path = model.startsWith('text-') ? 'embeddings' : 'chat/completions';
        const body = model.startsWith('text-') ? { model, input: 'hello' } : { model, messages: [{ role: 'user', content: 'hi' }] };
        const only = await request(`${url}/v1/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
        assert.equal(only.statusCode, 200, model);
        assert.equal(only.headers['x-interchange-provider'], 'azure-eastus', model);
        await only.body.json();
      }

      // What the hint says: failing faults open Azure's circuit within the stated number of requests (two went to
      // Azure above), and from then on a fault marker aimed at Azure never reaches it.
      const chat = (content: string) =>
        request(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
        });
      let faults = 0;
      let route = '';
      for (let sent = 0; sent < 40 && !route.includes('unable=circuit-open'); sent++) {
        const response = await chat('Hi [emulator-fault@azure-openai: status=503]');
        await response.body.json();
        route = String(response.headers['x-interchange-route']);
        if (route.includes(':fail=503')) faults++;
        // Azure may still be cooling down from the 429 above: such a request never reaches it.
        else if (route.includes('unable=429')) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.match(route, /^azure-eastus\/gpt-4o-mini:unable=circuit-open;openai\/gpt-4o-mini:ok@/, `after ${faults} faults`);
      assert.ok(faults <= 8, `the circuit opened after ${faults} faults`);
      const masked = await chat('Hi [emulator-fault@azure-openai: status=429, retry-after=1]');
      await masked.body.json();
      assert.match(String(masked.headers['x-interchange-route']), /^azure-eastus\/gpt-4o-mini:unable=circuit-open;openai\/gpt-4o-mini:ok@/);
    } finally {
      assert.equal(await demo.stop(), 0);
    }
  });

  it('prints usage for an unknown command', async () => {
    const result = await run(['frobnicate']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown command "frobnicate"/);
    assert.match(result.stderr, /check-config FILE/);
  });
});

after(() => {});
