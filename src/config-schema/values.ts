/**
 * Parsers for the configuration's scalar notations: durations, sizes, listen addresses, ports, counts, booleans, base
 * URLs, money (prices, amounts, currencies) and percentages. Each takes the value as written (after environment substitution, so numbers may arrive as text) and
 * either returns the parsed value or reports why not; messages quote values only through `quoteValue`.
 */

import { isIP } from 'node:net';
import { didYouMean } from './did-you-mean.ts';
import { describeType, quoteValue, type PathSegment } from './problem.ts';

/** Called once per problem; `path` is relative to the value being parsed. */
export type Report = (message: string, path?: readonly PathSegment[]) => void;

/** The longest delay Node timers support; a longer one fires at once. */
export const maximumDurationMs = 2_147_483_647;
/** The largest accepted `limits.max_body_bytes`. */
export const maximumBodyBytes = 1024 ** 3;
export const maximumConnections = 10_000;

const wholeNumber = /^\d+$/;
const decimalNumber = /^\d+(?:\.\d+)?$/;

const durationUnits: Readonly<Record<string, number>> = {
  ms: 1,
  msec: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
};

const durationExamples = 'e.g. "500ms", "30s", "10m" or "1h30m"';

/**
 * A duration in whole milliseconds, from a number of milliseconds or text: `"500ms"`, `"30s"`, `"1.5s"`, `"10m"`,
 * `"1h30m"`, `"1m 30s"` (units ms, s, m, h, also spelt out). Text of digits alone is milliseconds. Must be between
 * 1 ms and 2^31−1 ms (about 24.8 days).
 */
export function parseDuration(input: unknown, report: Report): number | undefined {
  let milliseconds: number;
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) {
      report('must be a positive number of milliseconds');
      return undefined;
    }
    milliseconds = input;
  } else if (typeof input === 'string') {
    const text = input.trim();
    if (decimalNumber.test(text)) {
      milliseconds = Number(text);
    } else {
      const parsed = parseDurationText(text);
      if (typeof parsed === 'string') {
        report(parsed.replace('%s', () => quoteValue(input)));
        return undefined;
      }
      milliseconds = parsed;
    }
  } else {
    report(`expected a duration (${durationExamples}, or a number of milliseconds), got ${describeType(input)}`);
    return undefined;
  }
  const rounded = Math.round(milliseconds);
  if (rounded < 1) {
    report('must be at least 1ms');
    return undefined;
  }
  if (rounded > maximumDurationMs) {
    report(`must be at most ${maximumDurationMs}ms (about 24.8 days)`);
    return undefined;
  }
  return rounded;
}

/** Milliseconds, or an error message in which `%s` stands for the quoted input. */
function parseDurationText(text: string): number | string {
  if (text.startsWith('-')) return 'must be positive, got %s';
  const part = /(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*/y;
  let total = 0;
  let index = 0;
  if (text === '') return `invalid duration %s; expected a duration, ${durationExamples}`;
  while (index < text.length) {
    part.lastIndex = index;
    const match = part.exec(text);
    if (match === null) return `invalid duration %s; expected ${durationExamples}, or a number of milliseconds`;
    const unit = match[2].toLowerCase();
    const factor = durationUnits[unit];
    if (factor === undefined) {
      return `invalid duration %s: unknown unit ${quoteValue(match[2])}${didYouMean(unit, Object.keys(durationUnits))} (units: ms, s, m, h; ${durationExamples})`;
    }
    total += Number(match[1]) * factor;
    index = part.lastIndex;
  }
  return total;
}

const sizeUnits: Readonly<Record<string, number>> = {
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

const sizeExamples = 'e.g. "512kb", "4mb" or "1gb"';

/**
 * A size in bytes, from a number of bytes or text: `"4mb"`, `"512 KiB"`, `"1.5mb"`, `"1048576"`. Units are
 * binary and case-insensitive: k, kb and kib are 1024 bytes; m, mb, mib 1024²; g, gb, gib 1024³.
 */
export function parseSize(input: unknown, report: Report, maximum: number = maximumBodyBytes): number | undefined {
  let bytes: number;
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) {
      report('must be a positive number of bytes');
      return undefined;
    }
    bytes = input;
  } else if (typeof input === 'string') {
    const match = /^(-?\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(input.trim());
    if (match === null) {
      report(`invalid size ${quoteValue(input)}; expected a number of bytes or ${sizeExamples}`);
      return undefined;
    }
    const unit = match[2].toLowerCase();
    const factor = unit === '' ? 1 : sizeUnits[unit];
    if (factor === undefined) {
      report(
        `invalid size ${quoteValue(input)}: unknown unit ${quoteValue(match[2])}${didYouMean(unit, ['b', 'kb', 'mb', 'gb', 'kib', 'mib', 'gib'])} (units: b, kb, mb, gb, also kib, mib, gib; ${sizeExamples})`,
      );
      return undefined;
    }
    bytes = Number(match[1]) * factor;
    if (bytes < 0) {
      report(`must be positive, got ${quoteValue(input)}`);
      return undefined;
    }
  } else {
    report(`expected a size (${sizeExamples}, or a number of bytes), got ${describeType(input)}`);
    return undefined;
  }
  const whole = Math.floor(bytes);
  if (whole < 1) {
    report('must be at least 1 byte');
    return undefined;
  }
  if (whole > maximum) {
    report(`must be at most ${formatBytes(maximum)} (${maximum} bytes)`);
    return undefined;
  }
  return whole;
}

/** `4 MiB`, `512 KiB`, `1.5 MiB`, `100 bytes`. */
export function formatBytes(bytes: number): string {
  const units: ReadonlyArray<[string, number]> = [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ];
  for (const [unit, size] of units) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(2))} ${unit}`;
  }
  return bytes === 1 ? '1 byte' : `${bytes} bytes`;
}

/** `600s`, `1m30s`, `250ms`, `1h`. */
export function formatDuration(milliseconds: number): string {
  if (milliseconds % 1000 !== 0) return `${milliseconds}ms`;
  let seconds = milliseconds / 1000;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  // Plain seconds read best up to ten minutes (`600s` is the default request timeout).
  if (milliseconds <= 600_000) return `${milliseconds / 1000}s`;
  return `${hours > 0 ? `${hours}h` : ''}${minutes > 0 ? `${minutes}m` : ''}${seconds > 0 ? `${seconds}s` : ''}`;
}

/** A TCP port, 0–65535 (0: any free port). */
export function parsePort(input: unknown, report: Report): number | undefined {
  const port = typeof input === 'string' && wholeNumber.test(input.trim()) ? Number(input.trim()) : input;
  if (typeof port !== 'number') {
    report(`expected a port number (0-65535), got ${describeType(input)}`);
    return undefined;
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    report(`must be a whole number from 0 to 65535, got ${port}`);
    return undefined;
  }
  return port;
}

/** A whole number within [minimum, maximum]; digits-only text is accepted. */
export function parseCount(input: unknown, report: Report, minimum: number, maximum: number): number | undefined {
  const count = typeof input === 'string' && wholeNumber.test(input.trim()) ? Number(input.trim()) : input;
  if (typeof count !== 'number') {
    report(`expected a whole number, got ${describeType(input)}`);
    return undefined;
  }
  if (!Number.isInteger(count)) {
    report(`must be a whole number, got ${count}`);
    return undefined;
  }
  if (count < minimum || count > maximum) {
    // No practical upper bound (`Number.MAX_SAFE_INTEGER`): say only what the lower bound is.
    report(maximum === Number.MAX_SAFE_INTEGER && count < minimum ? `must be at least ${minimum}, got ${count}` : `must be from ${minimum} to ${maximum}, got ${count}`);
    return undefined;
  }
  return count;
}

export interface NumberBounds {
  /** Exclusive lower bound. */
  readonly above?: number;
  /** Inclusive lower bound. */
  readonly atLeast?: number;
  /** Inclusive upper bound. */
  readonly atMost?: number;
}

/** A number (decimals allowed) within `bounds`; text of a plain decimal number is accepted. */
export function parseNumber(input: unknown, report: Report, bounds: NumberBounds): number | undefined {
  const text = typeof input === 'string' ? input.trim() : undefined;
  const value = text !== undefined && /^-?\d+(?:\.\d+)?$/.test(text) ? Number(text) : input;
  if (typeof value !== 'number') {
    report(`expected a number, got ${describeType(input)}`);
    return undefined;
  }
  if (!Number.isFinite(value)) {
    report('must be a finite number');
    return undefined;
  }
  if (bounds.above !== undefined && value <= bounds.above) {
    report(`must be greater than ${bounds.above}, got ${value}`);
    return undefined;
  }
  if (bounds.atLeast !== undefined && value < bounds.atLeast) {
    report(`must be at least ${bounds.atLeast}, got ${value}`);
    return undefined;
  }
  if (bounds.atMost !== undefined && value > bounds.atMost) {
    report(`must be at most ${bounds.atMost}, got ${value}`);
    return undefined;
  }
  return value;
}

/** A share of a whole: 0 < x ≤ 1 (`0.5` is half); a percentage is pointed out rather than guessed at. */
export function parseShare(input: unknown, report: Report): number | undefined {
  if (typeof input === 'string' && /^\s*\d+(?:\.\d+)?\s*%\s*$/.test(input)) {
    report(`expected a share from 0 to 1 (0.5 is half), got ${quoteValue(input)}`);
    return undefined;
  }
  const value = parseNumber(input, report, { above: 0 });
  if (value !== undefined && value > 1) {
    report(`must be at most 1 (a share: 0.5 is half), got ${value}`);
    return undefined;
  }
  return value;
}

/** The largest accepted price, in currency units per million tokens. */
export const maximumPrice = 1_000_000;
/**
 * The largest accepted amount (a cap, a commitment), in currency units: 10^15 micro-units, so a ledger may add several
 * such sums and stay below 2^53 (about 9 × 10^15), where integers stop being exact.
 */
export const maximumAmount = 1_000_000_000;

interface MoneyTerms {
  /** `price`, `amount`: what the messages call the value. */
  readonly noun: string;
  /** What the number counts, for messages: `per million tokens`. */
  readonly unit: string;
  readonly example: string;
  readonly maximum: number;
  /** Whether 0 is refused. */
  readonly positive: boolean;
}

/**
 * A sum of money in units of the metering currency (a number, or text of one from the environment), returned as
 * whole micro-units. At most six decimal places: a finer value would be rounded, and money is never rounded silently.
 */
function parseMicros(input: unknown, report: Report, terms: MoneyTerms): number | undefined {
  const tooFine = `must have at most 6 decimal places (${terms.noun}s are kept in millionths of a currency unit)`;
  const outOfRange = (value: number, shown: string): string | undefined => {
    if (value < 0) return `must not be negative, got ${shown}`;
    if (terms.positive && value === 0) return `must be greater than 0, got ${shown}`;
    if (value > terms.maximum) return `must be at most ${terms.maximum}${terms.unit === '' ? '' : ` (${terms.unit})`}, got ${shown}`;
    return undefined;
  };
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) {
      report('must be a finite number');
      return undefined;
    }
    const problem = outOfRange(input, String(input));
    if (problem !== undefined) {
      report(problem);
      return undefined;
    }
    // The shortest text that reads back as the same number: what was written, for any value with few decimals.
    text = String(input);
    if (text.includes('e')) {
      report(tooFine);
      return undefined;
    }
  } else if (typeof input === 'string') {
    text = input.trim();
    if (!/^-?\d+(?:\.\d+)?$/.test(text)) {
      report(`invalid ${terms.noun} ${quoteValue(input)}; ${moneyTextHint(text, terms)}`);
      return undefined;
    }
    const problem = outOfRange(Number(text), quoteValue(input));
    if (problem !== undefined) {
      report(problem);
      return undefined;
    }
  } else {
    report(`expected ${terms.noun === 'amount' ? 'an' : 'a'} ${terms.noun}${terms.unit === '' ? '' : ` ${terms.unit}`} (e.g. ${terms.example}), got ${describeType(input)}`);
    return undefined;
  }
  const [whole, fraction = ''] = text.split('.');
  const digits = fraction.replace(/0+$/, '');
  if (digits.length > 6) {
    report(tooFine);
    return undefined;
  }
  return Number(whole) * 1_000_000 + Number(digits.padEnd(6, '0'));
}

/** Why text is not a sum of money, pointing at the two usual reasons: a currency and thousands separators. */
function moneyTextHint(text: string, terms: MoneyTerms): string {
  const expected = `expected a number of currency units${terms.unit === '' ? '' : ` ${terms.unit}`}, e.g. ${terms.example}`;
  if (/^[^\d-]*[\d.,_' ]+\s*[A-Za-z]{3}$|^[A-Za-z]{3}\s*[\d.,_' ]+$|^[$€£¥]/.test(text)) {
    return `${expected}; the currency is metering.currency (or the agreement's currency:), not part of the number`;
  }
  if (/^\d{1,3}(?:[,_' ]\d{3})+(?:\.\d+)?$/.test(text)) return `${expected}, without thousands separators`;
  return expected;
}

/**
 * A price in units of the metering currency per million tokens (`2.50`, `0.075`, `0`; text of the same from the
 * environment), returned as whole micro-units per million tokens (`2_500_000`, `75_000`, `0`).
 */
export function parsePrice(input: unknown, report: Report): number | undefined {
  return parseMicros(input, report, { noun: 'price', unit: 'per million tokens', example: '2.50', maximum: maximumPrice, positive: false });
}

/**
 * An amount of money in units of the metering currency (`250000`, `1250.50`; a cap, a commitment), greater than 0,
 * returned as whole micro-units (`1250.50` → `1_250_500_000`).
 */
export function parseAmount(input: unknown, report: Report): number | undefined {
  return parseMicros(input, report, { noun: 'amount', unit: '', example: '250000', maximum: maximumAmount, positive: true });
}

/** `2.50`, `0.075`, `10.00`: micro-units as units, with at least two decimals. */
export function formatMicros(micros: number): string {
  const whole = Math.floor(micros / 1_000_000);
  const fraction = String(micros % 1_000_000).padStart(6, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${whole}.${fraction}`;
}

export interface PercentBounds {
  /** Whether 0 is refused. */
  readonly positive: boolean;
  /** Inclusive upper bound, in percent. */
  readonly atMost: number;
}

/**
 * A percentage (`25`, `"25%"`, `12.5`, text of the same from the environment), at most two decimal places, returned
 * as whole basis points (`25` → `2500`, `12.5` → `1250`), so that shares of money are computed without fractions.
 */
export function parsePercent(input: unknown, report: Report, bounds: PercentBounds): number | undefined {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) {
      report('must be a finite number');
      return undefined;
    }
    text = String(input);
  } else if (typeof input === 'string') {
    const match = /^(-?\d+(?:\.\d+)?)\s*%?$/.exec(input.trim());
    if (match === null) {
      report(`invalid percentage ${quoteValue(input)}; expected a number of percent, e.g. 25 or "25%"`);
      return undefined;
    }
    text = match[1];
  } else {
    report(`expected a percentage (e.g. 25 or "25%"), got ${describeType(input)}`);
    return undefined;
  }
  const value = Number(text);
  const shown = typeof input === 'string' ? quoteValue(input) : String(input);
  if (value < 0 || (bounds.positive && value === 0)) {
    report(bounds.positive ? `must be greater than 0, got ${shown}` : `must not be negative, got ${shown}`);
    return undefined;
  }
  if (value > bounds.atMost) {
    report(`must be at most ${bounds.atMost} (percent), got ${shown}`);
    return undefined;
  }
  const [whole, fraction = ''] = text.split('.');
  const digits = fraction.replace(/0+$/, '');
  // A number too small to print without an exponent (1e-7) has more decimals than that too.
  if (digits.length > 2 || text.includes('e')) {
    report('must have at most 2 decimal places (percentages are kept in hundredths of a percent)');
    return undefined;
  }
  return Number(whole) * 100 + Number(digits.padEnd(2, '0'));
}

/** `25`, `12.5`, `0.05`: basis points as a percentage, exactly. */
export function formatBasisPoints(basisPoints: number): string {
  const fraction = String(basisPoints % 100).padStart(2, '0').replace(/0+$/, '');
  return `${Math.floor(basisPoints / 100)}${fraction === '' ? '' : `.${fraction}`}`;
}

/** An ISO 4217 currency code: three upper-case letters (`USD`, `EUR`). */
export function parseCurrency(input: unknown, report: Report): string | undefined {
  if (typeof input !== 'string') {
    report(`expected a currency code (e.g. USD or EUR), got ${describeType(input)}`);
    return undefined;
  }
  const text = input.trim();
  if (/^[A-Z]{3}$/.test(text)) return text;
  // Suggested only from the codes the runtime knows, so a value from the environment is never echoed in another case.
  const upper = text.toUpperCase();
  const hint = /^[A-Za-z]{3}$/.test(text) && Intl.supportedValuesOf('currency').includes(upper) ? `; did you mean ${JSON.stringify(upper)}?` : '';
  report(`invalid currency ${quoteValue(input)}${hint === '' ? '; expected an ISO 4217 code, three upper-case letters such as USD or EUR' : `${hint} (ISO 4217 codes are upper case)`}`);
  return undefined;
}

const dateExample = 'e.g. "2032-12-31"';

/** A calendar day, `YYYY-MM-DD` (the year 1970 or later); returned as written, trimmed. */
export function parseDate(input: unknown, report: Report): string | undefined {
  if (typeof input !== 'string') {
    report(`expected a date "YYYY-MM-DD" (${dateExample}), got ${describeType(input)}`);
    return undefined;
  }
  const text = input.trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match === null) {
    report(`invalid date ${quoteValue(input)}; expected "YYYY-MM-DD", ${dateExample}`);
    return undefined;
  }
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 1970 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    report(year < 1970 ? `invalid date ${quoteValue(input)}: must be in 1970 or later` : `invalid date ${quoteValue(input)}: there is no such day`);
    return undefined;
  }
  return text;
}

/** 00:00 UTC on a day given as `YYYY-MM-DD`, in epoch milliseconds. */
export function startOfDay(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

export interface TimeRange {
  /** Minutes after midnight, inclusive: 0–1439. */
  readonly startMinute: number;
  /** Minutes after midnight, exclusive: 1–1440; before `startMinute` when the range crosses midnight. */
  readonly endMinute: number;
}

const timeRangeExample = 'e.g. "22:00-06:00"';

/**
 * A time of day range, `HH:MM-HH:MM` (`"22:00-06:00"`, `"9:00-17:30"`): the start inclusive, the end exclusive;
 * an end before the start crosses midnight. `24:00` is accepted as an end (`00:00-24:00` is the whole day). Start and
 * end must differ.
 */
export function parseTimeRange(input: unknown, report: Report): TimeRange | undefined {
  if (typeof input !== 'string') {
    report(`expected a time range "HH:MM-HH:MM" (${timeRangeExample}), got ${describeType(input)}`);
    return undefined;
  }
  const match = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(input.trim());
  if (match === null) {
    report(`invalid time range ${quoteValue(input)}; expected "HH:MM-HH:MM", ${timeRangeExample}`);
    return undefined;
  }
  const minuteOf = (hours: string, minutes: string, end: boolean): number | undefined => {
    const [h, m] = [Number(hours), Number(minutes)];
    if (end && h === 24 && m === 0) return 1440;
    return h <= 23 && m <= 59 ? h * 60 + m : undefined;
  };
  const startMinute = minuteOf(match[1], match[2], false);
  const endMinute = minuteOf(match[3], match[4], true);
  if (startMinute === undefined || endMinute === undefined) {
    report(`invalid time range ${quoteValue(input)}: hours are 00 to 23 and minutes 00 to 59 (24:00 only as an end)`);
    return undefined;
  }
  if (startMinute === endMinute) {
    report(`invalid time range ${quoteValue(input)}: the start and the end are the same time`);
    return undefined;
  }
  return { startMinute, endMinute };
}

/** `22:00`, `06:00`, `24:00`. */
export function formatMinuteOfDay(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** `true` or `false`; the text `"true"` and `"false"` (any case) too, for values from environment variables. */
export function parseBoolean(input: unknown, report: Report): boolean | undefined {
  if (typeof input === 'boolean') return input;
  if (typeof input === 'string') {
    const text = input.trim().toLowerCase();
    if (text === 'true') return true;
    if (text === 'false') return false;
    report(`expected true or false, got ${quoteValue(input)}`);
    return undefined;
  }
  report(`expected true or false, got ${describeType(input)}`);
  return undefined;
}

const hostLabel = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export const defaultListenHost = '127.0.0.1';
export const defaultListenPort = 8080;

function checkHost(host: string, report: Report): string | undefined {
  if (isIP(host) !== 0 || hostLabel.test(host)) return host;
  report(`invalid host ${quoteValue(host)}; expected an IP address or a host name, e.g. "127.0.0.1", "0.0.0.0", "::1" or "localhost"`);
  return undefined;
}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Where the gateway listens: `"host:port"` (`"127.0.0.1:8080"`, `"[::1]:8080"`, `"localhost:8080"`), a host alone
 * (port 8080), a port alone (`8080`, host 127.0.0.1), or `{ host, port }` (each optional).
 */
export function parseListen(input: unknown, report: Report): ListenAddress | undefined {
  if (typeof input === 'number') {
    const port = parsePort(input, report);
    return port === undefined ? undefined : { host: defaultListenHost, port };
  }
  if (typeof input === 'string') return parseListenText(input.trim(), input, report);
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    const fields = input as Record<string, unknown>;
    let failed = false;
    const fail: Report = (message, path) => {
      failed = true;
      report(message, path);
    };
    for (const key of Object.keys(fields)) {
      if (key !== 'host' && key !== 'port') fail(`unknown field${didYouMean(key, ['host', 'port'])}`, [key]);
    }
    let host: string | undefined = defaultListenHost;
    if (fields.host !== undefined && fields.host !== null) {
      if (typeof fields.host !== 'string') {
        fail(`expected a host name or IP address, got ${describeType(fields.host)}`, ['host']);
      } else {
        host = checkHost(fields.host.trim(), (message) => fail(message, ['host']));
      }
    }
    let port: number | undefined = defaultListenPort;
    if (fields.port !== undefined && fields.port !== null) port = parsePort(fields.port, (message) => fail(message, ['port']));
    return failed || host === undefined || port === undefined ? undefined : { host, port };
  }
  report(`expected "host:port" (e.g. "127.0.0.1:8080") or { host, port }, got ${describeType(input)}`);
  return undefined;
}

function parseListenText(text: string, original: string, report: Report): ListenAddress | undefined {
  if (text === '') {
    report('is empty; expected "host:port", e.g. "127.0.0.1:8080"');
    return undefined;
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) {
    report(`expected "host:port" without a scheme, e.g. "127.0.0.1:8080", got ${quoteValue(original)}`);
    return undefined;
  }
  if (wholeNumber.test(text)) {
    const port = parsePort(text, report);
    return port === undefined ? undefined : { host: defaultListenHost, port };
  }
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const match = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
    if (match === null || isIP(match[1]) !== 6) {
      report(`invalid address ${quoteValue(original)}; write an IPv6 address as "[::1]:8080"`);
      return undefined;
    }
    host = match[1];
    portText = match[2];
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const colon = text.lastIndexOf(':');
    host = colon === -1 ? text : text.slice(0, colon);
    portText = colon === -1 ? undefined : text.slice(colon + 1);
    if (host === '') {
      report(
        `has no host; write "0.0.0.0${text}" to listen on every interface or "127.0.0.1${text}" for this machine only`,
      );
      return undefined;
    }
  }
  let failed = false;
  const checkedHost = checkHost(host, (message) => {
    failed = true;
    report(message);
  });
  let port = defaultListenPort;
  if (portText !== undefined) {
    if (!wholeNumber.test(portText)) {
      report(`invalid port ${quoteValue(portText)} in ${quoteValue(original)}; expected a number from 0 to 65535`);
      return undefined;
    }
    const parsed = parsePort(portText, report);
    if (parsed === undefined) return undefined;
    port = parsed;
  }
  return failed || checkedHost === undefined ? undefined : { host: checkedHost, port };
}

/**
 * An upstream base URL: http or https, no credentials, query or fragment; returned without trailing slashes
 * (`https://api.openai.com/v1/` → `https://api.openai.com/v1`). The URL is never repeated in a message, since it
 * may carry credentials.
 */
export function parseBaseUrl(input: unknown, report: Report): string | undefined {
  if (typeof input !== 'string') {
    report(`expected a URL such as "https://api.openai.com/v1", got ${describeType(input)}`);
    return undefined;
  }
  const text = input.trim();
  if (text === '') {
    report('is empty; expected a URL such as "https://api.openai.com/v1"');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    report(
      /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)
        ? 'is not a valid URL; expected e.g. "https://api.openai.com/v1"'
        : 'is not a valid URL: it needs a scheme, e.g. "https://api.example.com/v1" or "http://127.0.0.1:8000/v1"',
    );
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    report(`must use http or https, not ${quoteValue(url.protocol.slice(0, -1))}`);
    return undefined;
  }
  let failed = false;
  if (url.username !== '' || url.password !== '') {
    report('must not contain credentials (user:password@); use auth.api_key or headers');
    failed = true;
  }
  if (url.search !== '' || text.includes('?')) {
    report('must not contain a query string ("?…"); use headers for extra parameters');
    failed = true;
  }
  if (url.hash !== '' || text.includes('#')) {
    report('must not contain a fragment ("#…")');
    failed = true;
  }
  if (failed) return undefined;
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}
