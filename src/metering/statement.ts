/**
 * Ledger statements and entries as people and programs read them: the report built from a `LedgerStore` and the
 * configured agreements over a period `[from, to)`, and its renderings (a text table, JSON with micro-units as integers
 * beside formatted amounts, CSV). The CLI (`interchange ledger`) and the admin API (`/admin/ledger/`) share it.
 *
 * Every amount is integer micro-units of the metering currency, summed by the store and printed exactly.
 */
import type { CommitmentAgreement, GatewayConfig, RevenueShareAgreement } from '../config/types.ts';
import { closestName } from '../config-schema/did-you-mean.ts';
import { statementGroupings, type AgreementTotal, type LedgerEntry, type LedgerStore, type StatementGrouping, type StatementRow } from '../store/ledger-store.ts';
import { basisPointsOf, formatBasisPoints, formatMicros, formatMoney } from './format-money.ts';

const dayMs = 86_400_000;

export interface StatementPeriod {
  /** Epoch ms, inclusive. */
  readonly fromMs: number;
  /** Epoch ms, exclusive. */
  readonly toMs: number;
  readonly by: StatementGrouping;
}

export interface StatementLine extends StatementRow {
  /** Revenue (what tenants were charged) less cost; negative when sold below cost. */
  readonly marginMicros: number;
}

export type StatementTotals = Omit<StatementLine, 'group'>;

/** A revenue share: what accrued to it in the period, and over the whole ledger against its cap. */
export interface RevenueShareLine {
  readonly agreement: string;
  readonly party: string;
  /** False for an agreement the ledger holds accruals of but the configuration no longer has. */
  readonly configured: boolean;
  readonly percentBasisPoints: number | undefined;
  readonly basis: RevenueShareAgreement['basis'] | undefined;
  /** Accrued in the period: what is owed for it. */
  readonly owedMicros: number;
  /** Entries of the period that accrued to it. */
  readonly entries: number;
  /** Accrued over the whole ledger, the period or not. */
  readonly accruedMicros: number;
  readonly capMicros: number | undefined;
  /** `accruedMicros` of `capMicros`, rounded down; undefined without a cap. */
  readonly capUsedBasisPoints: number | undefined;
  /** Epoch ms of the entry that reached the cap; undefined while under it. */
  readonly capReachedAt: number | undefined;
}

/** A spend commitment's progress over its whole window (not the statement's period). */
export interface CommitmentLine {
  readonly agreement: string;
  readonly party: string;
  readonly provider: string;
  readonly from: string;
  readonly until: string;
  readonly amountMicros: number;
  /** The provider's cost in the ledger from `from` to the end of `until`. */
  readonly spendMicros: number;
  /** Rounded down; 10000 once met. */
  readonly progressBasisPoints: number;
  readonly remainingMicros: number;
  /** Whole days from the statement's end to the end of the window (part of a day counts as one); 0 once over. */
  readonly daysLeft: number;
}

export interface StatementReport extends StatementPeriod {
  readonly currency: string;
  /** By group, ascending. */
  readonly lines: readonly StatementLine[];
  /** Every entry of the period once (with `party`, an entry under two parties is in two lines but once here). */
  readonly totals: StatementTotals;
  readonly revenueShares: readonly RevenueShareLine[];
  readonly commitments: readonly CommitmentLine[];
}

/** What a statement reads from the configuration. */
export type StatementConfig = Pick<GatewayConfig, 'agreements' | 'metering'>;

export async function buildStatement(ledger: LedgerStore, config: StatementConfig, period: StatementPeriod): Promise<StatementReport> {
  const { fromMs, toMs, by } = period;
  const lines = (await ledger.statement(fromMs, toMs, by)).map(withMargin);
  // By party an entry accruing to two parties is in both lines; by model every entry is in exactly one.
  const totals = sumLines(by === 'party' ? (await ledger.statement(fromMs, toMs, 'model')).map(withMargin) : lines);
  const shares = config.agreements.filter((agreement): agreement is RevenueShareAgreement => agreement.kind === 'revenue-share');
  const commitments = config.agreements.filter((agreement): agreement is CommitmentAgreement => agreement.kind === 'commitment');
  const inPeriod = byAgreement(await ledger.agreementTotals(fromMs, toMs));
  const whole = shares.length > 0 || inPeriod.size > 0 ? byAgreement(await ledger.agreementTotals()) : new Map<string, AgreementTotal>();
  const revenueShares: RevenueShareLine[] = shares.map((agreement) => shareLine(agreement.name, agreement.party, agreement, inPeriod.get(agreement.name), whole.get(agreement.name)));
  for (const [name, total] of inPeriod) {
    if (!shares.some((agreement) => agreement.name === name)) revenueShares.push(shareLine(name, total.party, undefined, total, whole.get(name)));
  }
  // Commitments over the same window (and provider) share one pass over it.
  const spendByWindow = new Map<string, readonly StatementRow[]>();
  const commitmentLines: CommitmentLine[] = [];
  for (const agreement of commitments) {
    const window = `${agreement.startsAtMs} ${agreement.endsAtMs}`;
    let rows = spendByWindow.get(window);
    if (rows === undefined) {
      rows = await ledger.statement(agreement.startsAtMs, agreement.endsAtMs, 'provider');
      spendByWindow.set(window, rows);
    }
    const spendMicros = rows.find((row) => row.group === agreement.provider)?.costMicros ?? 0;
    commitmentLines.push({
      agreement: agreement.name,
      party: agreement.party,
      provider: agreement.provider,
      from: agreement.from,
      until: agreement.until,
      amountMicros: agreement.amountMicros,
      spendMicros,
      progressBasisPoints: Math.min(10_000, basisPointsOf(spendMicros, agreement.amountMicros)),
      remainingMicros: Math.max(0, agreement.amountMicros - spendMicros),
      daysLeft: Math.max(0, Math.ceil((agreement.endsAtMs - toMs) / dayMs)),
    });
  }
  const currency = config.metering.currency;
  return { fromMs, toMs, by, currency, lines, totals, revenueShares, commitments: commitmentLines };
}

function withMargin(row: StatementRow): StatementLine {
  return { ...row, marginMicros: row.chargedMicros - row.costMicros };
}

function sumLines(lines: readonly StatementLine[]): StatementTotals {
  const totals = { requests: 0, inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0, costMicros: 0, chargedMicros: 0, accruedMicros: 0, marginMicros: 0 };
  for (const line of lines) for (const field of Object.keys(totals) as (keyof StatementTotals)[]) totals[field] += line[field];
  return totals;
}

function byAgreement(totals: readonly AgreementTotal[]): Map<string, AgreementTotal> {
  return new Map(totals.map((total) => [total.agreement, total]));
}

function shareLine(name: string, party: string, agreement: RevenueShareAgreement | undefined, period: AgreementTotal | undefined, whole: AgreementTotal | undefined): RevenueShareLine {
  const accruedMicros = whole?.micros ?? 0;
  const capMicros = agreement?.capMicros;
  return {
    agreement: name,
    party,
    configured: agreement !== undefined,
    percentBasisPoints: agreement?.percentBasisPoints,
    basis: agreement?.basis,
    owedMicros: period?.micros ?? 0,
    entries: period?.entries ?? 0,
    accruedMicros,
    capMicros,
    capUsedBasisPoints: capMicros === undefined ? undefined : basisPointsOf(accruedMicros, capMicros),
    capReachedAt: whole?.capReachedAt,
  };
}

// ---- Periods, from the command line and the query string alike.

/** Why a period's parameter was refused; the message does not name the parameter (the CLI and the API do). */
export interface PeriodProblem {
  readonly parameter: 'from' | 'to' | 'by';
  readonly message: string;
}

const timeHint = 'expected a day YYYY-MM-DD (00:00 UTC) or an ISO 8601 time such as 2026-03-01T12:00:00Z';
const isoTime = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * A time as epoch ms: `YYYY-MM-DD` is 00:00 UTC that day; an ISO time without an offset is UTC. The reason when it is
 * neither, or names a day or an hour that does not exist.
 */
export function parseLedgerTime(text: string): number | { readonly problem: string } {
  const value = text.trim();
  const time = isoTime.exec(value);
  const day = time === null ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : /^(\d{4})-(\d{2})-(\d{2})/.exec(time[1]);
  if (day === null) return { problem: `invalid time ${quote(value)}; ${timeHint}` };
  const [year, month, date] = [Number(day[1]), Number(day[2]), Number(day[3])];
  const midnight = Date.UTC(year, month - 1, date);
  const check = new Date(midnight);
  // Date.UTC rolls February 30 over into March; such a day is a typing mistake, not a time.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== date) return { problem: `invalid day ${quote(value)}: there is no such day` };
  if (year < 1970) return { problem: `invalid day ${quote(value)}: must be in 1970 or later` };
  if (time === null) return midnight;
  const [hours, minutes, seconds] = [Number(time[2]), Number(time[3]), Number(time[4] ?? 0)];
  if (hours > 23 || minutes > 59 || seconds > 59) return { problem: `invalid time ${quote(value)}: hours are 00 to 23, minutes and seconds 00 to 59` };
  return Date.parse(`${time[1]}T${time[2]}:${time[3]}:${time[4] ?? '00'}${time[5] ?? ''}${time[6] ?? 'Z'}`);
}

/** A value from the command line or a query string, quoted and cut short: a message never repeats a long one whole. */
function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

/** The grouping named, or undefined. */
export function parseGrouping(text: string): StatementGrouping | undefined {
  return (statementGroupings as readonly string[]).includes(text) ? (text as StatementGrouping) : undefined;
}

/** 00:00 UTC on the first day of `now`'s month. */
export function startOfMonth(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

/** The default grouping: every entry has a model, so its lines add up to the totals. */
export const defaultGrouping: StatementGrouping = 'model';

/**
 * A statement's period from its parameters as given: `from` defaults to the first day of the current UTC month, `to`
 * (exclusive) to now, `by` to model.
 */
export function resolveStatementPeriod(given: { readonly from?: string; readonly to?: string; readonly by?: string }, now: number): StatementPeriod | PeriodProblem {
  const range = resolveRange(given);
  if ('parameter' in range) return range;
  let by = defaultGrouping;
  if (given.by !== undefined) {
    const grouping = parseGrouping(given.by.trim());
    if (grouping === undefined) {
      const closest = closestName(given.by, statementGroupings);
      return { parameter: 'by', message: `unknown grouping ${quote(given.by)}; expected one of ${statementGroupings.join(', ')}${closest === undefined ? '' : `; did you mean "${closest}"?`}` };
    }
    by = grouping;
  }
  const fromMs = range.fromMs ?? startOfMonth(now);
  const toMs = range.toMs ?? now;
  if (fromMs >= toMs) return { parameter: range.toMs === undefined ? 'from' : 'to', message: `the period is empty: from (${new Date(fromMs).toISOString()}) must be before to (${new Date(toMs).toISOString()}), which is excluded` };
  return { fromMs, toMs, by };
}

/** An entries query's range: either end may be open; both given, `from` must be before `to`. */
export function resolveRange(given: { readonly from?: string; readonly to?: string }): { fromMs: number | undefined; toMs: number | undefined } | PeriodProblem {
  const times: { fromMs: number | undefined; toMs: number | undefined } = { fromMs: undefined, toMs: undefined };
  for (const parameter of ['from', 'to'] as const) {
    const text = given[parameter];
    if (text === undefined) continue;
    const time = parseLedgerTime(text);
    if (typeof time !== 'number') return { parameter, message: time.problem };
    times[parameter === 'from' ? 'fromMs' : 'toMs'] = time;
  }
  if (times.fromMs !== undefined && times.toMs !== undefined && times.fromMs >= times.toMs) {
    return { parameter: 'to', message: `the period is empty: from (${new Date(times.fromMs).toISOString()}) must be before to (${new Date(times.toMs).toISOString()}), which is excluded` };
  }
  return times;
}

// ---- Renderings.

const tokenFields = [
  ['inputTokens', 'input_tokens', 'input'],
  ['cachedInputTokens', 'cached_input_tokens', 'cached'],
  ['cacheWriteTokens', 'cache_write_tokens', 'cache write'],
  ['outputTokens', 'output_tokens', 'output'],
  ['reasoningTokens', 'reasoning_tokens', 'reasoning'],
] as const;

const moneyFields = [
  ['costMicros', 'cost'],
  ['chargedMicros', 'revenue'],
  ['marginMicros', 'margin'],
  ['accruedMicros', 'accrued'],
] as const;

function linesJson(line: StatementTotals, currency: string): Record<string, unknown> {
  const json: Record<string, unknown> = { requests: line.requests };
  for (const [field, name] of tokenFields) json[name] = line[field];
  for (const [field, name] of moneyFields) {
    json[`${name}_micros`] = line[field];
    json[name] = formatMoney(line[field], currency);
  }
  return json;
}

/** The statement as `--json` prints it and `GET /admin/ledger/statement` returns it. */
export function statementJson(report: StatementReport): Record<string, unknown> {
  const { currency } = report;
  const money = (micros: number | undefined) => (micros === undefined ? null : formatMoney(micros, currency));
  return {
    object: 'ledger.statement',
    from: new Date(report.fromMs).toISOString(),
    to: new Date(report.toMs).toISOString(),
    by: report.by,
    currency,
    rows: report.lines.map((line) => ({ group: line.group, ...linesJson(line, currency) })),
    totals: linesJson(report.totals, currency),
    revenue_shares: report.revenueShares.map((share) => ({
      agreement: share.agreement,
      party: share.party,
      configured: share.configured,
      percent: share.percentBasisPoints === undefined ? null : formatBasisPoints(share.percentBasisPoints),
      basis: share.basis ?? null,
      owed_micros: share.owedMicros,
      owed: money(share.owedMicros),
      entries: share.entries,
      accrued_micros: share.accruedMicros,
      accrued: money(share.accruedMicros),
      cap_micros: share.capMicros ?? null,
      cap: money(share.capMicros),
      cap_used_basis_points: share.capUsedBasisPoints ?? null,
      cap_used: share.capUsedBasisPoints === undefined ? null : formatBasisPoints(share.capUsedBasisPoints),
      cap_reached_at: share.capReachedAt === undefined ? null : new Date(share.capReachedAt).toISOString(),
      cap_reached_on: share.capReachedAt === undefined ? null : utcDay(share.capReachedAt),
    })),
    commitments: report.commitments.map((commitment) => ({
      agreement: commitment.agreement,
      party: commitment.party,
      provider: commitment.provider,
      from: commitment.from,
      until: commitment.until,
      amount_micros: commitment.amountMicros,
      amount: money(commitment.amountMicros),
      spend_micros: commitment.spendMicros,
      spend: money(commitment.spendMicros),
      progress_basis_points: commitment.progressBasisPoints,
      progress: formatBasisPoints(commitment.progressBasisPoints),
      remaining_micros: commitment.remainingMicros,
      remaining: money(commitment.remainingMicros),
      days_left: commitment.daysLeft,
    })),
  };
}

/** One header row and a row per group (no totals row: with `party` the rows overlap); amounts as exact decimals. */
export function statementCsv(report: StatementReport): string {
  const header = [report.by, 'requests', ...tokenFields.map(([, name]) => name), ...moneyFields.map(([, name]) => name), 'currency'];
  const rows = report.lines.map((line) => [line.group, String(line.requests), ...tokenFields.map(([field]) => String(line[field])), ...moneyFields.map(([field]) => formatMicros(line[field])), report.currency]);
  return [header, ...rows].map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The statement as the CLI prints it without `--json` or `--csv`. */
export function statementText(report: StatementReport): string {
  const out = [`Ledger statement by ${report.by}, ${new Date(report.fromMs).toISOString()} to ${new Date(report.toMs).toISOString()} (excluded); amounts in ${report.currency}`, ''];
  const numbers = (line: StatementTotals) => [String(line.requests), ...tokenFields.map(([field]) => String(line[field])), ...moneyFields.map(([field]) => formatMicros(line[field]))];
  const header = [report.by, 'requests', ...tokenFields.map(([, , label]) => label), ...moneyFields.map(([, name]) => name)];
  const body = report.lines.map((line) => [line.group === '' ? '(none)' : line.group, ...numbers(line)]);
  out.push(...table([header, ...body, ['total', ...numbers(report.totals)]], (column) => column > 0));
  if (report.by === 'party') out.push('(an entry is in the row of each party it accrued to, none if it accrued nothing; the total counts every entry once)');
  if (report.revenueShares.length > 0) {
    out.push('', 'Revenue shares');
    out.push(
      ...table(
        [
          ['agreement', 'party', 'share', 'basis', 'owed', 'entries', 'accrued to date', 'cap', 'cap used', 'cap reached'],
          ...report.revenueShares.map((share) => [
            share.configured ? share.agreement : `${share.agreement} (not configured)`,
            share.party,
            share.percentBasisPoints === undefined ? '-' : formatBasisPoints(share.percentBasisPoints),
            share.basis ?? '-',
            formatMicros(share.owedMicros),
            String(share.entries),
            formatMicros(share.accruedMicros),
            share.capMicros === undefined ? '-' : formatMicros(share.capMicros),
            share.capUsedBasisPoints === undefined ? '-' : formatBasisPoints(share.capUsedBasisPoints),
            share.capReachedAt === undefined ? '-' : utcDay(share.capReachedAt),
          ]),
        ],
        (column) => column === 2 || (column >= 4 && column <= 8),
      ),
    );
  }
  if (report.commitments.length > 0) {
    out.push('', 'Commitments (spend over the whole commitment)');
    out.push(
      ...table(
        [
          ['agreement', 'party', 'provider', 'from', 'until', 'spend', 'amount', 'progress', 'remaining', 'days left'],
          ...report.commitments.map((commitment) => [
            commitment.agreement,
            commitment.party,
            commitment.provider,
            commitment.from,
            commitment.until,
            formatMicros(commitment.spendMicros),
            formatMicros(commitment.amountMicros),
            formatBasisPoints(commitment.progressBasisPoints),
            formatMicros(commitment.remainingMicros),
            String(commitment.daysLeft),
          ]),
        ],
        (column) => column >= 5,
      ),
    );
  }
  return `${out.join('\n')}\n`;
}

/** An entry as the entries API returns it and `interchange ledger entries --json` prints it (one a line). */
export function entryJson(entry: LedgerEntry): Record<string, unknown> {
  return {
    request_id: entry.requestId,
    at: new Date(entry.at).toISOString(),
    tenant: entry.tenant ?? null,
    key_id: entry.keyId ?? null,
    model: entry.model,
    endpoint: entry.endpoint,
    stream: entry.stream,
    provider: entry.provider ?? null,
    channel: entry.channel ?? null,
    upstream_model: entry.upstreamModel ?? null,
    status: entry.status,
    error_code: entry.errorCode ?? null,
    input_tokens: entry.inputTokens,
    cached_input_tokens: entry.cachedInputTokens,
    cache_write_tokens: entry.cacheWriteTokens,
    output_tokens: entry.outputTokens,
    reasoning_tokens: entry.reasoningTokens,
    estimated: entry.estimated,
    cost_micros: entry.costMicros,
    charged_micros: entry.chargedMicros,
    currency: entry.currency,
    latency_ms: entry.latencyMs,
    route: entry.route ?? null,
    accruals: entry.accruals.map((accrual) => ({ agreement: accrual.agreement, party: accrual.party, micros: accrual.micros, cap_reached: accrual.capReached === true })),
  };
}

/** Entries as a table (amounts in each entry's currency). */
export function entriesText(entries: readonly LedgerEntry[]): string {
  const rows = entries.map((entry) => [
    new Date(entry.at).toISOString(),
    entry.requestId,
    entry.tenant ?? '-',
    entry.keyId ?? '-',
    entry.model,
    entry.channel ?? '-',
    String(entry.status),
    String(entry.inputTokens),
    String(entry.outputTokens),
    formatMicros(entry.costMicros),
    formatMicros(entry.chargedMicros),
    formatMicros(entry.accruals.reduce((sum, accrual) => sum + accrual.micros, 0)),
    entry.currency,
  ]);
  return `${table([['at', 'request id', 'tenant', 'key', 'model', 'channel', 'status', 'input', 'output', 'cost', 'charged', 'accrued', 'currency'], ...rows], (column) => column >= 6 && column <= 11).join('\n')}\n`;
}

/** Columns two spaces apart, those in `numeric` aligned right. */
function table(rows: readonly (readonly string[])[], numeric: (column: number) => boolean): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, index) => (numeric(index) ? cell.padStart(widths[index]) : cell.padEnd(widths[index]))).join('  ').trimEnd());
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
