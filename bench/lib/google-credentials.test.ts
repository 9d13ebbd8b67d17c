import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGoogleCredentialStub } from './google-credentials.ts';

test('the Google credential stub: application-default credentials resolve, on loopback, to the bench token', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'bench-google-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const stub = await startGoogleCredentialStub({ directory, accessToken: 'bench-vertex-token', project: 'bench-project' });
  t.after(() => stub.close());
  assert.equal(stub.env.GOOGLE_CLOUD_PROJECT, 'bench-project');
  assert.equal(stub.env.METADATA_SERVER_DETECTION, 'none');
  // The gateway's own token provider (google-auth-library, application default) in this test process.
  const saved = { ...process.env };
  Object.assign(process.env, stub.env);
  t.after(() => {
    for (const key of Object.keys(stub.env)) delete process.env[key];
    Object.assign(process.env, saved);
  });
  const { createGoogleTokenProvider } = await import('../../src/providers/vertex/auth.ts');
  const provider = createGoogleTokenProvider({ source: 'application-default' });
  const token = await provider();
  assert.equal(token?.token, 'bench-vertex-token');
  assert.ok((token?.expiresOnTimestamp ?? 0) > Date.now() + 50 * 60_000);
  assert.equal(stub.exchanges(), 1);
});
