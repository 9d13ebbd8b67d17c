/**
 * Removes anything key-like from an upstream's text before it is logged: upstreams echo credentials in their errors
 * (OpenAI's `Incorrect API key provided: sk-proj-****abcd`, a signature mismatch quoting an access key id). Used on
 * failure paths only; it errs on the side of redacting.
 */

const redacted = '[redacted]';

const patterns: ReadonlyArray<readonly [RegExp, string]> = [
  // OpenAI-style keys, whole or masked (sk-…, sk-proj-…, pk-…, rk-…).
  [/\b(?:sk|pk|rk)-[\w*-]{3,}/g, redacted],
  [/\bBearer\s+[\w~+/.=*-]+/gi, `Bearer ${redacted}`],
  // AWS access key ids, Google API keys, JWTs.
  [/\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b/g, redacted],
  [/\bAIza[\w-]{20,}/g, redacted],
  [/\beyJ[\w-]+\.[\w-]+(?:\.[\w-]*)?/g, redacted],
  // `api-key: …`, `token=…`, `"secret": "…"`, `Credential=…`, `Signature=…`.
  [/\b((?:api[-_ ]?key|access[-_ ]?key(?:[-_ ]?id)?|secret(?:[-_ ]?access[-_ ]?key)?|(?:access|refresh|session|id)?[-_]?token|password|signature|credential|sig|key)["']?\s*[:=]\s*["']?)[^\s"'&,;]+/gi, `$1${redacted}`],
];

/** Long runs of key alphabet with letters and digits mixed (Azure's 32-hex keys, base64 secrets). */
const opaque = /[A-Za-z0-9+/_-]{24,}={0,2}/g;
const digit = /\d/;
const letter = /[A-Za-z]/;

export function redactSecrets(text: string): string {
  let result = text;
  for (const [pattern, replacement] of patterns) result = result.replace(pattern, replacement);
  return result.replace(opaque, (run) => (digit.test(run) && letter.test(run) ? redacted : run));
}
