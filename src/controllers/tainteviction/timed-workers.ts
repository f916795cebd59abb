import type { Clock } from '../../util/clock.js';

/** TimedWorker is one scheduled eviction: when it was scheduled and when it fires. */
export interface TimedWorker { readonly createdAt: number; readonly fireAt: number; cancel(): void }

/**
 * TimedWorkerQueue runs work(key) for each key at its fire time (upstream's TimedWorkerQueue).
 * A key whose work succeeded stays in the queue (with no worker) so that later adds do not run it
 * twice; only cancelWork (the pod was deleted, or its taints went away) forgets it. A failed work
 * forgets its key so the next update may schedule it again.
 */
export class TimedWorkerQueue {
  private readonly workers = new Map<string, TimedWorker | null>();

  constructor(private readonly clock: Clock, private readonly work: (key: string, fireAt: number) => Promise<void>) {}

  /** addWork schedules work(key) at fireAt (at once when it is due); a key already present is left alone. */
  addWork(key: string, createdAt: number, fireAt: number): void {
    if (this.workers.has(key)) return;
    let cancelTimer: (() => void) | undefined;
    const worker: TimedWorker = { createdAt, fireAt, cancel: () => cancelTimer?.() };
    this.workers.set(key, worker);
    const fire = () => {
      this.work(key, fireAt).then(
        () => { if (this.workers.get(key) === worker) this.workers.set(key, null); },
        () => { if (this.workers.get(key) === worker) this.workers.delete(key); },
      );
    };
    const delay = fireAt - this.clock.now().getTime();
    if (delay <= 0) setImmediate(fire);
    else cancelTimer = this.clock.setTimeout(fire, delay);
  }

  /** cancelWork stops key's pending work and forgets the key; returns whether work was pending. */
  cancelWork(key: string): boolean {
    if (!this.workers.has(key)) return false;
    const w = this.workers.get(key);
    this.workers.delete(key);
    if (!w) return false;
    w.cancel();
    return true;
  }

  /** getWorkerUnsafe returns key's pending worker (null once it ran, undefined when unknown). */
  getWorkerUnsafe(key: string): TimedWorker | null | undefined {
    return this.workers.get(key);
  }
}
