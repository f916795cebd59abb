/** Clock is injected wherever time matters (back-offs, probes, schedules, heartbeats). */
export interface Clock {
  now(): Date;
  /** setTimeout runs fn after ms; returns a cancel function */
  setTimeout(fn: () => void, ms: number): () => void;
  /** sleep resolves after ms, or rejects with the signal's reason when aborted */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** realClock uses the host's time. */
export const realClock: Clock = {
  now: () => new Date(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
      const onAbort = () => { clearTimeout(t); reject(signal!.reason); };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

/** FakeClock moves only when step() is called; timers fire in due order. */
export class FakeClock implements Clock {
  private current: number;
  private timers: { due: number; seq: number; fn: () => void }[] = [];
  private seq = 0;
  constructor(start: Date = new Date('2026-01-01T00:00:00Z')) { this.current = start.getTime(); }
  now(): Date { return new Date(this.current); }
  setTimeout(fn: () => void, ms: number): () => void {
    const timer = { due: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => { this.timers = this.timers.filter((t) => t !== timer); };
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const cancel = this.setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
      const onAbort = () => { cancel(); reject(signal!.reason); };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
  /** step advances time by ms, firing due timers in order (awaiting microtasks between them). */
  async step(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      this.timers.sort((a, b) => a.due - b.due || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.due > target) break;
      this.timers.shift();
      this.current = Math.max(this.current, next.due);
      next.fn();
      await new Promise((r) => setImmediate(r));
    }
    this.current = target;
    await new Promise((r) => setImmediate(r));
  }
  /** pending is the number of timers not yet fired. */
  pending(): number { return this.timers.length; }
}
