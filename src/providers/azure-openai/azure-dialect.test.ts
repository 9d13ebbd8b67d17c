import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { azureDialect } from './index.ts';

const features = (api: 'v1' | 'deployments', apiVersion: string) => {
  const dialect = azureDialect(api, apiVersion);
  return { maxTokensField: dialect.maxTokensField, streamOptions: dialect.streamOptions, developerRole: dialect.developerRole };
};

describe('azureDialect', () => {
  it('takes stream_options and max_completion_tokens from 2024-09-01-preview on', () => {
    const older = { maxTokensField: 'max_tokens', streamOptions: false, developerRole: false };
    assert.deepEqual(features('deployments', '2024-08-01-preview'), older);
    assert.deepEqual(features('deployments', '2024-08-31'), older);
    assert.deepEqual(features('deployments', '2024-06-01'), older);
    assert.deepEqual(features('deployments', '2023-05-15'), older);
    const current = { maxTokensField: 'as-sent', streamOptions: true, developerRole: false };
    assert.deepEqual(features('deployments', '2024-09-01-preview'), current);
    assert.deepEqual(features('deployments', '2024-10-21'), current);
  });

  it('knows the developer role from 2024-12-01-preview on', () => {
    assert.equal(features('deployments', '2024-11-30').developerRole, false);
    assert.equal(features('deployments', '2024-12-01-preview').developerRole, true);
    assert.equal(features('deployments', '2025-04-01-preview').developerRole, true);
  });

  it('has everything on the v1 API, and for an api-version that is not dated', () => {
    const everything = { maxTokensField: 'as-sent', streamOptions: true, developerRole: true };
    assert.deepEqual(features('v1', '2024-06-01'), everything);
    assert.deepEqual(features('deployments', 'latest'), everything);
  });
});
