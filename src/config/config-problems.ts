/** For configuration tests: the problems a configuration text is refused with, as `path: message` lines. */
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from './load-config.ts';

export function problemsOf(text: string): string[] {
  try {
    parseConfig(text, { env: {} });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
  }
  assert.fail('expected the configuration to be rejected');
}
