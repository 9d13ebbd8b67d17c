/**
 * A Google service-account key file for a test account of the Vertex emulator: the gateway signs its JWTs with it, the
 * emulator verifies them with the account's public key. Its universe domain is not Google's, so nothing calls Google.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestServiceAccount } from '../../emulators/vertex/index.ts';

/** Writes `service-account.json` into `directory` and returns its path. */
export async function writeServiceAccountFile(directory: string, account: TestServiceAccount, project = 'acme-ai'): Promise<string> {
  const file = join(directory, 'service-account.json');
  await writeFile(
    file,
    JSON.stringify({
      type: 'service_account',
      project_id: project,
      private_key_id: 'test-key',
      private_key: account.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      client_email: account.email,
      client_id: '0',
      token_uri: 'https://oauth2.googleapis.com/token',
      universe_domain: 'interchange.test',
    }),
  );
  return file;
}
