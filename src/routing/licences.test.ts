import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfiguredLicenceBook, isUtcDay, utcDay, type LicenceTerms } from './licences.ts';
import { compileModelRoute } from './model-route.ts';

const model = compileModelRoute({
  model: 'gpt-4o',
  policy: 'ordered',
  channels: [
    { provider: 'azure-eastus', upstreamModel: 'gpt-4o-prod' },
    { provider: 'azure-eastus', upstreamModel: 'gpt-4o-batch' },
    { provider: 'bedrock-use1', upstreamModel: 'openai.gpt-4o' },
    { provider: 'local-vllm', upstreamModel: 'gpt-4o' },
  ],
});
const [azureProd, azureBatch, bedrock, local] = model.channels;

const licence = (terms: Partial<LicenceTerms>): LicenceTerms => ({ name: 'msft', party: 'Microsoft', channels: { provider: 'azure-eastus' }, exclusive: false, ...terms });

describe('ConfiguredLicenceBook', () => {
  it('honours until to the day: in force on until itself, excluded the day after', () => {
    const book = new ConfiguredLicenceBook([licence({ until: '2032-12-31' })]);
    assert.deepEqual(book.licenceFor(azureProd, 'gpt-4o', '2032-12-31'), { status: 'in-force', licence: 'msft' });
    assert.deepEqual(book.licenceFor(azureProd, 'gpt-4o', '2033-01-01'), { status: 'expired', licence: 'msft', until: '2032-12-31' });
  });

  it('honours from to the day: excluded while from is tomorrow, in force from that day', () => {
    const book = new ConfiguredLicenceBook([licence({ from: '2026-03-02' })]);
    assert.deepEqual(book.licenceFor(azureProd, 'gpt-4o', '2026-03-01'), { status: 'not-yet', licence: 'msft', from: '2026-03-02' });
    assert.equal(book.licenceFor(azureProd, 'gpt-4o', '2026-03-02').status, 'in-force');
  });

  it('needs no licence for a channel no licence covers, unless an exclusive one forbids it', () => {
    const open = new ConfiguredLicenceBook([licence({ until: '2032-12-31' })]);
    assert.equal(open.licenceFor(bedrock, 'gpt-4o', '2031-01-01').status, 'not-required');

    const exclusive = new ConfiguredLicenceBook([licence({ name: 'msft-2019', models: ['gpt-4o'], until: '2025-10-27', exclusive: true })]);
    assert.deepEqual(exclusive.licenceFor(bedrock, 'gpt-4o', '2025-10-27'), { status: 'exclusive-elsewhere', licence: 'msft-2019', holder: 'Microsoft' });
    assert.equal(exclusive.licenceFor(local, 'gpt-4o', '2025-10-27').status, 'exclusive-elsewhere');
    // The holder's own channels are licensed; other models are not affected; the day after it ends, others are free.
    assert.equal(exclusive.licenceFor(azureBatch, 'gpt-4o', '2025-10-27').status, 'in-force');
    assert.equal(exclusive.licenceFor(bedrock, 'gpt-oss-120b', '2025-10-27').status, 'not-required');
    assert.equal(exclusive.licenceFor(bedrock, 'gpt-4o', '2025-10-28').status, 'not-required');
  });

  it('lets exclusivity win over another channel own licence, and reads coveredModels', () => {
    const book = new ConfiguredLicenceBook([
      licence({ name: 'exclusive', coveredModels: ['gpt-4o'], exclusive: true }),
      licence({ name: 'aws', party: 'AWS', channels: { provider: 'bedrock-use1' } }),
    ]);
    assert.equal(book.licenceFor(bedrock, 'gpt-4o', '2030-01-01').status, 'exclusive-elsewhere');
  });

  it('selects channels by provider and upstream model', () => {
    const book = new ConfiguredLicenceBook([licence({ channels: [{ provider: 'azure-eastus', model: 'gpt-4o-prod' }], until: '2020-01-01' })]);
    assert.equal(book.licenceFor(azureProd, 'gpt-4o', '2030-01-01').status, 'expired');
    assert.equal(book.licenceFor(azureBatch, 'gpt-4o', '2030-01-01').status, 'not-required');
  });

  it('prefers a licence in force over an expired one, and names the latest expiry', () => {
    const book = new ConfiguredLicenceBook([licence({ name: 'old', until: '2020-12-31' }), licence({ name: 'older', until: '2019-12-31' })]);
    assert.deepEqual(book.licenceFor(azureProd, 'gpt-4o', '2021-06-01'), { status: 'expired', licence: 'old', until: '2020-12-31' });
    const renewed = new ConfiguredLicenceBook([licence({ name: 'old', until: '2020-12-31' }), licence({ name: 'new', from: '2021-01-01' })]);
    assert.deepEqual(renewed.licenceFor(azureProd, 'gpt-4o', '2021-06-01'), { status: 'in-force', licence: 'new' });
  });

  it('rejects invalid terms, naming the licence and the field', () => {
    assert.throws(() => new ConfiguredLicenceBook([licence({ until: '2032-02-30' })]), /licence "msft": until must be a day written YYYY-MM-DD/);
    assert.throws(() => new ConfiguredLicenceBook([licence({ from: '2030-01-02', until: '2030-01-01' })]), /until \(2030-01-01\) is before from/);
    assert.throws(() => new ConfiguredLicenceBook([licence({ exclusive: true })]), /exclusive licence must name the models/);
  });
});

describe('utcDay', () => {
  it('gives the UTC calendar day, changing exactly at midnight UTC', () => {
    assert.equal(utcDay(Date.UTC(2032, 11, 31, 23, 59, 59, 999)), '2032-12-31');
    assert.equal(utcDay(Date.UTC(2033, 0, 1)), '2033-01-01');
    assert.equal(utcDay(Date.UTC(2032, 11, 31, 12)), '2032-12-31');
  });

  it('validates days', () => {
    assert.equal(isUtcDay('2024-02-29'), true);
    assert.equal(isUtcDay('2023-02-29'), false);
    assert.equal(isUtcDay('2023-2-1'), false);
  });
});
