/**
 * `--help` on every command, and usage problems (an unknown or misspelt option, a missing value, a stray argument) in
 * the CLI's words with the closest option, never Node's raw parseArgs message. Most cases run the command line
 * in-process (`main` with its output captured; each ends before the command starts); the first case of each kind
 * also runs as a child process through bin/interchange.js.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';

const bin = fileURLToPath(new URL('../../bin/interchange.js', import.meta.url));

interface Run {
  code: number | null | void;
  stdout: string;
  stderr: string;
}

function spawnRun(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, INTERCHANGE_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function run(args: readonly string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const saved = process.env.INTERCHANGE_CONFIG;
  delete process.env.INTERCHANGE_CONFIG;
  try {
    const code = await main([...args], { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } });
    return { code, stdout, stderr };
  } finally {
    if (saved !== undefined) process.env.INTERCHANGE_CONFIG = saved;
  }
}

async function runAll(cases: readonly (readonly string[])[]): Promise<Run[]> {
  const results: Run[] = [];
  for (const args of cases) results.push(await run(args));
  return results;
}

/** Every command, with options its help must describe. */
const commands: ReadonlyArray<{ args: string[]; usage: RegExp; options: string[] }> = [
  { args: ['serve'], usage: /^Usage: interchange serve \[--config FILE\]/, options: ['--config FILE', '--host H', '--port N', '--help'] },
  { args: ['check-config'], usage: /^Usage: interchange check-config FILE\n/, options: ['--config FILE', '--help'] },
  { args: ['demo'], usage: /^Usage: interchange demo \[--port N\]/, options: ['--port N', '--azure-port N', '--bedrock-port N', '--vertex-port N', '--openai-port N', '--vllm-port N'] },
  {
    args: ['emulate'],
    usage: /^Usage: interchange emulate <cloud> \[options\]/,
    options: ['--host H', '--port N', '--api-key KEY', '--fault SPEC', '--fault-count N', '--quiet', '--deployments NAME=MODEL', '--accept-token TOKEN', '--region R', '--access-key-id ID', '--secret-access-key KEY', '--project P', '--public-key-file PEM'],
  },
  { args: ['route', 'explain'], usage: /^Usage: interchange route explain \[--config FILE\]/, options: ['--request FILE', '--model NAME', '--providers', '--at', '--json'] },
];

describe('interchange COMMAND --help', () => {
  it('prints the command\'s usage with its options on stdout and exits 0, for --help, -h and help COMMAND', async () => {
    const cases = commands.flatMap(({ args }) => [[...args, '--help'], [...args, '-h'], ['help', ...args]]);
    const results = await runAll(cases);
    results.forEach((result, index) => {
      const command = commands[Math.floor(index / 3)];
      const label = cases[index].join(' ');
      assert.equal(result.code, 0, `${label}: ${result.stderr}`);
      assert.equal(result.stderr, '', label);
      assert.match(result.stdout, command.usage, label);
      for (const option of command.options) assert.ok(result.stdout.includes(option), `${label} describes ${option}`);
    });
  });

  it('through bin/interchange.js: the usage on stdout, exit 0', async () => {
    const result = await spawnRun(['serve', '--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.equal(result.stdout, (await run(['serve', '--help'])).stdout);
  });

  it('--help wins over everything else on the line, even a missing configuration or a misspelt option', async () => {
    const [serve, explain] = await runAll([
      ['serve', '--config', '/nowhere.yaml', '--help'],
      ['route', 'explain', '--modle', 'x', '-h'],
    ]);
    assert.equal(serve.code, 0);
    assert.match(serve.stdout, /^Usage: interchange serve/);
    assert.equal(explain.code, 0);
    assert.match(explain.stdout, /^Usage: interchange route explain/);
  });
});

describe('usage problems', () => {
  const hint = (command: string) => `Run "interchange ${command} --help" for the options.\n`;

  it('through bin/interchange.js: the problem on stderr, exit 2', async () => {
    const result = await spawnRun(['serve', '--confg', 'x.yaml']);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, `interchange serve: unknown option --confg; did you mean --config?\n${hint('serve')}`);
  });

  it('a misspelt option gets the closest one; an unknown one without a close match gets none', async () => {
    const expectations: ReadonlyArray<[string[], string]> = [
      [['serve', '--confg', 'x.yaml'], `interchange serve: unknown option --confg; did you mean --config?\n${hint('serve')}`],
      [['serve', '--prot', '8080'], `interchange serve: unknown option --prot; did you mean --port?\n${hint('serve')}`],
      [['check-config', '--conifg=x.yaml'], `interchange check-config: unknown option --conifg; did you mean --config?\n${hint('check-config')}`],
      [['demo', '--azure_port', '1'], `interchange demo: unknown option --azure_port; did you mean --azure-port?\n${hint('demo')}`],
      [['emulate', 'openai', '--fault-cont', '2'], `interchange emulate: unknown option --fault-cont; did you mean --fault-count?\n${hint('emulate')}`],
      [['emulate', 'azure-openai', '--deployment', 'a=b'], `interchange emulate: unknown option --deployment; did you mean --deployments?\n${hint('emulate')}`],
      [['route', 'explain', '--modle', 'gpt-4o'], `interchange route explain: unknown option --modle; did you mean --model?\n${hint('route explain')}`],
      [['serve', '--frobnicate'], `interchange serve: unknown option --frobnicate\n${hint('serve')}`],
      [['serve', '-x'], `interchange serve: unknown option -x\n${hint('serve')}`],
    ];
    const results = await runAll(expectations.map(([args]) => args));
    results.forEach((result, index) => {
      const [args, expected] = expectations[index];
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(result.stderr, expected, args.join(' '));
      assert.equal(result.stdout, '');
    });
  });

  it('a missing value, a value for a switch, a stray argument and an unknown cloud or command say what is wrong', async () => {
    const expectations: ReadonlyArray<[string[], string]> = [
      [['serve', '--config'], `interchange serve: --config needs a value\n${hint('serve')}`],
      [['route', 'explain', '--model', 'm', '--stream=yes'], `interchange route explain: --stream takes no value\n${hint('route explain')}`],
      [['serve', 'gateway.yaml'], `interchange serve: unexpected argument "gateway.yaml"; the configuration is given as --config FILE\n${hint('serve')}`],
      [['check-config'], `interchange check-config: no configuration; give FILE or set INTERCHANGE_CONFIG\n${hint('check-config')}`],
      [['emulate', 'azure'], `interchange emulate: unknown cloud "azure"; did you mean "azure-openai"? (clouds: openai, azure-openai, bedrock, vertex)\n${hint('emulate')}`],
      [['emulate', 'vertex', '--api-key', 'k'], `interchange emulate: --api-key is not an option of vertex (only of openai, azure-openai, bedrock)\n${hint('emulate')}`],
      [['emulate', 'azure-openai', '--deployments', 'a=b,=c'], `interchange emulate: --deployments: expected NAME=MODEL[,NAME=MODEL…], got "=c"\n${hint('emulate')}`],
    ];
    const results = await runAll(expectations.map(([args]) => args));
    results.forEach((result, index) => {
      const [args, expected] = expectations[index];
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(result.stderr, expected, args.join(' '));
    });
    const unknownCommand = await run(['serv']);
    assert.equal(unknownCommand.code, 2);
    assert.match(unknownCommand.stderr, /^interchange: unknown command "serv"; did you mean "serve"\?\n/);
  });
});
