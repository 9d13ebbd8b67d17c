/**
 * What metering reads from the configuration: channel price books (one price or a dated list), the `metering:`
 * section, and the agreements metering applies (revenue shares, commitments), each field with its default and its
 * limits on both sides.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfigFile, configWarnings } from './check-config.ts';
import { problemsOf } from './config-problems.ts';
import { parseConfig } from './load-config.ts';
import { laterAgreementKinds } from './schema.ts';
import type { ChannelConfig, CommitmentAgreement, GatewayConfig, RevenueShareAgreement } from './types.ts';
import { buildLicenceBook, buildRoutes } from '../execution/routing-runtime.ts';

const providers = `providers:
  azure-eastus: { kind: azure-openai, endpoint: "https://contoso.openai.azure.com", auth: { api_key: k } }
  bedrock-use1: { kind: bedrock, region: us-east-1 }
`;

const twoClouds = `${providers}models:
  gpt-4o: { channels: [ { provider: azure-eastus, deployment: gpt-4o-prod }, { provider: bedrock-use1, model: openai.gpt-4o } ] }
  gpt-oss-120b: { channels: [ { provider: azure-eastus, deployment: gpt-oss }, { provider: bedrock-use1, model: "openai.gpt-oss-120b-1:0" } ] }
`;

const load = (text: string) => parseConfig(text, { env: {} });

/** A configuration whose one chat channel has `price` (YAML flow text). */
const pricedChannel = (price: string, type = 'chat') =>
  `${providers}models:\n  m: { type: ${type}, channels: [ { provider: azure-eastus, deployment: d, price: ${price} } ] }\n`;

const channelOf = (config: GatewayConfig): ChannelConfig => config.models.get('m')!.channels[0];

/** The agreements of one kind, typed as such. */
const sharesOf = (config: GatewayConfig) => config.agreements.filter((agreement): agreement is RevenueShareAgreement => agreement.kind === 'revenue-share');
const commitmentsOf = (config: GatewayConfig) => config.agreements.filter((agreement): agreement is CommitmentAgreement => agreement.kind === 'commitment');

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = 86_400_000;

test('price: cache_write and reasoning are read, and default to the input and the output price', () => {
  const full = channelOf(load(pricedChannel('{ input: 3, cached_input: 0.3, cache_write: 3.75, output: 15, reasoning: 20 }')));
  assert.deepEqual(full.prices, [
    {
      from: undefined,
      fromMs: undefined,
      inputMicrosPerMillion: 3_000_000,
      cachedInputMicrosPerMillion: 300_000,
      cacheWriteMicrosPerMillion: 3_750_000,
      outputMicrosPerMillion: 15_000_000,
      reasoningMicrosPerMillion: 20_000_000,
    },
  ]);
  assert.deepEqual(full.price, { inputMicrosPerMillion: 3_000_000, cachedInputMicrosPerMillion: 300_000, outputMicrosPerMillion: 15_000_000 }, "routing's price");

  const defaults = channelOf(load(pricedChannel('{ input: 2.5, output: 10 }')));
  assert.deepEqual(defaults.prices[0], {
    from: undefined,
    fromMs: undefined,
    inputMicrosPerMillion: 2_500_000,
    cachedInputMicrosPerMillion: 2_500_000,
    cacheWriteMicrosPerMillion: 2_500_000,
    outputMicrosPerMillion: 10_000_000,
    reasoningMicrosPerMillion: 10_000_000,
  });
  const embedding = channelOf(load(pricedChannel('{ input: 0.02 }', 'embedding')));
  assert.equal(embedding.prices[0].outputMicrosPerMillion, 0);
  assert.equal(embedding.prices[0].reasoningMicrosPerMillion, 0);

  const unpriced = channelOf(load(pricedChannel('')));
  assert.deepEqual(unpriced.prices, [], 'no price: an empty price book');
  assert.equal(unpriced.price, undefined);
  assert.ok(Object.isFrozen(full.prices) && Object.isFrozen(full.prices[0]) && Object.isFrozen(unpriced.prices));
});

test('price list: entries ascending by from, each from 00:00 UTC of its day; a change mid-month splits on that day', () => {
  const channel = channelOf(
    load(
      pricedChannel(`[ { input: 1, output: 2 }, { from: 2026-03-15, input: 1.5, output: 3, reasoning: 4 }, { from: 2026-03-16, input: 0.5, cached_input: 0.25, output: 1 } ]`),
    ),
  );
  assert.deepEqual(
    channel.prices.map((price) => [price.from, price.fromMs, price.inputMicrosPerMillion, price.cachedInputMicrosPerMillion, price.outputMicrosPerMillion, price.reasoningMicrosPerMillion]),
    [
      [undefined, undefined, 1_000_000, 1_000_000, 2_000_000, 2_000_000],
      ['2026-03-15', Date.UTC(2026, 2, 15), 1_500_000, 1_500_000, 3_000_000, 4_000_000],
      ['2026-03-16', Date.UTC(2026, 2, 16), 500_000, 250_000, 1_000_000, 1_000_000],
    ],
  );
  const single = channelOf(load(pricedChannel('{ from: 2030-12-31, input: 1, output: 2 }')));
  assert.deepEqual([single.prices[0].from, single.prices[0].fromMs], ['2030-12-31', Date.UTC(2030, 11, 31)], 'one price may have a from too');
  assert.deepEqual(channelOf(load(pricedChannel('[ { from: 2026-01-01, input: 1, output: 2 } ]'))).prices.length, 1, 'a list need not start since always');
});

test("price list: routing's price is the entry in force at load, or the first when none is yet", (t) => {
  const today = day(Date.now());
  const tomorrow = day(Date.now() + dayMs);
  const later = day(Date.now() + 2 * dayMs);
  const routingPrice = (input: number) => ({ inputMicrosPerMillion: input * 1_000_000, cachedInputMicrosPerMillion: input * 1_000_000, outputMicrosPerMillion: 9_000_000 });
  const priceOf = (list: string) => channelOf(load(pricedChannel(list))).price;

  const inForceToday = priceOf(`[ { input: 1, output: 9 }, { from: 2000-01-01, input: 2, output: 9 }, { from: ${today}, input: 3, output: 9 }, { from: ${tomorrow}, input: 4, output: 9 } ]`);
  const sinceAlways = priceOf(`[ { input: 1, output: 9 }, { from: ${tomorrow}, input: 4, output: 9 } ]`);
  const noneYet = priceOf(`[ { from: ${tomorrow}, input: 4, output: 9 }, { from: ${later}, input: 5, output: 9 } ]`);
  if (day(Date.now()) !== today) return t.skip('the day changed while the test ran');
  assert.deepEqual(inForceToday, routingPrice(3), 'a price from today is in force; one from tomorrow is not');
  assert.deepEqual(sinceAlways, routingPrice(1));
  assert.deepEqual(noneYet, routingPrice(4), 'none in force yet: the first');
});

test('price list: only the first entry may go without from, each from strictly after the one before', () => {
  const withList = (list: string) => problemsOf(pricedChannel(list));
  assert.deepEqual(withList('[ { from: 2026-01-01, input: 1, output: 2 }, { from: 2026-01-01, input: 2, output: 3 } ]'), [
    'models.m.channels[0].price[1].from: must be later than the from of the price before it (2026-01-01): prices are listed in the order they take effect, at most one a day',
  ]);
  assert.equal(load(pricedChannel('[ { from: 2026-01-01, input: 1, output: 2 }, { from: 2026-01-02, input: 2, output: 3 } ]')).models.size, 1, 'the next day is accepted');
  assert.deepEqual(withList('[ { from: 2026-02-01, input: 1, output: 2 }, { from: 2026-01-31, input: 2, output: 3 } ]'), [
    'models.m.channels[0].price[1].from: must be later than the from of the price before it (2026-02-01): prices are listed in the order they take effect, at most one a day',
  ]);
  assert.deepEqual(withList('[ { from: 2026-01-01, input: 1, output: 2 }, { input: 2, output: 3 } ]'), [
    'models.m.channels[0].price[1]: only the first price may go without from (it is the price since always); give this one the day it takes effect',
  ]);
  assert.deepEqual(withList('[ { input: 1, output: 2 }, { input: 2, output: 3 } ]'), [
    'models.m.channels[0].price[1]: only the first price may go without from (it is the price since always); give this one the day it takes effect',
  ], 'at most one entry without from');
  assert.deepEqual(withList('[ { input: 1, output: 2 }, { from: 2026-02-30, input: 2 }, { from: 2026-01-01, input: 1, output: 2 }, 5 ]'), [
    'models.m.channels[0].price[1].from: invalid date "2026-02-30": there is no such day',
    'models.m.channels[0].price[1].output: required field missing (the price per million output tokens, e.g. 10.00)',
    'models.m.channels[0].price[3]: expected a mapping (key: value), got a whole number',
  ], 'every entry is checked; a malformed from is compared with nothing');
  assert.deepEqual(withList('[]'), ['models.m.channels[0].price: must list at least one price']);
  assert.deepEqual(withList('[ { input: 1, output: 2, until: 2026-01-01, currency: EUR } ]'), [
    "models.m.channels[0].price[0].until: unknown field; a price is in force until the next entry's from (write a list of prices, each with its from)",
    'models.m.channels[0].price[0].currency: unknown field; prices are in metering.currency (one currency for the whole configuration)',
  ]);
  assert.deepEqual(withList('{ input: 1, output: 2, cache_creation: 1.25, reasoning: -1 }'), [
    'models.m.channels[0].price.cache_creation: unknown field; did you mean "cache_write"?',
    'models.m.channels[0].price.reasoning: must not be negative, got -1',
  ]);
  const lowestCost = `${providers}models:\n  m: { route: lowest-cost, channels: [ { provider: azure-eastus, deployment: d, price: [ { input: 1, output: 2 }, { from: 2030-01-01, input: 2, output: 3 } ] } ] }\n`;
  assert.deepEqual(load(lowestCost).models.get('m')!.channels[0].price?.inputMicrosPerMillion, 1_000_000, 'route lowest-cost takes a price list');
});

test('metering: the defaults', () => {
  const { metering } = load(twoClouds);
  assert.deepEqual({ ...metering, tenantMarkupBasisPoints: [...metering.tenantMarkupBasisPoints] }, { currency: 'USD', ledger: true, markupBasisPoints: 0, tenantMarkupBasisPoints: [], budgets: [] });
  assert.deepEqual(load(`metering:\n${twoClouds}`).metering, metering, 'an empty section is all defaults');
});

test('metering: every field, as written, read-only', () => {
  const { metering } = load(`metering: { currency: EUR, ledger: false, markup: "25%", tenants: { acme: { markup: 12.5 }, tnt_01HZY: { markup: 0 } } }\n${twoClouds}`);
  assert.deepEqual({ ...metering, tenantMarkupBasisPoints: [...metering.tenantMarkupBasisPoints] }, {
    currency: 'EUR',
    ledger: false,
    markupBasisPoints: 2500,
    tenantMarkupBasisPoints: [
      ['acme', 1250],
      ['tnt_01HZY', 0],
    ],
    budgets: [],
  });
  assert.ok(Object.isFrozen(metering));
  assert.throws(() => (metering.tenantMarkupBasisPoints as Map<string, number>).set('acme', 0), /read-only/);
  const fromEnvironment = parseConfig(`metering: { ledger: "\${LEDGER}", markup: "\${MARKUP}" }\n${twoClouds}`, { env: { LEDGER: 'false', MARKUP: '7.5%' } }).metering;
  assert.deepEqual([fromEnvironment.ledger, fromEnvironment.markupBasisPoints], [false, 750], 'values from the environment arrive as text');
});

test('metering: markup from 0 to 1000 percent, two decimals at most; the currency three upper-case letters', () => {
  const markup = (value: string) => load(`metering: { markup: ${value} }\n${twoClouds}`).metering.markupBasisPoints;
  assert.equal(markup('0'), 0);
  assert.equal(markup('1000'), 100_000);
  assert.equal(markup('12.34'), 1234);
  assert.equal(markup('"12.34 %"'), 1234);
  const problems = (text: string) => problemsOf(`metering: ${text}\n${twoClouds}`);
  assert.deepEqual(problems('{ markup: 1000.01 }'), ['metering.markup: must be at most 1000 (percent), got 1000.01']);
  assert.deepEqual(problems('{ markup: 12.345 }'), ['metering.markup: must have at most 2 decimal places (percentages are kept in hundredths of a percent)']);
  assert.deepEqual(problems('{ markup: -1 }'), ['metering.markup: must not be negative, got -1']);
  assert.deepEqual(problems('{ currency: eur }'), ['metering.currency: invalid currency "eur"; did you mean "EUR"? (ISO 4217 codes are upper case)']);
  assert.deepEqual(problems('{ currency: euros, ledger: maybe }'), [
    'metering.currency: invalid currency "euros"; expected an ISO 4217 code, three upper-case letters such as USD or EUR',
    'metering.ledger: expected true or false, got "maybe"',
  ]);
  assert.deepEqual(problems('{ margin: 10, currncy: USD }'), [
    'metering.margin: unknown field; did you mean "markup"? (the percent charged over cost)',
    'metering.currncy: unknown field; did you mean "currency"?',
  ]);
  assert.deepEqual(problems('{ tenants: { acme: { markup: 1000.01, discount: 5 }, beta: 10, gamma: {} } }'), [
    'metering.tenants.acme.markup: must be at most 1000 (percent), got 1000.01',
    'metering.tenants.acme.discount: unknown field',
    'metering.tenants.beta: expected a mapping (key: value), got a whole number',
    'metering.tenants.gamma.markup: required field missing (the percent charged over cost, e.g. 10)',
  ]);
  assert.deepEqual(problems('{ tenants: [acme] }'), ['metering.tenants: expected a mapping of tenant names to their settings, got a list']);
  assert.deepEqual(problems('true'), ['metering: expected a mapping (key: value), got true']);
});

test('revenue share: every field resolved; its end is 00:00 UTC the day after until', () => {
  const config = load(`metering: { currency: EUR }
${twoClouds}agreements:
  - name: msft-revenue-share
    kind: revenue-share
    party: Microsoft
    percent: 20
    basis: cost
    channels: [ { provider: azure-eastus }, { provider: bedrock-use1, model: openai.gpt-4o } ]
    models: [gpt-4o, gpt-oss-120b]
    tenants: [acme, tnt_01HZY]
    from: 2026-01-01
    until: 2030-12-31
    cap: "250000.50"
    currency: EUR
`);
  assert.deepEqual(config.agreements, [
    {
      name: 'msft-revenue-share',
      kind: 'revenue-share',
      source: 'config',
      party: 'Microsoft',
      percentBasisPoints: 2000,
      basis: 'cost',
      channels: [
        { provider: 'azure-eastus', model: undefined },
        { provider: 'bedrock-use1', model: 'openai.gpt-4o' },
      ],
      models: ['gpt-4o', 'gpt-oss-120b'],
      tenants: ['acme', 'tnt_01HZY'],
      from: '2026-01-01',
      until: '2030-12-31',
      startsAtMs: Date.UTC(2026, 0, 1),
      endsAtMs: Date.parse('2031-01-01T00:00:00Z'),
      capMicros: 250_000_500_000,
    },
  ]);
  const [share] = sharesOf(config);
  for (const value of [share, share.channels, share.channels![0], share.models, share.tenants]) assert.ok(Object.isFrozen(value));
  assert.deepEqual(configWarnings(config), []);
});

test('revenue share: the defaults; one selector is a list of one', () => {
  const [share] = sharesOf(load(`${twoClouds}agreements: [ { name: s, kind: revenue-share, party: P, percent: "12.5%" } ]\n`));
  assert.deepEqual(share, {
    name: 's',
    kind: 'revenue-share',
    source: 'config',
    party: 'P',
    percentBasisPoints: 1250,
    basis: 'revenue',
    channels: undefined,
    models: undefined,
    tenants: undefined,
    from: undefined,
    until: undefined,
    startsAtMs: undefined,
    endsAtMs: undefined,
    capMicros: undefined,
  });
  const [one] = sharesOf(load(`${twoClouds}agreements: [ { name: s, kind: revenue-share, party: P, percent: 1, channels: { provider: bedrock-use1 }, from: 2026-06-30, until: 2026-06-30 } ]\n`));
  assert.deepEqual(one.channels, [{ provider: 'bedrock-use1', model: undefined }]);
  assert.deepEqual([one.startsAtMs, one.endsAtMs], [Date.UTC(2026, 5, 30), Date.UTC(2026, 6, 1)], 'until may equal from: one day');
});

test('revenue share: percent above 0 and at most 100, two decimals at most; a cap above 0', () => {
  const percent = (value: string) => sharesOf(load(`${twoClouds}agreements: [ { name: s, kind: revenue-share, party: P, percent: ${value} } ]\n`))[0].percentBasisPoints;
  assert.equal(percent('100'), 10_000);
  assert.equal(percent('0.01'), 1);
  assert.equal(percent('33.33'), 3333);
  const problems = (fields: string) => problemsOf(`${twoClouds}agreements: [ { name: s, kind: revenue-share, party: P, ${fields} } ]\n`);
  assert.deepEqual(problems('percent: 100.01'), ['agreements[0].percent: must be at most 100 (percent), got 100.01']);
  assert.deepEqual(problems('percent: 0'), ['agreements[0].percent: must be greater than 0, got 0']);
  assert.deepEqual(problems('percent: 33.333'), ['agreements[0].percent: must have at most 2 decimal places (percentages are kept in hundredths of a percent)']);
  assert.deepEqual(problems('percent: 20, cap: 0'), ['agreements[0].cap: must be greater than 0, got 0']);
  assert.deepEqual(problems('percent: 20, cap: "1,000,000"'), ['agreements[0].cap: invalid amount "1,000,000"; expected a number of currency units, e.g. 250000, without thousands separators']);
  assert.deepEqual(problems('percent: 20, cap: 1000000000.000001'), ['agreements[0].cap: must be at most 1000000000, got 1000000000.000001']);
  assert.equal(sharesOf(load(`${twoClouds}agreements: [ { name: s, kind: revenue-share, party: P, percent: 20, cap: 1000000000 } ]\n`))[0].capMicros, 1e15);
  assert.equal(sharesOf(load(`${twoClouds}agreements: [ { name: s, kind: revenue-share, party: P, percent: 20, cap: 0.000001 } ]\n`))[0].capMicros, 1);
});

test('revenue share: every rule is reported in one pass', () => {
  const text = `${twoClouds}agreements:
  - { kind: revenue-share, basis: profit, share: 20 }
  - { name: s, kind: revenue-share, party: P, percent: 20, exclusive: true, provider: azure-eastus, amount: 5, channels: [ { provider: azure }, { provider: bedrock-use1, model: gpt-4o } ], models: [gpt4o], tenants: [] }
  - { name: s, kind: revenue-share, party: P, percent: 20, channels: [], from: 2026-01-02, until: 2026-01-01, currency: EUR }
`;
  assert.deepEqual(problemsOf(text), [
    'agreements[0].basis: unknown basis "profit" (available: revenue, cost)',
    'agreements[0].share: unknown field; did you mean "percent"?',
    'agreements[0].name: required field missing (a name for the agreement, e.g. msft-revenue-share)',
    'agreements[0].party: required field missing (who the share accrues to, e.g. Microsoft)',
    'agreements[0].percent: required field missing (the share of the basis that accrues to the party, e.g. 20 for 20%)',
    'agreements[1].exclusive: only for kind "licence"',
    'agreements[1].provider: only for kind "commitment"; a revenue share names its channels under channels: { provider, model } or a list of them',
    'agreements[1].amount: only for kind "commitment"; did you mean "cap"? (the most that accrues to the party)',
    'agreements[1].channels[0].provider: unknown provider "azure"; did you mean "azure-eastus"?',
    'agreements[1].channels[1].model: no channel of provider "bedrock-use1" sends model "gpt-4o" (its channels send: "openai.gpt-4o", "openai.gpt-oss-120b-1:0")',
    'agreements[1].models[0]: unknown model "gpt4o"; did you mean "gpt-4o"?',
    'agreements[1].tenants: must list at least one tenant',
    'agreements[2].name: agreements[1] already has the name "s"; names must be unique',
    'agreements[2].channels: must list at least one channel',
    'agreements[2].until: must not be before from (2026-01-02)',
    'agreements[2].currency: must be metering.currency ("USD", the default) in this build: every price, cap and commitment is in that one currency',
  ]);
  assert.deepEqual(problemsOf(`metering: { currency: GBP }\n${twoClouds}agreements: [ { name: s, kind: revenue-share, party: P, percent: 20, currency: USD } ]\n`), [
    'agreements[0].currency: must be metering.currency ("GBP") in this build: every price, cap and commitment is in that one currency',
  ]);
  assert.deepEqual(problemsOf(`${twoClouds}agreements: [ { name: s, kind: revenue-share, party: P, percent: 20, channels: 5 } ]\n`), [
    'agreements[0].channels: expected a channel { provider, model } or a list of them, got a whole number',
  ]);
});

test('commitment: every field resolved, both days required', () => {
  const config = load(`${twoClouds}agreements:
  - { name: azure-2026, kind: commitment, party: Microsoft, provider: azure-eastus, amount: 1000000, from: 2026-01-01, until: 2026-12-31, currency: USD }
`);
  assert.deepEqual(config.agreements, [
    {
      name: 'azure-2026',
      kind: 'commitment',
      source: 'config',
      party: 'Microsoft',
      provider: 'azure-eastus',
      amountMicros: 1_000_000_000_000,
      from: '2026-01-01',
      until: '2026-12-31',
      startsAtMs: Date.UTC(2026, 0, 1),
      endsAtMs: Date.UTC(2027, 0, 1),
      prefer: false,
    },
  ]);
  assert.ok(Object.isFrozen(commitmentsOf(config)[0]));
  assert.equal(commitmentsOf(load(`${twoClouds}agreements: [ { name: c, kind: commitment, party: M, provider: azure-eastus, amount: 1, from: 2026-01-01, until: 2026-12-31, prefer: true } ]\n`))[0].prefer, true);
  assert.deepEqual(problemsOf(`${twoClouds}agreements: [ { name: c, kind: commitment, party: M, provider: azure-eastus, amount: 1, from: 2026-01-01, until: 2026-12-31, prefer: maybe } ]\n`).length, 1);
  assert.deepEqual(problemsOf(`${twoClouds}agreements: [ { name: s, kind: revenue-share, party: P, percent: 20, prefer: true } ]\n`), ['agreements[0].prefer: only for kind "commitment"']);
  assert.deepEqual(problemsOf(`${twoClouds}agreements: [ { name: s, kind: revenue-share, party: P, percent: 20, constructor: 1, toString: 2 } ]\n`), [
    'agreements[0].constructor: unknown field',
    'agreements[0].toString: unknown field',
  ]);
  assert.deepEqual(configWarnings(config), []);

  const text = `${twoClouds}agreements:
  - { name: c, kind: commitment }
  - { name: d, kind: commitment, party: P, provider: azure, amount: 0, from: 2026-01-01, until: 2025-12-31, channels: { provider: azure-eastus }, cap: 5, percent: 1, spend: 5 }
`;
  assert.deepEqual(problemsOf(text), [
    'agreements[0].party: required field missing (who the spend is committed to, e.g. Microsoft)',
    'agreements[0].provider: required field missing (the provider the spend is committed with, a name under providers:)',
    'agreements[0].amount: required field missing (the amount committed, in metering.currency, e.g. 1000000)',
    'agreements[0].from: required field missing (the first day of the commitment, YYYY-MM-DD)',
    'agreements[0].until: required field missing (the last day of the commitment, YYYY-MM-DD)',
    'agreements[1].provider: unknown provider "azure"; did you mean "azure-eastus"?',
    'agreements[1].amount: must be greater than 0, got 0',
    'agreements[1].until: must not be before from (2026-01-01)',
    'agreements[1].channels: only for kinds "licence" and "revenue-share"; a commitment names its provider under provider:',
    'agreements[1].cap: only for kind "revenue-share"; did you mean "amount"? (what is committed)',
    'agreements[1].percent: only for kind "revenue-share"; a commitment is an amount (amount:)',
    'agreements[1].spend: unknown field; did you mean "amount"?',
  ]);
});

test('licence: unchanged, and it takes none of the other kinds\' fields', () => {
  assert.deepEqual([...laterAgreementKinds], [], 'every agreement kind is available');
  const text = `${twoClouds}agreements:
  - { name: l, kind: licence, party: P, channels: [ { provider: azure-eastus } ], percent: 20, tenants: [acme], currency: USD }
`;
  assert.deepEqual(problemsOf(text), [
    'agreements[0].channels: a licence covers one { provider, model }, not a list; write one licence per selector',
    'agreements[0].percent: only for kind "revenue-share"',
    'agreements[0].tenants: only for kind "revenue-share"',
    'agreements[0].currency: only for kinds "revenue-share" and "commitment"',
  ]);
});

test('revenue shares and commitments are not licences: routing neither requires nor forbids anything for them', () => {
  const config = load(`${twoClouds}agreements:
  - { name: ended-share, kind: revenue-share, party: P, percent: 20, channels: { provider: azure-eastus }, models: [gpt-4o], until: 2020-12-31 }
  - { name: commitment, kind: commitment, party: P, provider: azure-eastus, amount: 5, from: 2020-01-01, until: 2020-12-31 }
`);
  const route = buildRoutes(config).get('gpt-4o')!;
  const licences = buildLicenceBook(config);
  for (const channel of route.channels) assert.deepEqual(licences.licenceFor(channel, 'gpt-4o', '2026-06-01'), { status: 'not-required' }, channel.id);
});

test('check-config describes the metering section, dated prices and every agreement kind; warns about a share or commitment that matches nothing', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'interchange-metering-config-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const file = join(directory, 'gateway.yaml');
  await writeFile(
    file,
    `metering: { currency: EUR, ledger: false, markup: 25, tenants: { acme: { markup: 12.5 } } }
${providers}models:
  m:
    channels:
      - { provider: azure-eastus, deployment: d, price: [ { input: 1, output: 2 }, { from: 2020-01-01, input: 3, cache_write: 3.75, output: 15, reasoning: 20 } ] }
      - { provider: bedrock-use1, model: b, price: { from: 2020-01-01, input: 1, output: 2 } }
agreements:
  - { name: share, kind: revenue-share, party: Microsoft, percent: 20, channels: [ { provider: azure-eastus } ], tenants: [acme], until: 2030-12-31, cap: 1000 }
  - { name: spend, kind: commitment, party: Microsoft, provider: azure-eastus, amount: 1000000, from: 2026-01-01, until: 2026-12-31 }
`,
  );
  const result = await checkConfigFile(file, {});
  assert.equal(result.ok, true, result.output);
  const lines = result.output.split('\n');
  assert.ok(lines.includes('metering currency EUR; ledger off; tenants charged cost + 25%; per tenant: acme 12.5%'), result.output);
  assert.ok(lines.includes('    1.  azure-eastus  d  (3.00 EUR in, 3.75 EUR cache write, 15.00 EUR out, 20.00 EUR reasoning per 1M tokens; priced since always, from 2020-01-01)'), result.output);
  assert.ok(lines.includes('    2.  bedrock-use1  b  (1.00 EUR in, 2.00 EUR out per 1M tokens; priced from 2020-01-01)'), result.output);
  assert.ok(lines.includes('  share  revenue-share to Microsoft  20% of revenue  cap 1000.00 EUR       (channels azure-eastus; every model; tenants acme; until 2030-12-31)'), result.output);
  assert.ok(lines.includes('  spend  commitment to Microsoft     azure-eastus    spend 1000000.00 EUR  (2026-01-01 to 2026-12-31)'), result.output);

  const warned = load(`${twoClouds}  unused-model: { channels: [ { provider: bedrock-use1, model: x } ] }
agreements:
  - { name: share, kind: revenue-share, party: P, percent: 20, channels: [ { provider: azure-eastus, model: gpt-oss } ], models: [gpt-4o, gpt-oss-120b] }
  - { name: spend, kind: commitment, party: P, provider: unused, amount: 5, from: 2026-01-01, until: 2026-12-31 }
`.replace('bedrock-use1: { kind: bedrock, region: us-east-1 }', 'bedrock-use1: { kind: bedrock, region: us-east-1 }\n  unused: { kind: openai-compatible, base_url: "http://u/v1" }'));
  assert.deepEqual(
    configWarnings(warned).map((warning) => `${warning.path}: ${warning.message}`),
    [
      'providers.unused: not used by any model',
      'agreements[0].models[0]: no channel it names serves model "gpt-4o", so nothing accrues for it',
      'agreements[1].provider: no model has a channel of this provider, so no spend counts towards it',
    ],
  );
});

test('values from the environment never appear in messages about prices, metering or agreements', () => {
  const problems = (() => {
    try {
      parseConfig(
        `metering: { currency: "\${S}", markup: "\${S}" }
${providers}models:
  m: { channels: [ { provider: azure-eastus, deployment: d, price: [ { input: 1, output: 2 }, { from: "\${S}", input: 1, output: 2 } ] } ] }
agreements:
  - { name: s, kind: revenue-share, party: P, percent: "\${S}", cap: "\${S}", currency: "\${S}", tenants: ["\${S}"] }
  - { name: c, kind: commitment, party: P, provider: "x\${S}", amount: "\${S}", from: 2026-01-01, until: 2026-12-31 }
`,
        { env: { S: 'sk-METERING-SECRET' } },
      );
    } catch (error) {
      return (error as { problems: Array<{ path: string; message: string }> }).problems.map((problem) => `${problem.path}: ${problem.message}`);
    }
    assert.fail('expected the configuration to be rejected');
  })();
  assert.equal(problems.length, 8, problems.join('\n'));
  for (const problem of problems) assert.doesNotMatch(problem, /METERING-SECRET/, problem);
  assert.ok(problems.includes('agreements[1].provider: unknown provider "x${S}"'), problems.join('\n'));
});

test('metering.budgets: one spender each, amounts in micro-units, day, month or windows, hard by default but for providers', () => {
  const { budgets } = load(`metering:
  budgets:
    - { name: acme-month, tenant: acme, amount: 500, period: month }
    - { name: ml-day, team: ml, amount: 0.000001, period: day, hard: false }
    - { name: trial, key: key_01, amount: 5, period: { every: 7d, from: 2026-12-01 } }
    - { name: aws-month, provider: bedrock-use1, amount: 10000, period: month }
${twoClouds}`).metering;
  assert.deepEqual(budgets, [
    { name: 'acme-month', scope: 'tenant', match: 'acme', amountMicros: 500_000_000, period: { kind: 'month' }, hard: true, decline: false },
    { name: 'ml-day', scope: 'team', match: 'ml', amountMicros: 1, period: { kind: 'day' }, hard: false, decline: false },
    { name: 'trial', scope: 'key', match: 'key_01', amountMicros: 5_000_000, period: { kind: 'window', lengthMs: 7 * dayMs, startsAtMs: Date.UTC(2026, 11, 1) }, hard: true, decline: false },
    { name: 'aws-month', scope: 'provider', match: 'bedrock-use1', amountMicros: 10_000_000_000, period: { kind: 'month' }, hard: false, decline: false },
  ]);
  assert.ok(Object.isFrozen(budgets) && Object.isFrozen(budgets[0]));
});

test('metering.budgets: every problem, at its path', () => {
  const problems = (entry: string) => problemsOf(`metering: { budgets: [ ${entry} ] }\n${twoClouds}`);
  assert.deepEqual(problems('{ name: b, amount: 5, period: day }'), ['metering.budgets[0]: a budget names whose it is: one of key, team, tenant or provider']);
  assert.deepEqual(problems('{ name: b, tenant: a, team: t, amount: 5, period: day }'), ['metering.budgets[0]: a budget names one of key, team, tenant or provider, not team and tenant']);
  assert.deepEqual(problems('{ name: b, provider: bedrock-use1, amount: 5, period: day, hard: true }'), [
    'metering.budgets[0].hard: a provider budget is soft only (which provider serves is known only after routing); remove hard or set it to false',
  ]);
  assert.match(problems('{ name: b, provider: bedrok-use1, amount: 5, period: day }').join(), /bedrock-use1/);
  assert.match(problems('{ name: b, tenant: a, amount: 5, period: week }').join(), /period: must be day, month or \{ every: 7d, from: 2026-12-01 \}/);
  assert.match(problems('{ name: b, tenant: a, amount: 5, period: { every: 59s, from: 2026-12-01 } }').join(), /every must be at least 1m/);
  assert.equal(load(`metering: { budgets: [ { name: b, tenant: a, amount: 5, period: { every: 1m, from: 2026-12-01 } } ] }\n${twoClouds}`).metering.budgets[0].period.kind, 'window');
  assert.match(problems('{ name: b, tenant: a, amount: 0, period: day }').join(), /metering\.budgets\[0\]\.amount/);
  assert.match(problems('{ name: b, tenant: a, limit: 5, period: day }').join(), /did you mean "amount"/);
  assert.match(
    problemsOf(`metering: { budgets: [ { name: b, tenant: a, amount: 5, period: day }, { name: b, tenant: c, amount: 5, period: day } ] }\n${twoClouds}`).join(),
    /metering\.budgets\[1\]\.name: metering\.budgets\[0\] already has the name "b"/,
  );
});

test('metering.budgets: decline only on a provider budget, off by default', () => {
  const budgets = (entry: string) => load(`metering: { budgets: [ ${entry} ] }\n${twoClouds}`).metering.budgets;
  assert.equal(budgets('{ name: b, provider: bedrock-use1, amount: 5, period: day, decline: true }')[0].decline, true);
  assert.equal(budgets('{ name: b, provider: bedrock-use1, amount: 5, period: day }')[0].decline, false);
  assert.deepEqual(problemsOf(`metering: { budgets: [ { name: b, tenant: a, amount: 5, period: day, decline: true } ] }\n${twoClouds}`), [
    "metering.budgets[0].decline: only a provider's budget declines (routing passes that provider's channels over once it is spent); this one is a tenant's",
  ]);
});
