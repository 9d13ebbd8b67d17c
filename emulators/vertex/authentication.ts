/**
 * Bearer-token authentication as Vertex AI's front end does it, for tokens the emulator can check offline:
 *
 * - a self-signed service-account JWT (what google-auth-library sends with `useJWTAccessWithScope`, and what
 *   `mintTestToken` makes): RS256, signed by the configured public key, `iss` (and `sub`, when present) a string,
 *   an audience of Vertex AI (`https://aiplatform.googleapis.com/`, a regional or `rep` host, or the OAuth token
 *   endpoint `https://oauth2.googleapis.com/token`) or, without `aud`, a `scope` claim with
 *   `https://www.googleapis.com/auth/cloud-platform`; `iat` and `exp` present, `exp` in the future and at most
 *   3600 s after `iat` (Google's limit for self-signed JWTs);
 * - any token for which `acceptToken` returns true (checked first).
 *
 * With neither configured every request passes. Failures are 401 UNAUTHENTICATED with Google's messages and a
 * google.rpc.ErrorInfo (`CREDENTIALS_MISSING`, `ACCESS_TOKEN_EXPIRED`, `ACCESS_TOKEN_TYPE_UNSUPPORTED`). Verified
 * tokens are remembered until they expire, so a token costs one RSA verification.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject, createPrivateKey } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import type { Exchange } from '../core/index.ts';
import { googleError, type GoogleError } from './vertex-errors.ts';

export const VERTEX_AUDIENCE = 'https://aiplatform.googleapis.com/';
export const TOKEN_ENDPOINT_AUDIENCE = 'https://oauth2.googleapis.com/token';
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** Google refuses self-signed JWTs that live longer than an hour. */
export const MAX_TOKEN_LIFETIME_SECONDS = 3600;

const UNAUTHENTICATED_HEADERS = ['www-authenticate', 'Bearer realm="https://accounts.google.com/"'];
const INVALID_CREDENTIALS_MESSAGE =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid ' +
  'authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
const MISSING_CREDENTIALS_MESSAGE =
  'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other ' +
  'valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
const API_KEY_MESSAGE =
  'API keys are not supported by this API. Expected OAuth2 access token or other authentication credentials that ' +
  'assert a principal. See https://cloud.google.com/docs/authentication';

/** The gRPC method an error's ErrorInfo names, e.g. `google.cloud.aiplatform.v1beta1.PredictionService.GenerateContent`. */
export function unauthenticated(reason: string, method: string, message = INVALID_CREDENTIALS_MESSAGE): GoogleError {
  return googleError(
    401,
    'UNAUTHENTICATED',
    message,
    [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason,
        domain: 'googleapis.com',
        metadata: { service: 'aiplatform.googleapis.com', method },
      },
    ],
    UNAUTHENTICATED_HEADERS,
  );
}

export interface AuthenticationOptions {
  publicKey?: KeyObject | string;
  acceptToken?: (token: string) => boolean;
}

const CACHE_LIMIT = 10_000;

export class Authenticator {
  readonly required: boolean;
  readonly #publicKey: KeyObject | undefined;
  readonly #acceptToken: ((token: string) => boolean) | undefined;
  /** Verified JWTs → expiry in ms. */
  readonly #verified = new Map<string, number>();

  constructor(options: AuthenticationOptions) {
    const key = options.publicKey;
    this.#publicKey = key === undefined ? undefined : typeof key === 'string' ? createPublicKey(key) : key;
    if (this.#publicKey !== undefined && this.#publicKey.type === 'private') {
      this.#publicKey = createPublicKey(this.#publicKey);
    }
    this.#acceptToken = options.acceptToken;
    this.required = this.#publicKey !== undefined || this.#acceptToken !== undefined;
  }

  /** Undefined when the request may proceed; else the 401 to send. Async only when a JWT must be verified. */
  check(exchange: Exchange, method: string): GoogleError | undefined | Promise<GoogleError | undefined> {
    if (!this.required) return undefined;
    const header = exchange.request.headers.authorization;
    if (header === undefined || header === '') {
      const apiKey = exchange.request.headers['x-goog-api-key'] !== undefined || /(^|&)key=/.test(exchange.query);
      return unauthenticated('CREDENTIALS_MISSING', method, apiKey ? API_KEY_MESSAGE : MISSING_CREDENTIALS_MESSAGE);
    }
    if (!header.startsWith('Bearer ') && !header.startsWith('bearer ')) {
      return unauthenticated('ACCESS_TOKEN_TYPE_UNSUPPORTED', method);
    }
    const token = header.slice(7).trim();
    if (this.#acceptToken !== undefined && this.#acceptToken(token) === true) return undefined;
    const known = this.#verified.get(token);
    if (known !== undefined) {
      if (known > Date.now()) return undefined;
      this.#verified.delete(token);
      return unauthenticated('ACCESS_TOKEN_EXPIRED', method);
    }
    if (this.#publicKey === undefined || token.split('.').length !== 3) {
      return unauthenticated('ACCESS_TOKEN_TYPE_UNSUPPORTED', method);
    }
    return this.#verify(token, this.#publicKey, method);
  }

  async #verify(token: string, key: KeyObject, method: string): Promise<GoogleError | undefined> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, { algorithms: ['RS256'] }));
    } catch (error) {
      return unauthenticated(error instanceof joseErrors.JWTExpired ? 'ACCESS_TOKEN_EXPIRED' : 'ACCESS_TOKEN_TYPE_UNSUPPORTED', method);
    }
    const { iss, sub, iat, exp } = payload;
    if (typeof iss !== 'string' || iss === '' || (sub !== undefined && sub !== iss)) {
      return unauthenticated('ACCESS_TOKEN_TYPE_UNSUPPORTED', method);
    }
    if (typeof exp !== 'number' || typeof iat !== 'number' || exp - iat > MAX_TOKEN_LIFETIME_SECONDS) {
      return unauthenticated('ACCESS_TOKEN_TYPE_UNSUPPORTED', method);
    }
    if (!audienceAccepted(payload.aud, payload.scope)) return unauthenticated('ACCESS_TOKEN_TYPE_UNSUPPORTED', method);
    if (this.#verified.size >= CACHE_LIMIT) this.#verified.clear();
    this.#verified.set(token, exp * 1000);
    return undefined;
  }
}

function isVertexAudience(audience: string): boolean {
  if (audience === VERTEX_AUDIENCE || audience === 'https://aiplatform.googleapis.com' || audience === TOKEN_ENDPOINT_AUDIENCE) {
    return true;
  }
  // Regional (`https://us-central1-aiplatform.googleapis.com/`) and rep (`https://aiplatform.us.rep.googleapis.com/`) hosts.
  return /^https:\/\/([a-z0-9-]+-aiplatform\.googleapis\.com|aiplatform\.[a-z0-9-]+\.rep\.googleapis\.com)\/?$/.test(audience);
}

function audienceAccepted(audience: unknown, scope: unknown): boolean {
  if (typeof audience === 'string') return isVertexAudience(audience);
  if (Array.isArray(audience)) return audience.some((entry) => typeof entry === 'string' && isVertexAudience(entry));
  if (audience !== undefined) return false;
  return typeof scope === 'string' && scope.split(' ').includes(CLOUD_PLATFORM_SCOPE);
}

// --- helpers for tests and the demo -----------------------------------------------------------------------------

export interface TestServiceAccount {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly email: string;
}

/** A fresh RSA-2048 key pair and a service-account email in the default project. */
export function createTestServiceAccount(): TestServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKey, email: 'interchange-test@interchange-demo.iam.gserviceaccount.com' };
}

export interface MintTokenOptions {
  /** `iss` and `sub`. */
  email: string;
  /** `exp` − now (exp rounded up to a whole second); default 3600. Zero or negative mints an already expired token. */
  lifetimeSeconds?: number;
  /** `aud`; default `https://aiplatform.googleapis.com/`. */
  audience?: string;
  /** `kid` header, as Google's keys carry one; optional. */
  keyId?: string;
}

/** A self-signed service-account JWT (RS256) that the emulator accepts as a bearer token while it is valid. */
export async function mintTestToken(privateKey: KeyObject | string, options: MintTokenOptions): Promise<string> {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const lifetime = options.lifetimeSeconds ?? MAX_TOKEN_LIFETIME_SECONDS;
  // JWT times are whole seconds: round up, so the token never expires before now + lifetimeSeconds (a caller that
  // schedules its refresh from Date.now() + lifetime must not meet an already expired token).
  const exp = Math.ceil(Date.now() / 1000 + lifetime);
  // `exp - iat` is exactly the lifetime; an expired token was issued an hour before it expired.
  const iat = lifetime > 0 ? exp - lifetime : exp - MAX_TOKEN_LIFETIME_SECONDS;
  const header: { alg: 'RS256'; typ: 'JWT'; kid?: string } = { alg: 'RS256', typ: 'JWT' };
  if (options.keyId !== undefined) header.kid = options.keyId;
  return new SignJWT({})
    .setProtectedHeader(header)
    .setIssuer(options.email)
    .setSubject(options.email)
    .setAudience(options.audience ?? VERTEX_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key);
}
