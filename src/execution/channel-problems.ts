/**
 * Failures that come from a channel's own configuration rather than from the moment: the upstream refused the
 * gateway's credentials, or the deployment or model the channel names does not exist there. Retrying the same channel
 * cannot help (its key will not have changed 100 ms later), another channel may still serve, and the operator must
 * hear about it even when a fallback hides it from clients.
 */
import { GatewayError } from '../errors/index.ts';

/** A fixed set: it is a metric label. */
export type ChannelProblem = 'authentication' | 'not_found';

/** The configuration problem an attempt's error reveals, if any. Called on the failure path only. */
export function channelProblemOf(error: GatewayError): ChannelProblem | undefined {
  if (error.code === 'upstream_authentication_failed') return 'authentication';
  // Azure's DeploymentNotFound, OpenAI's model_not_found, Vertex's NOT_FOUND, Bedrock's ResourceNotFoundException.
  if (error.code === 'upstream_error' && (error.upstream?.status === 404 || error.status === 404)) return 'not_found';
  return undefined;
}

/**
 * The gateway's own words for refused credentials: the provider and the status, never the upstream's text, which may
 * echo part of a key (`Incorrect API key provided: sk-…abcd`). The upstream's text goes to the log, redacted.
 */
export function credentialsRefused(error: GatewayError): GatewayError {
  const upstream = error.upstream;
  const provider = upstream?.provider ?? 'the upstream';
  const status = upstream?.status;
  const message = status === undefined ? `${provider} could not obtain credentials for the gateway` : `${provider} refused the gateway's credentials (${status})`;
  return new GatewayError('upstream_authentication_failed', message, {
    status: error.status,
    upstream: upstream === undefined ? undefined : { provider: upstream.provider, model: upstream.model, status, body: undefined },
  });
}
