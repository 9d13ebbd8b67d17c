/**
 * "Did you mean …?" suggestions for misspelt names: unknown fields, unknown provider references, unknown kinds.
 *
 * Names are compared after normalisation (lower case, `_` and `-` dropped), so `baseUrl`, `Base-URL` and `base_url`
 * are the same name; the distance is the optimal-string-alignment Damerau–Levenshtein distance (insertions,
 * deletions, substitutions and transpositions of two adjacent characters each cost 1).
 */

/** Optimal-string-alignment distance between `a` and `b`. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rolling rows: the one before the previous (for transpositions), the previous and the current.
  let beforePrevious = new Array<number>(b.length + 1).fill(0);
  let previous = new Array<number>(b.length + 1);
  let current = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, beforePrevious[j - 2] + 1);
      }
      current[j] = best;
    }
    [beforePrevious, previous, current] = [previous, current, beforePrevious];
  }
  return previous[b.length];
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

/**
 * The largest distance still treated as a likely typo: 1 for names up to 5 characters, 2 up to 8, then 3. Short
 * names get little room, or every two-letter name would "suggest" every other one.
 */
export function maximumTypoDistance(length: number): number {
  if (length <= 5) return 1;
  if (length <= 8) return 2;
  return 3;
}

/**
 * The candidate closest to `input`, or `undefined` when none is close enough. Ties go to the candidate listed
 * first. When nothing is within typo distance, a candidate that `input` is the unambiguous start of (at least three
 * characters, e.g. `azure` for `azure-eastus`) is suggested instead.
 */
export function closestName(input: string, candidates: Iterable<string>): string | undefined {
  const wanted = normalise(input);
  if (wanted.length === 0) return undefined;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const prefixed: string[] = [];
  for (const candidate of candidates) {
    if (candidate === input) continue;
    const normalised = normalise(candidate);
    const distance = editDistance(wanted, normalised);
    const limit = maximumTypoDistance(Math.max(wanted.length, normalised.length));
    // A suggestion must keep something of the input: replacing every character is no typo.
    if (distance <= limit && distance < Math.max(wanted.length, normalised.length) && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
    if (wanted.length >= 3 && normalised.startsWith(wanted)) prefixed.push(candidate);
  }
  if (best !== undefined) return best;
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** `; did you mean "x"?` when a candidate is close, otherwise the empty string. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const suggestion = closestName(input, candidates);
  return suggestion === undefined ? '' : `; did you mean ${JSON.stringify(suggestion)}?`;
}
