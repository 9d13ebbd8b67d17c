/**
 * Decline rules written as data: a channel declines a request when every condition its rule sets matches (UTC hours,
 * possibly across midnight; UTC days; public models; tenants; bounds on the estimated prompt tokens). Compiled once
 * at start-up, evaluated without I/O or allocation. Later rule kinds (budgets, commitments) implement `DeclineRule`
 * themselves and are attached to channels the same way (`RouteChannelSpec.declineRules`).
 *
 * Hours and days together: the part of a window that crosses midnight belongs to the day it started on, so
 * `hours 22:00–06:00, days [fri]` covers Friday 22:00 to Saturday 06:00.
 *
 * Prompt-token bounds read `RequestFeatures.promptTokens`: the tokenizer's count when a context window made it count,
 * the cheap estimate (UTF-8 bytes / 4) otherwise.
 */
import type { DeclineRule, RouteChannel, RouteInput } from './routing-types.ts';

/** Day names in the order of `Date.prototype.getUTCDay()` (0 is Sunday). */
export const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof weekdays)[number];

/** Minutes after UTC midnight: `startMinute` inclusive (0–1439), `endMinute` exclusive (1–1440); start > end crosses midnight. */
export interface UtcTimeRange {
  readonly startMinute: number;
  readonly endMinute: number;
}

/** Every condition given must match; at least one must be given. */
export interface DeclineConditions {
  readonly hours?: UtcTimeRange | undefined;
  readonly days?: readonly Weekday[] | undefined;
  /** Public model names. */
  readonly models?: readonly string[] | undefined;
  /** The request's tenant. */
  readonly tenants?: readonly string[] | undefined;
  /** Inclusive bounds on the estimated prompt tokens. */
  readonly minPromptTokens?: number | undefined;
  readonly maxPromptTokens?: number | undefined;
}

export interface DeclineRuleSpec {
  /** A name for the rule, shown in route traces. */
  readonly name: string;
  readonly when: DeclineConditions;
}

const minuteMs = 60_000;
const dayMs = 86_400_000;

/** Minutes since UTC midnight of an epoch-millisecond time. */
export function utcMinuteOfDay(now: number): number {
  return Math.floor((((now % dayMs) + dayMs) % dayMs) / minuteMs);
}

/** The UTC weekday (0 is Sunday) of an epoch-millisecond time; 1970-01-01 was a Thursday. */
export function utcWeekday(now: number): number {
  return (((Math.floor(now / dayMs) + 4) % 7) + 7) % 7;
}

/** Whether `minute` lies in [start, end), the range wrapping past midnight when start > end. */
export function inTimeRange(minute: number, range: UtcTimeRange): boolean {
  return range.startMinute <= range.endMinute ? minute >= range.startMinute && minute < range.endMinute : minute >= range.startMinute || minute < range.endMinute;
}

export class ConfiguredDeclineRule implements DeclineRule {
  readonly name: string;
  readonly kind = 'rule';
  readonly #hours: UtcTimeRange | undefined;
  /** Bit d set: weekday d matches. */
  readonly #days: number | undefined;
  readonly #models: readonly string[] | undefined;
  readonly #tenants: readonly string[] | undefined;
  readonly #minPromptTokens: number | undefined;
  readonly #maxPromptTokens: number | undefined;

  constructor(spec: DeclineRuleSpec) {
    const where = `decline rule "${spec.name}"`;
    if (spec.name.length === 0) throw new Error('A decline rule needs a name.');
    const when = spec.when;
    const { hours, days, models, tenants, minPromptTokens, maxPromptTokens } = when;
    if (hours === undefined && days === undefined && models === undefined && tenants === undefined && minPromptTokens === undefined && maxPromptTokens === undefined) {
      throw new Error(`${where} sets no condition (hours, days, models, tenants, min_prompt_tokens, max_prompt_tokens): it would decline everything.`);
    }
    if (hours !== undefined) {
      const valid =
        Number.isInteger(hours.startMinute) && Number.isInteger(hours.endMinute) && hours.startMinute >= 0 && hours.startMinute < 1440 && hours.endMinute > 0 && hours.endMinute <= 1440;
      if (!valid || hours.startMinute === hours.endMinute) throw new Error(`${where}: hours must be a non-empty range of minutes within a day.`);
    }
    let dayBits: number | undefined;
    if (days !== undefined) {
      if (days.length === 0) throw new Error(`${where}: days must list at least one day.`);
      dayBits = 0;
      for (const day of days) {
        const index = weekdays.indexOf(day);
        if (index < 0) throw new Error(`${where}: unknown day "${day}" (days: ${weekdays.join(', ')}).`);
        dayBits |= 1 << index;
      }
    }
    if (models !== undefined && models.length === 0) throw new Error(`${where}: models must list at least one model.`);
    if (tenants !== undefined && tenants.length === 0) throw new Error(`${where}: tenants must list at least one tenant.`);
    for (const [field, value] of [['min_prompt_tokens', minPromptTokens], ['max_prompt_tokens', maxPromptTokens]] as const) {
      if (value !== undefined && !(Number.isInteger(value) && value >= 0)) throw new Error(`${where}: ${field} must be a whole number ≥ 0.`);
    }
    if (minPromptTokens !== undefined && maxPromptTokens !== undefined && maxPromptTokens < minPromptTokens) throw new Error(`${where}: max_prompt_tokens is below min_prompt_tokens.`);
    this.name = spec.name;
    this.#hours = hours;
    this.#days = dayBits;
    this.#models = models;
    this.#tenants = tenants;
    this.#minPromptTokens = minPromptTokens;
    this.#maxPromptTokens = maxPromptTokens;
  }

  declines(_channel: RouteChannel, input: RouteInput): boolean {
    const now = input.now;
    const hours = this.#hours;
    if (hours !== undefined && !inTimeRange(utcMinuteOfDay(now), hours)) return false;
    if (this.#days !== undefined) {
      // After midnight inside a window that crossed it, the day is the one the window started on.
      const sinceStart = hours !== undefined && hours.startMinute > hours.endMinute && utcMinuteOfDay(now) < hours.endMinute;
      const day = utcWeekday(sinceStart ? now - dayMs : now);
      if ((this.#days & (1 << day)) === 0) return false;
    }
    if (this.#models !== undefined && !this.#models.includes(input.route.model)) return false;
    if (this.#tenants !== undefined && (input.tenant === undefined || !this.#tenants.includes(input.tenant))) return false;
    const tokens = input.request.promptTokens;
    if (this.#minPromptTokens !== undefined && tokens < this.#minPromptTokens) return false;
    if (this.#maxPromptTokens !== undefined && tokens > this.#maxPromptTokens) return false;
    return true;
  }
}
