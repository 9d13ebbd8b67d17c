import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load-config.ts';
import { gatewayConfig } from './gateway-config.ts';
import { parseOptions } from './options.ts';
import { computeChecks, computeUpstreamChecks, formatUpstreamComparison, targetLabel } from './report.ts';
import { AZURE_MODEL, MODEL } from './request-body.ts';
import { fixtureScenario } from './scenario-fixture.ts';

const scenario = fixtureScenario;

test('--upstream: default is today\'s openai-compatible only; both means both, in order; anything else is refused', () => {
  assert.deepEqual(parseOptions([]).upstreams, ['openai-compatible']);
  assert.equal(parseOptions([]).upstream, 'openai-compatible');
  assert.deepEqual(parseOptions(['--upstream', 'azure-openai']).upstreams, ['azure-openai']);
  assert.deepEqual(parseOptions(['--upstream', 'both']).upstreams, ['openai-compatible', 'azure-openai']);
  assert.throws(() => parseOptions(['--upstream', 'azure']), /--upstream: unknown value "azure"/);
});

test('labels: the OpenAI-compatible upstream keeps today\'s target names; Azure ones get -azure', () => {
  assert.equal(targetLabel('gateway', 'openai-compatible'), 'gateway');
  assert.equal(targetLabel('direct', 'azure-openai'), 'direct-azure');
});

test('azure / openai-compatible throughput: PASS at ≥ 90%, MISS below, n/a when one side failed', () => {
  const results = [
    scenario('gateway', 'openai-compatible', 'non-streaming', 1, 1000, 0.1),
    scenario('gateway', 'azure-openai', 'non-streaming', 1, 900, 0.11),
    scenario('gateway', 'openai-compatible', 'non-streaming', 64, 1000, 3),
    scenario('gateway', 'azure-openai', 'non-streaming', 64, 899, 3.5),
    scenario('gateway', 'openai-compatible', 'streaming', 1, 500, 0.2),
    { ...scenario('gateway', 'azure-openai', 'streaming', 1, 500, 0.2), ok: false, error: 'boom' },
  ];
  const checks = computeUpstreamChecks(results, [1, 64]);
  assert.deepEqual(
    checks.map((check) => [check.name, check.pass]),
    [
      ['non-streaming throughput @1 conn: gateway via azure-openai / via openai-compatible', true],
      ['non-streaming throughput @64 conn: gateway via azure-openai / via openai-compatible', false],
      ['streaming throughput @1 conn: gateway via azure-openai / via openai-compatible', null],
    ],
  );
  assert.equal(checks[0].value, 0.9);
});

test('the comparison says which way latency moved and by how much, and splits CPU per request', () => {
  const results = [
    scenario('direct', 'openai-compatible', 'non-streaming', 1, 4000, 0.03, { emulator: 0.8 }),
    scenario('gateway', 'openai-compatible', 'non-streaming', 1, 1000, 0.1, { emulator: 0.2, gateway: 0.6 }),
    scenario('direct', 'azure-openai', 'non-streaming', 1, 3000, 0.04, { 'azure-emulator': 0.8 }),
    scenario('gateway', 'azure-openai', 'non-streaming', 1, 800, 0.125, { 'azure-emulator': 0.2, gateway: 0.64 }),
  ];
  const text = formatUpstreamComparison(results, [1], computeUpstreamChecks(results, [1]));
  assert.match(text, /MISS {2}non-streaming throughput @1 conn: gateway via azure-openai \/ via openai-compatible = 80\.0%/);
  assert.match(text, /p50 0\.125 vs 0\.100 ms: 0\.025 ms \(25\.0%\) slower, more than 10%/);
  assert.match(text, /direct: Azure emulator \/ OpenAI emulator = 75\.0% \(3000 \/ 4000 req\/s\)/);
  // gateway keeps 800/3000 = 26.7% of direct via Azure, 1000/4000 = 25.0% via OpenAI-compatible.
  assert.match(text, /gateway\/direct 26\.7% via azure-openai vs 25\.0% via openai-compatible \(overhead ratio 106\.7%\)/);
  // CPU per request: gateway 600 µs vs 800 µs; emulators 200 vs 250 µs.
  assert.match(text, /\n +1 {2}non-streaming +600\.0 +800\.0 +133\.3% +200\.0 +250\.0 +125\.0% +800\.0 +1050\.0\n/);
});

test('instructions per request (perf stat) get their own table beside CPU time, and none when they were not counted', () => {
  const withInstructions = (result: ReturnType<typeof scenario>, perSecond: Record<string, number | null>) => ({ ...result, serverInstructions: perSecond });
  const results = [
    withInstructions(scenario('gateway', 'openai-compatible', 'streaming', 64, 1000, 5, { emulator: 0.3, gateway: 0.7 }), { emulator: 340e6, gateway: 690e6 }),
    withInstructions(scenario('gateway', 'azure-openai', 'streaming', 64, 900, 5.5, { 'azure-emulator': 0.35, gateway: 0.65 }), { 'azure-emulator': 351e6, gateway: 648e6 }),
  ];
  const text = formatUpstreamComparison(results, [64], computeUpstreamChecks(results, [64]));
  assert.match(text, /Instructions per request on core 1 during the gateway scenarios \(thousands; perf stat, hardware counters\)/);
  // gateway 690 vs 720 thousand per stream (104.3%); emulators 340 vs 390 (114.7%); sums 1030 vs 1110.
  assert.match(text, /\n +64 {2}streaming +690 +720 +104\.3% +340 +390 +114\.7% +1030 +1110\n/);
  assert.match(text, /Unlike CPU time they do not move with the machine's speed/);
  const without = results.map(({ serverInstructions: _, ...rest }) => rest);
  assert.doesNotMatch(formatUpstreamComparison(without, [64], computeUpstreamChecks(without, [64])), /Instructions per request/);
});

test('the issue\'s own targets are judged per upstream: with azure-openai alone, against floor-azure and direct-azure', () => {
  const results = [
    scenario('direct', 'azure-openai', 'non-streaming', 1, 4000, 0.03),
    scenario('floor', 'azure-openai', 'non-streaming', 1, 2000, 0.06),
    scenario('gateway', 'azure-openai', 'non-streaming', 1, 1000, 0.1),
    scenario('gateway', 'openai-compatible', 'non-streaming', 1, 100, 9),
  ];
  const [throughput, p50] = computeChecks(results, [1], 'azure-openai');
  assert.equal(throughput.name, 'non-streaming throughput @1 conn: gateway-azure / floor-azure');
  assert.equal(throughput.value, 0.5);
  assert.equal(p50.name, 'added latency @1 conn, p50: gateway-azure − direct-azure');
  assert.ok(Math.abs((p50.value ?? Number.NaN) - 0.07) < 1e-9);
  assert.equal(computeChecks(results, [1])[0].name, 'non-streaming throughput @1 conn: gateway / floor proxy');
});

test('--control (A/A run): only with --upstream both; the azure side\'s channel becomes a second openai-compatible one', () => {
  assert.equal(parseOptions(['--upstream', 'both']).control, false);
  assert.equal(parseOptions(['--upstream', 'both', '--control']).control, true);
  assert.throws(() => parseOptions(['--control']), /--control: .*--upstream both/);
  const control = parseConfig(gatewayConfig(8080, 9090, 9091, null, false, true));
  assert.equal(control.providers.get('azure')?.kind, 'openai-compatible');
  assert.match(JSON.stringify(control.providers.get('azure')), /http:\/\/127\.0\.0\.1:9091\/v1/);
  assert.deepEqual(control.models.get(AZURE_MODEL)?.channels.map((channel) => [channel.provider, channel.model]), [['azure', MODEL]]);
  const real = parseConfig(gatewayConfig(8080, 9090, 9091));
  assert.equal(real.providers.get('azure')?.kind, 'azure-openai');
});
