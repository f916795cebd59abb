import type { Clock } from '../util/clock.js';
import { realClock } from '../util/clock.js';
import { QueueMetrics } from './workqueue-metrics.js';

/** WorkQueueOptions: client-go's queue config. */
export interface WorkQueueOptions<T> {
  /** the queue's name, the `name` label of its workqueue_* metrics (upstream's, e.g. "replicaset"); unnamed queues record none */
  name?: string;
  /** default: defaultControllerRateLimiter */
  limiter?: RateLimiter<T>;
}

/**
 * WorkQueue is client-go's work queue, the one every controller of the project uses.
 *
 * Contract:
 * - Fair: keys come out in the order they were first added.
 * - Stingy: a key is in the queue at most once (adding it again while it waits is a no-op), and
 *   it is never handed to two workers at once: a key re-added while a worker processes it is
 *   marked dirty and queued again only when that worker calls done(key).
 * - Delaying: addAfter(key, ms) adds it once ms have passed on the injected clock.
 * - Rate limiting: addRateLimited(key) waits as long as the rate limiter says (per-key
 *   exponential back-off, overall token bucket); forget(key) resets the key's failures.
 * - Shutdown: shutDown() makes get() resolve `undefined` once the queue is empty; shutDownWithDrain()
 *   additionally waits until every key handed out has been marked done. Adds after shutdown are
 *   dropped.
 */
export class WorkQueue<T = string> {
  private readonly queue: T[] = [];
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private readonly waiters: ((item: T | undefined) => void)[] = [];
  private readonly drainWaiters: (() => void)[] = [];
  private readonly delayed = new Map<T, { due: number; cancel: () => void }>();
  private shutting = false;
  private readonly limiter: RateLimiter<T>;
  private readonly metrics?: QueueMetrics<T>;

  /** The second argument is a rate limiter, or options with a name (for metrics) and a limiter. */
  constructor(private readonly clock: Clock = realClock, limiterOrOptions?: RateLimiter<T> | WorkQueueOptions<T>) {
    const o: WorkQueueOptions<T> = isRateLimiter(limiterOrOptions) ? { limiter: limiterOrOptions } : limiterOrOptions ?? {};
    this.limiter = o.limiter ?? defaultControllerRateLimiter<T>(clock);
    if (o.name) this.metrics = new QueueMetrics<T>(o.name, clock);
  }

  /** add queues key unless it already waits; while it is processed it is queued again after done. */
  add(key: T): void {
    if (this.shutting || this.dirty.has(key)) return;
    this.metrics?.add(key);
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** push queues a dirty key, or hands it to a waiting worker at once. */
  private push(key: T): void {
    const w = this.waiters.shift();
    if (w) {
      this.take(key);
      w(key);
      return;
    }
    this.queue.push(key);
  }

  /** take moves key from waiting to processing. */
  private take(key: T): void {
    this.dirty.delete(key);
    this.processing.add(key);
    this.metrics?.get(key);
  }

  /** get resolves with the next key (the caller must call done(key)), or undefined after shutdown. */
  get(): Promise<T | undefined> {
    if (this.queue.length > 0) {
      const key = this.queue.shift()!;
      this.take(key);
      return Promise.resolve(key);
    }
    if (this.shutting) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** done marks key processed; if it was added meanwhile it is queued again. */
  done(key: T): void {
    this.metrics?.done(key);
    this.processing.delete(key);
    // Re-added while processed: already counted as added then, so queued without a second add.
    if (this.dirty.has(key)) this.push(key);
    if (this.processing.size === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  /** len is the number of keys waiting (not those being processed or delayed). */
  len(): number { return this.queue.length; }

  /** addAfter adds key after ms; an earlier pending addAfter for the same key wins. */
  addAfter(key: T, ms: number): void {
    if (this.shutting) return;
    this.metrics?.retry();
    if (ms <= 0) { this.add(key); return; }
    const due = this.clock.now().getTime() + ms;
    const prev = this.delayed.get(key);
    if (prev && prev.due <= due) return;
    prev?.cancel();
    const cancel = this.clock.setTimeout(() => { this.delayed.delete(key); this.add(key); }, ms);
    this.delayed.set(key, { due, cancel });
  }

  /** addRateLimited adds key when the rate limiter allows (back-off after failures). */
  addRateLimited(key: T): void { this.addAfter(key, this.limiter.when(key)); }

  /** forget clears key's failure history (call after a successful sync). */
  forget(key: T): void { this.limiter.forget(key); }

  /** numRequeues is how many times key has failed since it was last forgotten. */
  numRequeues(key: T): number { return this.limiter.numRequeues(key); }

  /** shuttingDown tells whether shutDown was called. */
  shuttingDown(): boolean { return this.shutting; }

  /** shutDown stops the queue: waiting get() calls resolve undefined; queued keys are still handed out. */
  shutDown(): void {
    if (this.shutting) return;
    this.shutting = true;
    this.metrics?.stop();
    for (const d of this.delayed.values()) d.cancel();
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** shutDownWithDrain shuts down and resolves once every key handed out is done. */
  async shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return;
    await new Promise<void>((r) => this.drainWaiters.push(r));
  }
}

/** isRateLimiter tells a rate limiter from WorkQueueOptions. */
function isRateLimiter<T>(x: RateLimiter<T> | WorkQueueOptions<T> | undefined): x is RateLimiter<T> {
  return typeof (x as RateLimiter<T> | undefined)?.when === 'function';
}

/** RateLimiter decides how long a failing key waits before it is retried (client-go's shape). */
export interface RateLimiter<T> {
  /** when returns the delay (ms) for key now, and counts a failure */
  when(key: T): number;
  forget(key: T): void;
  numRequeues(key: T): number;
}

/** ItemExponentialRateLimiter waits base·2^failures per key, capped at max (5 ms … 1000 s by default). */
export class ItemExponentialRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();
  constructor(private readonly baseMs = 5, private readonly maxMs = 1_000_000) {}
  when(key: T): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.maxMs, this.baseMs * 2 ** n);
  }
  forget(key: T): void { this.failures.delete(key); }
  numRequeues(key: T): number { return this.failures.get(key) ?? 0; }
}

/** BucketRateLimiter is an overall token bucket (qps, burst) shared by every key: it bounds the retry rate of the whole controller. */
export class BucketRateLimiter<T> implements RateLimiter<T> {
  private tokens: number;
  private last: number;
  constructor(private readonly clock: Clock, private readonly qps = 10, private readonly burst = 100) {
    this.tokens = burst;
    this.last = clock.now().getTime();
  }
  when(_key: T): number {
    const now = this.clock.now().getTime();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    // A negative balance is a reservation: wait until it is paid back.
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }
  forget(_key: T): void {}
  numRequeues(_key: T): number { return 0; }
}

/** MaxOfRateLimiter waits as long as the longest of its limiters. */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  private readonly limiters: RateLimiter<T>[];
  constructor(...limiters: RateLimiter<T>[]) { this.limiters = limiters; }
  when(key: T): number { return Math.max(...this.limiters.map((l) => l.when(key))); }
  forget(key: T): void { for (const l of this.limiters) l.forget(key); }
  numRequeues(key: T): number { return Math.max(...this.limiters.map((l) => l.numRequeues(key))); }
}

/** defaultControllerRateLimiter is client-go's: per-key 5 ms … 1000 s, overall 10 qps with a burst of 100. */
export function defaultControllerRateLimiter<T>(clock: Clock = realClock): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(new ItemExponentialRateLimiter<T>(5, 1_000_000), new BucketRateLimiter<T>(clock, 10, 100));
}
