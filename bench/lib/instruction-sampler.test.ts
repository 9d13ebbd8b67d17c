import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instructionsBetween, parsePerfLine } from './instruction-sampler.ts';

describe('parsePerfLine', () => {
  it('reads the count of an interval line and of a plain line', () => {
    assert.deepEqual(parsePerfLine('     0.100452735,1234567,,instructions,100229437,100.00,,', true), { endMs: 100.452735, count: 1234567 });
    assert.deepEqual(parsePerfLine('547287,,instructions:u,612345,100.00,0.86,insn per cycle', false), { endMs: 0, count: 547287 });
  });

  it('refuses counts perf could not take and lines that are not counts', () => {
    assert.equal(parsePerfLine('     0.100452735,<not counted>,,instructions,0,100.00,,', true), null);
    assert.equal(parsePerfLine('<not supported>,,instructions,0,100.00,,', false), null);
    assert.equal(parsePerfLine('# started on Sun Nov 22 01:00:00 2026', true), null);
    assert.equal(parsePerfLine('', true), null);
    assert.equal(parsePerfLine('     0.100452735,1000,,cycles,100229437,100.00,,', true), null);
  });
});

describe('instructionsBetween', () => {
  const intervals = [
    { endMs: 100, count: 1000 },
    { endMs: 200, count: 3000 },
    { endMs: 300, count: 500 },
  ];

  it('sums the intervals a window covers, and the share of the ones it cuts', () => {
    assert.equal(instructionsBetween(intervals, 0, 300), 4500);
    assert.equal(instructionsBetween(intervals, 100, 200), 3000);
    assert.equal(instructionsBetween(intervals, 150, 250), 1500 + 250);
    assert.equal(instructionsBetween(intervals, 50, 60), 100);
  });

  it('has nothing to say about a window the intervals do not reach yet', () => {
    assert.equal(instructionsBetween(intervals, 250, 301), null);
    assert.equal(instructionsBetween([], 0, 1), null);
  });

  it('spreads an uneven interval over its own span', () => {
    assert.equal(instructionsBetween([{ endMs: 100, count: 100 }, { endMs: 150, count: 500 }], 100, 125), 250);
  });
});
