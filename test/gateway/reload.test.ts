/**
 * Reloading the configuration of a running gateway (what SIGHUP does in `interchange serve`; the signal itself is
 * tested on a child process in test/cli/reload.test.ts): a valid change takes effect and is logged with what changed,
 * an invalid one keeps the running configuration and logs its problems (no secret among them), and a stream in flight
 * across a reload that retires its provider completes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { loadConfigFile } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';
import { ConfigReloader } from '../../src/server/reload.ts';

const secret = 'sk-reload-secret-value';
let directory: string;
let file: string;
let first: RunningEmulator;
let second: RunningEmulator;
let gateway: RunningGateway;
let reloader: ConfigReloader;
let client: OpenAI;
let lines: Array<Record<string, unknown>>;
const env = { FIRST_URL: '', SECOND_URL: '', SECRET_KEY: secret };

/** The configuration: provider `up` on the given emulator, `keyed` on the second, and the models. */
function configuration(upstream: 'FIRST_URL' | 'SECOND_URL', models: string): string {
  return `listen: 127.0.0.1:0
limits: { request_timeout: 20s }
logging: { level: info, requests: false }
auth: { clients: none }
store: { kind: memory }
providers:
  up: { kind: openai-compatible, base_url: "\${${upstream}}/v1", timeout: 5s }
  keyed: { kind: openai, base_url: "\${SECOND_URL}/v1", auth: { api_key: "\${SECRET_KEY}" }, timeout: 5s }
models:
${models}
`;
}

const oneModel = '  chat: { channels: [ { provider: up, model: gpt-4o-mini } ] }\n  keyed-chat: { channels: [ { provider: keyed, model: gpt-4o-mini } ] }';

function logged(message: RegExp): Array<Record<string, unknown>> {
  return lines.filter((line) => message.test(String(line.msg)));
}

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'interchange-reload-'));
  file = join(directory, 'gateway.yaml');
  first = await startOpenAIEmulator({ name: 'first', quiet: true });
  second = await startOpenAIEmulator({ name: 'second', quiet: true });
  env.FIRST_URL = first.url;
  env.SECOND_URL = second.url;
});

beforeEach(async () => {
  await gateway?.close();
  await reloader?.close();
  lines = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  await writeFile(file, configuration('FIRST_URL', oneModel));
  gateway = await startGateway(await loadConfigFile(file, env), { logger: createLogger('info', { destination }), host: '127.0.0.1', port: 0, drainTimeoutMs: 1000 });
  reloader = new ConfigReloader(gateway.context, file, { env });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
  await reloader?.close();
  await Promise.all([first.close(), second.close()]);
  await rm(directory, { recursive: true, force: true });
});

async function served(model: string): Promise<{ emulator: string; text: string }> {
  const before = { first: first.stats.requests, second: second.stats.requests };
  const completion = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Say hi' }] });
  const emulator = first.stats.requests > before.first ? 'first' : second.stats.requests > before.second ? 'second' : 'none';
  return { emulator, text: completion.choices[0].message.content ?? '' };
}

async function modelIds(): Promise<string[]> {
  const page = await client.models.list();
  return page.data.map((model) => model.id).sort();
}

describe('reloading the configuration', () => {
  it('a valid change takes effect for new requests, and the reload is logged with what changed', async () => {
    assert.equal((await served('chat')).emulator, 'first');
    const keyedAdapter = gateway.context.runtime.adapters.get('keyed');
    await writeFile(file, configuration('SECOND_URL', `${oneModel}\n  added: { channels: [ { provider: keyed, model: gpt-4.1 } ] }`));
    const result = await reloader.reload();
    assert.deepEqual(result, {
      outcome: 'reloaded',
      changes: { providers: { added: [], removed: [], changed: ['up'] }, models: { added: ['added'], removed: [], changed: [] }, settings: [] },
    });
    assert.equal((await served('chat')).emulator, 'second', 'the changed provider now calls the second emulator');
    assert.equal((await served('added')).emulator, 'second');
    assert.deepEqual(await modelIds(), ['added', 'chat', 'keyed-chat']);
    assert.equal(gateway.context.runtime.adapters.get('keyed'), keyedAdapter, 'an unchanged provider keeps its adapter');
    const [line] = logged(/^configuration reloaded$/);
    assert.equal(line.level, 30);
    assert.equal(line.file, file);
    assert.deepEqual(line.providers, { changed: ['up'] });
    assert.deepEqual(line.models, { added: ['added'] });

    // Reloading the same file again changes nothing, and says so.
    assert.deepEqual(await reloader.reload(), { outcome: 'unchanged' });
    assert.equal(logged(/^configuration reloaded: no changes$/).length, 1);
  });

  it('settings take effect too: a removed model is gone, a new limit applies, the log level follows; listen waits for a restart', async () => {
    await writeFile(
      file,
      configuration('FIRST_URL', '  chat: { channels: [ { provider: up, model: gpt-4o-mini } ] }')
        .replace(/ {2}keyed: .*\n/, '')
        .replace('limits: { request_timeout: 20s }', 'limits: { request_timeout: 20s, max_body_bytes: 200 }')
        .replace('level: info', 'level: warn')
        .replace('listen: 127.0.0.1:0', 'listen: 127.0.0.1:1'),
    );
    const result = await reloader.reload();
    assert.equal(result.outcome, 'reloaded');
    assert.deepEqual(result.outcome === 'reloaded' && result.changes, {
      providers: { added: [], removed: ['keyed'], changed: [] },
      models: { added: [], removed: ['keyed-chat'], changed: [] },
      settings: ['listen', 'limits', 'logging'],
    });
    const [listen] = logged(/^listen changed/);
    assert.equal(listen.level, 40);
    assert.equal(listen.msg, 'listen changed: the gateway keeps its address until it restarts');
    assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200, 'still on its address');
    await assert.rejects(client.chat.completions.create({ model: 'keyed-chat', messages: [{ role: 'user', content: 'hi' }] }), { status: 404 });
    await assert.rejects(client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'x'.repeat(300) }] }), { status: 413 });
    assert.equal((await served('chat')).emulator, 'first');
    // The reload's own line was written at info, before the new level applied; lines after it follow the new level.
    assert.equal(gateway.context.logger.level, 'warn');
  });

  it('an invalid change keeps the running configuration and logs every problem, without secrets', async () => {
    const problems = async (text: string) => {
      await writeFile(file, text);
      const result = await reloader.reload();
      assert.equal(result.outcome, 'refused');
      assert.equal((await served('chat')).emulator, 'first', 'the running configuration still serves');
      assert.deepEqual(await modelIds(), ['chat', 'keyed-chat']);
      return logged(/^configuration not reloaded/).at(-1)!;
    };

    const unknown = await problems(configuration('FIRST_URL', `${oneModel}\n  broken: { channels: [ { provider: nope, model: x } ] }`).replace('timeout: 5s }\n  keyed', 'timeout: 5 parsecs }\n  keyed'));
    assert.equal(unknown.level, 50);
    assert.equal(unknown.msg, `configuration not reloaded: ${file} has 2 problems; the running configuration stays`);
    assert.deepEqual(unknown.problems, [
      'providers.up.timeout: invalid duration "5 parsecs": unknown unit "parsecs" (units: ms, s, m, h; e.g. "500ms", "30s", "10m" or "1h30m")',
      'models.broken.channels[0].provider: unknown provider "nope"',
    ]);

    const syntax = await problems('providers:\n  up: { kind: openai\nmodels: {}\n');
    assert.equal(syntax.problems instanceof Array && syntax.problems.length, 1);
    assert.match(String((syntax.problems as string[])[0]), new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));

    // A key file that cannot be parsed: the provider cannot be set up, and nothing of the file reaches the log.
    const keyFile = join(directory, 'broken-key.json');
    // JSON.parse quotes the start of what it could not parse.
    await writeFile(keyFile, 'MIIsecretkeymaterial-----END PRIVATE KEY-----\n');
    const vertex = await problems(
      configuration('FIRST_URL', `${oneModel}\n  gemini: { channels: [ { provider: vertex, model: gemini-2.5-flash } ] }`).replace(
        'providers:\n',
        `providers:\n  vertex: { kind: vertex, project: p, location: us-central1, endpoint: "\${FIRST_URL}", auth: { google: { service_account_file: ${keyFile} } } }\n`,
      ),
    );
    assert.match(vertex.msg as string, /^configuration not reloaded: provider "vertex" could not be set up; the running configuration stays$/);
    assert.match(String((vertex.problems as string[])[0]), /^providers\.vertex: could not be set up: Google service-account key .* could not be read/);

    const everything = JSON.stringify(lines);
    assert.doesNotMatch(everything, new RegExp(secret));
    assert.doesNotMatch(everything, /MIIsecret|PRIVATE KEY/);
  });

  it('a stream in flight across a reload that retires its provider completes', async () => {
    // Slow events: the stream is still running while the reload swaps `up` over to the second emulator.
    const stream = await client.chat.completions.create({
      model: 'chat',
      stream: true,
      messages: [{ role: 'user', content: 'Tell me a long story [emulator-fault: delay-chunks=40]' }],
    });
    const iterator = stream[Symbol.asyncIterator]();
    let text = '';
    const firstChunk = await iterator.next();
    text += firstChunk.value?.choices[0]?.delta.content ?? '';
    assert.equal(first.stats.open, 1, 'the stream is in flight on the first emulator');

    await writeFile(file, configuration('SECOND_URL', oneModel));
    assert.equal((await reloader.reload()).outcome, 'reloaded');
    assert.equal((await served('chat')).emulator, 'second', 'new requests use the new configuration at once');

    let finish: string | null = null;
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
      text += next.value.choices[0]?.delta.content ?? '';
      finish = next.value.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(finish, 'stop');
    assert.match(text, /deterministic reply from the gpt-4o-mini emulator/);
    assert.equal(first.stats.open, 0);
  });

  it('reloads asked for while one runs make one more run after it', async () => {
    await writeFile(file, configuration('SECOND_URL', oneModel));
    const running = reloader.reload();
    const joined = reloader.reload();
    assert.equal(joined, running, 'asked for before the first started: the same run');
    // Let the first start (it waits for the file), then ask twice more: both join one run after it.
    await new Promise((resolve) => setImmediate(resolve));
    const later = [reloader.reload(), reloader.reload()];
    assert.equal(later[0], later[1]);
    assert.notEqual(later[0], running);
    assert.equal((await running).outcome, 'reloaded');
    assert.deepEqual(await later[0], { outcome: 'unchanged' });
    assert.equal(logged(/^configuration reloaded/).length, 2);
  });
});
