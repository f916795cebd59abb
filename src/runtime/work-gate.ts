/**
 * WorkGate lets a runtime shut down without leaving anything behind: once drained it refuses new
 * sandboxes and container starts, and drain() resolves when those already under way have finished
 * (a sandbox whose mounts appear after the shutdown listed the sandboxes would outlive the agent).
 */
export class WorkGate {
  private drained = false;
  private readonly running = new Set<Promise<unknown>>();

  /** run runs work unless the gate is drained (then it fails with "<what>: the runtime is shutting down"). */
  run<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (this.drained) return Promise.reject(new Error(`${what}: the runtime is shutting down`));
    const p = work();
    this.running.add(p);
    const forget = () => { this.running.delete(p); };
    p.then(forget, forget);
    return p;
  }

  /** draining: drain() was called (the runtime is shutting down and removes everything next) */
  get draining(): boolean { return this.drained; }

  /** drain refuses new work and resolves once the work under way has settled. */
  async drain(): Promise<void> {
    this.drained = true;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
