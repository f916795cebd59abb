import type { Pod } from './types.js';
import { timeOf } from '../common/pod-util.js';

/** DEFAULT_JOB_POD_FAILURE_BACKOFF_MS: the first wait before replacing a failed pod (DefaultJobPodFailureBackOff, 10 s). */
export const DEFAULT_JOB_POD_FAILURE_BACKOFF_MS = 10_000;
/**
 * MAX_JOB_POD_FAILURE_BACKOFF_MS caps the doubling (MaxJobPodFailureBackOff). kube-controller-manager
 * has used 10 minutes since the back-off store replaced the old 360 s JobBackOff; the Job docs still
 * say "six minutes".
 */
export const MAX_JOB_POD_FAILURE_BACKOFF_MS = 10 * 60_000;

/**
 * BackoffRecord is how many pods of a Job failed since its last success and when the last of them
 * finished: the input of the exponential delay before new pods are created.
 */
export interface BackoffRecord {
  key: string;
  failuresAfterLastSuccess: number;
  /** ms since the epoch; undefined when nothing failed since the last success */
  lastFailureTime?: number;
}

/**
 * BackoffStore keeps one BackoffRecord per Job key in memory (upstream's backoffStore): the record
 * survives syncs but not a controller restart, as upstream's.
 */
export class BackoffStore {
  private readonly records = new Map<string, BackoffRecord>();

  /** updateBackoffRecord stores a record computed by newBackoffRecord (after its Job status was written). */
  updateBackoffRecord(record: BackoffRecord): void {
    this.records.set(record.key, { ...record });
  }

  /** removeBackoffRecord forgets a Job (finished or deleted). */
  removeBackoffRecord(key: string): void {
    this.records.delete(key);
  }

  /** get returns the stored record (tests). */
  get(key: string): BackoffRecord | undefined {
    const r = this.records.get(key);
    return r ? { ...r } : undefined;
  }

  /**
   * newBackoffRecord folds the pods that finished since the last sync into the stored record: a
   * success resets the count, failures after the last success add to it, and the latest failure's
   * finish time becomes lastFailureTime.
   */
  newBackoffRecord(key: string, newSucceededPods: readonly Readonly<Pod>[], newFailedPods: readonly Readonly<Pod>[]): BackoffRecord {
    const old = this.records.get(key);
    const backoff: BackoffRecord = old ? { ...old } : { key, failuresAfterLastSuccess: 0 };
    const succeeded = sortByFinishedTime(newSucceededPods);
    const failed = sortByFinishedTime(newFailedPods);
    if (succeeded.length === 0) {
      if (failed.length === 0) return backoff;
      backoff.failuresAfterLastSuccess += failed.length;
      backoff.lastFailureTime = getFinishedTime(failed[failed.length - 1]);
      return backoff;
    }
    backoff.failuresAfterLastSuccess = 0;
    backoff.lastFailureTime = undefined;
    if (failed.length === 0) return backoff;
    const lastSuccessTime = getFinishedTime(succeeded[succeeded.length - 1]);
    for (let i = failed.length - 1; i >= 0; i--) {
      const t = getFinishedTime(failed[i]);
      if (t <= lastSuccessTime) break;
      backoff.lastFailureTime ??= t;
      backoff.failuresAfterLastSuccess++;
    }
    return backoff;
  }
}

function sortByFinishedTime(pods: readonly Readonly<Pod>[]): Readonly<Pod>[] {
  return [...pods].sort((a, b) => getFinishedTime(a) - getFinishedTime(b));
}

/**
 * getFinishedTime estimates when a pod finished: the latest finishedAt of its containers when all
 * have terminated; else when its Ready condition turned False; else its deletion time minus the
 * grace period; else its creation time.
 */
export function getFinishedTime(pod: Readonly<Pod>): number {
  return finishTimeFromContainers(pod) ?? finishTimeFromReadyFalse(pod) ?? finishTimeFromDeletion(pod) ?? timeOf(pod.metadata?.creationTimestamp) ?? 0;
}

function finishTimeFromContainers(pod: Readonly<Pod>): number | undefined {
  let finish: number | undefined;
  for (const cs of pod.status?.containerStatuses ?? []) {
    const t = timeOf(cs.state?.terminated?.finishedAt);
    if (t === undefined) return undefined;
    if (finish === undefined || finish < t) finish = t;
  }
  return finish;
}

function finishTimeFromReadyFalse(pod: Readonly<Pod>): number | undefined {
  const c = pod.status?.conditions?.find((x) => x.type === 'Ready');
  return c?.status === 'False' ? timeOf(c.lastTransitionTime) : undefined;
}

function finishTimeFromDeletion(pod: Readonly<Pod>): number | undefined {
  const t = timeOf(pod.metadata?.deletionTimestamp);
  return t === undefined ? undefined : t - (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
}

/**
 * getRemainingTimeForFailuresCount is how long to wait before creating pods after `failures`
 * consecutive failures, the last at lastFailureTime: defaultMs doubled per failure after the
 * first, capped at maxMs, minus the time already passed. 0 means create now.
 */
export function getRemainingTimeForFailuresCount(nowMs: number, defaultMs: number, maxMs: number, failures: number, lastFailureTime: number | undefined): number {
  if (failures === 0 || lastFailureTime === undefined) return 0;
  let backoff = defaultMs;
  for (let i = 1; i < failures; i++) {
    backoff *= 2;
    if (backoff >= maxMs) { backoff = maxMs; break; }
  }
  const elapsed = nowMs - lastFailureTime;
  return backoff < elapsed ? 0 : backoff - elapsed;
}

/** getRemainingTime is getRemainingTimeForFailuresCount for a record. */
export function getRemainingTime(record: Readonly<BackoffRecord>, nowMs: number, defaultMs = DEFAULT_JOB_POD_FAILURE_BACKOFF_MS, maxMs = MAX_JOB_POD_FAILURE_BACKOFF_MS): number {
  return getRemainingTimeForFailuresCount(nowMs, defaultMs, maxMs, record.failuresAfterLastSuccess, record.lastFailureTime);
}
