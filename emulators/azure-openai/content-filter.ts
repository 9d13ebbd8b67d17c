/**
 * Azure's content-filter annotations (`prompt_filter_results`, per-choice `content_filter_results`) and the prompt
 * marker that triggers a filter: `[azure-content-filter: prompt]` or `[azure-content-filter: completion]`, optionally
 * with a category (`[azure-content-filter: prompt, hate]`). Key order follows what Azure sends.
 */

export type FilterTarget = 'prompt' | 'completion';

export interface ContentFilterMarker {
  readonly target: FilterTarget;
  readonly category: string;
}

/** Categories with a severity; filtered ones report severity `medium`. */
const SEVERITY_CATEGORIES = ['hate', 'self_harm', 'sexual', 'violence'];
const PROMPT_CATEGORIES = [...SEVERITY_CATEGORIES, 'jailbreak'];
const COMPLETION_CATEGORIES = [...SEVERITY_CATEGORIES, 'protected_material_text', 'protected_material_code'];
export const DEFAULT_FILTER_CATEGORY = 'violence';

const SAFE = '{"filtered":false,"severity":"safe"}';
const FILTERED_MEDIUM = '{"filtered":true,"severity":"medium"}';
const NOT_DETECTED = '{"filtered":false,"detected":false}';
const DETECTED_FILTERED = '{"filtered":true,"detected":true}';

function entry(name: string, category: string | undefined): string {
  const filtered = name === category;
  if (SEVERITY_CATEGORIES.includes(name)) return filtered ? FILTERED_MEDIUM : SAFE;
  return filtered ? DETECTED_FILTERED : NOT_DETECTED;
}

function results(names: readonly string[], category: string | undefined): string {
  let text = '{';
  for (let index = 0; index < names.length; index++) {
    text += `${index > 0 ? ',' : ''}"${names[index]}":${entry(names[index], category)}`;
  }
  return text + '}';
}

const PROMPT_NAMES = ['hate', 'jailbreak', 'self_harm', 'sexual', 'violence'];
const COMPLETION_NAMES = ['hate', 'protected_material_code', 'protected_material_text', 'self_harm', 'sexual', 'violence'];

/** The prompt's `content_filter_results`, with `category` filtered (none when undefined). */
export function promptResults(category?: string): string {
  return results(PROMPT_NAMES, category);
}

/** A text choice's `content_filter_results` (non-streaming, and a filtered stream's finish chunk). */
export function completionResults(category?: string): string {
  return results(COMPLETION_NAMES, category);
}

/** `prompt_filter_results` of a prompt that passed. */
export const PROMPT_FILTER_RESULTS = `[{"prompt_index":0,"content_filter_results":${promptResults()}}]`;
/** `content_filter_results` of a text choice that passed. */
export const COMPLETION_RESULTS = completionResults();
/** `content_filter_results` of a streamed content chunk. */
export const STREAM_CHUNK_RESULTS = results(SEVERITY_CATEGORIES, undefined);

const MARKER = Buffer.from('[azure-content-filter');
const COLON = 0x3a;
const CLOSE_BRACKET = 0x5d;
const MAX_MARKER_LENGTH = 100;

/**
 * Finds a content-filter marker in a raw request body. Returns undefined when there is none, the marker, or an error
 * message for a marker that does not parse (so a typo never silently passes).
 */
export function findContentFilterMarker(body: Buffer): ContentFilterMarker | string | undefined {
  if (body.length < MARKER.length) return undefined;
  const at = body.indexOf(MARKER);
  if (at < 0) return undefined;
  const colon = at + MARKER.length;
  if (body[colon] !== COLON) return undefined;
  const end = body.indexOf(CLOSE_BRACKET, colon);
  if (end < 0 || end - colon > MAX_MARKER_LENGTH) return undefined;
  const text = body.toString('utf8', colon + 1, end).trim();
  const comma = text.indexOf(',');
  const target = (comma < 0 ? text : text.slice(0, comma)).trim().toLowerCase();
  const category = comma < 0 ? DEFAULT_FILTER_CATEGORY : text.slice(comma + 1).trim().toLowerCase();
  if (target !== 'prompt' && target !== 'completion') {
    return `invalid content filter marker '[azure-content-filter: ${text}]': the target must be 'prompt' or 'completion'`;
  }
  const allowed = target === 'prompt' ? PROMPT_CATEGORIES : COMPLETION_CATEGORIES;
  if (!allowed.includes(category)) {
    return `invalid content filter marker '[azure-content-filter: ${text}]': the ${target} category must be one of ${allowed.join(', ')}`;
  }
  return { target, category };
}
