/**
 * The work queues' metrics as client-go names them (workqueue_*{name}), on the process-wide
 * registry that the API server's /metrics appends: controllers share the process with it in
 * `tskube up`, as kube-controller-manager's queues share its registry. Only a named queue records.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Clock } from '../util/clock.js';
import { legacyRegistry } from '../util/metrics/legacy-registry.js';

/** client-go's latency buckets: 10 ns to 10 s, a factor of ten apart. */
const DURATION_BUCKETS = Array.from({ length: 10 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));

/** every live QueueMetrics, read when the unfinished-work gauges are scraped */
const live = new Set<QueueMetrics<unknown>>();

const depth = new Gauge({
  name: 'workqueue_depth',
  help: 'Number of items a work queue holds that wait to be processed.',
  labelNames: ['name'],
  registers: [legacyRegistry],
});

const adds = new Counter({
  name: 'workqueue_adds_total',
  help: 'Number of items added to a work queue.',
  labelNames: ['name'],
  registers: [legacyRegistry],
});

const retries = new Counter({
  name: 'workqueue_retries_total',
  help: 'Number of delayed or rate-limited re-adds to a work queue.',
  labelNames: ['name'],
  registers: [legacyRegistry],
});

const queueDuration = new Histogram({
  name: 'workqueue_queue_duration_seconds',
  help: 'Seconds an item waits in a work queue before a worker takes it.',
  labelNames: ['name'],
  buckets: DURATION_BUCKETS,
  registers: [legacyRegistry],
});

const workDuration = new Histogram({
  name: 'workqueue_work_duration_seconds',
  help: 'Seconds a worker spends processing one item of a work queue.',
  labelNames: ['name'],
  buckets: DURATION_BUCKETS,
  registers: [legacyRegistry],
});

/** perName folds the live queues' in-progress work by name with `fold` (several queues may share one). */
function perName(fold: (a: number, b: number) => number, of: (m: QueueMetrics<unknown>) => number): Map<string, number> {
  const by = new Map<string, number>();
  for (const m of live) by.set(m.name, fold(by.get(m.name) ?? 0, of(m)));
  return by;
}

// Computed when scraped, rather than by a timer as client-go does every 500 ms: exact, and nothing runs between scrapes.
new Gauge({
  name: 'workqueue_unfinished_work_seconds',
  help: 'Seconds of work in progress that work_duration has not observed yet; a steady rise means stuck workers.',
  labelNames: ['name'],
  registers: [legacyRegistry],
  collect() {
    this.reset();
    for (const [name, v] of perName((a, b) => a + b, (m) => m.unfinishedSeconds())) this.set({ name }, v);
  },
});

new Gauge({
  name: 'workqueue_longest_running_processor_seconds',
  help: 'Seconds the longest-running worker of a work queue has been processing its item.',
  labelNames: ['name'],
  registers: [legacyRegistry],
  collect() {
    this.reset();
    for (const [name, v] of perName(Math.max, (m) => m.longestRunningSeconds())) this.set({ name }, v);
  },
});

/**
 * QueueMetrics records one named queue (client-go's defaultQueueMetrics): depth counts items
 * added and not yet handed out, an item's queue time runs from its first add to the get that
 * hands it out, its work time from that get to done.
 */
export class QueueMetrics<T> {
  private readonly addTimes = new Map<T, number>();
  private readonly processingStarts = new Map<T, number>();
  private readonly labels: { name: string };

  constructor(readonly name: string, private readonly clock: Clock) {
    this.labels = { name };
    live.add(this as QueueMetrics<unknown>);
    // Series exist from the start, at zero, as client-go's do once a queue is made.
    depth.inc(this.labels, 0);
    adds.inc(this.labels, 0);
    retries.inc(this.labels, 0);
  }

  private now(): number { return this.clock.now().getTime(); }

  /** add: an item entered the queue (or was marked dirty while processed). */
  add(item: T): void {
    adds.inc(this.labels);
    depth.inc(this.labels);
    if (!this.addTimes.has(item)) this.addTimes.set(item, this.now());
  }

  /** get: a worker took item. */
  get(item: T): void {
    depth.dec(this.labels);
    const now = this.now();
    this.processingStarts.set(item, now);
    const added = this.addTimes.get(item);
    if (added !== undefined) {
      queueDuration.observe(this.labels, (now - added) / 1000);
      this.addTimes.delete(item);
    }
  }

  /** done: the worker finished item. */
  done(item: T): void {
    const started = this.processingStarts.get(item);
    if (started === undefined) return;
    workDuration.observe(this.labels, (this.now() - started) / 1000);
    this.processingStarts.delete(item);
  }

  /** retry: an item was re-added with a delay (addAfter, addRateLimited). */
  retry(): void { retries.inc(this.labels); }

  /** unfinishedSeconds sums how long every item in progress has been processed so far. */
  unfinishedSeconds(): number {
    const now = this.now();
    let total = 0;
    for (const t of this.processingStarts.values()) total += (now - t) / 1000;
    return total;
  }

  /** longestRunningSeconds is how long the oldest item in progress has been processed. */
  longestRunningSeconds(): number {
    const now = this.now();
    let oldest = 0;
    for (const t of this.processingStarts.values()) oldest = Math.max(oldest, (now - t) / 1000);
    return oldest;
  }

  /** stop: the queue shut down; its in-progress work is no longer reported. */
  stop(): void { live.delete(this as QueueMetrics<unknown>); }
}
