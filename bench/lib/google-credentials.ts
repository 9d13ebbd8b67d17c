// Google credentials for the gateway's vertex channel, with nothing leaving loopback and nothing special in the
// gateway: it says `auth: { google: application-default }`, and its environment points application-default
// credentials at an `external_account` file whose token exchange URL is a stub served here, answering the token the
// Vertex emulator accepts. google-auth-library exchanges once and the gateway caches the token: the production path,
// one fetch per run. Project, metadata server and gcloud config are set so the library looks nowhere else.

import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export type GoogleCredentialStub = {
  /** Environment variables to add to the gateway's. */
  env: Record<string, string>;
  /** Token exchanges answered so far (the gateway should make one per run). */
  exchanges: () => number;
  close: () => Promise<void>;
};

export const STS_TOKEN_PATH = '/v1/token';

export async function startGoogleCredentialStub(options: {
  directory: string;
  accessToken: string;
  project: string;
}): Promise<GoogleCredentialStub> {
  let exchanges = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      if (request.method !== 'POST' || request.url !== STS_TOKEN_PATH || !form.get('grant_type')?.endsWith(':token-exchange')) {
        response.writeHead(400, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 'invalid_request', error_description: 'bench token stub: POST a token exchange to /v1/token' }));
        return;
      }
      exchanges++;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          access_token: options.accessToken,
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          token_type: 'Bearer',
          expires_in: 3600,
        }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  server.unref();
  const port = (server.address() as AddressInfo).port;

  const subjectTokenPath = join(options.directory, 'google-subject-token.txt');
  const credentialsPath = join(options.directory, 'google-application-credentials.json');
  const gcloudDirectory = join(options.directory, 'gcloud');
  mkdirSync(gcloudDirectory, { recursive: true });
  writeFileSync(subjectTokenPath, 'bench-subject-token');
  writeFileSync(
    credentialsPath,
    JSON.stringify({
      type: 'external_account',
      audience: '//iam.googleapis.com/projects/000000000000/locations/global/workloadIdentityPools/bench/providers/bench',
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: `http://127.0.0.1:${port}${STS_TOKEN_PATH}`,
      credential_source: { file: subjectTokenPath, format: { type: 'text' } },
    }),
  );
  return {
    env: {
      GOOGLE_APPLICATION_CREDENTIALS: credentialsPath,
      GOOGLE_CLOUD_PROJECT: options.project,
      METADATA_SERVER_DETECTION: 'none',
      GCE_METADATA_HOST: '127.0.0.1:9',
      GCE_METADATA_IP: '127.0.0.1:9',
      CLOUDSDK_CONFIG: gcloudDirectory,
    },
    exchanges: () => exchanges,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
