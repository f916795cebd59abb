import { StatusError } from '../../apimachinery/errors.js';
import { keyOf } from '../../client/informer-types.js';
import { isSuccessCriteriaMetCondition, hasSuccessCriteriaMetCondition, ensureJobConditionStatus, newCondition } from './conditions.js';
import type { SyncJobCtx } from './context.js';
import type { JobSyncDeps } from './deps.js';
import { byCompletionIndex, getCompletionIndex, hasBackoffLimitPerIndex, isIndexedJob, UNKNOWN_COMPLETION_INDEX } from './indexed.js';
import { formatIntervals, hasIndex, withOrderedIndexes } from './intervals.js';
import { withJobKind } from './manage.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { hasJobTrackingFinalizer, isPodFailed, removeTrackingFinalizerPatch } from './pod-util.js';
import type { Job, JobCondition, JobStatus, Pod } from './types.js';

/**
 * MAX_UNCOUNTED_PODS bounds status.uncountedTerminatedPods (about 20 KB of UIDs) and the finalizer
 * removals of one sync, so a huge Job cannot starve the others (MaxUncountedPods).
 */
export const MAX_UNCOUNTED_PODS = 500;

/** newFailedConditionForFailureTarget turns a FailureTarget condition into the final Failed one (same reason and message). */
export function newFailedConditionForFailureTarget(c: Readonly<JobCondition>, now: Date): JobCondition {
  return newCondition('Failed', 'True', c.reason ?? '', c.message ?? '', now);
}

/**
 * canRemoveFinalizer: the pod's finalizer may go when the Job is being deleted or is finishing,
 * the pod succeeded, or it failed, unless (backoffLimitPerIndex) it is the failed pod of its
 * index kept until the replacement exists.
 */
export function canRemoveFinalizer(ctx: Readonly<SyncJobCtx>, pod: Readonly<Pod>, considerPodFailed: boolean): boolean {
  if (ctx.job.metadata?.deletionTimestamp || ctx.finishedCondition || pod.status?.phase === 'Succeeded') return true;
  if (!considerPodFailed) return false;
  if (hasBackoffLimitPerIndex(ctx.job)) {
    const ix = getCompletionIndex(pod.metadata?.annotations);
    if (ix !== UNKNOWN_COMPLETION_INDEX && ctx.podsWithDelayedDeletionPerIndex.get(ix)?.metadata?.uid === pod.metadata?.uid) return false;
  }
  return true;
}

/**
 * cleanUncountedPodsWithoutFinalizers moves the uncounted pods whose finalizer is gone into the
 * succeeded/failed counters. Returns whether the status changed.
 */
export function cleanUncountedPodsWithoutFinalizers(status: JobStatus, uidsWithFinalizer: ReadonlySet<string>): boolean {
  let updated = false;
  const u = (status.uncountedTerminatedPods ??= {});
  const succeeded = (u.succeeded ?? []).filter((x) => uidsWithFinalizer.has(x));
  if (succeeded.length !== (u.succeeded ?? []).length) {
    updated = true;
    status.succeeded = (status.succeeded ?? 0) + (u.succeeded ?? []).length - succeeded.length;
    u.succeeded = succeeded;
  }
  const failed = (u.failed ?? []).filter((x) => uidsWithFinalizer.has(x));
  if (failed.length !== (u.failed ?? []).length) {
    updated = true;
    status.failed = (status.failed ?? 0) + (u.failed ?? []).length - failed.length;
    u.failed = failed;
  }
  return updated;
}

/**
 * trackJobStatusAndRemoveFinalizers is the Job's bookkeeping, in an order that never loses or
 * double-counts a pod: (1) finished pods still carrying the finalizer are added to
 * status.uncountedTerminatedPods (and the interim FailureTarget or SuccessCriteriaMet condition
 * to the conditions) and that status is written; (2) their finalizers are removed; (3) the pods
 * whose finalizer is gone move from the uncounted lists to the counters; (4) once nothing is
 * uncounted or terminating, the final Complete or Failed condition is added. At most
 * MAX_UNCOUNTED_PODS pods are handled per sync.
 */
export async function trackJobStatusAndRemoveFinalizers(deps: JobSyncDeps, ctx: SyncJobCtx, needsFlushIn: boolean): Promise<void> {
  let needsFlush = needsFlushIn;
  const job = ctx.job;
  const isIndexed = isIndexedJob(job);
  const completions = job.spec.completions ?? 0;
  const pods = isIndexed ? [...ctx.pods].sort(byCompletionIndex) : ctx.pods;
  const uidsWithFinalizer = new Set<string>();
  for (const p of pods) {
    const uid = p.metadata?.uid ?? '';
    if (hasJobTrackingFinalizer(p) && !ctx.expectedRmFinalizers.has(uid)) uidsWithFinalizer.add(uid);
  }
  const status = (job.status ??= {});
  const uncounted = (status.uncountedTerminatedPods ??= {});
  if (cleanUncountedPodsWithoutFinalizers(status, uidsWithFinalizer)) needsFlush = true;

  const podsToRemoveFinalizer: Readonly<Pod>[] = [];
  const newSucceededIndexes: number[] = [];
  let reachedMaxUncountedPods = false;
  for (const pod of pods) {
    const uid = pod.metadata?.uid ?? '';
    // A pod without the finalizer (or whose removal is on its way) was handled by an earlier sync.
    if (!hasJobTrackingFinalizer(pod) || ctx.expectedRmFinalizers.has(uid)) continue;
    const considerPodFailed = isPodFailed(pod, job);
    if (!canRemoveFinalizer(ctx, pod, considerPodFailed)) continue;
    podsToRemoveFinalizer.push(pod);
    if (pod.status?.phase === 'Succeeded' && !ctx.uncounted.failed.has(uid)) {
      if (isIndexed) {
        // The index is enough to avoid counting a success twice.
        const ix = getCompletionIndex(pod.metadata?.annotations);
        if (ix !== UNKNOWN_COMPLETION_INDEX && ix < completions && !hasIndex(ctx.prevSucceededIndexes, ix)) {
          newSucceededIndexes.push(ix);
          needsFlush = true;
        }
      } else if (!ctx.uncounted.succeeded.has(uid)) {
        needsFlush = true;
        (uncounted.succeeded ??= []).push(uid);
      }
    } else if (considerPodFailed || (ctx.finishedCondition && !isSuccessCriteriaMetCondition(ctx.finishedCondition))) {
      // When the Job fails, every pod that did not succeed counts as failed.
      const ix = getCompletionIndex(pod.metadata?.annotations);
      if (!ctx.uncounted.failed.has(uid) && (!isIndexed || (ix !== UNKNOWN_COMPLETION_INDEX && ix < completions))) {
        if (!job.spec.podFailurePolicy || matchPodFailurePolicy(job.spec.podFailurePolicy, pod).countFailed) {
          needsFlush = true;
          (uncounted.failed ??= []).push(uid);
        }
      }
    }
    if (newSucceededIndexes.length + (uncounted.succeeded?.length ?? 0) + (uncounted.failed?.length ?? 0) >= MAX_UNCOUNTED_PODS) {
      // The status and pod updates this causes bring the Job back to the queue for the rest.
      reachedMaxUncountedPods = true;
      break;
    }
  }

  if (isIndexed) {
    ctx.succeededIndexes = withOrderedIndexes(ctx.succeededIndexes, [...newSucceededIndexes].sort((a, b) => a - b));
    const s = formatIntervals(ctx.succeededIndexes);
    if (s !== (status.completedIndexes ?? '')) needsFlush = true;
    status.succeeded = ctx.succeededIndexes.reduce((n, iv) => n + iv.last - iv.first + 1, 0);
    status.completedIndexes = s;
    const failedIndexes = ctx.failedIndexes ? formatIntervals(ctx.failedIndexes) : undefined;
    if (failedIndexes !== status.failedIndexes) {
      if (failedIndexes === undefined) delete status.failedIndexes;
      else status.failedIndexes = failedIndexes;
      needsFlush = true;
    }
  }

  const now = deps.clock.now();
  if (ctx.finishedCondition?.type === 'FailureTarget') {
    // The interim condition is recorded before the finalizers go, so the reason survives a crash.
    status.conditions = [...(status.conditions ?? []), ctx.finishedCondition];
    needsFlush = true;
    ctx.finishedCondition = newFailedConditionForFailureTarget(ctx.finishedCondition, now);
  }
  if (isSuccessCriteriaMetCondition(ctx.finishedCondition)) {
    if (!hasSuccessCriteriaMetCondition(job)) {
      status.conditions = [...(status.conditions ?? []), ctx.finishedCondition!];
      needsFlush = true;
    }
    ctx.finishedCondition = newCondition('Complete', 'True', ctx.finishedCondition!.reason ?? '', ctx.finishedCondition!.message ?? '', now);
  }

  needsFlush = await flushUncountedAndRemoveFinalizers(deps, ctx, podsToRemoveFinalizer, uidsWithFinalizer, needsFlush);
  const jobFinished = !reachedMaxUncountedPods && enactJobFinished(deps, ctx);
  if (jobFinished) needsFlush = true;
  if (needsFlush) {
    try {
      ctx.job = await deps.updateJobStatus(ctx.job);
    } catch (e) {
      throw new Error('removing uncounted pods from status', { cause: e });
    }
    if (jobFinished) recordJobFinished(deps, ctx.job, ctx.finishedCondition!);
  }
}

/**
 * flushUncountedAndRemoveFinalizers writes the status that lists the new uncounted pods (and
 * then remembers the back-off record), removes those pods' finalizers, and moves every pod whose
 * finalizer is now gone into the counters; if a removal failed it writes that partial progress.
 * Returns whether status changes are still unwritten.
 */
async function flushUncountedAndRemoveFinalizers(deps: JobSyncDeps, ctx: SyncJobCtx, podsToRemoveFinalizer: readonly Readonly<Pod>[], uidsWithFinalizer: Set<string>, needsFlushIn: boolean): Promise<boolean> {
  let needsFlush = needsFlushIn;
  if (needsFlush) {
    try {
      ctx.job = await deps.updateJobStatus(ctx.job);
    } catch (e) {
      throw new Error('adding uncounted pods to status', { cause: e });
    }
    deps.backoffStore.updateBackoffRecord(ctx.newBackoffRecord);
    needsFlush = false;
  }
  const jobKey = keyOf(ctx.job);
  let rmErr: unknown;
  if (podsToRemoveFinalizer.length > 0) {
    const { succeeded, error } = await removeTrackingFinalizerFromPods(deps, jobKey, podsToRemoveFinalizer);
    rmErr = error;
    podsToRemoveFinalizer.forEach((p, i) => { if (succeeded[i]) uidsWithFinalizer.delete(p.metadata?.uid ?? ''); });
  }
  if (cleanUncountedPodsWithoutFinalizers((ctx.job.status ??= {}), uidsWithFinalizer)) needsFlush = true;
  if (rmErr !== undefined) {
    if (needsFlush) {
      try {
        ctx.job = await deps.updateJobStatus(ctx.job);
      } catch (e) {
        throw new Error('removing uncounted pods from status', { cause: e });
      }
    }
    throw rmErr;
  }
  return needsFlush;
}

/**
 * removeTrackingFinalizerFromPods patches the finalizer off each pod (a pod already gone counts as
 * done) after recording the expectation, so the next sync ignores those pods until the cache
 * shows the change. Returns which removals succeeded and the first error.
 */
export async function removeTrackingFinalizerFromPods(deps: JobSyncDeps, jobKey: string, pods: readonly Readonly<Pod>[]): Promise<{ succeeded: boolean[]; error?: unknown }> {
  deps.finalizerExpectations.expectFinalizersRemoved(jobKey, pods.map((p) => p.metadata?.uid ?? ''));
  const outcomes = await Promise.all(pods.map(async (pod) => {
    const patch = removeTrackingFinalizerPatch(pod);
    if (!patch) return { ok: false };
    try {
      await deps.podControl.patchPod(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', patch);
      return { ok: true };
    } catch (e) {
      // This removal will not be observed.
      deps.finalizerExpectations.finalizerRemovalObserved(jobKey, pod.metadata?.uid ?? '');
      if (e instanceof StatusError && e.code === 404) return { ok: true };
      deps.logger.error(e, 'removing tracking finalizer', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` });
      return { ok: false, error: e };
    }
  }));
  const error = outcomes.find((o) => 'error' in o)?.error;
  return { succeeded: outcomes.map((o) => o.ok), ...(error !== undefined ? { error } : {}) };
}

/**
 * enactJobFinished adds the final Complete or Failed condition (and completionTime) once no pod
 * is uncounted or still terminating. Returns whether it did.
 */
export function enactJobFinished(deps: JobSyncDeps, ctx: SyncJobCtx): boolean {
  const c = ctx.finishedCondition;
  if (!c) return false;
  const job = ctx.job;
  const u = job.status?.uncountedTerminatedPods;
  const count = (u?.succeeded?.length ?? 0) + (u?.failed?.length ?? 0);
  if (count > 0) {
    deps.logger.v(4).info('Delaying marking the Job as finished, because there are still uncounted pod(s)', { job: keyOf(job), condition: c.type, count });
    return false;
  }
  if (ctx.terminating > 0) {
    deps.logger.v(4).info('Delaying marking the Job as finished, because there are still terminating pod(s)', { job: keyOf(job), condition: c.type, count: ctx.terminating });
    return false;
  }
  const status = (job.status ??= {});
  const now = deps.clock.now();
  status.conditions = ensureJobConditionStatus(status.conditions, c.type, c.status, c.reason ?? '', c.message ?? '', now).conditions;
  if (c.type === 'Complete') status.completionTime = c.lastTransitionTime;
  return true;
}

/** recordJobFinished emits Completed (and TooManySucceededPods) or the failure reason as a Warning. */
function recordJobFinished(deps: JobSyncDeps, job: Readonly<Job>, c: Readonly<JobCondition>): void {
  const owner = withJobKind(job);
  if (c.type === 'Complete') {
    const completions = job.spec.completions;
    if (completions !== undefined && completions !== null && (job.status?.succeeded ?? 0) > completions) {
      deps.recorder.event(owner, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
    }
    deps.recorder.event(owner, 'Normal', 'Completed', 'Job completed');
  } else {
    deps.recorder.event(owner, 'Warning', c.reason ?? '', c.message ?? '');
  }
}
