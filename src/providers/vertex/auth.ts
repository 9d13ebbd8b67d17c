/**
 * Google OAuth bearer tokens for Vertex AI through google-auth-library: application default credentials (the
 * environment's key file, gcloud, workload identity federation, the metadata server) or a service-account key file.
 * The library's client is built once; the gateway's bearer-token source caches the tokens and refreshes them ahead of
 * expiry, so requests do not wait on Google. A service-account key whose `universe_domain` is not Google's default is
 * used the way the library uses it there: a JWT signed with the key itself, no token exchange (the emulator's way in).
 */
import { GoogleAuth } from 'google-auth-library';
import type { TokenProvider } from '../http/bearer-token-source.ts';

export type GoogleCredentialSettings = { readonly source: 'application-default' } | { readonly source: 'service-account-file'; readonly file: string };

export const vertexScope = 'https://www.googleapis.com/auth/cloud-platform';

/** Google's access tokens live an hour; when neither the client nor the token says when it expires, assume 55 minutes. */
const assumedLifetimeMs = 55 * 60_000;

export function createGoogleTokenProvider(settings: GoogleCredentialSettings): TokenProvider {
  const auth = new GoogleAuth({ scopes: [vertexScope], keyFile: settings.source === 'service-account-file' ? settings.file : undefined });
  return async () => {
    const client = await auth.getClient();
    const headers = await client.getRequestHeaders();
    const authorization = headers.get('authorization');
    if (authorization === null || !authorization.startsWith('Bearer ')) return null;
    const token = authorization.slice('Bearer '.length);
    // A JWT says when it expires; for an opaque token ask the client (which leaves a placeholder on some paths).
    const expiry = jwtExpiry(token) ?? (client as { credentials?: { expiry_date?: number | null } }).credentials?.expiry_date;
    return { token, expiresOnTimestamp: typeof expiry === 'number' && expiry > Date.now() ? expiry : Date.now() + assumedLifetimeMs };
  };
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
