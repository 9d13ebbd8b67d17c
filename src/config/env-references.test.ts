import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { protectReferences, restoreTree, substituteString, substituteTree } from './env-references.ts';

const env = { KEY: 'sk-123', EMPTY: '', HOST: 'example.com' };

test('${NAME} is replaced by the variable, anywhere in the text, as often as it appears', () => {
  assert.deepEqual(substituteString('${KEY}', env), { value: 'sk-123', inserted: ['sk-123'], problems: [], touched: true });
  assert.equal(substituteString('https://${HOST}/v1?k=${KEY}', env).value, 'https://example.com/v1?k=sk-123');
  assert.equal(substituteString('${EMPTY}', env).value, '', 'a set but empty variable is used as it is');
});

test('${NAME:-default} uses the default when the variable is unset or empty', () => {
  assert.equal(substituteString('${MISSING:-fallback}', env).value, 'fallback');
  assert.equal(substituteString('${EMPTY:-fallback}', env).value, 'fallback');
  assert.equal(substituteString('${KEY:-fallback}', env).value, 'sk-123');
  assert.equal(substituteString('${MISSING:-}', env).value, '');
  assert.equal(substituteString('${MISSING:-http://h:1/v1}', env).value, 'http://h:1/v1', 'defaults may contain ":"');
});

test('$${ is a literal ${, and a lone $ is left alone', () => {
  assert.deepEqual(substituteString('$${KEY}', env), { value: '${KEY}', inserted: [], problems: [], touched: true });
  assert.equal(substituteString('cost: $5, ${KEY}', env).value, 'cost: $5, sk-123');
  assert.equal(substituteString('price$', env).value, 'price$');
  assert.equal(substituteString('no references', env).touched, false);
});

test('a missing variable without a default is a problem naming it, never its value', () => {
  const result = substituteString('Bearer ${OPENAI_API_KEY}', env);
  assert.deepEqual(result.problems, ['environment variable OPENAI_API_KEY is not set']);
  assert.equal(result.value, 'Bearer ${OPENAI_API_KEY}', 'the reference stays, so later checks see a present value');
});

test('malformed and unterminated references are problems', () => {
  assert.match(substituteString('${1ABC}', env).problems[0], /^malformed environment reference "\$\{1ABC\}": expected/);
  assert.match(substituteString('${}', env).problems[0], /^malformed environment reference/);
  assert.match(substituteString('${KEY-x}', env).problems[0], /^malformed environment reference "\$\{KEY-x\}"/);
  assert.match(substituteString('abc ${KEY', env).problems[0], /^unterminated environment reference/);
});

test('substituteTree resolves string values at every depth, keeps keys, and records paths', () => {
  const tree = { a: { b: ['x', '${KEY}', 3, true, null] }, '${KEY}': 'plain', c: '${NOPE}' };
  const result = substituteTree(tree, env);
  assert.deepEqual(result.value, { a: { b: ['x', 'sk-123', 3, true, null] }, '${KEY}': 'plain', c: '${NOPE}' });
  assert.deepEqual(result.problems, [{ path: ['c'], message: 'environment variable NOPE is not set' }]);
  assert.deepEqual(
    result.substitutions.map((substitution) => [substitution.path, substitution.raw, substitution.value]),
    [
      [['a', 'b', 1], '${KEY}', 'sk-123'],
      [['c'], '${NOPE}', '${NOPE}'],
    ],
  );
  assert.deepEqual(tree.a.b[1], '${KEY}', 'the input is not modified');
});

test('substituteTree treats "__proto__" as an ordinary key', () => {
  const tree = JSON.parse('{"__proto__": {"polluted": "${KEY}"}}') as unknown;
  const result = substituteTree(tree, env).value as Record<string, unknown>;
  assert.deepEqual(Object.keys(result), ['__proto__']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('protectReferences lets unquoted references stand inside YAML flow collections', () => {
  const text = 'auth: { api_key: ${OPENAI_API_KEY}, other: ${A:-x, [y]: #z} }\nlist: [${B}, $${C}]\nquoted: "${D}"  # ${comment}\n';
  const shielded = protectReferences(text);
  assert.equal(shielded.text.length, text.length, 'same length, so YAML positions stay right');
  const parsed = restoreTree(parse(shielded.text), shielded.restore);
  assert.deepEqual(parsed, {
    auth: { api_key: '${OPENAI_API_KEY}', other: '${A:-x, [y]: #z}' },
    list: ['${B}', '$${C}'],
    quoted: '${D}',
  });
  assert.throws(() => parse(text), 'without protection the same text is not valid YAML');
});

test('protectReferences leaves text without references, or with its private-use characters, untouched', () => {
  assert.equal(protectReferences('a: { b: c }').text, 'a: { b: c }');
  const odd = 'a: "\uE000" \nb: ${X}';
  assert.equal(protectReferences(odd).text, odd);
});
