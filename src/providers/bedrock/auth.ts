/**
 * How Bedrock requests authenticate: SigV4 (service `bedrock`) with credentials from the AWS credential chain, a
 * profile, or static keys, cached and refreshed before they expire; or a Bedrock API key as a bearer token.
 */
import { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export type AwsCredentialSettings =
  | { readonly source: 'default-chain' }
  | { readonly source: 'profile'; readonly profile: string }
  | { readonly source: 'static'; readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string | undefined };

/** Request headers for one call: computed from the path and body (SigV4 signs both). */
export type RequestAuthenticator = (path: string, body: string) => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>;

/** A credential provider from configuration, memoised. */
export function createAwsCredentialProvider(settings: AwsCredentialSettings): AwsCredentialIdentityProvider {
  switch (settings.source) {
    case 'default-chain':
      return memoizeCredentials(fromNodeProviderChain());
    case 'profile':
      return memoizeCredentials(fromIni({ profile: settings.profile }));
    case 'static': {
      const identity: AwsCredentialIdentity = {
        accessKeyId: settings.accessKeyId,
        secretAccessKey: settings.secretAccessKey,
        sessionToken: settings.sessionToken,
      };
      return async () => identity;
    }
  }
}

/**
 * Caches credentials until 5 minutes before they expire (for ever when they do not), fetching at most once at a time.
 * The signer asks for credentials on every request; only a refresh reaches the chain.
 */
export function memoizeCredentials(provider: AwsCredentialIdentityProvider, refreshMarginMs = 5 * 60_000, now: () => number = Date.now): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  return () => {
    if (current !== undefined && (current.expiration === undefined || current.expiration.getTime() - refreshMarginMs > now())) {
      return Promise.resolve(current);
    }
    pending ??= provider().then(
      (identity) => {
        current = identity;
        pending = undefined;
        return identity;
      },
      (error: unknown) => {
        pending = undefined;
        throw new Error(`AWS credentials could not be obtained: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      },
    );
    return pending;
  };
}

/**
 * SigV4 for Bedrock. The path is given encoded once (a model ID's `:` as `%3A`); the signature covers it encoded twice,
 * as the AWS SDK does, so the signature matches what Bedrock computes.
 */
export function createSigV4Authenticator(options: {
  readonly endpoint: URL;
  readonly region: string;
  readonly credentials: AwsCredentialIdentityProvider;
  readonly headers: Readonly<Record<string, string>>;
}): RequestAuthenticator {
  const signer = new SignatureV4({
    service: 'bedrock',
    region: options.region,
    credentials: options.credentials,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: true,
    applyChecksum: false,
  });
  const { endpoint } = options;
  const protocol = endpoint.protocol;
  const hostname = endpoint.hostname;
  const port = endpoint.port === '' ? undefined : Number(endpoint.port);
  const host = endpoint.host;
  return async (path, body) => {
    const request = new HttpRequest({
      method: 'POST',
      protocol,
      hostname,
      port,
      path,
      headers: { ...options.headers, host, 'content-type': 'application/json' },
      body,
    });
    const signed = await signer.sign(request);
    // undici sends the same Host itself.
    const { host: _host, ...headers } = signed.headers;
    return headers;
  };
}

/** A Bedrock API key, sent as a bearer token. */
export function createBearerAuthenticator(apiKey: string, headers: Readonly<Record<string, string>>): RequestAuthenticator {
  const fixed = Object.freeze({ ...headers, 'content-type': 'application/json', authorization: `Bearer ${apiKey}` });
  return () => fixed;
}
