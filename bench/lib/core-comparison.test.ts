import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareCoreFigures, compareCoreFiguresByRound, formatCoreComparison, judgeCoreFigures, median } from './core-comparison.ts';
import type { Check } from './report.ts';
import { fixtureScenario, latency } from './scenario-fixture.ts';

function check(name: string, value: number | null, unit: string): Check {
  return { name, detail: '', value, limit: 0, unit, pass: null };
}

const openai = [
  check('non-streaming throughput @1 conn: gateway / floor proxy', 0.8, 'ratio≥'),
  check('added latency @1 conn, p50: gateway − direct', 0.05, 'ms≤'),
  check('peak RSS under load (all scenarios): gateway / floor proxy', 0.7, 'ratio≤'),
  check('added latency @1 conn, p99: gateway − direct', -0.01, 'ms≤'),
];

test('core figures through Azure are judged against the same figures through the OpenAI-compatible upstream', () => {
  const azure = [
    check('non-streaming throughput @1 conn: gateway-azure / floor-azure', 0.73, 'ratio≥'),
    check('added latency @1 conn, p50: gateway-azure − direct-azure', 0.056, 'ms≤'),
    check('peak RSS under load (all scenarios): gateway-azure / floor-azure', 0.76, 'ratio≤'),
    check('added latency @1 conn, p99: gateway-azure − direct-azure', -0.0095, 'ms≤'),
  ];
  const checks = compareCoreFigures(openai, azure, 'azure-openai');
  assert.deepEqual(
    checks.map((c) => [c.name, c.pass]),
    [
      ['non-streaming throughput @1 conn', true], // 0.73 ≥ 0.72
      ['added latency @1 conn, p50', false], // 0.056 > 0.055
      ['peak RSS under load (all scenarios)', true], // 0.76 ≤ 0.77
      ['added latency @1 conn, p99', true], // -0.0095 ≤ -0.009: a negative reference gets its slack upwards too
    ],
  );
  assert.ok(Math.abs(checks[0].value! - 0.9125) < 1e-9);
  assert.ok(Math.abs(checks[1].value! - 0.05 / 0.056) < 1e-9);
  const text = formatCoreComparison(checks, 'Core figures:');
  assert.match(text, /PASS {2}non-streaming throughput @1 conn: azure-openai 73\.0% vs openai-compatible 80\.0%; at least 72\.0% \(91\.3% of the reference/);
  assert.match(text, /MISS {2}added latency @1 conn, p50: azure-openai \+0\.056 ms vs openai-compatible \+0\.050 ms; at most \+0\.055 ms/);
});

test('a figure missing on either side is not judged', () => {
  const checks = compareCoreFigures(openai, [check('non-streaming throughput @1 conn: gateway-azure / floor-azure', null, 'ratio≥')], 'azure-openai');
  assert.equal(checks.length, 1);
  assert.equal(checks[0].pass, null);
  assert.match(formatCoreComparison(checks, 't'), /n\/a +non-streaming throughput @1 conn: azure-openai not measured/);
});

test('the comparison is judged on the median of per-round shares; the pooled one stays in the detail', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  // Per round p50 (ms) of each target at 1 connection, non-streaming; five rounds.
  const rounds: Record<string, number[]> = {
    direct: [0.03, 0.03, 0.03, 0.03, 0.03],
    gateway: [0.08, 0.08, 0.08, 0.08, 0.08],
    'direct-azure': [0.03, 0.03, 0.03, 0.03, 0.03],
    // One slow round (the machine stalled while only this target ran); the other rounds add what the reference adds.
    'gateway-azure': [0.08, 0.08, 0.2, 0.08, 0.081],
  };
  const build = (target: 'direct' | 'floor' | 'gateway', upstream: 'openai-compatible' | 'azure-openai', pooledP50: number, perRoundP50: number[]) => {
    const result = fixtureScenario(target, upstream, 'non-streaming', 1, 1000, pooledP50, {}, undefined, perRoundP50.map(() => 1000));
    result.load!.segments.forEach((segment, index) => {
      segment.latency = latency(perRoundP50[index], perRoundP50[index] * 4);
    });
    return result;
  };
  const results = [
    build('direct', 'openai-compatible', 0.03, rounds.direct),
    build('floor', 'openai-compatible', 0.07, [0.07, 0.07, 0.07, 0.07, 0.07]),
    build('gateway', 'openai-compatible', 0.08, rounds.gateway),
    build('direct', 'azure-openai', 0.03, rounds['direct-azure']),
    build('floor', 'azure-openai', 0.07, [0.07, 0.07, 0.07, 0.07, 0.07]),
    // Pooled, the slow round drags the p50 up by 10 µs: +0.060 against +0.050 is 83%, a miss.
    build('gateway', 'azure-openai', 0.09, rounds['gateway-azure']),
  ];
  const checks = compareCoreFiguresByRound(results, [1], 'azure-openai');
  const p50 = checks.find((check) => check.name === 'added latency @1 conn, p50')!;
  assert.equal(p50.pass, true);
  assert.equal(p50.value, 1); // the median round adds +0.050 on both sides
  assert.match(p50.detail, /pooled 83\.3%; per round 29\.4%–100\.0% \(5 rounds\)/);
  assert.match(formatCoreComparison([p50], 't'), /PASS {2}added latency @1 conn, p50: .*\(100\.0% of the reference, median over rounds; target ≥ 90%\)/);

  // A cost paid in every round is not hidden: +0.056 against +0.050 in each round misses.
  results[5] = build('gateway', 'azure-openai', 0.086, [0.086, 0.086, 0.086, 0.086, 0.086]);
  const steady = compareCoreFiguresByRound(results, [1], 'azure-openai').find((check) => check.name === 'added latency @1 conn, p50')!;
  assert.equal(steady.pass, false);
  assert.ok(Math.abs(steady.value! - 0.05 / 0.056) < 1e-9);

  // A target with fewer rounds than the others limits the pairing to the rounds all of them ran.
  results[0].load!.segments.pop();
  const fewer = compareCoreFiguresByRound(results, [1], 'azure-openai').find((check) => check.name === 'added latency @1 conn, p50')!;
  assert.match(fewer.detail, /\(4 rounds\)/);
});

test('latency figures are judged on the interleaved load when there is one; throughput and RSS stay on the rounds', () => {
  const results = [
    fixtureScenario('direct', 'openai-compatible', 'non-streaming', 1, 1000, 0.03),
    fixtureScenario('floor', 'openai-compatible', 'non-streaming', 1, 1000, 0.07),
    fixtureScenario('gateway', 'openai-compatible', 'non-streaming', 1, 800, 0.08),
    fixtureScenario('direct', 'azure-openai', 'non-streaming', 1, 1000, 0.03),
    fixtureScenario('floor', 'azure-openai', 'non-streaming', 1, 1000, 0.07),
    // In the rounds, the Azure gateway's target caught a slow stretch: +0.070 against +0.050 ms, 71%.
    fixtureScenario('gateway', 'azure-openai', 'non-streaming', 1, 780, 0.1),
  ];
  const measured = (label: string, p50: number) => ({ label, recorded: 1000, failures: 0, firstError: null, latency: latency(p50, p50 * 2), timeToFirstChunk: null });
  const interleaved = [
    {
      streaming: false,
      windowSeconds: 1,
      // Request by request, the two gateways add +0.050 and +0.052 ms.
      targets: [measured('direct', 0.03), measured('direct-azure', 0.031), measured('gateway', 0.08), measured('gateway-azure', 0.083)],
    },
  ];
  const checks = judgeCoreFigures(results, [1], 'azure-openai', interleaved);
  const p50 = checks.find((check) => check.name === 'added latency @1 conn, p50')!;
  assert.equal(p50.pass, true);
  assert.ok(Math.abs(p50.value! - 0.05 / 0.052) < 1e-9);
  assert.match(p50.detail, /^interleaved: azure-openai \+0\.052 ms vs openai-compatible \+0\.050 ms; at most \+0\.055 ms; rounds: pooled 71\.4%; per round 71\.4%–71\.4% \(2 rounds\), median 71\.4%$/);
  assert.match(formatCoreComparison([p50], 't'), /\(96\.2% of the reference, interleaved; target ≥ 90%\)/);
  // p99 from the interleaved load too (p99 = 2 × p50 there): +0.104 against +0.100 ms.
  const p99 = checks.find((check) => check.name === 'added latency @1 conn, p99')!;
  assert.ok(Math.abs(p99.value! - 0.1 / 0.104) < 1e-9);
  // Throughput is not a latency figure: it stays on the rounds (780/1000 against 800/1000).
  const throughput = checks.find((check) => check.name === 'non-streaming throughput @1 conn')!;
  assert.ok(Math.abs(throughput.value! - 0.975) < 1e-9);
  assert.doesNotMatch(throughput.detail, /interleaved/);
  // Without an interleaved load, every figure is judged on the rounds.
  assert.equal(judgeCoreFigures(results, [1], 'azure-openai', []).find((check) => check.name === 'added latency @1 conn, p50')!.pass, false);
});
