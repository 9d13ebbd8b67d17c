import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jwtVerify } from 'jose';
import { createGoogleTokenProvider, jwtExpiry, vertexScope } from './auth.ts';

describe('Google token provider', () => {
  it('signs its own JWT with a service-account key outside Google\'s default universe, offline', async (t) => {
    const directory = await mkdtemp(join(tmpdir(), 'interchange-google-'));
    t.after(() => rm(directory, { recursive: true, force: true }));
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const email = 'gateway@interchange-test.iam.gserviceaccount.com';
    const file = join(directory, 'key.json');
    await writeFile(
      file,
      JSON.stringify({
        type: 'service_account',
        project_id: 'interchange-test',
        private_key_id: 'key-1',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        client_email: email,
        client_id: '1',
        token_uri: 'https://oauth2.googleapis.com/token',
        universe_domain: 'interchange.test',
      }),
    );
    const token = await createGoogleTokenProvider({ source: 'service-account-file', file })();
    assert.ok(token !== null);
    const { payload, protectedHeader } = await jwtVerify(token.token, publicKey);
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.iss, email);
    assert.equal(payload.sub, email);
    assert.equal(payload.scope, vertexScope);
    assert.equal(token.expiresOnTimestamp, (payload.exp as number) * 1000);
    assert.ok(token.expiresOnTimestamp > Date.now() + 50 * 60_000);
  });

  it('refuses at start-up a key file that is missing or is not a service-account key', async (t) => {
    const directory = await mkdtemp(join(tmpdir(), 'interchange-google-'));
    t.after(() => rm(directory, { recursive: true, force: true }));
    assert.throws(() => createGoogleTokenProvider({ source: 'service-account-file', file: join(directory, 'missing.json') }), /could not be read/);
    const external = join(directory, 'external.json');
    await writeFile(external, JSON.stringify({ type: 'external_account', audience: 'x', credential_source: { file: '/etc/passwd' } }));
    assert.throws(() => createGoogleTokenProvider({ source: 'service-account-file', file: external }), /is not a service-account key/);
  });

  it('reads a JWT expiry, and none from an opaque token', () => {
    const claims = Buffer.from(JSON.stringify({ exp: 1_800_000_000 })).toString('base64url');
    assert.equal(jwtExpiry(`e30.${claims}.sig`), 1_800_000_000_000);
    assert.equal(jwtExpiry('ya29.opaque-token'), undefined);
    assert.equal(jwtExpiry('a.!!!.c'), undefined);
  });
});
