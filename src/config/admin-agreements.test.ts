/**
 * Agreements made through the admin plane are checked as the file's are, beside them: a document that loads from the
 * file loads the same from the store, and every problem names the admin agreement at fault.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agreementDocument } from './agreement-document.ts';
import { ConfigError, parseConfig, withAdminAgreements, type AdminAgreement } from './load-config.ts';

const base = `providers:
  azure-eastus: { kind: azure-openai, endpoint: "https://contoso.openai.azure.com", auth: { api_key: k } }
  bedrock-use1: { kind: bedrock, region: us-east-1 }
models:
  gpt-4o: { channels: [ { provider: azure-eastus, deployment: gpt-4o-prod }, { provider: bedrock-use1, model: openai.gpt-4o } ] }
  gpt-oss-120b: { channels: [ { provider: azure-eastus, deployment: gpt-oss }, { provider: bedrock-use1, model: "openai.gpt-oss-120b-1:0" } ] }
`;

const agreements = `agreements:
  - { name: msft-licence, kind: licence, party: Microsoft, channels: { provider: azure-eastus }, until: 2032-12-31, exclusive: false }
  - { name: exclusive-oss, kind: licence, party: Microsoft, channels: { provider: azure-eastus, model: gpt-oss }, models: [gpt-oss-120b], from: 2020-01-01, until: 2025-10-27, exclusive: true }
  - { name: msft-share, kind: revenue-share, party: Microsoft, percent: 12.5, basis: cost, models: [gpt-4o], tenants: [acme], channels: [ { provider: azure-eastus }, { provider: bedrock-use1, model: openai.gpt-4o } ], from: 2025-10-28, until: 2030-12-31, cap: "250000000.000001" }
  - { name: aws-commit, kind: commitment, party: Amazon, provider: bedrock-use1, amount: 1000000.5, from: 2026-01-01, until: 2028-12-31, prefer: true }
`;

const load = (text: string) => parseConfig(text, { env: {} });
const admin = (document: Record<string, unknown>): AdminAgreement => ({ name: String(document.name), document });

function problems(config: ReturnType<typeof load>, stored: readonly AdminAgreement[]): string[] {
  try {
    withAdminAgreements(config, stored);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  return [];
}

test("every kind's document loads back from the admin plane as the same agreement", () => {
  const written = load(`${base}${agreements}`);
  const stored = written.agreements.map((agreement) => admin(agreementDocument(agreement)));
  const loaded = withAdminAgreements(load(base), stored);
  assert.deepEqual(
    loaded.agreements,
    written.agreements.map((agreement) => ({ ...agreement, source: 'admin' })),
  );
  assert.ok(Object.isFrozen(loaded.agreements));
  assert.equal(withAdminAgreements(written, []), written, 'nothing to add: the configuration itself');
});

test("the file's agreements come first; an admin agreement is marked as such", () => {
  const loaded = withAdminAgreements(load(`${base}agreements: [ { name: file-share, kind: revenue-share, party: P, percent: 1 } ]\n`), [
    admin({ name: 'admin-share', kind: 'revenue-share', party: 'Q', percent: 2 }),
  ]);
  assert.deepEqual(
    loaded.agreements.map((agreement) => [agreement.name, agreement.source]),
    [
      ['file-share', 'config'],
      ['admin-share', 'admin'],
    ],
  );
  const again = withAdminAgreements(loaded, []);
  assert.deepEqual(again.agreements.map((agreement) => agreement.name), ['file-share'], 'replacing the admin agreements drops the old ones');
});

test('every problem of an admin agreement is reported at once, named by the agreement', () => {
  const config = load(`${base}agreements: [ { name: taken, kind: revenue-share, party: P, percent: 1 } ]\n`);
  assert.deepEqual(
    problems(config, [
      admin({ name: 'bad-share', kind: 'revenue-share', party: 'P', percent: 100.01, channels: [{ provider: 'azure' }], cap: 0 }),
      admin({ name: 'taken', kind: 'commitment', party: 'P', provider: 'bedrock-use1', amount: 1, from: '2026-01-01', until: '2026-12-31' }),
      admin({ name: 'late', kind: 'commitment', party: 'P', provider: 'bedrock-use1', amount: 1, from: '2026-02-01', until: '2026-01-01', currency: 'EUR' }),
      admin({ name: 'odd', kind: 'barter' }),
    ]),
    [
      'agreement "bad-share" (admin plane).percent: must be at most 100 (percent), got 100.01',
      'agreement "bad-share" (admin plane).cap: must be greater than 0, got 0',
      'agreement "bad-share" (admin plane).channels[0].provider: unknown provider "azure"; did you mean "azure-eastus"?',
      'agreement "taken" (admin plane).name: agreements[0] already has the name "taken"; names must be unique',
      'agreement "late" (admin plane).currency: must be metering.currency ("USD") in this build: every price, cap and commitment is in that one currency',
      'agreement "late" (admin plane).until: must not be before from (2026-02-01)',
      'agreement "odd" (admin plane).kind: unknown kind "barter" (available: licence, revenue-share, commitment)',
    ],
  );
});

test('an exclusive licence made through the admin plane may not forbid the channels of the file\'s exclusive licence', () => {
  const config = load(`${base}agreements: [ { name: file-excl, kind: licence, party: M, channels: { provider: azure-eastus }, models: [gpt-4o], exclusive: true } ]\n`);
  const found = problems(config, [admin({ name: 'admin-excl', kind: 'licence', party: 'A', channels: { provider: 'bedrock-use1' }, models: ['gpt-4o'], exclusive: true })]);
  assert.equal(found.length, 1);
  assert.match(found[0], /^agreement "admin-excl" \(admin plane\)\.exclusive: exclusive licences "file-excl" .* and "admin-excl" both cover model "gpt-4o" on different channels/);
});
