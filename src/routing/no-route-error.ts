/**
 * The error a client sees when a plan has no candidate at all: every channel was passed over before any call. The
 * message names each channel and why; the code says whose move it is:
 * - every channel too small for the prompt → `context_length_exceeded` (400);
 * - every channel ruled out by the request itself (missing capability, the client's own preferences) → `invalid_request`
 *   (400), `param` naming the field that did it;
 * - otherwise (circuits open, capacity full, decline rules, licences, the operator's region or data requirements)
 *   → `upstream_unavailable` (503).
 */
import { GatewayError } from '../errors/index.ts';
import { reasonText } from './pass-reasons.ts';
import type { RoutePlan } from './route-planner.ts';
import type { PassReason } from './routing-types.ts';

const capabilityParams: Readonly<Record<string, string>> = {
  vision: 'messages',
  'image-type': 'messages',
  tools: 'tools',
  'json-schema': 'response_format',
  streaming: 'stream',
  'max-output': 'max_completion_tokens',
  context: 'messages',
};

function paramOf(reason: PassReason): string | undefined {
  if (reason.code.startsWith('preference-')) return 'interchange.providers';
  return reason.kind === 'unable' ? capabilityParams[reason.code] : undefined;
}

export function noRouteError(plan: RoutePlan): GatewayError {
  const trace = plan.trace;
  const skipped = plan.skipped;
  const described = skipped.map((entry) => `${entry.channel.id} (${reasonText(entry.reason)})`).join('; ');
  const message = `Model "${trace.model}" has no channel that can take this request: ${described.length === 0 ? 'no channel is configured' : described}.`;
  if (skipped.length > 0 && skipped.every((entry) => entry.reason.code === 'context')) {
    return new GatewayError('context_length_exceeded', message, { param: 'messages' });
  }
  if (skipped.length > 0 && skipped.every((entry) => paramOf(entry.reason) !== undefined)) {
    return new GatewayError('invalid_request', message, { param: paramOf(skipped[0].reason) });
  }
  return new GatewayError('upstream_unavailable', message);
}
