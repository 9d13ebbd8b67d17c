// The core targets' figures through another upstream compared with the same figures through the OpenAI-compatible
// one, in the same run: issue 3's "the core benchmark, with the Azure emulator upstream, stays within 10% of the plain
// OpenAI-compatible figures". Each core figure is a ratio or a difference against that upstream's own floor proxy or
// direct target, so the emulators' own difference (Azure sends 1.6–1.8× the bytes) is in both sides of it.

import type { Check, ComparedUpstream } from './report.ts';

/** "Within 10%": a figure where more is better may be 10% lower, one where less is better 10% higher. */
export const CORE_FIGURE_TOLERANCE = 0.1;

/**
 * Pairs each core check of the OpenAI-compatible upstream with the check of the same figure through `upstream` (the
 * same name with the target labels changed) and judges the second against the first.
 */
export function compareCoreFigures(openai: Check[], compared: Check[], upstream: ComparedUpstream): Check[] {
  const figureName = (check: Check) => check.name.slice(0, check.name.indexOf(':'));
  const byFigure = new Map(compared.map((check) => [figureName(check), check]));
  const checks: Check[] = [];
  for (const reference of openai) {
    const figure = figureName(reference);
    const other = byFigure.get(figure);
    if (other === undefined) continue;
    const higherIsBetter = reference.unit.endsWith('≥');
    const measured = reference.value !== null && other.value !== null;
    // The compared figure as a share of the reference one; for "less is better" figures, the reference as a share
    // of the compared one, so that ≥ 90% reads "within 10%" either way.
    const share = !measured ? null : higherIsBetter ? ratio(other.value!, reference.value!) : ratio(reference.value!, other.value!);
    const slack = !measured ? 0 : Math.abs(reference.value!) * CORE_FIGURE_TOLERANCE;
    const limitValue = !measured ? null : higherIsBetter ? reference.value! - slack : reference.value! + slack;
    const pass = !measured ? null : higherIsBetter ? other.value! >= limitValue! : other.value! <= limitValue!;
    checks.push({
      name: figure,
      detail:
        `${upstream} ${describe(other)} vs openai-compatible ${describe(reference)}` +
        (measured ? `; ${higherIsBetter ? 'at least' : 'at most'} ${describe({ ...reference, value: limitValue })}` : ''),
      value: share,
      limit: 1 - CORE_FIGURE_TOLERANCE,
      unit: 'ratio≥',
      pass,
    });
  }
  return checks;
}

function ratio(numerator: number, denominator: number): number | null {
  if (denominator === 0) return numerator === 0 ? 1 : null;
  return numerator / denominator;
}

function describe(check: Pick<Check, 'value' | 'unit'>): string {
  if (check.value === null) return 'not measured';
  if (check.unit.startsWith('ratio')) return `${(check.value * 100).toFixed(1)}%`;
  return `${check.value >= 0 ? '+' : ''}${check.value.toFixed(3)} ms`;
}

export function formatCoreComparison(checks: Check[], title: string): string {
  const lines = [title];
  for (const check of checks) {
    const verdict = check.pass === null ? 'n/a ' : check.pass ? 'PASS' : 'MISS';
    const share = check.value === null ? '' : ` (${(check.value * 100).toFixed(1)}% of the reference; target ≥ ${((1 - CORE_FIGURE_TOLERANCE) * 100).toFixed(0)}%)`;
    lines.push(`  ${verdict}  ${check.name}: ${check.detail}${share}`);
  }
  lines.push(
    '  (each figure as the core targets measure it, against that upstream\'s own floor proxy or direct target; for',
    '  latency and RSS, less is better, so the reference is divided by the figure)',
  );
  return lines.join('\n');
}
