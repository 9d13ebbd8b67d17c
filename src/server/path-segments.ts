/**
 * Percent-encoded path segments, decoded without throwing: `decodeURIComponent` throws a URIError on a malformed
 * escape (`%E0`, `%`), which in a request handler would be an uncaught exception.
 */
import { GatewayError } from '../errors/index.ts';

/** The decoded segment, or undefined when its percent-encoding is malformed. */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export function malformedPath(path: string): GatewayError {
  return new GatewayError('invalid_request', `The path ${path} is not valid percent-encoding (a "%" must start an escape of UTF-8 bytes, such as %2F).`);
}
