import type { Clock } from '../util/clock.js';

/**
 * DEFAULT_HOLD_LIMIT_MS: a step that holds a slot this long gives it up (and goes on ungated), so
 * one hung mount or namespace command cannot stall every later pod on the node.
 */
export const DEFAULT_HOLD_LIMIT_MS = 10_000;

interface Waiter { priority: number; seq: number; admit: () => void }

/**
 * StartGate bounds how many of a node's costly pod-start steps (a pod's first volume set-up, its
 * sandbox, each container's create and start) run at once, and admits waiting steps by priority:
 * the lower number first, ties in arrival order. A node agent gives each pod a number as it first
 * sees it, so in a burst the pods that came first finish first, instead of every pod advancing a
 * step at a time and all of them becoming Running together at the end. The work is the same; the
 * first pods are Running sooner. Nothing else waits on a slot: image pulls, lifecycle hooks and
 * probes run outside it.
 */
export class StartGate {
  private active = 0;
  private seq = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly limit: number, private readonly clock: Clock, private readonly holdLimitMs = DEFAULT_HOLD_LIMIT_MS) {
    if (!(limit >= 1)) throw new Error(`StartGate: limit must be at least 1, got ${limit}`);
  }

  /** inUse is the number of slots held; queued the number of steps waiting for one. */
  get inUse(): number { return this.active; }
  get queued(): number { return this.waiting.length; }

  /** run runs step once a slot is free (by priority), holding the slot until it settles or the hold limit passes. */
  async run<T>(priority: number, step: () => Promise<T>): Promise<T> {
    await this.acquire(priority);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      cancel();
      this.release();
    };
    const cancel = this.clock.setTimeout(release, this.holdLimitMs);
    try {
      return await step();
    } finally {
      release();
    }
  }

  private acquire(priority: number): Promise<void> {
    if (this.active < this.limit && this.waiting.length === 0) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((admit) => {
      const w: Waiter = { priority, seq: this.seq++, admit };
      // Sorted insert: lists stay short (one entry per starting pod), so a linear search is enough.
      let i = this.waiting.length;
      while (i > 0 && (this.waiting[i - 1].priority > priority || (this.waiting[i - 1].priority === priority && this.waiting[i - 1].seq > w.seq))) i--;
      this.waiting.splice(i, 0, w);
    });
  }

  private release(): void {
    this.active--;
    while (this.active < this.limit && this.waiting.length) {
      this.active++;
      this.waiting.shift()!.admit();
    }
  }
}
