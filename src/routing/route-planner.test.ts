import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBreakerStore, MemoryCapacityStore, MemoryCounterStore, MemoryLatencyStore } from '../store/index.ts';
import { parsePreferencesHeader } from './client-preferences.ts';
import { ConfiguredDeclineRule } from './decline-rules.ts';
import { ConfiguredLicenceBook } from './licences.ts';
import { compileModelRoute } from './model-route.ts';
import { noRouteError } from './no-route-error.ts';
import { reasonText } from './pass-reasons.ts';
import { capacityExceeded, planRoute, rendezvousPick } from './route-planner.ts';
import type { ModelRoute, PreferRule, RequestFeatures, RouteChannel, RouteChannelSpec, RouteInput, RoutePolicyName, RouteState } from './routing-types.ts';
import { seededRandom } from './seeded-random.ts';

const noon = Date.UTC(2030, 5, 14, 12, 0); // a Friday

function route(policy: RoutePolicyName, channels: RouteChannelSpec[], extra: { sticky?: boolean } = {}): ModelRoute {
  return compileModelRoute({ model: 'gpt-4o', policy, channels, ...extra });
}

const spec = (provider: string, extra: Partial<RouteChannelSpec> = {}): RouteChannelSpec => ({ provider, upstreamModel: 'gpt-4o', ...extra });

function features(extra: Partial<RequestFeatures> = {}): RequestFeatures {
  return {
    vision: false,
    images: 0,
    tools: false,
    jsonSchema: false,
    streaming: false,
    promptTokens: 100,
    promptTokensExact: false,
    promptTokensUpperBound: 400,
    maxOutputTokens: undefined,
    ...extra,
  };
}

function input(model: ModelRoute, extra: Partial<RouteInput> = {}, state: RouteState = {}): RouteInput {
  return { route: model, request: features(), state, now: noon, random: seededRandom(1), ...extra };
}

const providers = (channels: readonly RouteChannel[]): string[] => channels.map((channel) => channel.provider);
const byProvider = (model: ModelRoute, provider: string): RouteChannel => model.channels.find((channel) => channel.provider === provider)!;

describe('planRoute: fast paths', () => {
  it('returns the route order itself and a shared empty skipped list when every channel is ready', () => {
    const single = route('ordered', [spec('azure')]);
    const first = planRoute(input(single));
    const second = planRoute(input(single));
    assert.equal(first.candidates, single.order);
    assert.equal(first.skipped.length, 0);
    assert.equal(first.skipped, second.skipped);

    const primaryFirst = route('primary-first', [spec('bedrock'), spec('azure', { primary: true }), spec('vertex')]);
    const plan = planRoute(input(primaryFirst, {}, { breakers: new MemoryBreakerStore(), capacity: new MemoryCapacityStore() }));
    assert.equal(plan.candidates, primaryFirst.order);
    assert.deepEqual(providers(plan.candidates), ['azure', 'bedrock', 'vertex']);
  });

  it('estimates the tokens to record: prompt plus the output limit, or the expected output', () => {
    const model = route('ordered', [spec('azure')]);
    assert.equal(planRoute(input(model, { request: features({ promptTokens: 500 }) })).estimatedTokens, 500 + 1_024);
    assert.equal(planRoute(input(model, { request: features({ promptTokens: 500, maxOutputTokens: 200 }) })).estimatedTokens, 700);
  });
});

describe('planRoute: primary-first', () => {
  const model = route('primary-first', [
    spec('bedrock'),
    spec('azure', { primary: true, capacity: { tpm: 2_000_000 }, capabilities: { vision: false }, declineRules: [new ConfiguredDeclineRule({ name: 'night-batch', when: { hours: { startMinute: 22 * 60, endMinute: 6 * 60 } } })] }),
    spec('vertex'),
  ]);
  const azure = byProvider(model, 'azure');

  it('gives the primary first call while it is healthy', () => {
    const plan = planRoute(input(model, {}, { breakers: new MemoryBreakerStore() }));
    assert.deepEqual(providers(plan.candidates), ['azure', 'bedrock', 'vertex']);
    assert.equal(plan.trace.primaryPassover(), undefined);
    assert.equal(plan.trace.passoverLabel(), undefined);
  });

  it('passes the primary over as unable when its circuit is open', () => {
    const breakers = new MemoryBreakerStore({ failureRate: 0.5, minimumRequests: 2, windowMs: 10_000, openForMs: 30_000, halfOpenProbes: 1 });
    breakers.record(azure.id, 'failure', noon - 1_000);
    breakers.record(azure.id, 'failure', noon - 500);
    const plan = planRoute(input(model, {}, { breakers }));
    assert.deepEqual(providers(plan.candidates), ['bedrock', 'vertex']);
    assert.equal(reasonText(plan.skipped[0].reason), 'unable: circuit open');
    assert.equal(plan.trace.passoverLabel(), 'unable_circuit_open');
  });

  it('passes the primary over as unable when it lacks a capability', () => {
    const plan = planRoute(input(model, { request: features({ vision: true, images: 1 }) }));
    assert.deepEqual(providers(plan.candidates), ['bedrock', 'vertex']);
    assert.equal(reasonText(plan.trace.primaryPassover()!), 'unable: no vision');
    assert.equal(plan.trace.passoverLabel(), 'unable_vision');
  });

  it('tries a primary cooling down after a 429 last, as unable with the time left', () => {
    const cooldowns = { remainingMs: (key: string) => (key === azure.id ? 1_500 : 0) };
    const plan = planRoute(input(model, {}, { cooldowns }));
    assert.deepEqual(providers(plan.candidates), ['bedrock', 'vertex', 'azure']);
    assert.equal(reasonText(plan.skipped[0].reason), 'unable: 429 retry-after 2s');
    assert.equal(plan.skipped[0].deferred, true);
    assert.equal(plan.trace.passoverLabel(), 'unable_429');
  });

  it('passes the primary over as declining when its capacity window is full', () => {
    const capacity = new MemoryCapacityStore();
    capacity.record(azure.id, 1_999_500, 1, noon - 10_000);
    const plan = planRoute(input(model, { request: features({ promptTokens: 400, maxOutputTokens: 200 }) }, { capacity }));
    assert.deepEqual(providers(plan.candidates), ['bedrock', 'vertex']);
    assert.equal(reasonText(plan.skipped[0].reason), 'declined: capacity tpm 2,000,000 reached');
    assert.equal(plan.trace.passoverLabel(), 'declined_tpm');
    // A smaller request still fits.
    assert.deepEqual(providers(planRoute(input(model, { request: features({ promptTokens: 100, maxOutputTokens: 100 }) }, { capacity })).candidates)[0], 'azure');
  });

  it('passes the primary over as declining when a decline rule matches', () => {
    const night = Date.UTC(2030, 5, 14, 23, 30);
    const plan = planRoute(input(model, { now: night }));
    assert.equal(reasonText(plan.skipped[0].reason), 'declined: rule night-batch');
    assert.equal(plan.trace.passoverLabel(), 'declined_rule');
    assert.equal(providers(planRoute(input(model)).candidates)[0], 'azure');
  });

  it('names the unable reason before the declined one', () => {
    const breakers = new MemoryBreakerStore({ failureRate: 0.5, minimumRequests: 1, windowMs: 10_000, openForMs: 30_000, halfOpenProbes: 1 });
    breakers.record(azure.id, 'failure', noon);
    const capacity = new MemoryCapacityStore();
    capacity.record(azure.id, 2_000_000, 1, noon);
    assert.equal(planRoute(input(model, {}, { breakers, capacity })).trace.passoverLabel(), 'unable_circuit_open');
  });
});

describe('capacityExceeded', () => {
  const key = 'azure/gpt-4o';

  it('declines the request that would exceed the tokens per minute', () => {
    const window = new MemoryCapacityStore();
    window.record(key, 600, 1, 0);
    assert.equal(capacityExceeded({ tpm: 1_000, rpm: undefined }, window, key, 400, 1_000), undefined);
    assert.equal(capacityExceeded({ tpm: 1_000, rpm: undefined }, window, key, 401, 1_000), 'tpm');
  });

  it('declines the request over the requests per minute', () => {
    const window = new MemoryCapacityStore();
    const limits = { tpm: undefined, rpm: 2 };
    window.record(key, 1, 1, 0);
    assert.equal(capacityExceeded(limits, window, key, 1, 0), undefined);
    window.record(key, 1, 1, 0);
    assert.equal(capacityExceeded(limits, window, key, 1, 0), 'rpm');
  });

  it('names tokens first when both limits are reached', () => {
    const window = new MemoryCapacityStore();
    window.record(key, 1_000, 10, 0);
    assert.equal(capacityExceeded({ tpm: 1_000, rpm: 10 }, window, key, 1, 0), 'tpm');
    assert.equal(capacityExceeded({ tpm: 2_000, rpm: 10 }, window, key, 1, 0), 'rpm');
  });

  it('rolls over: usage counts for a minute, then leaves the window', () => {
    const window = new MemoryCapacityStore();
    window.record(key, 1_000, 1, 0);
    assert.equal(capacityExceeded({ tpm: 1_000, rpm: 10 }, window, key, 1, 59_999), 'tpm');
    assert.equal(capacityExceeded({ tpm: 1_000, rpm: 10 }, window, key, 1, 60_000), undefined);
  });

  it('is checked only for channels that declare a capacity', () => {
    const model = route('ordered', [spec('a', { capacity: { tpm: 100 } }), spec('b')]);
    const [a, b] = model.channels;
    const capacity = new MemoryCapacityStore();
    capacity.record(a.id, 100, 1, noon);
    capacity.record(b.id, 1_000_000, 1, noon);
    const plan = planRoute(input(model, {}, { capacity }));
    assert.deepEqual(providers(plan.candidates), ['b']);
    assert.equal(reasonText(plan.skipped[0].reason), 'declined: capacity tpm 100 reached');
  });
});

describe('planRoute: ordered and round-robin', () => {
  it('keeps configuration order, skipping what cannot serve', () => {
    const model = route('ordered', [spec('a'), spec('b', { capabilities: { tools: false } }), spec('c')]);
    const plan = planRoute(input(model, { request: features({ tools: true }) }));
    assert.deepEqual(providers(plan.candidates), ['a', 'c']);
    assert.equal(reasonText(plan.skipped[0].reason), 'unable: no tools');
    assert.equal(plan.trace.passoverLabel(), undefined, 'no primary, no pass-over');
  });

  it('rotates the first channel with the counter, among the ready channels only', () => {
    const model = route('round-robin', [spec('a'), spec('b'), spec('c')]);
    const counter = new MemoryCounterStore();
    const firsts = Array.from({ length: 6 }, () => planRoute(input(model, {}, { roundRobin: counter })).candidates[0].provider);
    assert.deepEqual(firsts, ['a', 'b', 'c', 'a', 'b', 'c']);
    assert.deepEqual(providers(planRoute(input(model, {}, { roundRobin: counter })).candidates), ['a', 'b', 'c']);
    assert.deepEqual(providers(planRoute(input(model, {}, { roundRobin: counter })).candidates), ['b', 'c', 'a']);

    const preferences = parsePreferencesHeader('ignore=b');
    const counter2 = new MemoryCounterStore();
    const withoutB = Array.from({ length: 4 }, () => planRoute(input(model, { preferences }, { roundRobin: counter2 })).candidates[0].provider);
    assert.deepEqual(withoutB, ['a', 'c', 'a', 'c']);
  });

  it('keys the turn by the model name, not by the compiled route object', () => {
    const counter = new MemoryCounterStore();
    const first = route('round-robin', [spec('a'), spec('b'), spec('c')]);
    const recompiled = route('round-robin', [spec('a'), spec('b'), spec('c')]);
    assert.equal(planRoute(input(first, {}, { roundRobin: counter })).candidates[0].provider, 'a');
    assert.equal(planRoute(input(recompiled, {}, { roundRobin: counter })).candidates[0].provider, 'b');
  });
});

describe('planRoute: weighted', () => {
  it('draws the first channel in proportion to weight (10,000 seeded draws, ±2%)', () => {
    const model = route('weighted', [spec('a', { weight: 70 }), spec('b', { weight: 20 }), spec('c', { weight: 10 })]);
    const random = seededRandom(20250101);
    const counts = new Map<string, number>();
    for (let draw = 0; draw < 10_000; draw++) {
      const plan = planRoute(input(model, { random }));
      counts.set(plan.candidates[0].provider, (counts.get(plan.candidates[0].provider) ?? 0) + 1);
      assert.equal(plan.candidates.length, 3);
    }
    for (const [provider, share] of [['a', 0.7], ['b', 0.2], ['c', 0.1]] as const) {
      const observed = (counts.get(provider) ?? 0) / 10_000;
      assert.ok(Math.abs(observed - share) <= 0.02, `${provider}: ${observed} vs ${share}`);
    }
  });

  it('draws once per plan, and orders the rest by weight', () => {
    const model = route('weighted', [spec('small', { weight: 1 }), spec('big', { weight: 8 }), spec('mid', { weight: 3 })]);
    let draws = 0;
    const random = (): number => {
      draws++;
      return 0.99;
    };
    const plan = planRoute(input(model, { random }));
    assert.equal(draws, 1);
    assert.deepEqual(providers(plan.candidates), ['small', 'big', 'mid']);
    assert.deepEqual(providers(planRoute(input(model, { random: () => 0 })).candidates), ['big', 'mid', 'small']);
  });

  it('renormalises over the channels left, and uses weight-0 channels only as fallbacks', () => {
    const model = route('weighted', [spec('a', { weight: 1 }), spec('b', { weight: 1 }), spec('backup', { weight: 0 })]);
    const preferences = parsePreferencesHeader('ignore=a');
    const random = seededRandom(7);
    for (let draw = 0; draw < 200; draw++) {
      const plan = planRoute(input(model, { preferences, random }));
      assert.deepEqual(providers(plan.candidates), ['b', 'backup']);
    }
  });
});

describe('planRoute: lowest-cost', () => {
  // a: cheap input, dear output; b: dear input, cheap output (micro-dollars per million tokens).
  const model = route('lowest-cost', [
    spec('unpriced'),
    spec('a', { price: { inputMicrosPerMillion: 1_000_000, outputMicrosPerMillion: 10_000_000 } }),
    spec('b', { price: { inputMicrosPerMillion: 5_000_000, outputMicrosPerMillion: 2_000_000 } }),
  ]);

  it("chooses by the request's estimated tokens", () => {
    const longPrompt = planRoute(input(model, { request: features({ promptTokens: 100_000, maxOutputTokens: 100 }) }));
    assert.deepEqual(providers(longPrompt.candidates), ['a', 'b', 'unpriced']);
    const longAnswer = planRoute(input(model, { request: features({ promptTokens: 100, maxOutputTokens: 10_000 }) }));
    assert.deepEqual(providers(longAnswer.candidates), ['b', 'a', 'unpriced']);
  });

  it("assumes the route's expected output when the request sets no limit", () => {
    const cheapOutput = compileModelRoute({ model: 'm', policy: 'lowest-cost', expectedOutputTokens: 50_000, channels: model.channels.map((channel) => ({ provider: channel.provider, upstreamModel: channel.upstreamModel, price: channel.price })) });
    assert.equal(planRoute(input(cheapOutput, { request: features({ promptTokens: 1_000 }) })).candidates[0].provider, 'b');
  });
});

describe('planRoute: lowest-latency', () => {
  it('adapts when a channel slows down', () => {
    const model = route('lowest-latency', [spec('a'), spec('b'), spec('c')]);
    const latency = new MemoryLatencyStore(0.5);
    const [a, b, c] = model.channels;
    // Unobserved channels rank first so they get measured.
    latency.observe(a.id, 300);
    latency.observe(b.id, 150);
    assert.deepEqual(providers(planRoute(input(model, {}, { latency })).candidates), ['c', 'b', 'a']);
    latency.observe(c.id, 400);
    assert.deepEqual(providers(planRoute(input(model, {}, { latency })).candidates), ['b', 'a', 'c']);
    // b slows down: its average overtakes a's within a few observations.
    latency.observe(b.id, 900);
    latency.observe(b.id, 900);
    assert.ok(latency.averageMs(b.id)! > 300);
    assert.deepEqual(providers(planRoute(input(model, {}, { latency })).candidates), ['a', 'c', 'b']);
  });
});

describe('planRoute: sticky keys', () => {
  const model = route('weighted', [spec('a'), spec('b'), spec('c')], { sticky: true });

  it('keeps a key on the same first channel whatever the random draw', () => {
    for (const key of ['session-1', 'session-2', 'user-42']) {
      const firsts = new Set(Array.from({ length: 20 }, (_, seed) => planRoute(input(model, { stickyKey: key, random: seededRandom(seed) })).candidates[0].provider));
      assert.equal(firsts.size, 1, key);
    }
  });

  it('spreads keys over the channels by weight', () => {
    const counts = new Map<string, number>();
    for (let key = 0; key < 3_000; key++) {
      const first = planRoute(input(model, { stickyKey: `user-${key}` })).candidates[0].provider;
      counts.set(first, (counts.get(first) ?? 0) + 1);
    }
    for (const provider of ['a', 'b', 'c']) assert.ok(Math.abs(counts.get(provider)! / 3_000 - 1 / 3) < 0.04, `${provider}: ${counts.get(provider)}`);

    const weighted = route('weighted', [spec('heavy', { weight: 3 }), spec('light', { weight: 1 })], { sticky: true });
    let heavy = 0;
    for (let key = 0; key < 4_000; key++) if (planRoute(input(weighted, { stickyKey: `k${key}` })).candidates[0].provider === 'heavy') heavy++;
    assert.ok(Math.abs(heavy / 4_000 - 0.75) < 0.03, `heavy: ${heavy}`);
  });

  it('moves only the keys of a channel that stops being a candidate', () => {
    const preferences = parsePreferencesHeader('ignore=c');
    let moved = 0;
    for (let key = 0; key < 1_000; key++) {
      const before = planRoute(input(model, { stickyKey: `s${key}` })).candidates[0].provider;
      const after = planRoute(input(model, { stickyKey: `s${key}`, preferences })).candidates[0].provider;
      if (before !== 'c') assert.equal(after, before);
      else moved++;
    }
    assert.ok(moved > 250 && moved < 420, `moved ${moved}`);
  });

  it('ignores the key when the route is not sticky', () => {
    const plain = route('weighted', [spec('a'), spec('b')]);
    const firsts = new Set(Array.from({ length: 40 }, (_, seed) => planRoute(input(plain, { stickyKey: 'same', random: seededRandom(seed) })).candidates[0].provider));
    assert.equal(firsts.size, 2);
  });

  it('picks by rendezvous among the channels given', () => {
    assert.equal(rendezvousPick(model.channels, 12345), rendezvousPick(model.channels, 12345));
    assert.equal(rendezvousPick(route('weighted', [spec('a', { weight: 0 }), spec('b')]).channels.filter((channel) => channel.weight === 0), 1), -1);
  });
});

describe('planRoute: capabilities', () => {
  const model = route('ordered', [
    spec('full'),
    spec('no-vision', { capabilities: { vision: false } }),
    spec('no-tools', { capabilities: { tools: false } }),
    spec('no-schema', { capabilities: { jsonSchema: false } }),
    spec('no-stream', { capabilities: { streaming: false } }),
    spec('small', { capabilities: { contextWindow: 128_000, maxOutputTokens: 4_096 } }),
    spec('large', { capabilities: { contextWindow: 400_000 } }),
  ]);
  const reasonsFor = (request: RequestFeatures): Record<string, string> =>
    Object.fromEntries(planRoute(input(model, { request })).skipped.map((entry) => [entry.channel.provider, reasonText(entry.reason)]));

  it('excludes channels lacking vision, tools, JSON schema or streaming', () => {
    assert.deepEqual(reasonsFor(features({ vision: true, images: 2 })), { 'no-vision': 'unable: no vision' });
    assert.deepEqual(reasonsFor(features({ tools: true })), { 'no-tools': 'unable: no tools' });
    assert.deepEqual(reasonsFor(features({ jsonSchema: true })), { 'no-schema': 'unable: no json schema' });
    assert.deepEqual(reasonsFor(features({ streaming: true })), { 'no-stream': 'unable: no streaming' });
    assert.deepEqual(reasonsFor(features()), {});
  });

  it('excludes a 128k window for a 200k prompt, and an output limit above the channel maximum', () => {
    const big = features({ promptTokens: 200_000, promptTokensExact: true, promptTokensUpperBound: 200_000, maxOutputTokens: 1_000 });
    assert.deepEqual(reasonsFor(big), { small: 'unable: context 201,000 > 128,000' });
    // The prompt alone fits, but not with the output limit.
    assert.deepEqual(reasonsFor(features({ promptTokens: 127_000, promptTokensExact: true, promptTokensUpperBound: 127_000, maxOutputTokens: 2_000 })), {
      small: 'unable: context 129,000 > 128,000',
    });
    assert.deepEqual(reasonsFor(features({ maxOutputTokens: 8_000 })), { small: 'unable: max output 4,096' });
  });

  it('passes over a channel that does not take an inline image type, naming the type', () => {
    const gemini = ['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif'];
    const typed = route('ordered', [spec('gemini', { capabilities: { imageTypes: gemini } }), spec('any')]);
    assert.equal(typed.channels[0].checksCapabilities, true);
    assert.equal(typed.channels[1].checksCapabilities, false);
    const plan = (imageTypes: string[]) => planRoute(input(typed, { request: features({ vision: true, images: imageTypes.length, imageTypes }) }));
    const gif = plan(['image/png', 'image/gif']);
    assert.deepEqual(providers(gif.candidates), ['any']);
    assert.equal(reasonText(gif.skipped[0].reason), 'unable: image type image/gif');
    assert.equal(gif.trace.toHeader(), 'gemini/gpt-4o:unable=image-type');
    // Every type it takes, and images by URL only (no type known yet): it serves.
    assert.deepEqual(providers(plan(gemini).candidates), ['gemini', 'any']);
    assert.deepEqual(providers(plan([]).candidates), ['gemini', 'any']);
    assert.deepEqual(providers(planRoute(input(typed, { request: features({ vision: true, images: 1 }) })).candidates), ['gemini', 'any']);
  });

  it('shows a client-made image type quoted and cut short', () => {
    const typed = route('ordered', [spec('gemini', { capabilities: { imageTypes: ['image/png'] } })]);
    const odd = `image/${'x'.repeat(60)}\r\nset-cookie: a`;
    const plan = planRoute(input(typed, { request: features({ vision: true, images: 1, imageTypes: [odd] }) }));
    const detail = plan.skipped[0].reason.detail;
    assert.equal(detail, `image type ${JSON.stringify(odd.slice(0, 40))}`);
    assert.doesNotMatch(detail, /[\r\n]/);
    assert.equal(plan.skipped[0].reason.label, 'unable_image_type');
  });

  it('lets the cheap upper bound settle requests far below the window', () => {
    const cheap = features({ promptTokens: 10_000, promptTokensExact: false, promptTokensUpperBound: 40_000 });
    assert.deepEqual(reasonsFor(cheap), {});
  });
});

describe('planRoute: region, data policy and licences', () => {
  const model = route('primary-first', [
    spec('azure-eastus', { primary: true, region: 'eastus', regionGroups: ['us'] }),
    spec('azure-westeurope', { region: 'westeurope', regionGroups: ['EU'], dataPolicy: { zeroRetention: true } }),
    spec('bedrock-euc1', { region: 'eu-central-1', regionGroups: ['eu'] }),
  ]);

  it("excludes channels outside the request's allowed regions", () => {
    const plan = planRoute(input(model, { requirements: { allowedRegions: ['eu'] } }));
    assert.deepEqual(providers(plan.candidates), ['azure-westeurope', 'bedrock-euc1']);
    assert.equal(reasonText(plan.skipped[0].reason), 'excluded: region eu-only');
    assert.equal(plan.trace.passoverLabel(), 'excluded_region');
    const byName = planRoute(input(model, { requirements: { allowedRegions: ['eu-central-1'] } }));
    assert.deepEqual(providers(byName.candidates), ['bedrock-euc1']);
    const preferred = planRoute(input(model, { preferences: parsePreferencesHeader('require_region=EU') }));
    assert.equal(reasonText(preferred.skipped[0].reason), 'excluded: preference region eu-only');
  });

  it('requires a zero-retention data policy when the request does', () => {
    const plan = planRoute(input(model, { requirements: { zeroRetention: true } }));
    assert.deepEqual(providers(plan.candidates), ['azure-westeurope']);
    assert.deepEqual(
      plan.skipped.map((entry) => reasonText(entry.reason)),
      ['excluded: data policy zero retention required', 'excluded: data policy zero retention required'],
    );
    assert.deepEqual(providers(planRoute(input(model, { preferences: parsePreferencesHeader('zdr=true') })).candidates), ['azure-westeurope']);
  });

  it('excludes a channel whose licence expired, to the day', () => {
    const licences = new ConfiguredLicenceBook([{ name: 'msft', party: 'Microsoft', channels: { provider: 'azure-eastus' }, until: '2032-12-31', exclusive: false }]);
    const lastDay = Date.UTC(2032, 11, 31, 23, 59);
    assert.equal(planRoute(input(model, { now: lastDay }, { licences })).candidates[0].provider, 'azure-eastus');
    const plan = planRoute(input(model, { now: lastDay + 60_000 }, { licences }));
    assert.equal(reasonText(plan.skipped[0].reason), 'excluded: licence expired 2032-12-31');
    assert.equal(plan.trace.passoverLabel(), 'excluded_licence_expired');
  });

  it('excludes every other channel while an exclusive licence is in force', () => {
    const licences = new ConfiguredLicenceBook([{ name: 'msft-2019', party: 'Microsoft', channels: { provider: 'azure-eastus' }, models: ['gpt-4o'], until: '2030-12-31', exclusive: true }]);
    const plan = planRoute(input(model, {}, { licences }));
    assert.deepEqual(providers(plan.candidates), ['azure-eastus']);
    assert.equal(reasonText(plan.skipped[0].reason), 'excluded: licence exclusive to Microsoft');
  });
});

describe('planRoute: client preferences', () => {
  const model = route('primary-first', [spec('azure', { primary: true, providerKind: 'azure-openai' }), spec('bedrock', { providerKind: 'bedrock' }), spec('vertex', { providerKind: 'vertex' })]);

  it('ignores, restricts and reorders by provider, channel id or kind', () => {
    const ignored = planRoute(input(model, { preferences: parsePreferencesHeader('ignore=azure-openai') }));
    assert.deepEqual(providers(ignored.candidates), ['bedrock', 'vertex']);
    assert.equal(reasonText(ignored.skipped[0].reason), 'excluded: preference ignore');
    assert.equal(ignored.trace.passoverLabel(), 'excluded_preference_ignore');

    const only = planRoute(input(model, { preferences: parsePreferencesHeader('only=vertex/gpt-4o,bedrock') }));
    assert.deepEqual(providers(only.candidates), ['bedrock', 'vertex']);
    assert.equal(reasonText(only.skipped[0].reason), 'excluded: preference only');

    const ordered = planRoute(input(model, { preferences: parsePreferencesHeader('order=vertex,bedrock') }));
    assert.deepEqual(providers(ordered.candidates), ['vertex', 'bedrock', 'azure']);
    assert.equal(ordered.trace.passoverLabel(), 'excluded_preference_order');
  });

  it('forbids fallback: the first candidate only, or the channels named in order', () => {
    const first = planRoute(input(model, { preferences: parsePreferencesHeader('allow_fallbacks=false') }));
    assert.deepEqual(providers(first.candidates), ['azure']);
    assert.deepEqual(first.skipped.map((entry) => reasonText(entry.reason)), ['excluded: preference no fallback', 'excluded: preference no fallback']);

    const named = planRoute(input(model, { preferences: parsePreferencesHeader('order=vertex,bedrock; allow_fallbacks=false') }));
    assert.deepEqual(providers(named.candidates), ['vertex', 'bedrock']);
  });

  it('keeps a cooling channel as a last resort, but drops it without fallbacks', () => {
    const cooldowns = { remainingMs: (key: string) => (key === 'bedrock/gpt-4o' ? 10_000 : 0) };
    const plan = planRoute(input(model, { preferences: parsePreferencesHeader('ignore=vertex') }, { cooldowns }));
    assert.deepEqual(providers(plan.candidates), ['azure', 'bedrock']);
    const strict = planRoute(input(model, { preferences: parsePreferencesHeader('order=bedrock,azure; allow_fallbacks=false') }, { cooldowns }));
    assert.deepEqual(providers(strict.candidates), ['azure', 'bedrock']);
    const single = planRoute(input(model, { preferences: parsePreferencesHeader('ignore=azure; allow_fallbacks=false') }, { cooldowns }));
    assert.deepEqual(providers(single.candidates), ['vertex']);
    const bedrock = single.skipped.find((entry) => entry.channel.provider === 'bedrock')!;
    assert.equal(bedrock.deferred, false);
    assert.equal(reasonText(bedrock.reason), 'unable: 429 retry-after 10s');
  });

  it('orders several cooling channels soonest first', () => {
    const cooldowns = { remainingMs: (key: string) => ({ 'azure/gpt-4o': 5_000, 'bedrock/gpt-4o': 2_000, 'vertex/gpt-4o': 0 })[key]! };
    assert.deepEqual(providers(planRoute(input(model, {}, { cooldowns })).candidates), ['vertex', 'bedrock', 'azure']);
  });
});

describe('planRoute: prefer rules (a commitment behind its pace)', () => {
  /** A rule preferring `provider`'s channels while `active` says so. */
  const prefer = (name: string, provider: string, active: { value: boolean }): PreferRule => ({
    name,
    kind: 'commitment',
    active: () => active.value,
    prefers: (channel) => channel.provider === provider,
  });

  it("puts the preferred provider first while active; the primary declines and is tried after it", () => {
    const behind = { value: true };
    const model = compileModelRoute({ model: 'gpt-4o', policy: 'primary-first', channels: [spec('azure', { primary: true }), spec('vertex'), spec('bedrock')], preferRules: [prefer('aws-commit', 'bedrock', behind)] });
    const plan = planRoute(input(model));
    assert.deepEqual(providers(plan.candidates), ['bedrock', 'azure', 'vertex']);
    assert.deepEqual(
      plan.skipped.map((skipped) => [skipped.channel.provider, reasonText(skipped.reason), skipped.deferred]),
      [
        ['azure', 'declined: commitment aws-commit', true],
        ['vertex', 'declined: commitment aws-commit', true],
      ],
    );
    assert.equal(plan.trace.passoverLabel(), 'declined_commitment');
    behind.value = false;
    const onPace = planRoute(input(model));
    assert.equal(onPace.candidates, model.order, 'inactive: the route order itself, nothing allocated');
    assert.equal(onPace.skipped.length, 0);
  });

  it('changes nothing when the preferred provider is first already, or has no ready channel', () => {
    const active = { value: true };
    const first = compileModelRoute({ model: 'gpt-4o', policy: 'primary-first', channels: [spec('azure', { primary: true }), spec('bedrock')], preferRules: [prefer('azure-commit', 'azure', active)] });
    const plan = planRoute(input(first));
    assert.deepEqual(providers(plan.candidates), ['azure', 'bedrock']);
    assert.equal(plan.skipped.length, 0);

    const model = compileModelRoute({ model: 'gpt-4o', policy: 'primary-first', channels: [spec('azure', { primary: true }), spec('bedrock', { capabilities: { vision: false } })], preferRules: [prefer('aws-commit', 'bedrock', active)] });
    const vision = planRoute(input(model, { request: features({ vision: true }) }));
    assert.deepEqual(providers(vision.candidates), ['azure'], 'the preferred channel cannot serve: the primary serves, not declined');
    assert.deepEqual(vision.skipped.map((skipped) => reasonText(skipped.reason)), ['unable: no vision']);
  });

  it("yields to the client's own order, and keeps only the preferred channel without fallbacks", () => {
    const active = { value: true };
    const model = compileModelRoute({ model: 'gpt-4o', policy: 'primary-first', channels: [spec('azure', { primary: true }), spec('bedrock')], preferRules: [prefer('aws-commit', 'bedrock', active)] });
    const ordered = planRoute(input(model, { preferences: parsePreferencesHeader('order=azure') }));
    assert.deepEqual(providers(ordered.candidates), ['azure', 'bedrock']);
    assert.equal(ordered.skipped.length, 0);
    const only = planRoute(input(model, { preferences: parsePreferencesHeader('allow_fallbacks=false') }));
    assert.deepEqual(providers(only.candidates), ['bedrock']);
    assert.deepEqual(only.skipped.map((skipped) => [skipped.channel.provider, reasonText(skipped.reason), skipped.deferred]), [['azure', 'declined: commitment aws-commit', false]]);
  });

  it('applies to every policy, after it ordered the ready channels; preferred channels keep their order', () => {
    const active = { value: true };
    const model = compileModelRoute({
      model: 'gpt-4o',
      policy: 'lowest-cost',
      channels: [spec('azure', { price: { inputMicrosPerMillion: 1, outputMicrosPerMillion: 1 } }), spec('bedrock', { upstreamModel: 'b', price: { inputMicrosPerMillion: 9, outputMicrosPerMillion: 9 } }), spec('bedrock', { upstreamModel: 'a', price: { inputMicrosPerMillion: 5, outputMicrosPerMillion: 5 } })],
      preferRules: [prefer('aws-commit', 'bedrock', active)],
    });
    assert.deepEqual(planRoute(input(model)).candidates.map((channel) => channel.id), ['bedrock/a', 'bedrock/b', 'azure/gpt-4o']);
  });
});

describe('noRouteError', () => {
  it('says whose move it is', () => {
    const small = route('ordered', [spec('a', { capabilities: { contextWindow: 1_000 } }), spec('b', { capabilities: { contextWindow: 2_000 } })]);
    const tooBig = planRoute(input(small, { request: features({ promptTokens: 5_000, promptTokensExact: true, promptTokensUpperBound: 5_000 }) }));
    assert.equal(tooBig.candidates.length, 0);
    assert.equal(noRouteError(tooBig).code, 'context_length_exceeded');

    const model = route('ordered', [spec('a'), spec('b', { capabilities: { vision: false } })]);
    const byPreference = planRoute(input(model, { request: features({ vision: true }), preferences: parsePreferencesHeader('only=b') }));
    const error = noRouteError(byPreference);
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.param, 'interchange.providers');
    assert.match(error.message, /a\/gpt-4o \(excluded: preference only\); b\/gpt-4o \(unable: no vision\)/);

    // No channel takes the request's image type: the client's to fix, and the message names the type.
    const gemini = route('ordered', [spec('gemini', { capabilities: { imageTypes: ['image/png', 'image/jpeg'] } }), spec('text', { capabilities: { vision: false } })]);
    const gif = noRouteError(planRoute(input(gemini, { request: features({ vision: true, images: 1, imageTypes: ['image/gif'] }) })));
    assert.equal(gif.code, 'invalid_request');
    assert.equal(gif.status, 400);
    assert.equal(gif.param, 'messages');
    assert.match(gif.message, /gemini\/gpt-4o \(unable: image type image\/gif\); text\/gpt-4o \(unable: no vision\)/);

    const capacity = new MemoryCapacityStore();
    const limited = route('ordered', [spec('a', { capacity: { rpm: 1 } })]);
    capacity.record(limited.channels[0].id, 10, 1, noon);
    const declined = noRouteError(planRoute(input(limited, {}, { capacity })));
    assert.equal(declined.code, 'upstream_unavailable');
    assert.match(declined.message, /declined: capacity rpm 1 reached/);
  });
});
