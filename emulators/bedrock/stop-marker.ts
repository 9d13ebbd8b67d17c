/**
 * The prompt marker that makes a reply end with one of Bedrock's exceptional stop reasons:
 * `[bedrock-stop-reason: guardrail_intervened]`, `content_filtered`, `malformed_model_output` or `malformed_tool_use`,
 * anywhere in the request body (a user message works through a gateway). A marker that does not parse is an error,
 * so a typo never passes silently.
 */

export const STOP_MARKER_REASONS = ['guardrail_intervened', 'content_filtered', 'malformed_model_output', 'malformed_tool_use'] as const;
export type StopMarker = (typeof STOP_MARKER_REASONS)[number];

const MARKER = Buffer.from('[bedrock-stop-reason');
const COLON = 0x3a;
const CLOSE_BRACKET = 0x5d;
const MAX_MARKER_LENGTH = 100;

/** Undefined when there is no marker; the reason; or an error message for a marker that does not parse. */
export function findStopMarker(body: Buffer): { reason: StopMarker } | string | undefined {
  if (body.length < MARKER.length) return undefined;
  const at = body.indexOf(MARKER);
  if (at < 0) return undefined;
  const colon = at + MARKER.length;
  const end = body.indexOf(CLOSE_BRACKET, colon);
  if (body[colon] !== COLON || end < 0 || end - colon > MAX_MARKER_LENGTH) {
    return `invalid stop-reason marker: write [bedrock-stop-reason: <reason>] with one of ${STOP_MARKER_REASONS.join(', ')}`;
  }
  const reason = body.toString('utf8', colon + 1, end).trim();
  if (!(STOP_MARKER_REASONS as readonly string[]).includes(reason)) {
    return `invalid stop-reason marker '[bedrock-stop-reason: ${reason}]': the reason must be one of ${STOP_MARKER_REASONS.join(', ')}`;
  }
  return { reason: reason as StopMarker };
}
