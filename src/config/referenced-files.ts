/**
 * Files the configuration names (a service-account key, a CA bundle): each provider kind lists its file fields
 * (`files` in its definition). A relative path is read from the configuration file's folder, not from wherever the
 * gateway was started, and a file that is missing or unreadable is a problem at its field, found when the
 * configuration is loaded rather than on the first request.
 */

import { closeSync, openSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isMapping, textOf } from '../config-schema/checks.ts';
import { quoteValue, type PathSegment, type RawProblem } from '../config-schema/problem.ts';
import { findProviderKind } from '../providers/catalog.ts';

/**
 * Makes every file field of `document` (after environment substitution; changed in place) an absolute path from
 * `directory`, and returns a problem for each file that cannot be read.
 */
export function checkReferencedFiles(document: unknown, directory: string): RawProblem[] {
  const problems: RawProblem[] = [];
  if (!isMapping(document) || !isMapping(document.providers)) return problems;
  for (const [name, provider] of Object.entries(document.providers)) {
    if (!isMapping(provider)) continue;
    const kind = textOf(provider.kind);
    const files = kind === undefined ? undefined : findProviderKind(kind)?.files;
    for (const field of files ?? []) {
      const parent = parentOf(provider, field);
      const key = field[field.length - 1];
      const written = parent === undefined ? undefined : parent[key];
      // Absent, empty or not text: the kind's own checks say so.
      if (parent === undefined || typeof written !== 'string' || written.trim() === '') continue;
      const path = resolve(directory, written.trim());
      parent[key] = path;
      const problem = unreadable(written.trim(), path, directory);
      if (problem !== undefined) problems.push({ path: ['providers', name, ...field] as PathSegment[], message: problem });
    }
  }
  return problems;
}

function parentOf(entry: Record<string, unknown>, field: readonly string[]): Record<string, unknown> | undefined {
  let node: unknown = entry;
  for (const key of field.slice(0, -1)) node = isMapping(node) ? node[key] : undefined;
  return isMapping(node) ? node : undefined;
}

/** Why `path` cannot be read, or undefined when it can. */
function unreadable(written: string, path: string, directory: string): string | undefined {
  const where = isAbsolute(written) ? '' : ` (a relative path is read from the configuration's folder, ${quoteValue(directory)})`;
  try {
    // stat first: opening a FIFO would wait for a writer.
    if (!statSync(path).isFile()) return `${quoteValue(written)} is not a file (a directory or a device); give the path of the file itself`;
    closeSync(openSync(path, 'r'));
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `no such file ${quoteValue(written)}${where}; check the path`;
    if (code === 'EACCES' || code === 'EPERM') return `cannot read ${quoteValue(written)}: permission denied; the gateway's user must be able to read it`;
    return `cannot read ${quoteValue(written)}: ${code ?? (error as Error).message}`;
  }
}
