import type { Backend } from './backend.js';
import { CompactedError } from './errors.js';
import { realClock, type Clock } from '../util/clock.js';

/** CompactorOptions: how much history to keep and how often to look. */
export interface CompactorOptions {
  /** how often to compact (default 60 s) */
  intervalMs?: number;
  /** never compact away the newest this-many revisions (default 1000) */
  keepRevisions?: number;
  /** never compact away revisions written within this window (default 5 min) */
  keepMs?: number;
  clock?: Clock;
}

/**
 * Compactor keeps a store's history bounded: every interval it compacts to the newest revision
 * that is both more than `keepRevisions` behind the head and at least `keepMs` old (it samples
 * the head revision each tick to know what was current `keepMs` ago — the Kubernetes API server
 * compacts etcd the same way). Watchers and paged lists therefore have both a revision and a time
 * margin before they see 410 Gone.
 */
export class Compactor {
  private samples: { at: number; revision: number }[] = [];
  private cancel: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private readonly intervalMs: number;
  private readonly keepRevisions: number;
  private readonly keepMs: number;
  private readonly clock: Clock;

  constructor(private readonly backend: Backend, opts: CompactorOptions = {}) {
    this.intervalMs = opts.intervalMs ?? 60_000;
    this.keepRevisions = opts.keepRevisions ?? 1000;
    this.keepMs = opts.keepMs ?? 5 * 60_000;
    this.clock = opts.clock ?? realClock;
  }

  /** start samples the head now and schedules the periodic runs. */
  start(): void {
    if (this.cancel) return;
    this.cancel = () => {};
    void this.runOnce().catch(() => {});
    this.schedule();
  }

  /** stop cancels future runs and waits for a running one. */
  async stop(): Promise<void> {
    this.cancel?.();
    this.cancel = null;
    await this.running?.catch(() => {});
  }

  /** runOnce samples the head revision and compacts if anything is old enough; returns the target (0 = nothing). */
  runOnce(): Promise<number> {
    const run = this.compactOnce();
    this.running = run.then(() => {}, () => {});
    return run;
  }

  private schedule(): void {
    const cancelTimer = this.clock.setTimeout(() => {
      if (!this.cancel) return;
      void this.runOnce().catch(() => {}).finally(() => { if (this.cancel) this.schedule(); });
    }, this.intervalMs);
    this.cancel = cancelTimer;
  }

  private async compactOnce(): Promise<number> {
    const now = this.clock.now().getTime();
    const head = await this.backend.currentRevision();
    this.samples.push({ at: now, revision: head });
    // The newest sample at least keepMs old tells what was current keepMs ago; older ones are moot.
    let old = -1;
    for (let i = 0; i < this.samples.length; i++) if (this.samples[i].at <= now - this.keepMs) old = i;
    if (old < 0) return 0;
    this.samples = this.samples.slice(old);
    const target = Math.min(this.samples[0].revision, head - this.keepRevisions);
    if (target <= 0 || target <= (await this.backend.compactedRevision())) return 0;
    try {
      await this.backend.compact(target);
    } catch (e) {
      if (e instanceof CompactedError) return 0; // someone else (another API server) compacted further
      throw e;
    }
    return target;
  }
}
