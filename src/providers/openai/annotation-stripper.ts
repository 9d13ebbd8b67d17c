/**
 * Reads an OpenAI-dialect completion body without the provider annotations a client did not ask for (Azure's
 * `prompt_filter_results` and per-choice `content_filter_results`).
 *
 * Those annotations are most of an Azure body (about 40% of its bytes and 25 small objects), and they repeat byte for
 * byte from one response to the next while nothing is filtered. Parsing them only to drop them costs about 2 µs per
 * response. So the stripper remembers the exact member texts it last parsed and dropped. On a later body it cuts a
 * remembered member out of the text before parsing; anything it cannot cut is parsed and dropped as before.
 *
 * The cuts are exact, not heuristic. Each rests on a property of JSON text:
 * - The first choice's annotation is cut only as the first member of the first choice, right after the fixed opening
 *   `{"choices":[{`, and only when the next character starts another member (`"`). The cut text is valid exactly
 *   when the whole text is, and it means the same minus that member.
 * - The prompt annotation is cut where `,"prompt_filter_results":` first occurs after the choice member, when the
 *   remembered value follows it. The value is replaced by a sentinel string drawn at random for each stripper, so no
 *   upstream can send it. A comma followed by a quoted key and a colon cannot sit inside a string of valid JSON (the
 *   quote would end the string, and a bare word would follow), so the replaced text is valid exactly when the whole
 *   text is. Then the parsed body must hold the sentinel at its top level: if the member was anywhere else (inside
 *   another object, or overridden by a later duplicate key), it does not, and the body is parsed whole.
 * Remembered values come from JSON.stringify of a parsed value, so they are complete JSON values.
 *
 * When a cut text fails to parse, the original text is parsed, so a malformed body fails with the same message as
 * without the stripper.
 */
import { randomBytes } from 'node:crypto';
import { parseUpstreamJson } from '../http/parse-upstream-json.ts';
import type { UpstreamIdentity } from '../http/transport-error.ts';
import type { AnnotationFields } from './stream.ts';

const choicesOpening = '{"choices":[{';
const quote = 34; // "

export interface AnnotationStripper {
  /** Parses an upstream body (a GatewayError when it is not JSON) and drops the annotations from the result. */
  parse(body: Buffer, identity: UpstreamIdentity): unknown;
  /** How many bodies were read with a remembered member cut out, and how many were parsed whole. */
  readonly counts: { readonly cut: number; readonly whole: number };
}

export function createAnnotationStripper(fields: AnnotationFields): AnnotationStripper {
  const choiceField = fields.choice[0];
  const promptField = fields.prompt[0];
  const promptKey = promptField === undefined ? '' : `,${JSON.stringify(promptField)}:`;
  /** Stands in for a cut prompt annotation's value; checked at the top level of the parsed body. */
  const promptSentinelValue = `interchange-annotation-${randomBytes(12).toString('hex')}`;
  const promptSentinel = JSON.stringify(promptSentinelValue);
  /** `"content_filter_results":{…},` as last parsed in the first choice, right after the opening. */
  let choiceMember: string | undefined;
  /** `,"prompt_filter_results":[…]` as last parsed at the top level. */
  let promptMember: string | undefined;
  const counts = { cut: 0, whole: 0 };

  /** The parsed body with remembered members cut, or undefined when nothing could be cut or the cut text was refused. */
  const parseCut = (text: string): unknown => {
    // Where the text resumes after the first choice's member (0: not cut).
    let resume = 0;
    if (
      choiceMember !== undefined &&
      text.slice(0, choicesOpening.length) === choicesOpening &&
      text.slice(choicesOpening.length, choicesOpening.length + choiceMember.length) === choiceMember &&
      text.charCodeAt(choicesOpening.length + choiceMember.length) === quote
    ) {
      resume = choicesOpening.length + choiceMember.length;
    }
    // Where the prompt member starts (-1: not cut).
    let prompt = -1;
    if (promptMember !== undefined) {
      const at = text.indexOf(promptKey, resume);
      if (at >= 0 && text.slice(at, at + promptMember.length) === promptMember) prompt = at;
    }
    if (resume === 0 && prompt < 0) return undefined;
    const head = resume === 0 ? '' : choicesOpening;
    const cut =
      prompt < 0
        ? head + text.slice(resume)
        : head + text.slice(resume, prompt + promptKey.length) + promptSentinel + text.slice(prompt + promptMember!.length);
    let parsed: unknown;
    try {
      parsed = JSON.parse(cut);
    } catch {
      return undefined;
    }
    if (prompt >= 0 && (parsed === null || typeof parsed !== 'object' || (parsed as Record<string, unknown>)[promptField!] !== promptSentinelValue)) {
      return undefined;
    }
    return parsed;
  };

  /** Remembers the members of a body parsed whole, when they appear in its text exactly as they serialize. */
  const learn = (text: string, parsed: unknown): void => {
    if (parsed === null || typeof parsed !== 'object') return;
    const body = parsed as Record<string, unknown>;
    if (choiceField !== undefined && Array.isArray(body.choices)) {
      const choice = body.choices[0] as Record<string, unknown> | undefined;
      const value = choice !== null && typeof choice === 'object' ? choice[choiceField] : undefined;
      if (value !== undefined && text.slice(0, choicesOpening.length) === choicesOpening) {
        const member = `${JSON.stringify(choiceField)}:${JSON.stringify(value)},`;
        if (text.slice(choicesOpening.length, choicesOpening.length + member.length) === member) choiceMember = member;
      }
    }
    if (promptField !== undefined && body[promptField] !== undefined) {
      const member = `${promptKey}${JSON.stringify(body[promptField])}`;
      if (text.includes(member)) promptMember = member;
    }
  };

  return {
    counts,
    parse(body: Buffer, identity: UpstreamIdentity): unknown {
      const text = body.toString('utf8');
      let parsed = choiceMember !== undefined || promptMember !== undefined ? parseCut(text) : undefined;
      if (parsed !== undefined) {
        counts.cut++;
      } else {
        counts.whole++;
        parsed = parseUpstreamJson(text, identity);
        learn(text, parsed);
      }
      removeAnnotations(parsed, fields);
      return parsed;
    },
  };
}

/**
 * Removes provider annotations from an OpenAI-dialect completion body. The fields are set to undefined rather than
 * deleted: JSON.stringify leaves them out just the same, and the objects keep the fast shape V8 gave them when parsing
 * (a delete turns each into a slower dictionary for the stringify after).
 */
export function removeAnnotations(parsed: unknown, annotations: AnnotationFields): void {
  if (parsed === null || typeof parsed !== 'object') return;
  const body = parsed as Record<string, unknown>;
  for (const name of annotations.prompt) if (body[name] !== undefined) body[name] = undefined;
  const choices = body.choices;
  if (!Array.isArray(choices)) return;
  for (const choice of choices) {
    if (choice === null || typeof choice !== 'object') continue;
    for (const name of annotations.choice) if ((choice as Record<string, unknown>)[name] !== undefined) (choice as Record<string, unknown>)[name] = undefined;
  }
}
