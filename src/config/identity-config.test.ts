/**
 * `store:`, `auth:` and `admin:`: their defaults, their values, and the rule that keeps a gateway without keys on
 * loopback unless the operator says otherwise.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { problemsOf as problemsWith } from './config-problems.ts';
import { parseConfig } from './load-config.ts';

const models = 'providers: { p: { kind: openai-compatible, base_url: "http://p/v1" } }\nmodels: { m: { channels: [ { provider: p, model: a } ] } }\n';

function problemsOf(text: string): string[] {
  return problemsWith(text + models);
}

test('the defaults: keys required, the SQLite file under ./data, no admin token', () => {
  const config = parseConfig(models, { env: {} });
  assert.deepEqual(config.auth, { clients: 'keys', allowPublicWithoutKeys: false });
  assert.deepEqual(config.store, { kind: 'sqlite', path: './data/interchange.db' });
  assert.deepEqual(config.admin, { tokens: {} });
});

test('every field, as written', () => {
  const config = parseConfig('store: { kind: memory }\nauth: { clients: none }\nadmin: { tokens: { ops: ${TOKEN}, ci: a-second-token-of-16 } }\n' + models, {
    env: { TOKEN: 'an-admin-token-from-the-env' },
  });
  assert.equal(config.store.kind, 'memory');
  assert.equal(config.auth.clients, 'none');
  assert.deepEqual(config.admin.tokens, { ops: 'an-admin-token-from-the-env', ci: 'a-second-token-of-16' });
});

test('no keys is refused off loopback unless allowed, and accepted on loopback', () => {
  for (const listen of ['0.0.0.0:8080', '10.1.2.3:8080', '[::]:8080']) {
    const problems = problemsOf(`listen: "${listen}"\nauth: { clients: none }\n`);
    assert.equal(problems.length, 1, listen);
    assert.match(problems[0], /^auth\.clients: "none" lets anyone who reaches .* call every model/);
  }
  for (const listen of ['127.0.0.1:8080', '127.0.0.2:9000', 'localhost:8080', '[::1]:8080']) {
    assert.equal(parseConfig(`listen: "${listen}"\nauth: { clients: none }\n` + models, { env: {} }).auth.clients, 'none', listen);
  }
  assert.equal(parseConfig('listen: "0.0.0.0:8080"\nauth: { clients: none, allow_public_without_keys: true }\n' + models, { env: {} }).auth.allowPublicWithoutKeys, true);
  assert.equal(parseConfig('listen: "0.0.0.0:8080"\n' + models, { env: {} }).auth.clients, 'keys', 'keys are fine anywhere');
});

test('an admin token must be at least 16 characters; a mistyped field gets a suggestion', () => {
  assert.match(problemsOf('admin: { tokens: { ops: exactly-15-char } }\n')[0], /^admin\.tokens\.ops: an admin token must be at least 16 characters/);
  assert.equal(parseConfig('admin: { tokens: { ops: exactly-16-chars } }\n' + models, { env: {} }).admin.tokens.ops, 'exactly-16-chars');
  assert.match(problemsOf('auth: { mode: none }\n')[0], /did you mean "clients"/);
  assert.match(problemsOf('auth: { clients: nobody }\n')[0], /^auth\.clients: /);
  assert.match(problemsOf('store: { kind: postgres }\n')[0], /^store\.kind: /);
});
