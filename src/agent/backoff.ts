import type { Clock } from '../util/clock.js';

/** Kubernetes' container restart back-off: 10 s doubling to 5 min. */
export const INITIAL_BACKOFF_MS = 10_000;
/** MAX_BACKOFF_MS caps the restart back-off (5 min). */
export const MAX_BACKOFF_MS = 300_000;

interface Entry { delayMs: number; lastUpdate: number }

/**
 * Backoff keeps one delay per key (client-go flowcontrol.Backoff's shape): next() starts at the
 * initial delay and doubles up to the maximum; an entry untouched for 2×max (10 min: the container
 * ran that long) starts over.
 */
export class Backoff {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly clock: Clock, private readonly initialMs = INITIAL_BACKOFF_MS, private readonly maxMs = MAX_BACKOFF_MS) {}

  /** get is the current delay for key (0 when none). */
  get(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** next records a restart now: first call → initial, later calls double (reset after 2×max idle). */
  next(key: string): void {
    const now = this.clock.now().getTime();
    const e = this.entries.get(key);
    if (!e || now - e.lastUpdate > 2 * this.maxMs) {
      this.entries.set(key, { delayMs: this.initialMs, lastUpdate: now });
    } else {
      e.delayMs = Math.min(e.delayMs * 2, this.maxMs);
      e.lastUpdate = now;
    }
  }

  /** inBackOffSince: true while less than the current delay has passed since eventTime. */
  inBackOffSince(key: string, eventTime: Date): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    const now = this.clock.now().getTime();
    if (now - e.lastUpdate > 2 * this.maxMs) return false;
    return now - eventTime.getTime() < e.delayMs;
  }

  /** remainingMs until the back-off since eventTime ends. */
  remainingMs(key: string, eventTime: Date): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    return Math.max(0, eventTime.getTime() + e.delayMs - this.clock.now().getTime());
  }

  /** forget drops a key (pod removed). */
  forget(key: string): void {
    this.entries.delete(key);
  }
}
