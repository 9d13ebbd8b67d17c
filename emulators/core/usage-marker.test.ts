import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findUsageMarker, parseUsageSpec, type UsageDirective } from './usage-marker.ts';

function parsed(spec: string): UsageDirective {
  const directive = parseUsageSpec(spec);
  assert.equal(typeof directive, 'object', String(directive));
  return directive as UsageDirective;
}

describe('parseUsageSpec', () => {
  it('reads every item, separated by commas or spaces, with spaces around = and any case', () => {
    const directive = parsed(' cached=40 Reasoning = 12, cache-write=1000000000 ,repeat ');
    assert.deepEqual(
      [directive.cached, directive.reasoning, directive.cacheWrite, directive.repeat, directive.omit],
      [40, 12, 1_000_000_000, true, false],
    );
    assert.deepEqual([parsed('cached=0').cached, parsed('cached=0').reasoning, parsed('cached=0').cacheWrite], [0, undefined, undefined]);
    assert.equal(parsed('none').omit, true);
  });

  it('rejects mistakes with a message that says what is wrong', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /no item/],
      ['cache=4', /unknown item 'cache'; known: cached, cache-write, reasoning, repeat, none/],
      ['cached', /cached needs a token count from 0 to 1000000000/],
      ['cached=-1', /cached needs a token count/],
      ['cached=1.5', /cached needs a token count/],
      ['reasoning=1000000001', /reasoning needs a token count from 0 to 1000000000/],
      ['cached=1, cached=2', /'cached' given twice/],
      ['repeat=2', /'repeat' takes no value/],
      ['none, cached=3', /'none' cannot be combined/],
    ];
    for (const [spec, expected] of cases) {
      const problem = parseUsageSpec(spec);
      assert.equal(typeof problem, 'string', spec);
      assert.match(problem as string, expected, spec);
    }
  });
});

describe('findUsageMarker', () => {
  it('finds the marker anywhere in a body', () => {
    const body = Buffer.from('{"messages":[{"role":"user","content":"Hi [emulator-usage: cached=8, reasoning=3] there"}]}');
    const directive = findUsageMarker(body) as UsageDirective;
    assert.deepEqual([directive.cached, directive.reasoning, directive.spec], [8, 3, 'cached=8, reasoning=3']);
  });

  it('is undefined without a marker', () => {
    assert.equal(findUsageMarker(Buffer.from('{"content":"no marker [emulator-fault: reset]"}')), undefined);
    assert.equal(findUsageMarker(Buffer.alloc(0)), undefined);
  });

  it('reports a marker without its colon or closing bracket, or too long', () => {
    // 200 characters from the colon to the bracket are allowed, 201 are not.
    for (const text of ['[emulator-usage cached=1]', '[emulator-usage: cached=1', `[emulator-usage: ${' '.repeat(191)}cached=1]`]) {
      assert.match(String(findUsageMarker(Buffer.from(text))), /invalid usage marker: write \[emulator-usage: <items>\]/, text);
    }
    assert.equal((findUsageMarker(Buffer.from(`[emulator-usage: ${' '.repeat(190)}cached=1]`)) as UsageDirective).cached, 1);
  });
});
