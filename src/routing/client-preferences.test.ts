import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../errors/index.ts';
import { parsePreferencesBody, parsePreferencesHeader, readClientPreferences, withoutGatewayExtension } from './client-preferences.ts';

function rejects(run: () => unknown, param: string, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.status, 400);
    assert.equal(error.param, param);
    assert.match(error.message, message);
    return true;
  });
}

describe('client preferences: header', () => {
  it('parses every key, tolerating whitespace', () => {
    const preferences = parsePreferencesHeader(' only = azure-eastus , bedrock-use1 ; ignore=vertex-usc1;order=bedrock-use1; require_region=EU,us ; allow_fallbacks=false; zdr=true ');
    assert.deepEqual(preferences, {
      only: ['azure-eastus', 'bedrock-use1'],
      ignore: ['vertex-usc1'],
      order: ['bedrock-use1'],
      requireRegion: ['eu', 'us'],
      allowFallbacks: false,
      zeroRetention: true,
    });
  });

  it('is absent when the header is', () => {
    assert.equal(parsePreferencesHeader(undefined), undefined);
    assert.equal(parsePreferencesHeader('  '), undefined);
  });

  it('defaults what is not given', () => {
    assert.deepEqual(parsePreferencesHeader('ignore=a'), { only: undefined, ignore: ['a'], order: undefined, requireRegion: undefined, allowFallbacks: true, zeroRetention: false });
  });

  it('names the offending key', () => {
    rejects(() => parsePreferencesHeader('onyl=a'), 'x-interchange-providers', /Unknown x-interchange-providers key "onyl"; did you mean "only"\?/);
    rejects(() => parsePreferencesHeader('allow_fallbacks=maybe'), 'x-interchange-providers.allow_fallbacks', /expected true or false, got "maybe"/);
    rejects(() => parsePreferencesHeader('only='), 'x-interchange-providers.only', /at least one provider/);
    rejects(() => parsePreferencesHeader('only=a,,b'), 'x-interchange-providers.only', /non-empty provider name/);
    rejects(() => parsePreferencesHeader('ignore=a;ignore=b'), 'x-interchange-providers.ignore', /given twice/);
    rejects(() => parsePreferencesHeader('zdr'), 'x-interchange-providers.zdr', /needs a value/);
    rejects(() => parsePreferencesHeader('only=a b'), 'x-interchange-providers.only', /is not a provider name/);
  });
});

describe('client preferences: body extension', () => {
  it('parses interchange.providers', () => {
    const body = { model: 'gpt-4o', interchange: { providers: { only: ['azure-eastus'], order: ['azure-eastus'], require_region: ['EU'], allow_fallbacks: false, zdr: true } } };
    assert.deepEqual(parsePreferencesBody(body), { only: ['azure-eastus'], ignore: undefined, order: ['azure-eastus'], requireRegion: ['eu'], allowFallbacks: false, zeroRetention: true });
    assert.equal(parsePreferencesBody({ model: 'gpt-4o' }), undefined);
    assert.equal(parsePreferencesBody({ interchange: {} }), undefined);
  });

  it('names the offending field, with its index', () => {
    rejects(() => parsePreferencesBody({ interchange: 'azure' }), 'interchange', /expected an object/);
    rejects(() => parsePreferencesBody({ interchange: { provider: {} } }), 'interchange.provider', /Unknown field "interchange.provider"/);
    rejects(() => parsePreferencesBody({ interchange: { providers: [] } }), 'interchange.providers', /expected an object/);
    rejects(() => parsePreferencesBody({ interchange: { providers: { igonre: ['a'] } } }), 'interchange.providers.igonre', /did you mean "ignore"\?/);
    rejects(() => parsePreferencesBody({ interchange: { providers: { only: 'azure' } } }), 'interchange.providers.only', /expected an array of names/);
    rejects(() => parsePreferencesBody({ interchange: { providers: { only: ['a', 7] } } }), 'interchange.providers.only[1]', /non-empty provider name/);
    rejects(() => parsePreferencesBody({ interchange: { providers: { allow_fallbacks: 'no' } } }), 'interchange.providers.allow_fallbacks', /expected a boolean/);
    rejects(() => parsePreferencesBody({ interchange: { providers: { require_region: [] } } }), 'interchange.providers.require_region', /at least one region/);
  });
});

describe('client preferences: both sources', () => {
  it('lets each body field replace the header one', () => {
    const preferences = readClientPreferences('only=a,b; ignore=c; allow_fallbacks=false', { interchange: { providers: { only: ['b'] } } });
    assert.deepEqual(preferences, { only: ['b'], ignore: ['c'], order: undefined, requireRegion: undefined, allowFallbacks: false, zeroRetention: false });
  });

  it('is undefined without either', () => {
    assert.equal(readClientPreferences(undefined, { model: 'x' }), undefined);
  });

  it('validates both', () => {
    rejects(() => readClientPreferences('zdr=yes', {}), 'x-interchange-providers.zdr', /true or false/);
  });
});

describe('withoutGatewayExtension', () => {
  it('returns the body without the extension, and the same object when it has none', () => {
    const body = { model: 'gpt-4o', messages: [], interchange: { providers: { only: ['a'] } }, temperature: 0 };
    const stripped = withoutGatewayExtension(body);
    assert.deepEqual(stripped, { model: 'gpt-4o', messages: [], temperature: 0 });
    assert.ok('interchange' in body, 'the original is untouched');
    const plain = { model: 'gpt-4o' };
    assert.equal(withoutGatewayExtension(plain), plain);
  });
});
