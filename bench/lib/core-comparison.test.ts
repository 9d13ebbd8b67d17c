import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareCoreFigures, formatCoreComparison } from './core-comparison.ts';
import type { Check } from './report.ts';

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
