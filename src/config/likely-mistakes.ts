/**
 * Mistakes that YAML and often the schema accept but that are almost never meant: an environment reference in another
 * tool's syntax (a shell's `$NAME`, LiteLLM's `os.environ/NAME`), which would be sent upstream as it is written, and a
 * configuration that sets nothing at all. They run on the document as written, before `${…}` substitution, so a
 * value that came from the environment is never taken for a mistake.
 */

import { isMapping } from '../config-schema/checks.ts';
import type { PathSegment, RawProblem } from '../config-schema/problem.ts';

/** Fields that hold credentials; every value under a provider's `headers` counts as one too. */
const secretFields = new Set(['api_key', 'client_secret', 'access_key_id', 'secret_access_key', 'session_token']);

const liteLlmReference = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;
/** A whole value that is a shell reference; in a secret any case (`$openai_key`), elsewhere upper case only. */
const wholeSecretReference = /^\$([A-Za-z_][A-Za-z0-9_]*)$/;
const wholeReference = /^\$([A-Z_][A-Z0-9_]*)$/;
/**
 * A shell reference inside a secret (`Bearer $TOKEN`): upper case and at the start or after a space, so a literal
 * secret that merely contains a `$` (`pa$sword`) is left alone.
 */
const embeddedReference = /(?:^|\s)\$([A-Z_][A-Z0-9_]*)(?![A-Za-z0-9_{])/;

export function likelyMistakes(document: unknown): RawProblem[] {
  const problems: RawProblem[] = [];
  if (document === null || document === undefined || isMapping(document)) {
    if (isEmpty(document)) {
      problems.push({
        path: [],
        message:
          'the configuration is empty, so the gateway would have nothing to serve; add providers: and models: ' +
          '(examples/demo.yaml is a complete configuration, docs/configuration.md has every field)',
      });
    }
  }
  const visit = (node: unknown, path: PathSegment[]): void => {
    if (typeof node === 'string') {
      const message = referenceMistake(node.trim(), isSecretPath(path));
      if (message !== undefined) problems.push({ path: [...path], message });
    } else if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, [...path, index]));
    } else if (isMapping(node)) {
      for (const [key, item] of Object.entries(node)) visit(item, [...path, key]);
    }
  };
  visit(document, []);
  return problems;
}

function isSecretPath(path: readonly PathSegment[]): boolean {
  const last = path[path.length - 1];
  return (typeof last === 'string' && secretFields.has(last)) || (path[0] === 'providers' && path[2] === 'headers' && path.length === 4);
}

function referenceMistake(value: string, secret: boolean): string | undefined {
  const liteLlm = liteLlmReference.exec(value);
  if (liteLlm !== null) {
    return `"os.environ/${liteLlm[1]}" is LiteLLM's way to read an environment variable and is not substituted here; write "\${${liteLlm[1]}}"`;
  }
  const shell = (secret ? wholeSecretReference : wholeReference).exec(value) ?? (secret ? embeddedReference.exec(value) : null);
  if (shell === null) return undefined;
  return `"$${shell[1]}" looks like a shell environment reference, which is not substituted here; write "\${${shell[1]}}"`;
}

/**
 * Whether a document sets nothing at all: no key, or only keys without a value (`providers:`, `models: {}`). One that
 * sets anything (even only `listen:`) is left to the warnings.
 */
function isEmpty(document: Readonly<Record<string, unknown>> | null | undefined): boolean {
  if (document === null || document === undefined) return true;
  return Object.values(document).every(
    (value) => value === null || value === undefined || (Array.isArray(value) ? value.length === 0 : isMapping(value) && Object.keys(value).length === 0),
  );
}
