import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { CounterFamily, HistogramFamily } from './metric-families.ts';

const buckets = [0.001, 0.01, 0.1, 1];

/** The same observations into our families and into prom-client's own metrics, in two registries. */
function pair() {
  const ours = new Registry();
  const theirs = new Registry();
  const counter = new CounterFamily({ name: 'test_requests_total', help: 'Requests.', labelNames: ['model', 'status'], registers: [ours] });
  const histogram = new HistogramFamily({ name: 'test_duration_seconds', help: 'Duration.', labelNames: ['model', 'stream'], buckets, registers: [ours] });
  const referenceCounter = new Counter({ name: 'test_requests_total', help: 'Requests.', labelNames: ['model', 'status'], registers: [theirs] });
  const referenceHistogram = new Histogram({ name: 'test_duration_seconds', help: 'Duration.', labelNames: ['model', 'stream'], buckets, registers: [theirs] });
  return {
    ours,
    theirs,
    inc(amount: number, model: string, status: number) {
      counter.inc(amount, model, status);
      referenceCounter.labels(model, String(status)).inc(amount);
    },
    observe(value: number, model: string, stream: boolean) {
      histogram.observe(value, model, stream);
      referenceHistogram.labels(model, String(stream)).observe(value);
    },
    counter,
    histogram,
  };
}

describe('metric families', () => {
  it('render the same Prometheus text as prom-client’s Counter and Histogram for the same observations', async () => {
    const metrics = pair();
    const models = ['gpt-4o-mini', 'embed "quoted" \\ back\nline', 'gpt-4o'];
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let index = 0; index < 500; index++) {
      const model = models[Math.floor(random() * models.length)];
      metrics.inc(index % 7 === 0 ? 3 : 1, model, random() < 0.9 ? 200 : 429);
      // Values on, below and above the bounds, including exact bounds (le is inclusive) and beyond the last one.
      const value = index % 11 === 0 ? buckets[index % buckets.length] : random() * random() * 3;
      metrics.observe(value, model, index % 2 === 0);
    }
    const [ours, theirs] = [await metrics.ours.metrics(), await metrics.theirs.metrics()];
    assert.match(ours, /test_duration_seconds_bucket\{le="0.001",model="gpt-4o-mini",stream="true"\} \d+/);
    assert.match(ours, /test_duration_seconds_bucket\{le="\+Inf",model="gpt-4o",stream="false"\} \d+/);
    assert.equal(ours, theirs);
  });

  it('keep one series for label values that render alike (200 and "200")', async () => {
    const registry = new Registry();
    const counter = new CounterFamily({ name: 'test_total', help: 'Test.', labelNames: ['status'], registers: [registry] });
    counter.inc(1, 200);
    counter.inc(2, '200');
    counter.inc(1, true);
    counter.inc(1, 'true');
    const text = await registry.metrics();
    assert.match(text, /^test_total\{status="200"\} 3$/m);
    assert.match(text, /^test_total\{status="true"\} 2$/m);
    assert.equal(text.match(/^test_total\{/gm)?.length, 2);
  });

  it('use every label level: series differing only in the last label stay apart', async () => {
    const registry = new Registry();
    const counter = new CounterFamily({ name: 'test_total', help: 'Test.', labelNames: ['a', 'b', 'c', 'd'], registers: [registry] });
    counter.inc(1, 'x', 'y', 'z', 1);
    counter.inc(1, 'x', 'y', 'z', 2);
    counter.inc(1, 'x', 'y', 'z', 2);
    counter.inc(1, 'x', 'y', 'w', 2);
    const text = await registry.metrics();
    assert.match(text, /^test_total\{a="x",b="y",c="z",d="1"\} 1$/m);
    assert.match(text, /^test_total\{a="x",b="y",c="z",d="2"\} 2$/m);
    assert.match(text, /^test_total\{a="x",b="y",c="w",d="2"\} 1$/m);
  });

  it('refuse values a counter or histogram cannot take, and missing label values, without changing any series', async () => {
    const registry = new Registry();
    const counter = new CounterFamily({ name: 'test_total', help: 'Test.', labelNames: ['a', 'b'], registers: [registry] });
    const histogram = new HistogramFamily({ name: 'test_seconds', help: 'Test.', labelNames: ['a'], buckets, registers: [registry] });
    counter.inc(1, 'x', 'y');
    for (const amount of [-1, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => counter.inc(amount, 'x', 'y'), TypeError);
    for (const value of [Number.NaN, Number.NEGATIVE_INFINITY]) assert.throws(() => histogram.observe(value, 'x'), TypeError);
    assert.throws(() => counter.inc(1, 'x'), /no value for label b/);
    const text = await registry.metrics();
    assert.match(text, /^test_total\{a="x",b="y"\} 1$/m);
    assert.doesNotMatch(text, /test_seconds_count/);
  });

  it('reject bad bucket lists and label counts, and reset with the registry', async () => {
    assert.throws(() => new HistogramFamily({ name: 'h', help: 'h', labelNames: ['a'], buckets: [], registers: [] }), /buckets/);
    assert.throws(() => new HistogramFamily({ name: 'h', help: 'h', labelNames: ['a'], buckets: [1, 1], registers: [] }), /buckets/);
    assert.throws(() => new HistogramFamily({ name: 'h', help: 'h', labelNames: ['a'], buckets: [1, Number.NaN], registers: [] }), /buckets/);
    assert.throws(() => new CounterFamily({ name: 'c', help: 'c', labelNames: [], registers: [] }), /1 to 4 label names/);
    const registry = new Registry();
    const counter = new CounterFamily({ name: 'test_total', help: 'Test.', labelNames: ['a'], registers: [registry] });
    counter.inc(5, 'x');
    registry.resetMetrics();
    counter.inc(1, 'x');
    assert.match(await registry.metrics(), /^test_total\{a="x"\} 1$/m);
  });
});
