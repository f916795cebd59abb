/**
 * A small Prometheus client: counters, gauges and histograms with labels, rendered in the text
 * exposition format 0.0.4 that Kubernetes components serve on /metrics. Its shape follows
 * prom-client's (name, help, labelNames; inc/set/observe with a label object) so that moving to
 * that library is a mechanical change; it exists because prom-client is not a dependency yet.
 */

/** Labels are a metric's label values by label name. */
export type Labels = Record<string, string>;

/** TEXT_CONTENT_TYPE is the Content-Type of the text exposition format. */
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Metric {
  readonly name: string;
  render(): string;
}

/** MetricConfig names a metric and its labels (prom-client's configuration object). */
export interface MetricConfig {
  name: string;
  help: string;
  labelNames?: readonly string[];
  /** a gauge or counter whose value is read at scrape time */
  collect?: () => void | Promise<void>;
}

/** Registry holds metrics and renders them (prom-client's Registry). */
export class Registry {
  private readonly byName = new Map<string, Metric & { collect?: () => void | Promise<void> }>();

  /** register adds a metric; a second metric of the same name is an error, as in prom-client. */
  register<M extends Metric>(m: M, collect?: () => void | Promise<void>): M {
    if (this.byName.has(m.name)) throw new Error(`A metric with the name ${m.name} has already been registered.`);
    this.byName.set(m.name, Object.assign(m, { collect }));
    return m;
  }

  /** get returns a registered metric by name. */
  get(name: string): Metric | undefined { return this.byName.get(name); }

  /** metrics renders every metric in the text format, running collect hooks first. */
  async metrics(): Promise<string> {
    let out = '';
    for (const m of this.byName.values()) {
      if (m.collect) await m.collect();
      out += m.render();
    }
    return out;
  }
}

/** escapeHelp and escapeLabel follow the text format's escaping rules. */
function escapeHelp(s: string): string { return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n'); }
function escapeLabel(s: string): string { return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"'); }

/** formatValue prints a sample value as Prometheus does (+Inf, -Inf, NaN). */
function formatValue(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return String(v);
}

/** LabelledMetric keeps one series per label-value combination, in a fixed label order. */
abstract class LabelledMetric<S> implements Metric {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected readonly series = new Map<string, { labels: Labels; value: S }>();

  constructor(cfg: MetricConfig, private readonly type: string) {
    this.name = cfg.name;
    this.help = cfg.help;
    this.labelNames = cfg.labelNames ?? [];
  }

  protected abstract zero(): S;
  protected abstract renderSeries(labels: Labels, value: S): string;

  protected seriesFor(labels: Labels = {}): { labels: Labels; value: S } {
    const key = this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      const fixed: Labels = {};
      for (const n of this.labelNames) fixed[n] = labels[n] ?? '';
      s = { labels: fixed, value: this.zero() };
      this.series.set(key, s);
    }
    return s;
  }

  /** reset drops every series. */
  reset(): void { this.series.clear(); }

  render(): string {
    let out = `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n`;
    for (const s of this.series.values()) out += this.renderSeries(s.labels, s.value);
    return out;
  }

  protected sample(name: string, labels: Labels, value: number, extra?: [string, string]): string {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
    if (extra) pairs.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
    return `${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}\n`;
  }
}

/** Counter only goes up (prom-client's Counter). */
export class Counter extends LabelledMetric<{ v: number }> {
  constructor(cfg: MetricConfig) { super(cfg, 'counter'); }
  protected zero() { return { v: 0 }; }
  /** inc adds n (default 1) to the series of these labels. */
  inc(labels: Labels = {}, n = 1): void {
    if (n < 0) throw new Error('It is not possible to decrease a counter');
    this.seriesFor(labels).value.v += n;
  }
  /** get reads a series (0 when it does not exist). */
  get(labels: Labels = {}): number { return this.seriesFor(labels).value.v; }
  protected renderSeries(labels: Labels, s: { v: number }): string { return this.sample(this.name, labels, s.v); }
}

/** Gauge goes up and down (prom-client's Gauge). */
export class Gauge extends LabelledMetric<{ v: number }> {
  constructor(cfg: MetricConfig) { super(cfg, 'gauge'); }
  protected zero() { return { v: 0 }; }
  set(labels: Labels, v: number): void { this.seriesFor(labels).value.v = v; }
  inc(labels: Labels = {}, n = 1): void { this.seriesFor(labels).value.v += n; }
  dec(labels: Labels = {}, n = 1): void { this.seriesFor(labels).value.v -= n; }
  get(labels: Labels = {}): number { return this.seriesFor(labels).value.v; }
  protected renderSeries(labels: Labels, s: { v: number }): string { return this.sample(this.name, labels, s.v); }
}

interface HistogramSeries { counts: number[]; sum: number; count: number }

/** Histogram counts observations into cumulative buckets (prom-client's Histogram). */
export class Histogram extends LabelledMetric<HistogramSeries> {
  readonly buckets: readonly number[];
  constructor(cfg: MetricConfig & { buckets: readonly number[] }) {
    super(cfg, 'histogram');
    this.buckets = [...cfg.buckets].sort((a, b) => a - b);
  }
  protected zero(): HistogramSeries { return { counts: this.buckets.map(() => 0), sum: 0, count: 0 }; }
  /** observe records one value (seconds, for durations). */
  observe(labels: Labels, v: number): void {
    const s = this.seriesFor(labels).value;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) s.counts[i]++;
    s.sum += v;
    s.count++;
  }
  /** count reads how many values a series has seen. */
  count(labels: Labels = {}): number { return this.seriesFor(labels).value.count; }
  protected renderSeries(labels: Labels, s: HistogramSeries): string {
    let out = '';
    for (let i = 0; i < this.buckets.length; i++) out += this.sample(`${this.name}_bucket`, labels, s.counts[i], ['le', formatValue(this.buckets[i])]);
    out += this.sample(`${this.name}_bucket`, labels, s.count, ['le', '+Inf']);
    out += this.sample(`${this.name}_sum`, labels, s.sum);
    out += this.sample(`${this.name}_count`, labels, s.count);
    return out;
  }
}

/** exponentialBuckets is prometheus.ExponentialBuckets(start, factor, count). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0, v = start; i < count; i++, v *= factor) out.push(v);
  return out;
}

/** defaultRegistry is the process's registry (the legacyregistry of Kubernetes components). */
export const defaultRegistry = new Registry();
