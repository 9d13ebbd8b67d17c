import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  countTokens,
  deterministicId,
  hashString,
  leadingWords,
  splitTokens,
  tokenPrefixLength,
} from './deterministic.ts';

describe('token rule', () => {
  it('splits at whitespace, keeps leading whitespace with the token, and caps runs at 8 characters', () => {
    assert.deepEqual(splitTokens('Hello world'), ['Hello', ' world']);
    assert.deepEqual(splitTokens('  two  spaces '), ['  two', '  spaces', ' ']);
    assert.deepEqual(splitTokens('deterministically'), ['determin', 'isticall', 'y']);
    assert.deepEqual(splitTokens('{"city":"Paris"}'), ['{"city":', '"Paris"}']);
    assert.deepEqual(splitTokens(''), []);
  });

  it('concatenates back to the text and agrees with countTokens and tokenPrefixLength', () => {
    const texts = ['', 'a', ' a ', 'line one\nline two\ttabbed', 'x'.repeat(50), 'emoji 😀😀😀😀😀 here', '   '];
    for (const text of texts) {
      const tokens = splitTokens(text);
      assert.equal(tokens.join(''), text);
      assert.equal(countTokens(text), tokens.length);
      for (let count = 0; count <= tokens.length + 1; count++) {
        assert.equal(text.slice(0, tokenPrefixLength(text, count)), tokens.slice(0, count).join(''));
      }
    }
  });

  it('never splits a surrogate pair', () => {
    for (const token of splitTokens('😀😀😀😀😀😀😀😀😀')) {
      const last = token.charCodeAt(token.length - 1);
      assert.ok(!(last >= 0xd800 && last <= 0xdbff), JSON.stringify(token));
    }
  });
});

describe('leadingWords', () => {
  it('quotes up to n words, collapsing whitespace, with ... when more follow', () => {
    assert.equal(leadingWords('  one\n two\tthree  ', 5), 'one two three');
    assert.equal(leadingWords('a b c d', 2), 'a b...');
    assert.equal(leadingWords('a b', 2), 'a b');
    assert.equal(leadingWords('', 3), '');
  });
});

describe('hashing and ids', () => {
  it('is stable and sensitive to input', () => {
    assert.equal(hashString('abc'), 0x1a47e90b);
    assert.notEqual(hashString('abc'), hashString('abd'));
    const id = deterministicId('call_', 24, 42);
    assert.match(id, /^call_[A-Za-z0-9]{24}$/);
    assert.equal(deterministicId('call_', 24, 42), id);
    assert.notEqual(deterministicId('call_', 24, 43), id);
  });
});
