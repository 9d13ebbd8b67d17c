/**
 * Every configuration shipped in examples/ passes `interchange check-config` as shipped: no environment variable set,
 * run from another directory.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/interchange.js', import.meta.url));
const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
const configurations = readdirSync(examples).filter((name) => /\.ya?ml$/.test(name));

/** The environment without anything an example could read (DEMO_…, INTERCHANGE_…, cloud keys). */
function bareEnvironment(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME };
}

function checkConfig(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'check-config', file], { cwd: tmpdir(), env: bareEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('examples/', () => {
  it('holds at least the demo configuration', () => {
    assert.ok(configurations.includes('demo.yaml'), configurations.join(', '));
  });

  for (const name of configurations) {
    it(`${name} passes check-config without any environment variable`, async () => {
      const result = await checkConfig(join(examples, name));
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /is valid\./);
      assert.doesNotMatch(result.stdout, /warnings \(/, 'an example shows no warnings');
    });
  }
});
