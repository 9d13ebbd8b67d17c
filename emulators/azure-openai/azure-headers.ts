/**
 * The headers Azure OpenAI sends: request ids (UUIDs), region, security headers, and on deployment responses the
 * deployment name, model session, RAI flag and the per-deployment rate-limit state.
 */
import { randomBytes } from 'node:crypto';
import type { Exchange, HeaderList } from '../core/index.ts';
import type { DeploymentState } from './deployments.ts';

export const JSON_CONTENT_TYPE = 'application/json';
export const EVENT_STREAM_CONTENT_TYPE = 'text/event-stream; charset=utf-8';
const STRICT_TRANSPORT_SECURITY = 'max-age=31536000; includeSubDomains; preload';

function uuidPrefix(): string {
  const hex = randomBytes(10).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-`;
}

const APIM_PREFIX = uuidPrefix();
const REQUEST_PREFIX = uuidPrefix();
let counter = 0;

/** Headers of every response; the caller may append to the list. */
export function baseHeaders(exchange: Exchange, contentType: string, region: string): HeaderList {
  counter++;
  const suffix = counter.toString(16).padStart(12, '0');
  const apimRequestId = APIM_PREFIX + suffix;
  const clientRequestId = exchange.request.headers['x-ms-client-request-id'];
  return [
    'content-type',
    contentType,
    'apim-request-id',
    apimRequestId,
    'x-request-id',
    REQUEST_PREFIX + suffix,
    'x-ms-client-request-id',
    typeof clientRequestId === 'string' ? clientRequestId : apimRequestId,
    'x-ms-region',
    region,
    'x-content-type-options',
    'nosniff',
    'strict-transport-security',
    STRICT_TRANSPORT_SECURITY,
  ];
}

/** Headers of a response from a deployment: the base ones, the deployment's own and its rate-limit state. */
export function deploymentHeaders(
  exchange: Exchange,
  contentType: string,
  region: string,
  deployment: DeploymentState,
): HeaderList {
  const headers = baseHeaders(exchange, contentType, region);
  for (const value of deployment.staticHeaders) headers.push(value);
  deployment.rateHeaders(headers);
  return headers;
}
