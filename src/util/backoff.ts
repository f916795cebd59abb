import type { Clock } from './clock.js';

/** The kubelet's container restart back-off starts at 10 s … */
export const INITIAL_BACKOFF_MS = 10_000;
/** … and doubles up to 5 min (MAX_BACKOFF_MS). */
export const MAX_BACKOFF_MS = 300_000;

/**
 * jittered returns base·2^attempt capped at maxMs, spread by ±50 % so that many clients retrying
 * at once (informers after an API server restart) do not stampede (wait.Backoff with Jitter).
 */
export function jittered(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return d * (0.5 + random());
}

interface Entry { delayMs: number; lastUpdate: number }

/**
 * Backoff is the one per-key back-off of the project (kubelet restarts, Job pod creations, …): it keeps one delay per key (client-go flowcontrol.Backoff's shape): next() starts at the
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

  /** inBackOffSinceUpdate: true while less than the current delay has passed since the last next() (IsInBackOffSinceUpdate). */
  inBackOffSinceUpdate(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    const now = this.clock.now().getTime();
    if (now - e.lastUpdate > 2 * this.maxMs) return false;
    return now - e.lastUpdate < e.delayMs;
  }

  /** remainingSinceUpdateMs until the back-off since the last next() ends. */
  remainingSinceUpdateMs(key: string): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    return Math.max(0, e.lastUpdate + e.delayMs - this.clock.now().getTime());
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
