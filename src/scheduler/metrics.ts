/**
 * kube-scheduler's metrics (pkg/scheduler/metrics), on the process-wide registry that the API
 * server's /metrics appends: attempts by result and profile, their latency, the attempts a pod
 * needed, and the pending pods by queue (read from every running scheduler at scrape time).
 */
import { Counter, Gauge, Histogram, exponentialBuckets } from 'prom-client';
import { legacyRegistry } from '../util/metrics/legacy-registry.js';
import { isRejected, type Status } from './framework/status.js';

/** scheduleAttempts is scheduler_schedule_attempts_total{profile,result}. */
export const scheduleAttempts = new Counter({
  name: 'scheduler_schedule_attempts_total',
  help: "[STABLE] Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.",
  labelNames: ['profile', 'result'],
  registers: [legacyRegistry],
});

/** schedulingAttemptDuration is scheduler_scheduling_attempt_duration_seconds{profile,result}. */
export const schedulingAttemptDuration = new Histogram({
  name: 'scheduler_scheduling_attempt_duration_seconds',
  help: '[STABLE] Scheduling attempt latency in seconds (scheduling algorithm + binding)',
  labelNames: ['profile', 'result'],
  buckets: exponentialBuckets(0.001, 2, 15),
  registers: [legacyRegistry],
});

/** podSchedulingAttempts is scheduler_pod_scheduling_attempts: attempts a pod took until it was scheduled. */
export const podSchedulingAttempts = new Histogram({
  name: 'scheduler_pod_scheduling_attempts',
  help: '[STABLE] Number of attempts to successfully schedule a pod.',
  buckets: exponentialBuckets(1, 2, 5),
  registers: [legacyRegistry],
});

/** PendingPodsCounts are a scheduling queue's pods by sub-queue, as scheduler_pending_pods labels them. */
export interface PendingPodsCounts {
  active: number;
  backoff: number;
  unschedulable: number;
  gated: number;
}

const pendingSources = new Set<() => PendingPodsCounts>();

/** pendingPods is scheduler_pending_pods{queue}, summed over the schedulers running in the process. */
export const pendingPods = new Gauge({
  name: 'scheduler_pending_pods',
  help: "[STABLE] Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.",
  labelNames: ['queue'],
  registers: [legacyRegistry],
  collect() {
    const sum: PendingPodsCounts = { active: 0, backoff: 0, unschedulable: 0, gated: 0 };
    for (const source of pendingSources) {
      const c = source();
      sum.active += c.active;
      sum.backoff += c.backoff;
      sum.unschedulable += c.unschedulable;
      sum.gated += c.gated;
    }
    for (const [queue, n] of Object.entries(sum)) this.set({ queue }, n);
  },
});

/** registerPendingPods adds a queue's counts to scheduler_pending_pods; the returned function removes them. */
export function registerPendingPods(source: () => PendingPodsCounts): () => void {
  pendingSources.add(source);
  return () => pendingSources.delete(source);
}

/** podScheduled records a successful attempt (PodScheduled) and how many attempts it took. */
export function podScheduled(profile: string, seconds: number, attempts: number): void {
  scheduleAttempts.inc({ profile, result: 'scheduled' });
  schedulingAttemptDuration.observe({ profile, result: 'scheduled' }, seconds);
  podSchedulingAttempts.observe(attempts);
}

/** podFailed records a failed attempt: 'unschedulable' when no node fits, 'error' otherwise (PodUnschedulable/PodScheduleError). */
export function podFailed(profile: string, status: Status, seconds: number): void {
  const result = isRejected(status) ? 'unschedulable' : 'error';
  scheduleAttempts.inc({ profile, result });
  schedulingAttemptDuration.observe({ profile, result }, seconds);
}
