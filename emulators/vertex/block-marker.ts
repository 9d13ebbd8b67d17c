/**
 * The `[vertex-block: …]` prompt marker: makes Vertex block the prompt (`promptFeedback.blockReason`, no candidates)
 * or stop the candidate (`finishReason` SAFETY, PROHIBITED_CONTENT, BLOCKLIST, SPII, RECITATION, OTHER):
 *
 *   [vertex-block: prompt]                                  blockReason SAFETY (dangerous content)
 *   [vertex-block: prompt, PROHIBITED_CONTENT]
 *   [vertex-block: prompt, SAFETY, HARM_CATEGORY_HATE_SPEECH]
 *   [vertex-block: response]                                finishReason SAFETY
 *   [vertex-block: response, SPII]
 *
 * The marker may sit anywhere in the body (a user message works through a gateway). A marker that does not parse
 * is reported, so a typo never passes silently.
 */

export const PROMPT_BLOCK_REASONS = [
  'SAFETY',
  'OTHER',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'MODEL_ARMOR',
  'IMAGE_SAFETY',
  'JAILBREAK',
] as const;
export const RESPONSE_BLOCK_REASONS = ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'OTHER'] as const;
export const HARM_CATEGORIES = [
  'HARM_CATEGORY_HATE_SPEECH',
  'HARM_CATEGORY_DANGEROUS_CONTENT',
  'HARM_CATEGORY_HARASSMENT',
  'HARM_CATEGORY_SEXUALLY_EXPLICIT',
] as const;

export interface BlockMarker {
  readonly target: 'prompt' | 'response';
  readonly reason: string;
  /** The harm category rated HIGH and `blocked` (SAFETY only). */
  readonly category: string;
}

const MARKER = Buffer.from('[vertex-block');
const MAX_MARKER_LENGTH = 200;

/** The first marker in a raw body; a string (the problem) when it does not parse; undefined when there is none. */
export function findBlockMarker(body: Buffer): BlockMarker | string | undefined {
  if (body.length < MARKER.length) return undefined;
  const at = body.indexOf(MARKER);
  if (at < 0) return undefined;
  const end = body.indexOf(0x5d /* ] */, at);
  if (end < 0 || end - at > MAX_MARKER_LENGTH) return 'invalid vertex block marker: no closing bracket';
  const text = body.toString('utf8', at + 1, end);
  const colon = text.indexOf(':');
  if (colon < 0 || text.slice(0, colon).trim() !== 'vertex-block') return `invalid vertex block marker '[${text}]': expected [vertex-block: prompt|response, REASON]`;
  const items = text
    .slice(colon + 1)
    .split(',')
    .map((item) => item.trim());
  const target = items[0];
  if (target !== 'prompt' && target !== 'response') {
    return `invalid vertex block marker '[${text}]': the first item must be 'prompt' or 'response'`;
  }
  const reasons: readonly string[] = target === 'prompt' ? PROMPT_BLOCK_REASONS : RESPONSE_BLOCK_REASONS;
  const reason = (items[1] ?? 'SAFETY').toUpperCase();
  if (!reasons.includes(reason)) {
    return `invalid vertex block marker '[${text}]': the ${target} reason must be one of ${reasons.join(', ')}`;
  }
  let category = 'HARM_CATEGORY_DANGEROUS_CONTENT';
  if (items[2] !== undefined) {
    const upper = items[2].toUpperCase();
    const full = upper.startsWith('HARM_CATEGORY_') ? upper : `HARM_CATEGORY_${upper}`;
    if (!(HARM_CATEGORIES as readonly string[]).includes(full) || reason !== 'SAFETY') {
      return `invalid vertex block marker '[${text}]': a category (${HARM_CATEGORIES.join(', ')}) only goes with SAFETY`;
    }
    category = full;
  }
  if (items.length > 3) return `invalid vertex block marker '[${text}]': too many items`;
  return { target, reason, category };
}
