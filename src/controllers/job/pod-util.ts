import { podDeletedBefore } from '../replicaset/deletion-ranking.js';
import { isPodActive, isPodReady } from '../common/pod-util.js';
import { JOB_TRACKING_FINALIZER, type Job, type Pod } from './types.js';

export { isPodActive, isPodReady };

/** hasJobTrackingFinalizer tells whether the pod still carries the Job's tracking finalizer (its result is not counted yet). */
export function hasJobTrackingFinalizer(pod: Readonly<Pod>): boolean {
  return pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
}

/** removeTrackingFinalizerPatch is the strategic merge patch that drops the tracking finalizer, or undefined when the pod has none. */
export function removeTrackingFinalizerPatch(pod: Readonly<Pod>): unknown {
  if (!hasJobTrackingFinalizer(pod)) return undefined;
  return { metadata: { '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] } };
}

/**
 * onlyReplaceFailedPods: a pod being deleted is replaced only once it is Failed (podReplacementPolicy
 * Failed, which a pod failure policy implies), not as soon as it starts terminating.
 */
export function onlyReplaceFailedPods(job: Readonly<Job>): boolean {
  return job.spec.podReplacementPolicy === 'Failed' || !!job.spec.podFailurePolicy;
}

/**
 * isPodFailed: the pod is Failed, or (unless only failed pods are replaced) it is being deleted
 * without having succeeded, which counts orphans that never reach a terminal phase.
 */
export function isPodFailed(pod: Readonly<Pod>, job: Readonly<Job>): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded';
}

/** isPodTerminating: being deleted and not yet in a terminal phase (controller.FilterTerminatingPods). */
export function isPodTerminating(pod: Readonly<Pod>): boolean {
  const phase = pod.status?.phase;
  return !!pod.metadata?.deletionTimestamp && phase !== 'Failed' && phase !== 'Succeeded';
}

/** countReadyPods counts the pods whose Ready condition is True. */
export function countReadyPods(pods: readonly Readonly<Pod>[]): number {
  return pods.filter((p) => isPodReady(p)).length;
}

/**
 * sortActivePods orders pods so the ones in the earliest stage of startup come first (unscheduled,
 * Pending, not ready, ready for less time, more restarts, newer): upstream's controller.ActivePods.
 */
export function sortActivePods<T extends Pod>(pods: Readonly<T>[]): Readonly<T>[] {
  return pods.sort((a, b) => (podDeletedBefore({ pod: a, rank: 0 }, { pod: b, rank: 0 }) ? -1 : podDeletedBefore({ pod: b, rank: 0 }, { pod: a, rank: 0 }) ? 1 : 0));
}
