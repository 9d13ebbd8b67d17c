/**
 * `interchange ledger statement|entries` read the SQLite store a configuration names, with no gateway running (and
 * beside a running one): tables, JSON, JSON lines and CSV, cursors followed past a page, and usage problems with
 * exit 2. Most cases run the command in this process with its output captured; a few run bin/interchange.js.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runLedger } from '../../src/cli/ledger-commands.ts';
import { main } from '../../src/cli/main.ts';
import { ledgerEntry } from '../../src/store/conformance/ledger-store-conformance.ts';
import type { LedgerEntry } from '../../src/store/ledger-store.ts';
import { openSqlite } from '../../src/store/sqlite/sqlite-database.ts';
import { SqliteLedgerStore } from '../../src/store/sqlite/sqlite-ledger-store.ts';
import { runCli, startCliUntil } from '../support/cli-process.ts';

const march = Date.parse('2026-03-01T00:00:00Z');
const april = Date.parse('2026-04-01T00:00:00Z');

/** Three entries in March (one exactly at its start, one in its last millisecond), one exactly at April's start. */
const entries: LedgerEntry[] = [
  ledgerEntry('m-1', march, { tenant: 'acme', keyId: 'key-1', provider: 'azure', channel: 'azure/gpt-4o', model: 'gpt-4o', inputTokens: 100, cachedInputTokens: 10, outputTokens: 20, costMicros: 1_234_567, chargedMicros: 1_500_000, accruals: [{ agreement: 'ms', party: 'Microsoft', micros: 300_000 }] }),
  ledgerEntry('m-2', march + 3_600_000, { tenant: 'beta, "the second"', provider: 'bedrock', channel: 'bedrock/claude', model: 'claude', inputTokens: 7, outputTokens: 3, reasoningTokens: 1, costMicros: 10, chargedMicros: 5 }),
  ledgerEntry('m-3', april - 1, { model: 'gpt-4o', status: 429, errorCode: 'rate_limit_exceeded' }),
  ledgerEntry('apr', april, { provider: 'azure', channel: 'azure/gpt-4o', model: 'gpt-4o', costMicros: 999_999_999 }),
];

/** The command line in this process (for problems found before the store is opened). */
async function run(args: string[]): Promise<{ code: number | void; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } });
  return { code, stdout, stderr };
}

/** `interchange ledger …` in this process, its output captured. */
async function ledger(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runLedger(args, { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } });
  return { code, stdout, stderr };
}

describe('interchange ledger', () => {
  let directory: string;
  let config: string;
  let database: string;
  const period = ['--from', '2026-03-01', '--to', '2026-04-01'];

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'interchange-ledger-cli-'));
    database = join(directory, 'data', 'gateway.db');
    config = join(directory, 'gateway.yaml');
    await writeFile(
      config,
      `listen: 127.0.0.1:0
logging: { level: info, requests: false }
server: { shutdown_delay: 0s, drain_timeout: 1s }
store: { kind: sqlite, path: ${database} }
providers:
  upstream: { kind: openai-compatible, base_url: http://127.0.0.1:9/v1 }
models:
  gpt-4o-mini: { channels: [ { provider: upstream, model: gpt-4o-mini } ] }
`,
    );
    const store = new SqliteLedgerStore(openSqlite(database).database, true);
    // Enough in April's first second for two pages of 1000 past the first.
    const many = Array.from({ length: 2_100 }, (_, index) => ledgerEntry(`p-${String(index).padStart(4, '0')}`, april + 1 + (index % 7), { costMicros: index }));
    assert.equal(await store.append([...entries, ...many]), 2_104);
    await store.close();
  });
  after(() => rm(directory, { recursive: true, force: true }));

  it('statement (through bin/interchange.js): a table of the period by model, with the total; --to is excluded', async () => {
    const result = await runCli(['ledger', 'statement', '--config', config, ...period]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.equal(
      result.stdout,
      [
        'Ledger statement by model, 2026-03-01T00:00:00.000Z to 2026-04-01T00:00:00.000Z (excluded); amounts in USD',
        '',
        'model   requests  input  cached  cache write  output  reasoning      cost   revenue     margin   accrued',
        'claude         1      7       0            0       3          1  0.000010  0.000005  -0.000005  0.000000',
        'gpt-4o         2    100      10            0      20          0  1.234567  1.500000   0.265433  0.300000',
        'total          3    107      10            0      23          1  1.234577  1.500005   0.265428  0.300000',
        '',
        'Revenue shares',
        'agreement            party      share  basis      owed  entries  accrued to date  cap  cap used  cap reached',
        'ms (not configured)  Microsoft      -  -      0.300000        1         0.300000    -         -  -',
        '',
      ].join('\n'),
    );
  });

  it('statement --json: micro-units as integers that add up to the entries, and formatted amounts', async () => {
    const result = await ledger(['statement', '--config', config, ...period, '--by', 'tenant', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    assert.equal(json.by, 'tenant');
    assert.deepEqual(
      json.rows.map((row: any) => [row.group, row.requests, row.cost_micros, row.cost]),
      [
        ['', 1, 0, '0.000000 USD'],
        ['acme', 1, 1_234_567, '1.234567 USD'],
        ['beta, "the second"', 1, 10, '0.000010 USD'],
      ],
    );
    const inMarch = entries.filter((entry) => entry.at >= march && entry.at < april);
    assert.equal(json.totals.cost_micros, inMarch.reduce((sum, entry) => sum + entry.costMicros, 0));
    assert.equal(json.totals.revenue_micros, inMarch.reduce((sum, entry) => sum + entry.chargedMicros, 0));
    assert.equal(json.totals.margin, '0.265428 USD');
  });

  it('statement --csv: one header row and RFC 4180 quoting', async () => {
    const result = await ledger(['statement', '--config', config, ...period, '--by', 'tenant', '--csv']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      'tenant,requests,input_tokens,cached_input_tokens,cache_write_tokens,output_tokens,reasoning_tokens,cost,revenue,margin,accrued,currency\r\n' +
        ',1,0,0,0,0,0,0.000000,0.000000,0.000000,0.000000,USD\r\n' +
        'acme,1,100,10,0,20,0,1.234567,1.500000,0.265433,0.300000,USD\r\n' +
        '"beta, ""the second""",1,7,0,0,3,1,0.000010,0.000005,-0.000005,0.000000,USD\r\n',
    );
  });

  it('entries: a table, JSON lines (through bin/interchange.js), one request id, and every entry once across pages up to --limit', async () => {
    const table = await ledger(['entries', '--config', config, ...period]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^at\s+request id\s+tenant\s+key\s+model\s+channel\s+status\s+input\s+output\s+cost\s+charged\s+accrued\s+currency$/);
    assert.deepEqual(lines.slice(1).map((line) => line.split(/\s{2,}/)[1]), ['m-1', 'm-2', 'm-3']);
    assert.match(lines[1], /^2026-03-01T00:00:00\.000Z  m-1\s+acme\s+key-1\s+gpt-4o\s+azure\/gpt-4o\s+200\s+100\s+20\s+1\.234567\s+1\.500000\s+0\.300000\s+USD$/);

    const one = await ledger(['entries', '--config', config, '--request-id', 'm-2', '--json']);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(
      one.stdout.trimEnd().split('\n').map((line) => JSON.parse(line)),
      [
        {
          request_id: 'm-2',
          at: '2026-03-01T01:00:00.000Z',
          tenant: 'beta, "the second"',
          key_id: null,
          model: 'claude',
          endpoint: 'chat',
          stream: false,
          provider: 'bedrock',
          channel: 'bedrock/claude',
          upstream_model: null,
          status: 200,
          error_code: null,
          input_tokens: 7,
          cached_input_tokens: 0,
          cache_write_tokens: 0,
          output_tokens: 3,
          reasoning_tokens: 1,
          estimated: false,
          cost_micros: 10,
          charged_micros: 5,
          currency: 'USD',
          latency_ms: 0,
          route: null,
          accruals: [],
        },
      ],
    );

    const all = await runCli(['ledger', 'entries', '--config', config, '--from', '2026-04-01', '--json']);
    assert.equal(all.stderr, '');
    assert.equal(all.code, 0, all.stderr);
    const ids = all.stdout.trimEnd().split('\n').map((line) => JSON.parse(line).request_id as string);
    assert.equal(ids.length, 2_101, 'April: its first entry and 2100 more, past two full pages');
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(ids[0], 'apr');

    for (const limit of [1, 1_000, 1_001, 2_101, 2_102]) {
      const limited = await ledger(['entries', '--config', config, '--from', '2026-04-01', '--limit', String(limit), '--json']);
      assert.equal(limited.code, 0, limited.stderr);
      const got = limited.stdout.trimEnd().split('\n').map((line) => JSON.parse(line).request_id);
      assert.deepEqual(got, ids.slice(0, limit), `--limit ${limit}`);
    }
    const none = await ledger(['entries', '--config', config, '--request-id', 'nope']);
    assert.deepEqual([none.code, none.stdout], [0, 'No entries.\n']);
    const noLines = await ledger(['entries', '--config', config, '--request-id', 'nope', '--json']);
    assert.deepEqual([noLines.code, noLines.stdout], [0, '']);
  });

  it('reads the store beside a running gateway', async () => {
    const gateway = startCliUntil(['serve', '--config', config], /"url":"http:\/\/127\.0\.0\.1:\d+"/);
    try {
      await gateway.started;
      const result = await runCli(['ledger', 'statement', '--config', config, ...period, '--json']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(JSON.parse(result.stdout).totals.requests, 3);
    } finally {
      await gateway.stop();
    }
  });

  it('usage problems exit 2 and say what is wrong, before the store is opened', async () => {
    const hint = 'Run "interchange ledger --help" for the options.\n';
    const cases: ReadonlyArray<[string[], string]> = [
      [['ledger', 'statement', '--config', config, '--by', 'tenat'], 'interchange ledger: --by: unknown grouping "tenat"; expected one of party, provider, channel, tenant, key, model; did you mean "tenant"?\n'],
      [['ledger', 'statement', '--config', config, '--from', '2026-02-30'], 'interchange ledger: --from: invalid day "2026-02-30": there is no such day\n'],
      [['ledger', 'statement', '--config', config, '--to', 'tomorrow'], 'interchange ledger: --to: invalid time "tomorrow"; expected a day YYYY-MM-DD (00:00 UTC) or an ISO 8601 time such as 2026-03-01T12:00:00Z\n'],
      [
        ['ledger', 'statement', '--config', config, '--from', '2026-03-01', '--to', '2026-03-01'],
        'interchange ledger: --to: the period is empty: from (2026-03-01T00:00:00.000Z) must be before to (2026-03-01T00:00:00.000Z), which is excluded\n',
      ],
      [['ledger', 'entries', '--config', config, '--from', '2026-03-02', '--to', '2026-03-01T23:59:59.999Z'], 'interchange ledger: --to: the period is empty: from (2026-03-02T00:00:00.000Z) must be before to (2026-03-01T23:59:59.999Z), which is excluded\n'],
      [['ledger', 'statement', '--config', config, '--json', '--csv'], 'interchange ledger: give --json or --csv, not both\n'],
      [['ledger', 'statement', '--config', config, '--limit', '5'], 'interchange ledger: --limit is not an option of ledger statement\n'],
      [['ledger', 'entries', '--config', config, '--by', 'model'], 'interchange ledger: --by is not an option of ledger entries\n'],
      [['ledger', 'entries', '--config', config, '--limit', '0'], 'interchange ledger: --limit: expected a whole number of 1 or more, got "0"\n'],
      [['ledger', 'entries', '--config', config, '--limit', 'all'], 'interchange ledger: --limit: expected a whole number of 1 or more, got "all"\n'],
      [['ledger', 'statment'], 'interchange ledger: unknown action "statment"; expected statement or entries; did you mean "statement"?\n'],
      [['ledger'], 'interchange ledger: expected an action: statement or entries\n'],
      [['ledger', 'entries', 'extra', '--config', config], 'interchange ledger: unexpected argument "extra"\n'],
      [['ledger', 'statement', '--bye', 'model'], 'interchange ledger: unknown option --bye; did you mean --by?\n'],
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      assert.deepEqual(result, { code: 2, stdout: '', stderr: `${message}${hint}` }, args.join(' '));
    }
    const spawned = await runCli(['ledger', 'statement', '--config', config, '--by', 'everything']);
    assert.equal(spawned.code, 2);
    assert.equal(spawned.stdout, '');
    assert.match(spawned.stderr, /^interchange ledger: --by: unknown grouping "everything"/);
    const saved = process.env.INTERCHANGE_CONFIG;
    delete process.env.INTERCHANGE_CONFIG;
    try {
      assert.deepEqual(await run(['ledger', 'statement']), { code: 2, stdout: '', stderr: `interchange ledger: no configuration; pass --config FILE or set INTERCHANGE_CONFIG\n${hint}` });
    } finally {
      if (saved !== undefined) process.env.INTERCHANGE_CONFIG = saved;
    }
  });

  it('--help describes both actions and their options', async () => {
    for (const args of [['ledger', '--help'], ['ledger', 'statement', '-h'], ['help', 'ledger']]) {
      const result = await run(args);
      assert.equal(result.code, 0, args.join(' '));
      assert.match(result.stdout, /^Usage:\n {2}interchange ledger statement \[--config FILE\]/);
      for (const option of ['--from D', '--to D', '--by G', '--json', '--csv', '--request-id ID', '--limit N', 'excluded']) assert.ok(result.stdout.includes(option), `${args.join(' ')}: ${option}`);
    }
  });

  it('a store in memory or a store file that does not exist is reported (exit 1), and no file is created', async () => {
    const memory = join(directory, 'memory.yaml');
    await writeFile(memory, 'listen: 127.0.0.1:0\nstore: { kind: memory }\nproviders:\n  u: { kind: openai-compatible, base_url: http://127.0.0.1:9/v1 }\nmodels:\n  m: { channels: [ { provider: u, model: m } ] }\n');
    const fromMemory = await ledger(['statement', '--config', memory]);
    assert.equal(fromMemory.code, 1);
    assert.match(fromMemory.stderr, /^interchange ledger: the store is in memory \(store.kind: memory\)/);

    const missingPath = join(directory, 'elsewhere', 'gateway.db');
    const missing = join(directory, 'missing.yaml');
    await writeFile(missing, `listen: 127.0.0.1:0\nstore: { kind: sqlite, path: ${missingPath} }\nproviders:\n  u: { kind: openai-compatible, base_url: http://127.0.0.1:9/v1 }\nmodels:\n  m: { channels: [ { provider: u, model: m } ] }\n`);
    const fromMissing = await ledger(['entries', '--config', missing]);
    assert.equal(fromMissing.code, 1);
    assert.equal(fromMissing.stderr, `interchange ledger: no store at ${missingPath} (store.path): has a gateway run with this configuration?\n`);
    assert.equal(existsSync(missingPath), false);

    const invalid = join(directory, 'invalid.yaml');
    await writeFile(invalid, 'store: { kind: nosql }\n');
    const fromInvalid = await ledger(['statement', '--config', invalid]);
    assert.equal(fromInvalid.code, 1);
    assert.equal(fromInvalid.stderr, `interchange ledger: ${invalid} is not a valid configuration:\nstore.kind: unknown kind "nosql" (available: sqlite, memory)\n`);
  });
});
