/**
 * Bedrock's two ways in: AWS Signature Version 4 (service `bedrock`, the emulator's region) and Bedrock API keys
 * (`Authorization: Bearer <key>`).
 *
 * A SigV4 request is checked the way AWS's front end does (header syntax, credential scope, access key, session token,
 * clock skew), then its signature is recomputed with `@smithy/signature-v4` from the request exactly as received:
 * method, the path as it arrived (the signer escapes it once more, as SDKs do when they sign), the query, the headers
 * named in `SignedHeaders`, and the body (or the signed `x-amz-content-sha256`), with `applyChecksum: false`.
 * Failures are answered with AWS's exception names, statuses and messages (see docs/emulators/bedrock.md#auth).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Exchange } from '../core/index.ts';
import { CORAL_SERVICE_NAMESPACE, awsError, type AwsError } from './bedrock-errors.ts';

export interface BedrockCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const SIGNING_SERVICE = 'bedrock';
const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const MAX_SKEW_MS = 5 * 60 * 1000;
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** Prefixes of Bedrock API keys: long-term (`ABSK…`) and short-term (`bedrock-api-key-…`). */
const API_KEY_PREFIXES = ['ABSK', 'bedrock-api-key-'];

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key ' +
  'and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

function frontEndError(status: number, type: string, message: string): AwsError {
  return awsError(status, type, message, CORAL_SERVICE_NAMESPACE);
}

export const MISSING_AUTHORIZATION = awsError(403, 'AccessDeniedException', 'Authorization header is missing', CORAL_SERVICE_NAMESPACE, 'Message');
const API_KEY_FORMAT = awsError(403, 'AccessDeniedException', 'Invalid API Key format: Must start with pre-defined prefix', CORAL_SERVICE_NAMESPACE, 'Message');
const API_KEY_INVALID = awsError(403, 'AccessDeniedException', 'Authentication failed: Please make sure your API Key is valid.', CORAL_SERVICE_NAMESPACE, 'Message');
const UNRECOGNIZED_CLIENT = frontEndError(403, 'UnrecognizedClientException', INVALID_TOKEN);
const INVALID_SIGNATURE = frontEndError(403, 'InvalidSignatureException', SIGNATURE_MISMATCH);

function invalidSignature(message: string): AwsError {
  return frontEndError(403, 'InvalidSignatureException', message);
}

function incompleteSignature(message: string): AwsError {
  return frontEndError(400, 'IncompleteSignatureException', message);
}

/** `YYYYMMDDTHHMMSSZ`. */
function amzDate(milliseconds: number): string {
  return new Date(milliseconds).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Parses `YYYYMMDDTHHMMSSZ`; NaN when malformed. */
function parseAmzDate(text: string): number {
  if (text.length !== 16 || text[8] !== 'T' || text[15] !== 'Z') return Number.NaN;
  for (let index = 0; index < 15; index++) {
    if (index === 8) continue;
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) return Number.NaN;
  }
  return Date.UTC(
    Number(text.slice(0, 4)),
    Number(text.slice(4, 6)) - 1,
    Number(text.slice(6, 8)),
    Number(text.slice(9, 11)),
    Number(text.slice(11, 13)),
    Number(text.slice(13, 15)),
  );
}

function headerValue(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(',');
}

interface Signer {
  readonly credentials: BedrockCredentials;
  readonly signer: SignatureV4;
}

function parseQuery(query: string): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  if (query === '') return result;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = decodeURIComponent((equals < 0 ? pair : pair.slice(0, equals)).replace(/\+/g, ' '));
    const value = equals < 0 ? '' : decodeURIComponent(pair.slice(equals + 1).replace(/\+/g, ' '));
    const previous = result[key];
    if (previous === undefined) result[key] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else result[key] = [previous, value];
  }
  return result;
}

export class Authenticator {
  readonly region: string;
  readonly #signers = new Map<string, Signer>();
  readonly #apiKeys: ReadonlySet<string>;

  constructor(region: string, credentials: readonly BedrockCredentials[], apiKeys: readonly string[]) {
    this.region = region;
    for (const credential of credentials) {
      if (typeof credential?.accessKeyId !== 'string' || credential.accessKeyId === '' || typeof credential.secretAccessKey !== 'string') {
        throw new Error('bedrock emulator: every credential needs an accessKeyId and a secretAccessKey');
      }
      const signer = new SignatureV4({
        service: SIGNING_SERVICE,
        region,
        credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey, sessionToken: credential.sessionToken },
        sha256: Hash.bind(null, 'sha256') as unknown as ConstructorParameters<typeof SignatureV4>[0]['sha256'],
        applyChecksum: false,
        uriEscapePath: true,
      });
      this.#signers.set(credential.accessKeyId, { credentials: credential, signer });
    }
    this.#apiKeys = new Set(apiKeys);
  }

  /** Undefined when the request may pass; else the error to answer with. */
  async authenticate(exchange: Exchange): Promise<AwsError | undefined> {
    const authorization = headerValue(exchange.request.headers.authorization);
    if (authorization === undefined || authorization.trim() === '') return MISSING_AUTHORIZATION;
    if (authorization.startsWith('Bearer ') || authorization.startsWith('bearer ')) {
      return this.#checkApiKey(authorization.slice(7).trim());
    }
    return this.#checkSignature(exchange, authorization);
  }

  #checkApiKey(key: string): AwsError | undefined {
    if (this.#apiKeys.has(key)) return undefined;
    for (const prefix of API_KEY_PREFIXES) if (key.startsWith(prefix)) return API_KEY_INVALID;
    return API_KEY_FORMAT;
  }

  async #checkSignature(exchange: Exchange, authorization: string): Promise<AwsError | undefined> {
    const headers = exchange.request.headers;
    const space = authorization.indexOf(' ');
    const algorithm = space < 0 ? authorization : authorization.slice(0, space);
    let credential: string | undefined;
    let signedHeaders: string | undefined;
    let signature: string | undefined;
    if (algorithm === ALGORITHM) {
      for (const part of authorization.slice(space + 1).split(',')) {
        const item = part.trim();
        const equals = item.indexOf('=');
        if (equals < 0) continue;
        const name = item.slice(0, equals);
        const value = item.slice(equals + 1);
        if (name === 'Credential') credential = value;
        else if (name === 'SignedHeaders') signedHeaders = value;
        else if (name === 'Signature') signature = value;
      }
    }
    const dateHeader = headerValue(headers['x-amz-date']);
    const missing: string[] = [];
    if (credential === undefined) missing.push("Authorization header requires 'Credential' parameter.");
    if (signature === undefined) missing.push("Authorization header requires 'Signature' parameter.");
    if (signedHeaders === undefined) missing.push("Authorization header requires 'SignedHeaders' parameter.");
    if (dateHeader === undefined) missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    if (missing.length > 0) return incompleteSignature(`${missing.join(' ')} Authorization=${authorization}`);

    const scope = (credential as string).split('/');
    if (scope.length !== 5) {
      return incompleteSignature(
        `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
      );
    }
    const [accessKeyId, scopeDate, scopeRegion, scopeService, terminator] = scope;
    if (terminator !== TERMINATOR) {
      return invalidSignature(`Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${terminator}'. `);
    }
    if (scopeService !== SIGNING_SERVICE) {
      return invalidSignature(`Credential should be scoped to correct service: '${SIGNING_SERVICE}'. `);
    }
    if (scopeRegion !== this.region) return invalidSignature('Credential should be scoped to a valid region. ');

    const entry = this.#signers.get(accessKeyId);
    if (entry === undefined) return UNRECOGNIZED_CLIENT;
    const token = headerValue(headers['x-amz-security-token']);
    if (token !== entry.credentials.sessionToken) return UNRECOGNIZED_CLIENT;

    const signedAt = parseAmzDate(dateHeader as string);
    if (Number.isNaN(signedAt)) {
      return incompleteSignature(`Date must be in ISO-8601 'basic format'. Got '${dateHeader}'. See http://en.wikipedia.org/wiki/ISO_8601`);
    }
    if (scopeDate !== (dateHeader as string).slice(0, 8)) {
      return invalidSignature(
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != ` +
          `'${(dateHeader as string).slice(0, 8)}', from '${dateHeader}'.`,
      );
    }
    const now = Date.now();
    if (signedAt < now - MAX_SKEW_MS) {
      return invalidSignature(
        `Signature expired: ${dateHeader} is now earlier than ${amzDate(now - MAX_SKEW_MS)} (${amzDate(now)} - 5 min.)`,
      );
    }
    if (signedAt > now + MAX_SKEW_MS) {
      return invalidSignature(
        `Signature not yet current: ${dateHeader} is still later than ${amzDate(now + MAX_SKEW_MS)} (${amzDate(now)} + 5 min.)`,
      );
    }

    // The body must match a signed payload hash.
    const names = (signedHeaders as string).split(';');
    const payloadHash = headerValue(headers['x-amz-content-sha256']);
    if (payloadHash !== undefined && payloadHash !== UNSIGNED_PAYLOAD && names.includes('x-amz-content-sha256')) {
      if (createHash('sha256').update(exchange.rawBody).digest('hex') !== payloadHash) return INVALID_SIGNATURE;
    }

    const signed: Record<string, string> = {};
    for (const name of names) {
      const value = headerValue(headers[name]);
      if (value !== undefined) signed[name] = value;
    }
    const url = exchange.request.url ?? '/';
    const question = url.indexOf('?');
    const request = new HttpRequest({
      method: exchange.method,
      protocol: 'http:',
      hostname: (signed.host ?? '').split(':')[0],
      path: question < 0 ? url : url.slice(0, question),
      query: parseQuery(question < 0 ? '' : url.slice(question + 1)),
      headers: signed,
      body: exchange.rawBody.length > 0 ? exchange.rawBody : undefined,
    });
    let expected: string;
    try {
      const result = await entry.signer.sign(request, { signingDate: new Date(signedAt), signableHeaders: new Set(names) });
      const header = (result.headers as Record<string, string>).authorization;
      expected = header.slice(header.lastIndexOf('Signature=') + 10);
    } catch {
      return INVALID_SIGNATURE;
    }
    const given = Buffer.from(signature as string);
    const wanted = Buffer.from(expected);
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return INVALID_SIGNATURE;
    return undefined;
  }
}
