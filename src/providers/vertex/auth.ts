/**
 * Google OAuth bearer tokens for Vertex AI through google-auth-library: application default credentials (the
 * environment's key file, gcloud, workload identity federation, the metadata server) or a service-account key file.
 * The library's client is built once; the gateway's bearer-token source caches the tokens and refreshes them ahead of
 * expiry, so requests do not wait on Google. A service-account key whose `universe_domain` is not Google's default is
 * used the way the library uses it there: a JWT signed with the key itself, no token exchange (the emulator's way in).
 */
import { readFileSync } from 'node:fs';
import { GoogleAuth, JWT, type AuthClient } from 'google-auth-library';
import type { TokenProvider } from '../http/bearer-token-source.ts';

export type GoogleCredentialSettings = { readonly source: 'application-default' } | { readonly source: 'service-account-file'; readonly file: string };

export const vertexScope = 'https://www.googleapis.com/auth/cloud-platform';

/** Google's access tokens live an hour; when neither the client nor the token says when it expires, assume 55 minutes. */
const assumedLifetimeMs = 55 * 60_000;

/**
 * A token provider for the configured credentials. A service-account key file is read and checked here, at
 * start-up (only `type: service_account` is accepted, as Google advises for credential files from outside), and
 * its client built directly; application default credentials are resolved by the library on first use.
 */
export function createGoogleTokenProvider(settings: GoogleCredentialSettings): TokenProvider {
  if (settings.source === 'service-account-file') {
    const client = serviceAccountClient(settings.file);
    return () => tokenFrom(client);
  }
  const auth = new GoogleAuth({ scopes: [vertexScope] });
  return async () => tokenFrom(await auth.getClient());
}

interface ServiceAccountKey {
  type?: unknown;
  client_email?: unknown;
  private_key?: unknown;
  private_key_id?: unknown;
  universe_domain?: unknown;
}

function serviceAccountClient(file: string): JWT {
  let key: ServiceAccountKey;
  try {
    key = JSON.parse(readFileSync(file, 'utf8')) as ServiceAccountKey;
  } catch (error) {
    throw new Error(`Google service-account key ${file} could not be read: ${(error as Error).message}`, { cause: error });
  }
  if (key.type !== 'service_account' || typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw new Error(`Google service-account key ${file} is not a service-account key (type "service_account" with client_email and private_key)`);
  }
  return new JWT({
    email: key.client_email,
    key: key.private_key,
    keyId: typeof key.private_key_id === 'string' ? key.private_key_id : undefined,
    scopes: [vertexScope],
    universeDomain: typeof key.universe_domain === 'string' ? key.universe_domain : undefined,
  });
}

async function tokenFrom(client: AuthClient): Promise<{ token: string; expiresOnTimestamp: number } | null> {
  const headers = await client.getRequestHeaders();
  const authorization = headers.get('authorization');
  if (authorization === null || !authorization.startsWith('Bearer ')) return null;
  const token = authorization.slice('Bearer '.length);
  // A JWT says when it expires; for an opaque token ask the client (which leaves a placeholder on some paths).
  const expiry = jwtExpiry(token) ?? (client as { credentials?: { expiry_date?: number | null } }).credentials?.expiry_date;
  return { token, expiresOnTimestamp: typeof expiry === 'number' && expiry > Date.now() ? expiry : Date.now() + assumedLifetimeMs };
}

/** The `exp` of a JWT bearer token in epoch milliseconds, or undefined for an opaque token. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
