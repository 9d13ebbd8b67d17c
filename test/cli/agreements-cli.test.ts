/**
 * `interchange agreements` against a served gateway on an embedded SQLite file; `ledger statement` counts what an
 * admin agreement accrued while the gateway is down; `serve` will not start on a file the stored agreements no longer
 * fit, naming each one (no stack).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { runCli, startCliUntil } from '../support/cli-process.ts';

const adminToken = 'cli-agreements-admin-token-0123456789';

describe('interchange agreements', () => {
  let directory: string;
  let emulator: ReturnType<typeof startCliUntil>;
  let emulatorUrl: string;
  const env = { INTERCHANGE_ADMIN_TOKEN: adminToken };

  const configFile = async (name: string, provider: string) => {
    const file = join(directory, name);
    await writeFile(
      file,
      `listen: 127.0.0.1:0
logging: { level: info, requests: false }
auth: { clients: none }
store: { kind: sqlite, path: ${join(directory, 'gateway.db')} }
admin: { tokens: { cli: ${adminToken} } }
providers:
  ${provider}: { kind: openai-compatible, base_url: ${emulatorUrl}/v1 }
models:
  gpt-4o-mini: { channels: [ { provider: ${provider}, model: gpt-4o-mini, price: { input: 1, output: 2 } } ] }
agreements:
  - { name: file-share, kind: revenue-share, party: Microsoft, percent: 20 }
`,
    );
    return file;
  };

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'interchange-agreements-cli-'));
    emulator = startCliUntil(['emulate', 'openai', '--port', '0'], /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    emulatorUrl = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(await emulator.started)![1];
  });
  after(async () => {
    await emulator?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  // A dozen CLI processes, each a few seconds to start on a loaded machine: more than the suite's default minute.
  it('sets from YAML, lists, shows and deletes; statements count it with the gateway down; serve refuses a file it no longer fits', { timeout: 240_000 }, async () => {
    const file = await configFile('gateway.yaml', 'upstream');
    const gateway = startCliUntil(['serve', '--config', file], /"url":"http:\/\/127\.0\.0\.1:\d+"/);
    try {
      const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(await gateway.started)![1];
      const document = join(directory, 'share.yaml');
      await writeFile(document, 'kind: revenue-share\nparty: Amazon\npercent: 10\nchannels: { provider: upstream }\n');
      const set = await runCli(['agreements', 'set', 'aws-share', '--from-file', document, '--gateway', url], env);
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, /^source\s+admin$/m);
      const listed = await runCli(['agreements', 'list', '--gateway', url], env);
      assert.match(listed.stdout, /^name\s+kind\s+source\s+party\s+in_force\s+accrued/m);
      assert.match(listed.stdout, /^file-share\s+revenue-share\s+config\s+Microsoft\s+true\s+0\.00/m);
      assert.match(listed.stdout, /^aws-share\s+revenue-share\s+admin\s+Amazon\s+true/m);
      const response = await request(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(response.statusCode, 200);
      await response.body.text();
      const shown = await runCli(['agreements', 'show', 'aws-share', '--gateway', url, '--json'], env);
      assert.ok(JSON.parse(shown.stdout).accrued_micros > 0);
      const refused = await runCli(['agreements', 'delete', 'file-share', '--gateway', url], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /409 conflict: The agreement "file-share" is defined in the configuration file/);
      const badFile = join(directory, 'bad.yaml');
      await writeFile(badFile, 'kind: revenue-share\nparty: X\npercent: [\n');
      const bad = await runCli(['agreements', 'set', 'x', '--from-file', badFile, '--gateway', url], env);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--from-file: ".*bad\.yaml" is not YAML or JSON/);
      assert.equal((await runCli(['agreements', 'set', 'x', '--gateway', url], env)).code, 2, 'set needs --from-file');
    } finally {
      await gateway.stop();
    }

    const statement = await runCli(['ledger', 'statement', '--config', file, '--by', 'party', '--json']);
    assert.equal(statement.code, 0, statement.stderr);
    const shares = JSON.parse(statement.stdout).revenue_shares.map((share: { agreement: string }) => share.agreement);
    assert.ok(shares.includes('aws-share'), `the admin agreement is in the statement: ${shares.join(',')}`);

    const moved = await configFile('moved.yaml', 'elsewhere');
    const start = await runCli(['serve', '--config', moved]);
    assert.equal(start.code, 1);
    assert.match(start.stderr, /agreements made through the admin plane do not fit .*moved\.yaml \(1 problem\):\nagreement "aws-share" \(admin plane\)\.channels\.provider: unknown provider "upstream"/);
    assert.doesNotMatch(start.stderr, /\n\s+at /);

    const again = startCliUntil(['serve', '--config', file], /"url":"http:\/\/127\.0\.0\.1:\d+"/);
    try {
      const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(await again.started)![1];
      const deleted = await runCli(['agreements', 'delete', 'aws-share', '--gateway', url], env);
      assert.equal(deleted.code, 0, deleted.stderr);
    } finally {
      await again.stop();
    }
    const moves = startCliUntil(['serve', '--config', moved], /"url":"http:\/\/127\.0\.0\.1:\d+"/);
    try {
      await moves.started;
    } finally {
      await moves.stop();
    }
  });
});
