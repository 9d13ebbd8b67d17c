import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, comparisonsFor, coreComparisons, formatComparison, formatResults, labelOf, table } from './report.ts';
import type { Comparison, ScenarioResult, TargetKey } from './report.ts';
import { fixtureScenario } from './scenario-fixture.ts';

const MIB = 1024 * 1024;
const direct: TargetKey = { target: 'direct', upstream: 'openai-compatible' };
const floor: TargetKey = { target: 'floor', upstream: 'openai-compatible' };
const gateway: TargetKey = { target: 'gateway', upstream: 'openai-compatible' };
const routed: TargetKey = { ...gateway, route: 'primary-first' };
const gatewayAzure: TargetKey = { target: 'gateway', upstream: 'azure-openai' };

const rss = (process: string, peakMiB: number, afterMiB: number) => ({ process, idleBefore: 100 * MIB, peak: peakMiB * MIB, after: afterMiB * MIB });

/** A made-up run: the gateway at exactly 75% of the floor at 64 connections, 69.9% streaming, 60% at one. */
function run(): ScenarioResult[] {
  return [
    fixtureScenario(direct, 'non-streaming', 1, 20_000, 0.03),
    fixtureScenario(floor, 'non-streaming', 1, 10_000, 0.1, { rss: rss('floor', 200, 150) }),
    fixtureScenario(gateway, 'non-streaming', 1, 6_000, 0.18, { rss: rss('gateway', 250, 180), serverCpu: { gateway: 0.6, emulator: 0.3 } }),
    fixtureScenario(direct, 'non-streaming', 64, 50_000, 1),
    fixtureScenario(floor, 'non-streaming', 64, 20_000, 3, { perRound: [18_000, 22_000], rss: rss('floor', 300, 200) }),
    fixtureScenario(gateway, 'non-streaming', 64, 15_000, 4, { perRound: [16_200, 13_800], rss: rss('gateway', 400, 250) }),
    fixtureScenario(direct, 'streaming', 1, 15_000, 0.05),
    fixtureScenario(gateway, 'streaming', 1, 5_000, 0.1),
    fixtureScenario(floor, 'streaming', 64, 10_000, 4),
    fixtureScenario(gateway, 'streaming', 64, 6_990, 5),
  ];
}

const verdicts = (comparison: Comparison, results: ScenarioResult[]) =>
  compare(results, comparison, [1, 64]).map((check) => [check.figure, check.mode, check.connections, check.pass]);

test('core targets against the floor: 60% at one connection, 75% at 64, streaming 70% at 64, RSS within 1.3×', () => {
  const [againstFloor] = coreComparisons('openai-compatible');
  assert.deepEqual(verdicts(againstFloor, run()), [
    ['throughput', 'non-streaming', 1, true],
    ['throughput', 'non-streaming', 64, true],
    ['throughput', 'streaming', 64, false],
    ['peak RSS', null, null, false],
    ['settled RSS', null, null, true],
  ]);
  const checks = compare(run(), againstFloor, [1, 64]);
  assert.equal(checks[1].value, 0.75);
  assert.deepEqual(checks[1].perRound, [13_800 / 22_000, 16_200 / 18_000]);
  assert.equal(checks[3].value, 400 / 300);
  assert.equal(checks[4].value, 250 / 200);
  // Just under 75% at 64 connections misses.
  const slower = run().map((result) => (result.target === 'gateway' && result.connections === 64 && result.mode === 'non-streaming' ? fixtureScenario(gateway, 'non-streaming', 64, 14_990, 4) : result));
  assert.equal(compare(slower, againstFloor, [64])[0].pass, false);
});

test('core targets against direct: added p50, p99 and time to first chunk in ms at one connection', () => {
  const [, againstDirect] = coreComparisons('openai-compatible');
  const checks = compare(run(), againstDirect, [1, 64]);
  assert.deepEqual(
    checks.map((check) => [check.figure, check.connections, Number(check.value?.toFixed(3)), check.pass]),
    [
      ['added p50', 1, 0.15, true],
      ['added p99', 1, 0.6, true],
      ['added TTFC p50', 1, 0.025, true],
    ],
  );
});

test('a side that failed or did not run leaves the figure n/a; a figure neither side ran is left out', () => {
  const results = run().map((result) => (labelOf(result) === 'floor' && result.connections === 1 ? { ...result, ok: false, error: 'boom' } : result));
  const [againstFloor] = coreComparisons('openai-compatible');
  const checks = compare(results, againstFloor, [1, 64]);
  assert.deepEqual([checks[0].value, checks[0].pass], [null, null]);
  assert.equal(compare(run(), againstFloor, [16]).some((check) => check.figure === 'throughput'), false);
});

test('a made-up comparison: the description alone decides targets, figures, thresholds and what is only reported', () => {
  const comparison: Comparison = {
    title: 'gateway-azure against gateway',
    subject: gatewayAzure,
    reference: gateway,
    thresholds: [
      { figure: 'throughput', mode: 'non-streaming', limit: 0.9 },
      { figure: 'added p50', mode: 'non-streaming', connections: 1, limit: null },
    ],
  };
  const results = [
    ...run(),
    fixtureScenario(gatewayAzure, 'non-streaming', 1, 5_400, 0.2),
    fixtureScenario(gatewayAzure, 'non-streaming', 64, 13_000, 4.4),
  ];
  assert.deepEqual(verdicts(comparison, results), [
    ['throughput', 'non-streaming', 1, true],
    ['throughput', 'non-streaming', 64, false],
    ['added p50', 'non-streaming', 1, null],
  ]);
  const text = formatComparison(comparison, compare(results, comparison, [1, 64]));
  const lines = text.split('\n');
  assert.equal(lines[0], 'gateway-azure against gateway:');
  assert.match(lines[1], /^verdict +figure +mode +conns +gateway-azure +gateway +value +target +per round$/);
  assert.match(lines[3], /^PASS +throughput +non-streaming +1 +5400 +6000 +90\.0% +≥ 90%/);
  assert.match(lines[4], /^MISS +throughput +non-streaming +64 +13000 +15000 +86\.7% +≥ 90%/);
  assert.match(lines[5], /^info +added p50 +non-streaming +1 +0\.200 +0\.180 +\+0\.020 ms +—/);
});

test('which comparisons a run judges follows --upstream and --routing; a routed result never stands in for gateway', () => {
  const titles = (upstreams: Parameters<typeof comparisonsFor>[0], routing = false) => comparisonsFor(upstreams, routing).map((comparison) => comparison.title);
  assert.equal(titles(['openai-compatible']).length, 2);
  assert.deepEqual(titles(['azure-openai']), [
    'gateway-azure against floor-azure (the least any Node gateway does)',
    'gateway-azure against direct-azure (what the hop adds)',
  ]);
  assert.equal(titles(['openai-compatible', 'azure-openai', 'vertex'], true).length, 7);
  const vertex = comparisonsFor(['openai-compatible', 'vertex'], false).at(-1)!;
  assert.deepEqual(
    vertex.thresholds.map((threshold) => [threshold.figure, 'mode' in threshold ? threshold.mode : null, threshold.limit]),
    [
      ['throughput', 'non-streaming', 0.6],
      ['throughput', 'streaming', null],
      ['added p50', 'non-streaming', null],
      ['added TTFC p50', 'streaming', null],
    ],
  );
  // Only the routed gateway ran at 64 connections: the core throughput there has no gateway figure.
  const results = [fixtureScenario(floor, 'non-streaming', 64, 20_000, 3), fixtureScenario(routed, 'non-streaming', 64, 19_000, 3)];
  const [againstFloor] = coreComparisons('openai-compatible');
  assert.deepEqual(compare(results, againstFloor, [64]).slice(0, 1).map((check) => [check.subjectValue, check.pass]), [[null, null]]);
});

test('the table builder pads every column to its widest cell, right-aligned unless told otherwise', () => {
  const text = table(
    [
      { header: 'name', cell: (row: [string, number]) => row[0], left: true },
      { header: 'n', cell: (row: [string, number]) => String(row[1]) },
    ],
    [['a', 1000], ['bbbbbb', 2]],
  );
  assert.equal(text, 'name       n\n------  ----\na       1000\nbbbbbb     2');
});

test('the results tables put each target beside its own upstream\'s floor and direct', () => {
  const text = formatResults(run(), [1, 64]);
  const gatewayRow = text.split('\n').find((line) => /^ +1 +gateway +6000 /.test(line));
  assert.ok(gatewayRow !== undefined, text);
  // 60% of the floor; +0.150 ms p50 over direct; 100 µs of its own CPU per request (0.6 core at 6000 req/s).
  assert.match(gatewayRow, / 60% /);
  assert.match(gatewayRow, / \+0\.150 /);
  assert.match(gatewayRow, / 100\.0 /);
  assert.match(text, /Streaming: TTFC/);
});
