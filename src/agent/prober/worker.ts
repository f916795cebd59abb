import type { Probe } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../../util/clock.js';
import type { ProbeKind, ResultsManager } from './results.js';
import { runProbe, type ProbeOutcome, type ProbeTarget } from './runners.js';

/** probeDefaults fills Kubernetes' defaults (period 10 s, timeout 1 s, success 1, failure 3). */
export function probeDefaults(p: Probe): Required<Pick<Probe, 'initialDelaySeconds' | 'periodSeconds' | 'timeoutSeconds' | 'successThreshold' | 'failureThreshold'>> {
  return {
    initialDelaySeconds: p.initialDelaySeconds ?? 0,
    periodSeconds: p.periodSeconds || 10,
    timeoutSeconds: p.timeoutSeconds || 1,
    successThreshold: p.successThreshold || 1,
    failureThreshold: p.failureThreshold || 3,
  };
}

/**
 * firstProbeAt is when an instance started at startedMs is first probed: at startedMs + delayMs, or,
 * with a tick anchor, at the first of the ticks anchor + k·period after the container started and
 * not before its initial delay (kubelet's doProbe skips ticks inside initialDelaySeconds).
 */
export function firstProbeAt(startedMs: number, delayMs: number, periodMs: number, anchorMs?: number): number {
  const earliest = startedMs + delayMs;
  if (anchorMs === undefined || periodMs <= 0) return earliest;
  let k = Math.max(0, Math.ceil((earliest - anchorMs) / periodMs));
  if (anchorMs + k * periodMs <= startedMs) k++;
  return anchorMs + k * periodMs;
}

/** ProbeAttempt is one probe run that gave a result (errored runs are thrown away, as the kubelet's are). */
export interface ProbeAttempt { containerId: string; kind: ProbeKind; result: 'successful' | 'failed' }

// Who counts probe runs (the agents' prober_probe_total); each is given every run in the process.
const attemptListeners = new Set<(a: ProbeAttempt) => void>();

/** onProbeAttempt tells listener of every probe run until the returned function is called. */
export function onProbeAttempt(listener: (a: ProbeAttempt) => void): () => void {
  attemptListeners.add(listener);
  return () => { attemptListeners.delete(listener); };
}

/** ProbeWorkerOptions configures one worker. */
export interface ProbeWorkerOptions {
  containerId: string;
  containerName: string;
  kind: ProbeKind;
  probe: Probe;
  /** when the container instance started (initialDelaySeconds counts from here) */
  startedAt: Date;
  clock: Clock;
  target: ProbeTarget;
  results: ResultsManager;
  /** onFailedAttempt is told of every failed or errored attempt (for the Unhealthy event) */
  onFailedAttempt(kind: ProbeKind, outcome: ProbeOutcome): void;
  /** canProbe says whether this kind may run now (liveness/readiness wait for startup) */
  canProbe?(): boolean;
  /**
   * tickAnchor: when kubelet's worker for this (pod, container, probe) would have started ticking —
   * the pod's arrival on the node. Liveness and startup probes run only on those ticks (kubelet's
   * worker keeps one ticker for every instance of the container), so a new instance is first probed
   * at the first tick after it started, not at once (which would catch every server still binding
   * its port). Absent: the first probe is at startedAt + initialDelaySeconds (readiness, which
   * kubelet triggers as soon as a started container is not ready).
   */
  tickAnchor?: Date;
  /** runner replaces runProbe (tests) */
  runner?: (probe: Probe, target: ProbeTarget) => Promise<ProbeOutcome>;
}

/**
 * ProbeWorker probes one (container instance, probe kind) every periodSeconds, from
 * initialDelaySeconds after the container started, and publishes a verdict once successThreshold
 * successes or failureThreshold failures in a row are reached. Readiness starts as failure,
 * liveness and startup as success/undecided; after a liveness or startup failure the worker stops
 * (the container is about to be restarted, and a new instance gets new workers).
 */
export class ProbeWorker {
  private readonly ac = new AbortController();
  private successes = 0;
  private failures = 0;

  constructor(private readonly o: ProbeWorkerOptions) {
    if (o.kind === 'readiness') o.results.set(o.containerId, 'readiness', 'failure');
    if (o.kind === 'liveness') o.results.set(o.containerId, 'liveness', 'success');
  }

  /** run loops until stop(). */
  async run(): Promise<void> {
    const d = probeDefaults(this.o.probe);
    const signal = this.ac.signal;
    try {
      const firstAt = firstProbeAt(this.o.startedAt.getTime(), d.initialDelaySeconds * 1000, d.periodSeconds * 1000, this.o.tickAnchor?.getTime());
      const wait = firstAt - this.o.clock.now().getTime();
      if (wait > 0) await this.o.clock.sleep(wait, signal);
      for (;;) {
        if (signal.aborted) return;
        if (!this.o.canProbe || this.o.canProbe()) {
          const keepGoing = await this.probeOnce(d);
          if (!keepGoing) return;
        }
        await this.o.clock.sleep(d.periodSeconds * 1000, signal);
      }
    } catch {
      // aborted
    }
  }

  /** stop ends the loop. */
  stop(): void { this.ac.abort(); }

  private async probeOnce(d: ReturnType<typeof probeDefaults>): Promise<boolean> {
    const outcome: ProbeOutcome = await (this.o.runner ?? runProbe)(this.o.probe, this.o.target).catch((e: Error) => ({ ok: false, output: e.message }));
    if (this.ac.signal.aborted) return false;
    if (outcome.errored) {
      // the kubelet throws an errored attempt away: thresholds and the published result stay
      this.o.onFailedAttempt(this.o.kind, outcome);
      return true;
    }
    for (const l of attemptListeners) l({ containerId: this.o.containerId, kind: this.o.kind, result: outcome.ok ? 'successful' : 'failed' });
    if (outcome.ok) {
      this.failures = 0;
      this.successes++;
      if (this.successes >= d.successThreshold || this.o.kind !== 'readiness') this.o.results.set(this.o.containerId, this.o.kind, 'success');
      return true;
    }
    this.successes = 0;
    this.failures++;
    this.o.onFailedAttempt(this.o.kind, outcome);
    if (this.failures >= d.failureThreshold) {
      this.o.results.set(this.o.containerId, this.o.kind, 'failure');
      if (this.o.kind !== 'readiness') return false;
    }
    return true;
  }
}
