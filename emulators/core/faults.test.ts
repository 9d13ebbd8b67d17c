import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FaultSpecError, NO_FAULT, findFaultMarker, isNoFault, parseFault } from './faults.ts';

describe('parseFault', () => {
  it('parses every item of the grammar, with spaces and any case', () => {
    const fault = parseFault(' status=429 , Retry-After=2, retry-after-ms=1500, code=insufficient_quota ');
    assert.equal(fault.status, 429);
    assert.equal(fault.retryAfter, 2);
    assert.equal(fault.retryAfterMs, 1500);
    assert.equal(fault.code, 'insufficient_quota');
    assert.equal(fault.reset, false);
    const stream = parseFault('delay-headers=200, delay-chunks=15, cut-after=3, malformed');
    assert.deepEqual(
      [stream.delayHeaders, stream.delayChunks, stream.cutAfter, stream.malformed, stream.status],
      [200, 15, 3, true, 0],
    );
    assert.equal(parseFault('reset').reset, true);
    assert.equal(parseFault('cut-after=0').cutAfter, 0);
    assert.equal(parseFault('error-after=4').errorAfter, 4);
    assert.equal(parseFault('status=500').errorAfter, -1);
    assert.equal(parseFault('error-after=2, code=throttlingException').code, 'throttlingException');
  });

  it('treats empty and none as no fault', () => {
    assert.equal(parseFault(''), NO_FAULT);
    assert.equal(parseFault('none'), NO_FAULT);
    assert.ok(isNoFault(parseFault('  ')));
    assert.ok(!isNoFault(parseFault('malformed')));
  });

  it('rejects mistakes with a message that says what is wrong', () => {
    const cases: Array<[string, RegExp]> = [
      ['statuss=500', /unknown fault 'statuss'; known: status/],
      ['status', /'status' needs a value/],
      ['status=abc', /status must be an integer, got 'abc'/],
      ['status=200', /status must be between 400 and 599, got 200/],
      ['status=429,status=500', /'status' given twice/],
      ['reset=yes', /'reset' takes no value/],
      ['retry-after=2', /need status=<code>/],
      ['code=throttlingException', /code needs status=<code> or error-after=<n>/],
      ['delay-headers=-5', /delay-headers must be an integer/],
      ['delay-headers=9999999', /between 0 and 600000/],
      ['status=500,,reset', /empty item/],
      ['none, reset', /'none' cannot be combined/],
      ['status=429, code=has space', /code must be a word/],
    ];
    for (const [spec, message] of cases) {
      assert.throws(() => parseFault(spec), (error: unknown) => error instanceof FaultSpecError && message.test(error.message), spec);
      // Cached failures throw again.
      assert.throws(() => parseFault(spec), FaultSpecError);
    }
  });

  it('returns the same frozen object for the same spec', () => {
    const first = parseFault('status=503');
    assert.equal(parseFault('status=503'), first);
    assert.ok(Object.isFrozen(first));
  });
});

describe('findFaultMarker', () => {
  const body = (text: string) => Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: text }] }));

  it('finds an untargeted marker anywhere in the body', () => {
    assert.equal(findFaultMarker(body('hi [emulator-fault: status=500, retry-after=1] there'), 'openai', 1), 'status=500, retry-after=1');
  });

  it('applies a targeted marker only to the named emulator or port', () => {
    const text = body('[emulator-fault@bedrock: status=503] [emulator-fault@4321: reset]');
    assert.equal(findFaultMarker(text, 'bedrock', 1), 'status=503');
    assert.equal(findFaultMarker(text, 'openai', 4321), 'reset');
    assert.equal(findFaultMarker(text, 'openai', 1), undefined);
  });

  it('ignores bodies without a marker and unterminated markers', () => {
    assert.equal(findFaultMarker(body('nothing here'), 'openai', 1), undefined);
    assert.equal(findFaultMarker(Buffer.alloc(0), 'openai', 1), undefined);
    assert.equal(findFaultMarker(Buffer.from('[emulator-fault: status=500'), 'openai', 1), undefined);
  });
});
