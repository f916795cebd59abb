import { rfc3339 } from '../../apimachinery/time.js';
import { ensureJobConditionStatus, findConditionByType, hasSuccessCriteriaMetCondition, isJobFinished, newCondition } from './conditions.js';
import type { SyncJobCtx } from './context.js';
import type { JobSyncDeps } from './deps.js';
import { calculateFailedIndexes, calculateSucceededIndexes, getCompletionIndex, getPodsWithDelayedDeletionPerIndex, hasBackoffLimitPerIndex, isIndexedJob, UNKNOWN_COMPLETION_INDEX } from './indexed.js';
import { totalIndexes } from './intervals.js';
import { deleteActivePods, jobSuspended, manageJob, withJobKind } from './manage.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { countReadyPods, hasJobTrackingFinalizer, isPodActive, isPodFailed, isPodTerminating } from './pod-util.js';
import { matchSuccessPolicy } from './success-policy.js';
import { newFailedConditionForFailureTarget, trackJobStatusAndRemoveFinalizers } from './track-status.js';
import type { Job, JobCondition, Pod } from './types.js';
import { JobReason } from './types.js';

/** JobSyncHost is what syncJob needs beyond JobSyncDeps: the cache and the claim of pods. */
export interface JobSyncHost extends JobSyncDeps {
  lookupJob(key: string): Readonly<Job> | undefined;
  getPodsForJob(job: Readonly<Job>): Promise<Readonly<Pod>[]>;
  enqueueAfter(key: string, ms: number): void;
}

/**
 * syncJob reconciles one Job, as upstream's syncJob: it counts the pods that finished since the
 * last sync, decides whether the Job has failed (backoffLimit, activeDeadlineSeconds, a FailJob
 * rule, failed indexes) or met its success criteria, deletes the active pods of a Job that is
 * finishing, otherwise creates or deletes pods (manageJob) and keeps the Suspended condition; then
 * it writes status and removes finalizers (trackJobStatusAndRemoveFinalizers).
 */
export async function syncJob(host: JobSyncHost, key: string): Promise<void> {
  const shared = host.lookupJob(key);
  if (!shared) {
    host.logger.v(4).info('Job has been deleted', { key });
    host.expectations.deleteExpectations(key);
    host.finalizerExpectations.deleteExpectations(key);
    host.backoffStore.removeBackoffRecord(key);
    return;
  }
  // A Job another controller manages (spec.managedBy) is left alone.
  const managedBy = shared.spec.managedBy;
  if (managedBy !== undefined && managedBy !== 'kubernetes.io/job-controller') {
    host.logger.v(2).info('Skip syncing the job as it is managed by an external controller', { key, controllerName: managedBy });
    return;
  }
  const job = structuredClone(shared) as Job;
  job.status ??= {};
  // A finished Job is never touched again.
  if (isJobFinished(job)) {
    host.backoffStore.removeBackoffRecord(key);
    return;
  }
  if (job.spec.completionMode !== undefined && job.spec.completionMode !== 'NonIndexed' && job.spec.completionMode !== 'Indexed') {
    host.recorder.event(withJobKind(job), 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
    return;
  }
  job.status.uncountedTerminatedPods ??= {};

  // Expectations are read before the pods: a pod that sneaks in afterwards only defers the sync.
  const satisfiedExpectations = host.expectations.satisfiedExpectations(key);
  const pods = await host.getPodsForJob(job);
  const activePods = pods.filter((p) => isPodActive(p));
  const uncounted = {
    succeeded: new Set(job.status.uncountedTerminatedPods.succeeded ?? []),
    failed: new Set(job.status.uncountedTerminatedPods.failed ?? []),
  };
  const ctx: SyncJobCtx = {
    job, pods, activePods,
    ready: countReadyPods(activePods),
    terminating: pods.filter((p) => isPodTerminating(p)).length,
    uncounted,
    expectedRmFinalizers: host.finalizerExpectations.getExpectedUIDs(key),
    succeeded: 0, failed: 0,
    prevSucceededIndexes: [], succeededIndexes: [],
    newBackoffRecord: { key, failuresAfterLastSuccess: 0 },
    podsWithDelayedDeletionPerIndex: new Map(),
  };
  let active = activePods.length;
  const { newSucceededPods, newFailedPods } = getNewFinishedPods(ctx);
  ctx.succeeded = (job.status.succeeded ?? 0) + newSucceededPods.length + uncounted.succeeded.size;
  ctx.failed = (job.status.failed ?? 0) + nonIgnoredFailedPodsCount(job, newFailedPods) + uncounted.failed.size;

  const now = host.clock.now();
  // The Job starts when first synced unsuspended.
  if (!job.status.startTime && !jobSuspended(job)) job.status.startTime = rfc3339(now);

  ctx.newBackoffRecord = host.backoffStore.newBackoffRecord(key, newSucceededPods, newFailedPods);

  const exceedsBackoffLimit = ctx.failed > (job.spec.backoffLimit ?? 6);
  ctx.finishedCondition = hasSuccessCriteriaMetCondition(job);
  // The pod failure policy is only evaluated while the Job has not met its success criteria.
  if (!ctx.finishedCondition) {
    const failureTarget = findConditionByType(job.status.conditions, 'FailureTarget');
    if (failureTarget?.status === 'True') {
      ctx.finishedCondition = newFailedConditionForFailureTarget(failureTarget, now);
    } else {
      const failJobMessage = getFailJobMessage(job, pods);
      // The interim FailureTarget records the reason before the finalizers (and so the pods) go.
      if (failJobMessage !== undefined) ctx.finishedCondition = newCondition('FailureTarget', 'True', JobReason.PodFailurePolicy, failJobMessage, now);
    }
  }
  if (!ctx.finishedCondition) {
    if (exceedsBackoffLimit || pastBackoffLimitOnFailure(job, pods)) {
      // Too many failed pods, or (restartPolicy OnFailure) too many container restarts.
      ctx.finishedCondition = newFailureCondition(JobReason.BackoffLimitExceeded, 'Job has reached the specified backoff limit', now);
    } else if (pastActiveDeadline(job, now)) {
      ctx.finishedCondition = newFailureCondition(JobReason.DeadlineExceeded, 'Job was active longer than specified deadline', now);
    } else if (job.spec.activeDeadlineSeconds !== undefined && job.spec.activeDeadlineSeconds !== null && !jobSuspended(job)) {
      const syncDuration = job.spec.activeDeadlineSeconds * 1000 - (now.getTime() - Date.parse(job.status.startTime!));
      host.logger.v(2).info('Job has activeDeadlineSeconds configuration. Will sync this job again', { key, nextSyncInMs: syncDuration });
      host.enqueueAfter(key, syncDuration);
    }
  }

  if (isIndexedJob(job)) {
    const { prev, succeeded } = calculateSucceededIndexes(job, pods);
    ctx.prevSucceededIndexes = prev;
    ctx.succeededIndexes = succeeded;
    ctx.succeeded = totalIndexes(succeeded);
    if (hasBackoffLimitPerIndex(job)) {
      ctx.failedIndexes = calculateFailedIndexes(job, pods);
      if (!ctx.finishedCondition) {
        const failedCount = totalIndexes(ctx.failedIndexes);
        const max = job.spec.maxFailedIndexes;
        if (max !== undefined && max !== null && failedCount > max) {
          ctx.finishedCondition = newFailureCondition(JobReason.MaxFailedIndexesExceeded, 'Job has exceeded the specified maximal number of failed indexes', now);
        } else if (failedCount > 0 && failedCount + totalIndexes(ctx.succeededIndexes) >= (job.spec.completions ?? 0)) {
          ctx.finishedCondition = newFailureCondition(JobReason.FailedIndexes, 'Job has failed indexes', now);
        }
      }
      ctx.podsWithDelayedDeletionPerIndex = getPodsWithDelayedDeletionPerIndex(ctx);
    }
    if (!ctx.finishedCondition) {
      const msg = matchSuccessPolicy(job.spec.successPolicy, job.spec.completions ?? 0, ctx.succeededIndexes);
      if (msg !== undefined) ctx.finishedCondition = newCondition('SuccessCriteriaMet', 'True', JobReason.SuccessPolicy, msg, now);
    }
  }

  let manageJobErr: unknown;
  let suspendCondChanged = false;
  // Suspended/Resumed are reported once the status saying so is written, so a retried sync does not repeat them.
  const events: [reason: string, message: string][] = [];
  if (ctx.finishedCondition) {
    // The Job is finishing: its active pods go (keeping their finalizers, so they are counted).
    const r = await deleteActivePods(host, job, ctx.activePods);
    if (r.deleted !== active || !satisfiedExpectations) {
      // Not yet: pods remain, or the cache may not show all of them.
      ctx.finishedCondition = undefined;
    }
    active -= r.deleted;
    ctx.terminating += r.deleted;
    ctx.ready -= r.deletedReady;
    manageJobErr = r.error;
  } else {
    let manageJobCalled = false;
    if (satisfiedExpectations && !job.metadata?.deletionTimestamp) {
      const r = await manageJob(host, job, ctx);
      active = r.active;
      manageJobErr = r.error;
      manageJobCalled = true;
    }
    const completions = job.spec.completions;
    // A work-queue Job (no completions) is complete once a pod succeeded and none is left running.
    const complete = completions === undefined || completions === null
      ? ctx.succeeded > 0 && active === 0
      : ctx.succeeded >= completions && active === 0;
    if (complete) {
      ctx.finishedCondition = newSuccessCondition(now);
    } else if (manageJobCalled) {
      // Conditions and events only change in the sync that acted on the pods.
      if (jobSuspended(job)) {
        const r = ensureJobConditionStatus(job.status.conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
        job.status.conditions = r.conditions;
        if (r.changed) {
          suspendCondChanged = true;
          events.push(['Suspended', 'Job suspended']);
        }
      } else {
        const r = ensureJobConditionStatus(job.status.conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
        job.status.conditions = r.conditions;
        if (r.changed) {
          suspendCondChanged = true;
          events.push(['Resumed', 'Job resumed']);
          // activeDeadlineSeconds counts continuous activity: a resumed Job starts again.
          job.status.startTime = rfc3339(now);
        }
      }
    }
  }

  const needsStatusUpdate = suspendCondChanged || active !== (job.status.active ?? 0) || ctx.ready !== job.status.ready || ctx.terminating !== job.status.terminating;
  job.status.active = active;
  job.status.ready = ctx.ready;
  job.status.terminating = ctx.terminating;
  try {
    await trackJobStatusAndRemoveFinalizers(host, ctx, needsStatusUpdate);
  } catch (e) {
    throw new Error('tracking status', { cause: e });
  }
  for (const [reason, message] of events) host.recorder.event(withJobKind(ctx.job), 'Normal', reason, message);
  if (manageJobErr !== undefined) throw manageJobErr;
}

/** newFailureCondition is the interim FailureTarget condition: Failed follows once every pod is accounted for. */
function newFailureCondition(reason: string, message: string, now: Date): JobCondition {
  return newCondition('FailureTarget', 'True', reason, message, now);
}

/** newSuccessCondition is the interim SuccessCriteriaMet condition: Complete follows once every pod is accounted for. */
function newSuccessCondition(now: Date): JobCondition {
  return newCondition('SuccessCriteriaMet', 'True', JobReason.CompletionsReached, 'Reached expected number of succeeded pods', now);
}

/**
 * getNewFinishedPods returns the pods that succeeded or failed and are not counted yet: they still
 * carry the finalizer, are not in the uncounted lists, and (Indexed) have a valid index.
 */
export function getNewFinishedPods(ctx: Readonly<SyncJobCtx>): { newSucceededPods: Readonly<Pod>[]; newFailedPods: Readonly<Pod>[] } {
  const valid = (uncounted: ReadonlySet<string>, filter: (p: Readonly<Pod>) => boolean) => ctx.pods.filter((p) => {
    const uid = p.metadata?.uid ?? '';
    if (!hasJobTrackingFinalizer(p) || uncounted.has(uid) || ctx.expectedRmFinalizers.has(uid)) return false;
    if (isIndexedJob(ctx.job)) {
      const ix = getCompletionIndex(p.metadata?.annotations);
      if (ix === UNKNOWN_COMPLETION_INDEX || ix >= (ctx.job.spec.completions ?? 0)) return false;
    }
    return filter(p);
  });
  return {
    newSucceededPods: valid(ctx.uncounted.succeeded, (p) => p.status?.phase === 'Succeeded'),
    newFailedPods: valid(ctx.uncounted.failed, (p) => isPodFailed(p, ctx.job)),
  };
}

/** nonIgnoredFailedPodsCount counts the failed pods the pod failure policy does not ignore. */
function nonIgnoredFailedPodsCount(job: Readonly<Job>, failedPods: readonly Readonly<Pod>[]): number {
  if (!job.spec.podFailurePolicy) return failedPods.length;
  return failedPods.filter((p) => matchPodFailurePolicy(job.spec.podFailurePolicy, p).countFailed).length;
}

/** getFailJobMessage returns the message of the first FailJob rule a failed pod matches. */
function getFailJobMessage(job: Readonly<Job>, pods: readonly Readonly<Pod>[]): string | undefined {
  if (!job.spec.podFailurePolicy) return undefined;
  for (const p of pods) {
    if (!isPodFailed(p, job)) continue;
    const m = matchPodFailurePolicy(job.spec.podFailurePolicy, p).failJobMessage;
    if (m !== undefined) return m;
  }
  return undefined;
}

/**
 * pastBackoffLimitOnFailure: with restartPolicy OnFailure failures are container restarts in
 * place, so the restarts of running and pending pods are summed against backoffLimit.
 */
export function pastBackoffLimitOnFailure(job: Readonly<Job>, pods: readonly Readonly<Pod>[]): boolean {
  if (job.spec.template.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase !== 'Running' && phase !== 'Pending') continue;
    for (const cs of p.status?.initContainerStatuses ?? []) restarts += cs.restartCount ?? 0;
    for (const cs of p.status?.containerStatuses ?? []) restarts += cs.restartCount ?? 0;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** pastActiveDeadline: activeDeadlineSeconds have passed since startTime (never while suspended). */
export function pastActiveDeadline(job: Readonly<Job>, now: Date): boolean {
  const ads = job.spec.activeDeadlineSeconds;
  const start = job.status?.startTime;
  if (ads === undefined || ads === null || !start || jobSuspended(job)) return false;
  return now.getTime() - Date.parse(start) >= ads * 1000;
}
