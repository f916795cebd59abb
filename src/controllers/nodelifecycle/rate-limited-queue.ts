import type { Clock } from '../../util/clock.js';

/** EVICTION_RATE_LIMITER_BURST is the token bucket's burst for tainting nodes (upstream's 1). */
export const EVICTION_RATE_LIMITER_BURST = 1;

/**
 * TokenBucket is client-go's token bucket rate limiter (flowcontrol.NewTokenBucketRateLimiter): it
 * starts full, refills at qps tokens a second up to burst; a qps of 0 never accepts (the "fake
 * never" limiter upstream swaps in to stop evictions).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(private readonly clock: Clock, readonly qps: number, private readonly burst = EVICTION_RATE_LIMITER_BURST) {
    this.tokens = qps > 0 ? burst : 0;
    this.last = clock.now().getTime();
  }

  /** tryAccept takes a token if one is available. */
  tryAccept(): boolean {
    if (this.qps <= 0) return false;
    const now = this.clock.now().getTime();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** TimedValue is one queued node: when it was added and when it may be processed next. */
export interface TimedValue { value: string; uid: string; addedAt: number; processAt: number }

/**
 * RateLimitedTimedQueue is the node lifecycle controller's per-zone queue of nodes to taint
 * (upstream's scheduler.RateLimitedTimedQueue): a set ordered by processAt, drained by try() no
 * faster than its token bucket allows, so a zone losing many nodes at once does not evict every
 * pod in the cluster in one go.
 */
export class RateLimitedTimedQueue {
  private readonly items = new Map<string, TimedValue>();
  private limiter: TokenBucket;

  constructor(private readonly clock: Clock, qps: number) {
    this.limiter = new TokenBucket(clock, qps);
  }

  /** add queues value unless it is already queued; returns whether it was added. */
  add(value: string, uid: string): boolean {
    if (this.items.has(value)) return false;
    const now = this.clock.now().getTime();
    this.items.set(value, { value, uid, addedAt: now, processAt: now });
    return true;
  }

  /** remove drops value; returns whether it was queued. */
  remove(value: string): boolean {
    return this.items.delete(value);
  }

  /** has tells whether value is queued (tests). */
  has(value: string): boolean { return this.items.has(value); }

  /**
   * try processes due values in processAt order while the limiter grants tokens: fn returns ok to
   * drop the value, or a wait after which it is tried again.
   */
  async try(fn: (v: TimedValue) => Promise<{ ok: boolean; waitMs: number }>): Promise<void> {
    for (;;) {
      const head = [...this.items.values()].sort((a, b) => a.processAt - b.processAt)[0];
      if (!head) return;
      // As upstream, a token is spent before looking at whether the head is due.
      if (!this.limiter.tryAccept()) return;
      const now = this.clock.now().getTime();
      if (now < head.processAt) return;
      const { ok, waitMs } = await fn(head);
      if (this.items.get(head.value) !== head) continue;
      if (ok) this.items.delete(head.value);
      else head.processAt = now + waitMs + 1;
    }
  }

  /** swapLimiter changes the rate (0 stops processing); a limiter that was empty hands its debt to the new one. */
  swapLimiter(qps: number): void {
    if (this.limiter.qps === qps) return;
    const next = new TokenBucket(this.clock, qps);
    if (qps > 0 && !this.limiter.tryAccept()) next.tryAccept();
    this.limiter = next;
  }

  /** qps is the current rate (tests). */
  get qps(): number { return this.limiter.qps; }
}
