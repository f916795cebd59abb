import { StatusError } from '../../apimachinery/errors.js';
import { newControllerRef } from '../../apimachinery/ownerrefs.js';
import { keyOf } from '../../client/informer-types.js';
import type { PodTemplate } from '../common/pod-control.js';
import { SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from '../common/slow-start.js';
import { getRemainingTime } from './backoff.js';
import type { SyncJobCtx } from './context.js';
import type { JobSyncDeps } from './deps.js';
import {
  addCompletionIndex, addCompletionIndexEnvVariables, addIndexFailureCountAnnotation, duplicatedIndexPodsForRemoval,
  firstPendingIndexes, getRemainingTimePerIndex, hasBackoffLimitPerIndex, isIndexedJob, podGenerateNameWithIndex,
} from './indexed.js';
import { isPodReady, onlyReplaceFailedPods, removeTrackingFinalizerPatch, sortActivePods } from './pod-util.js';
import { JOB_TRACKING_FINALIZER, type Job, type Pod } from './types.js';

/** JOB_GVK is batch/v1 Job (controller references, events). */
export const JOB_GVK = { group: 'batch', version: 'v1', kind: 'Job' } as const;

/** withJobKind returns the Job with apiVersion and kind set (cache items may lack them; events and owner references need them). */
export function withJobKind<T extends Readonly<Job>>(job: T): T {
  return { ...job, apiVersion: 'batch/v1', kind: 'Job' };
}

/** podKey is the expectations key of a pod. */
export function podKey(pod: Readonly<Pod>): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

/** DeleteResult says how many deletions went through (and how many of those pods were ready) and the first error. */
export interface DeleteResult { deleted: number; deletedReady: number; error?: unknown }

/** jobSuspended: spec.suspend is true. */
export function jobSuspended(job: Readonly<Job>): boolean {
  return job.spec.suspend === true;
}

/**
 * activePodsForRemoval picks the active pods to remove: for an Indexed Job first those with a
 * missing, out-of-range or repeated index, then, to reach rmAtLeast, those in the earliest stage
 * of startup (not ready before ready, unscheduled before scheduled, pending before running).
 */
export function activePodsForRemoval(job: Readonly<Job>, pods: readonly Readonly<Pod>[], rmAtLeast: number): Readonly<Pod>[] {
  let rm: Readonly<Pod>[] = [];
  let left: Readonly<Pod>[] = [...pods];
  if (isIndexedJob(job)) ({ rm, left } = duplicatedIndexPodsForRemoval(pods, job.spec.completions ?? 0));
  if (rm.length < rmAtLeast) rm = [...rm, ...sortActivePods(left).slice(0, rmAtLeast - rm.length)];
  return rm;
}

/**
 * deleteJobPods removes pods the Job no longer wants (too many, or the Job is suspended): the
 * tracking finalizer goes first, so the pod is not counted as failed, then the pod. A deletion
 * that did not happen lowers the expectations at once.
 */
export async function deleteJobPods(deps: JobSyncDeps, job: Readonly<Job>, jobKey: string, pods: readonly Readonly<Pod>[]): Promise<DeleteResult> {
  const owner = withJobKind(job);
  const results = await Promise.all(pods.map(async (pod) => {
    const ns = pod.metadata?.namespace ?? job.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    try {
      const patch = removeTrackingFinalizerPatch(pod);
      if (patch) {
        try {
          await deps.podControl.patchPod(ns, name, patch);
        } catch (e) {
          throw new Error('removing completion finalizer', { cause: e });
        }
      }
      await deps.podControl.deletePod(ns, name, owner);
      return { ok: true, ready: isPodReady(pod) };
    } catch (e) {
      // This deletion will not be observed.
      deps.expectations.deletionObserved(jobKey, podKey(pod));
      const cause = e instanceof Error && e.cause !== undefined ? e.cause : e;
      if (cause instanceof StatusError && cause.code === 404) return { ok: true, ready: isPodReady(pod) };
      deps.logger.v(2).info('Failed to delete Pod', { job: jobKey, pod: podKey(pod), err: e instanceof Error ? e.message : String(e) });
      return { ok: false, ready: false, error: e };
    }
  }));
  return summarize(results);
}

/**
 * deleteActivePods deletes the active pods of a Job that is failing, keeping their finalizers:
 * each is then counted as failed before its finalizer is removed.
 */
export async function deleteActivePods(deps: JobSyncDeps, job: Readonly<Job>, pods: readonly Readonly<Pod>[]): Promise<DeleteResult> {
  const owner = withJobKind(job);
  const results = await Promise.all(pods.map(async (pod) => {
    try {
      await deps.podControl.deletePod(pod.metadata?.namespace ?? job.metadata?.namespace ?? '', pod.metadata?.name ?? '', owner);
      return { ok: true, ready: isPodReady(pod) };
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return { ok: true, ready: isPodReady(pod) };
      deps.logger.error(e, 'deleting pod of a failed job', { pod: podKey(pod) });
      return { ok: false, ready: false, error: e };
    }
  }));
  return summarize(results);
}

function summarize(results: { ok: boolean; ready: boolean; error?: unknown }[]): DeleteResult {
  const error = results.find((r) => !r.ok)?.error;
  return { deleted: results.filter((r) => r.ok).length, deletedReady: results.filter((r) => r.ok && r.ready).length, ...(error !== undefined ? { error } : {}) };
}

/** ManageResult is manageJob's answer: the active count after its creations or deletions, and the first error. */
export interface ManageResult { active: number; error?: unknown }

/**
 * manageJob brings the number of active pods to what the Job wants: none while suspended;
 * parallelism, but never more than the completions left; for a work-queue Job (no completions)
 * parallelism until one pod succeeded, then whatever still runs. It either deletes (the pods in the
 * earliest stage first) or creates (in slow-start batches, after the pod-failure back-off, each
 * pod with the tracking finalizer and, for an Indexed Job, its index), never both in one sync.
 */
export async function manageJob(deps: JobSyncDeps, job: Readonly<Job>, ctx: SyncJobCtx): Promise<ManageResult> {
  let active = ctx.activePods.length;
  const parallelism = job.spec.parallelism ?? 1;
  const jobKey = keyOf(job);

  const remove = async (pods: Readonly<Pod>[]): Promise<ManageResult> => {
    deps.expectations.expectDeletions(jobKey, pods.map(podKey));
    const r = await deleteJobPods(deps, job, jobKey, pods);
    active -= r.deleted;
    ctx.terminating += r.deleted;
    ctx.ready -= r.deletedReady;
    return { active, ...(r.error !== undefined ? { error: r.error } : {}) };
  };

  if (jobSuspended(job)) {
    deps.logger.v(4).info('Deleting all active pods in suspended job', { job: jobKey, active });
    return remove(activePodsForRemoval(job, ctx.activePods, active));
  }

  let wantActive: number;
  const completions = job.spec.completions;
  if (completions === undefined || completions === null) {
    // A work-queue Job: once a pod succeeded, leave whatever still runs, running.
    wantActive = ctx.succeeded > 0 ? active : parallelism;
  } else {
    wantActive = Math.max(0, Math.min(completions - ctx.succeeded, parallelism));
  }

  const rmAtLeast = Math.max(0, active - wantActive);
  const podsToDelete = activePodsForRemoval(job, ctx.activePods, rmAtLeast).slice(0, deps.maxPodCreateDeletePerSync);
  if (podsToDelete.length > 0) {
    deps.logger.v(4).info('Too many pods running for job', { job: jobKey, deleted: podsToDelete.length, target: wantActive });
    // Deleting and creating in the same sync could fight (repeated indexes): deletion wins.
    return remove(podsToDelete);
  }

  const terminating = onlyReplaceFailedPods(job) ? ctx.terminating : 0;
  let diff = wantActive - terminating - active;
  if (diff <= 0) return { active };

  const nowMs = deps.clock.now().getTime();
  if (!hasBackoffLimitPerIndex(job)) {
    const remaining = getRemainingTime(ctx.newBackoffRecord, nowMs, deps.podFailureBackoffMs, deps.maxPodFailureBackoffMs);
    if (remaining > 0) {
      deps.enqueueSyncJobWithDelay(job, remaining);
      return { active };
    }
  }
  diff = Math.min(diff, deps.maxPodCreateDeletePerSync);

  let indexesToAdd: number[] = [];
  if (isIndexedJob(job)) {
    indexesToAdd = firstPendingIndexes(ctx, diff, completions ?? 0);
    if (hasBackoffLimitPerIndex(job)) {
      const info = podCreationInfoForIndependentIndexes(deps, nowMs, indexesToAdd, ctx.podsWithDelayedDeletionPerIndex);
      if (info.remaining > 0) {
        deps.enqueueSyncJobWithDelay(job, info.remaining);
        return { active };
      }
      indexesToAdd = info.indexes;
    }
    diff = indexesToAdd.length;
  }
  if (diff <= 0) return { active };

  deps.expectations.expectCreations(jobKey, diff);
  deps.logger.v(4).info('Too few pods running', { key: jobKey, need: wantActive, creating: diff });
  active += diff;

  const template = structuredClone(job.spec.template) as PodTemplate;
  if (isIndexedJob(job)) addCompletionIndexEnvVariables(template);
  const md = (template.metadata ??= {});
  if (!md.finalizers?.includes(JOB_TRACKING_FINALIZER)) md.finalizers = [...(md.finalizers ?? []), JOB_TRACKING_FINALIZER];

  const owner = withJobKind(job);
  const controllerRef = newControllerRef(owner, JOB_GVK);
  const ns = job.metadata?.namespace ?? '';
  let failures = 0;
  const { successes, error } = await slowStartBatch(diff, SLOW_START_INITIAL_BATCH_SIZE, async (i) => {
    const index = indexesToAdd.length > 0 ? indexesToAdd[i] : undefined;
    try {
      await deps.podControl.createPods(ns, template, owner, controllerRef, (pod) => {
        if (index === undefined) return;
        addCompletionIndex(pod as PodTemplate, index);
        const spec = (pod.spec ??= {}) as Record<string, unknown>;
        spec.hostname = `${job.metadata?.name}-${index}`;
        pod.metadata!.generateName = podGenerateNameWithIndex(job.metadata?.name ?? '', index);
        if (hasBackoffLimitPerIndex(job)) addIndexFailureCountAnnotation(pod as PodTemplate, job, ctx.podsWithDelayedDeletionPerIndex.get(index));
      });
    } catch (e) {
      // Every create fails in a namespace being deleted; there is nothing to retry.
      if (isNamespaceTerminating(e)) return;
      failures++;
      deps.logger.v(2).info('Failed creation, decrementing expectations', { job: jobKey });
      deps.expectations.creationObserved(jobKey);
      active--;
      throw e;
    }
  });
  // Creates never tried after a failed batch will not be observed either.
  const skipped = diff - successes - failures;
  if (error !== undefined && skipped > 0) {
    deps.logger.v(2).info('Slow-start failure. Skipping creating pods, decrementing expectations', { skippedCount: skipped, job: jobKey });
    active -= skipped;
    for (let i = 0; i < skipped; i++) deps.expectations.creationObserved(jobKey);
  }
  return { active, ...(error !== undefined ? { error } : {}) };
}

/**
 * podCreationInfoForIndependentIndexes keeps the indexes whose own back-off is over; when none is
 * ready it returns the shortest wait instead (backoffLimitPerIndex).
 */
function podCreationInfoForIndependentIndexes(deps: JobSyncDeps, nowMs: number, indexes: readonly number[], delayed: ReadonlyMap<number, Readonly<Pod>>): { indexes: number[]; remaining: number } {
  const now: number[] = [];
  let minRemaining: number | undefined;
  for (const ix of indexes) {
    const remaining = getRemainingTimePerIndex(nowMs, deps.podFailureBackoffMs, deps.maxPodFailureBackoffMs, delayed.get(ix));
    if (remaining === 0) now.push(ix);
    else if (minRemaining === undefined || remaining < minRemaining) minRemaining = remaining;
  }
  return now.length > 0 ? { indexes: now, remaining: 0 } : { indexes: now, remaining: minRemaining ?? 0 };
}

/** isNamespaceTerminating tells a create refused because its namespace is being deleted. */
function isNamespaceTerminating(e: unknown): boolean {
  return e instanceof StatusError && ((e.details?.causes?.some((c) => c.reason === 'NamespaceTerminating') ?? false) || (e.code === 403 && /being terminated/.test(e.message)));
}
