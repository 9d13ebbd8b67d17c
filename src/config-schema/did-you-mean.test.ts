import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestName, didYouMean, editDistance } from './did-you-mean.ts';

test('editDistance counts insertions, deletions, substitutions and adjacent transpositions as one edit each', () => {
  assert.equal(editDistance('', ''), 0);
  assert.equal(editDistance('abc', ''), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('azur', 'azure'), 1);
  assert.equal(editDistance('base_url', 'base_ur'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('opneai', 'openai'), 1, 'a transposition is one edit');
  assert.equal(editDistance('ca', 'abc'), 3, 'optimal string alignment: no edits inside a transposed pair');
});

test('closestName suggests typos, ignoring case, "_" and "-"', () => {
  assert.equal(closestName('azur', ['openai', 'azure']), 'azure');
  assert.equal(closestName('opneai', ['openai', 'openai-compatible']), 'openai');
  assert.equal(closestName('baseUrl', ['kind', 'base_url', 'auth']), 'base_url');
  assert.equal(closestName('MAX-BODY-BYTES', ['max_body_bytes']), 'max_body_bytes');
});

test('closestName prefers the nearest candidate and, on a tie, the first listed', () => {
  assert.equal(closestName('hosts', ['host', 'hostss']), 'host');
  assert.equal(closestName('ab', ['ac', 'ad']), 'ac');
});

test('closestName stays quiet when nothing is close', () => {
  assert.equal(closestName('vertex', ['openai', 'azure']), undefined);
  assert.equal(closestName('a', ['b']), undefined, 'replacing every character is no typo');
  assert.equal(closestName('', ['a']), undefined);
  assert.equal(closestName('abcdefgh', ['zyxwvuts']), undefined);
  assert.equal(closestName('openai', ['openai']), undefined, 'the name itself is no suggestion');
});

test('closestName suggests the one name an input is the start of', () => {
  assert.equal(closestName('azure', ['azure-eastus', 'openai']), 'azure-eastus');
  assert.equal(closestName('azure', ['azure-eastus', 'azure-westus']), undefined, 'ambiguous prefixes suggest nothing');
  assert.equal(closestName('az', ['azure-eastus']), undefined, 'too short a prefix');
});

test('didYouMean formats the hint or returns nothing', () => {
  assert.equal(didYouMean('azur', ['azure']), '; did you mean "azure"?');
  assert.equal(didYouMean('zzz', ['azure']), '');
});
