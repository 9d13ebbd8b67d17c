/**
 * An upstream's JSON body, or the GatewayError that says it was not JSON (retryable: another channel may answer).
 */
import { GatewayError } from '../../errors/index.ts';
import { answeredUpstream, truncateBody, type UpstreamIdentity } from './transport-error.ts';

export function parseUpstreamJson(body: Buffer | string, identity: UpstreamIdentity): unknown {
  try {
    return JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (error) {
    throw new GatewayError('upstream_error', `${identity.provider} answered malformed JSON: ${(error as Error).message}`, {
      upstream: answeredUpstream(identity, truncateBody(body)),
    });
  }
}
