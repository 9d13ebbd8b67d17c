/**
 * Counter and histogram families for the gateway's own metrics, registered in a prom-client `Registry` so the
 * registry still renders the Prometheus text (escaping, number formatting) beside prom-client's process metrics.
 *
 * prom-client's own `Counter` and `Histogram` hash a label object into a string on every `inc` and `observe`, even
 * through a `labels(...)` child: about 2.5 µs and 2.6 KB of garbage per gateway request across our observations.
 * Here a series is found once per observation through one `Map` per label (label values are the map keys; no key
 * string is built) and then updated in place: a number for a counter, a `Float64Array` of bucket counts for a
 * histogram. Label objects and exported rows are built only at scrape time.
 *
 * Each family implements the metric contract the registry reads: `name`, `help`, `type`, `aggregator`, `get()`
 * (returning `{ name, help, type, values, aggregator }`, each value `{ labels, value, metricName?, sharedLabels? }`)
 * and `reset()`. The shape matches prom-client's own metrics (histogram rows carry `le` in `labels` and the series'
 * labels in `sharedLabels`), so the text is the same as before; `metric-families.test.ts` pins it.
 */
import type { Registry } from 'prom-client';

/** A label value as passed on the hot path; turned into a string once, when its series is created. */
export type LabelValue = string | number | boolean;

type MetricValue = {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
  sharedLabels?: Record<string, string>;
};

type MetricObject = {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: MetricValue[];
  aggregator: 'sum';
};

type FamilyOptions = {
  name: string;
  help: string;
  labelNames: readonly string[];
  registers: readonly Registry[];
};

abstract class MetricFamily<S extends { readonly labels: Record<string, string> }> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum' as const;
  abstract readonly type: 'counter' | 'histogram';
  readonly #labelNames: readonly string[];
  #root = new Map<LabelValue, unknown>();
  #byLabels = new Map<string, S>();
  protected series: S[] = [];

  constructor(options: FamilyOptions) {
    if (options.labelNames.length < 1 || options.labelNames.length > 4) throw new Error(`${options.name}: 1 to 4 label names`);
    this.name = options.name;
    this.help = options.help;
    this.#labelNames = options.labelNames;
    for (const registry of options.registers) registry.registerMetric(this as never);
  }

  protected abstract create(labels: Record<string, string>): S;

  /**
   * The series for these label values, created on first use. Pass exactly as many values as the family has label
   * names: separate parameters rather than a rest array, so a lookup allocates nothing.
   */
  protected find(a: LabelValue, b?: LabelValue, c?: LabelValue, d?: LabelValue): S {
    const depth = this.#labelNames.length;
    let level = this.#root;
    let found: unknown = level.get(a);
    if (depth > 1) {
      if (found === undefined) level.set(a, (found = new Map()));
      level = found as Map<LabelValue, unknown>;
      found = level.get(b!);
      if (depth > 2) {
        if (found === undefined) level.set(b!, (found = new Map()));
        level = found as Map<LabelValue, unknown>;
        found = level.get(c!);
        if (depth > 3) {
          if (found === undefined) level.set(c!, (found = new Map()));
          level = found as Map<LabelValue, unknown>;
          found = level.get(d!);
        }
      }
    }
    if (found !== undefined) return found as S;
    const values = [a, b, c, d];
    const labels: Record<string, string> = {};
    for (let index = 0; index < depth; index++) {
      const value = values[index];
      if (value === undefined) throw new Error(`${this.name}: no value for label ${this.#labelNames[index]}`);
      labels[this.#labelNames[index]] = String(value);
    }
    // 200 and '200' are different map keys but one series: the label strings decide.
    const key = JSON.stringify(Object.values(labels));
    let series = this.#byLabels.get(key);
    if (series === undefined) {
      series = this.create(labels);
      this.#byLabels.set(key, series);
      this.series.push(series);
    }
    level.set(values[depth - 1]!, series);
    return series;
  }

  reset(): void {
    this.#root = new Map();
    this.#byLabels = new Map();
    this.series = [];
  }

  abstract get(): Promise<MetricObject>;
}

type CounterSeries = { readonly labels: Record<string, string>; value: number };

export class CounterFamily extends MetricFamily<CounterSeries> {
  readonly type = 'counter' as const;

  protected create(labels: Record<string, string>): CounterSeries {
    return { labels, value: 0 };
  }

  /** Adds `amount` (default 1; must be finite and not negative) to the series of these label values. */
  inc(amount: number, a: LabelValue, b?: LabelValue, c?: LabelValue, d?: LabelValue): void {
    if (!(amount >= 0) || amount === Infinity) throw new TypeError(`${this.name}: cannot add ${amount}`);
    this.find(a, b, c, d).value += amount;
  }

  get(): Promise<MetricObject> {
    const values: MetricValue[] = [];
    for (const series of this.series) values.push({ labels: series.labels, value: series.value });
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }
}

type HistogramSeries = { readonly labels: Record<string, string>; readonly counts: Float64Array; sum: number; count: number };

export class HistogramFamily extends MetricFamily<HistogramSeries> {
  readonly type = 'histogram' as const;
  readonly #bounds: Float64Array;

  constructor(options: FamilyOptions & { buckets: readonly number[] }) {
    super(options);
    const bounds = [...options.buckets].sort((left, right) => left - right);
    if (bounds.length === 0 || bounds.some((bound, index) => !Number.isFinite(bound) || bound === bounds[index - 1])) {
      throw new Error(`${options.name}: buckets must be distinct finite numbers`);
    }
    this.#bounds = Float64Array.from(bounds);
  }

  protected create(labels: Record<string, string>): HistogramSeries {
    // One count per bound plus one for values above the last bound (+Inf); cumulated at scrape time.
    return { labels, counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
  }

  observe(value: number, a: LabelValue, b?: LabelValue, c?: LabelValue, d?: LabelValue): void {
    if (!Number.isFinite(value)) throw new TypeError(`${this.name}: cannot observe ${value}`);
    const series = this.find(a, b, c, d);
    const bounds = this.#bounds;
    let index = 0;
    while (index < bounds.length && value > bounds[index]) index++;
    series.counts[index]++;
    series.sum += value;
    series.count++;
  }

  get(): Promise<MetricObject> {
    const values: MetricValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const series of this.series) {
      let cumulative = 0;
      for (let index = 0; index < this.#bounds.length; index++) {
        cumulative += series.counts[index];
        values.push({ labels: { le: this.#bounds[index] }, value: cumulative, metricName: bucketName, sharedLabels: series.labels });
      }
      values.push({ labels: { le: '+Inf' }, value: series.count, metricName: bucketName, sharedLabels: series.labels });
      values.push({ labels: {}, value: series.sum, metricName: `${this.name}_sum`, sharedLabels: series.labels });
      values.push({ labels: {}, value: series.count, metricName: `${this.name}_count`, sharedLabels: series.labels });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }
}
