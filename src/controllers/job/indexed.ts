import type { PodTemplate } from '../common/pod-control.js';
import { getFinishedTime, getRemainingTimeForFailuresCount } from './backoff.js';
import type { SyncJobCtx } from './context.js';
import { hasIndex, mergeIntervals, parseIndexesFromString, withOrderedIndexes, type Interval } from './intervals.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { hasJobTrackingFinalizer, isPodFailed, isPodTerminating, onlyReplaceFailedPods, sortActivePods } from './pod-util.js';
import {
  COMPLETION_INDEX_ENV_NAME, JOB_COMPLETION_INDEX_ANNOTATION, JOB_INDEX_FAILURE_COUNT_ANNOTATION, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
  type Job, type Pod,
} from './types.js';

/** UNKNOWN_COMPLETION_INDEX marks a pod without a valid completion index. */
export const UNKNOWN_COMPLETION_INDEX = -1;
/** MAX_GENERATED_NAME_LENGTH is how long a generateName prefix may be (63 minus the 5 random characters). */
export const MAX_GENERATED_NAME_LENGTH = 58;

/** isIndexedJob: spec.completionMode is Indexed. */
export function isIndexedJob(job: Readonly<Job>): boolean {
  return job.spec.completionMode === 'Indexed';
}

/** hasBackoffLimitPerIndex: spec.backoffLimitPerIndex is set (each index has its own back-off limit). */
export function hasBackoffLimitPerIndex(job: Readonly<Job>): boolean {
  return job.spec.backoffLimitPerIndex !== undefined && job.spec.backoffLimitPerIndex !== null;
}

/** completionsOf is spec.completions (Indexed Jobs always have it). */
function completionsOf(job: Readonly<Job>): number {
  return job.spec.completions ?? 0;
}

/** getCompletionIndex reads the completion-index annotation; UNKNOWN_COMPLETION_INDEX when absent or not a non-negative integer. */
export function getCompletionIndex(annotations: Readonly<Record<string, string>> | undefined): number {
  const v = annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return UNKNOWN_COMPLETION_INDEX;
  const i = Number(v);
  return i < 0 ? UNKNOWN_COMPLETION_INDEX : i;
}

/** validIndexOf is the pod's index when it is known and below completions. */
function validIndexOf(job: Readonly<Job>, pod: Readonly<Pod>): number | undefined {
  const ix = getCompletionIndex(pod.metadata?.annotations);
  return ix !== UNKNOWN_COMPLETION_INDEX && ix < completionsOf(job) ? ix : undefined;
}

/**
 * calculateSucceededIndexes returns status.completedIndexes as it was and with the indexes whose
 * pods succeeded since (pods still carrying the tracking finalizer, i.e. not counted yet).
 */
export function calculateSucceededIndexes(job: Readonly<Job>, pods: readonly Readonly<Pod>[]): { prev: Interval[]; succeeded: Interval[] } {
  const prev = parseIndexesFromString(job.status?.completedIndexes, completionsOf(job));
  const fresh = new Set<number>();
  for (const p of pods) {
    const ix = validIndexOf(job, p);
    if (ix !== undefined && p.status?.phase === 'Succeeded' && hasJobTrackingFinalizer(p)) fresh.add(ix);
  }
  return { prev, succeeded: withOrderedIndexes(prev, [...fresh].sort((a, b) => a - b)) };
}

/** calculateFailedIndexes returns status.failedIndexes plus the indexes that failed for good since (backoffLimitPerIndex). */
export function calculateFailedIndexes(job: Readonly<Job>, pods: readonly Readonly<Pod>[]): Interval[] {
  const prev = job.status?.failedIndexes !== undefined ? parseIndexesFromString(job.status.failedIndexes, completionsOf(job)) : [];
  const fresh = new Set<number>();
  for (const p of pods) {
    const ix = validIndexOf(job, p);
    if (ix !== undefined && hasJobTrackingFinalizer(p) && isIndexFailed(job, p)) fresh.add(ix);
  }
  return withOrderedIndexes(prev, [...fresh].sort((a, b) => a - b));
}

/**
 * isIndexFailed: the pod's failure ends its index, because a FailIndex rule matched or because the
 * index has used up backoffLimitPerIndex with this counted failure.
 */
export function isIndexFailed(job: Readonly<Job>, pod: Readonly<Pod>): boolean {
  let counted = false;
  if (isPodFailed(pod, job)) {
    if (job.spec.podFailurePolicy) {
      const m = matchPodFailurePolicy(job.spec.podFailurePolicy, pod);
      if (m.action === 'FailIndex') return true;
      counted = m.countFailed;
    } else {
      counted = true;
    }
  }
  return counted && getIndexFailureCount(pod) >= (job.spec.backoffLimitPerIndex ?? 0);
}

/** getIndexes returns the set of completion indexes of the pods. */
export function getIndexes(pods: readonly Readonly<Pod>[]): Set<number> {
  const out = new Set<number>();
  for (const p of pods) {
    const ix = getCompletionIndex(p.metadata?.annotations);
    if (ix !== UNKNOWN_COMPLETION_INDEX) out.add(ix);
  }
  return out;
}

/**
 * firstPendingIndexes returns the `count` lowest indexes below completions that no active pod
 * runs and that have neither succeeded nor failed (nor, with podReplacementPolicy Failed, have a
 * pod still terminating).
 */
export function firstPendingIndexes(ctx: Readonly<SyncJobCtx>, count: number, completions: number): number[] {
  if (count === 0) return [];
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  let nonPending = withOrderedIndexes(ctx.succeededIndexes, sorted(getIndexes(ctx.activePods)));
  if (onlyReplaceFailedPods(ctx.job)) nonPending = withOrderedIndexes(nonPending, sorted(getIndexes(ctx.pods.filter((p) => isPodTerminating(p)))));
  if (ctx.failedIndexes) nonPending = mergeIntervals(nonPending, ctx.failedIndexes);
  const result: number[] = [];
  let candidate = 0;
  for (const iv of nonPending) {
    for (; candidate < completions && result.length < count && candidate < iv.first; candidate++) result.push(candidate);
    if (candidate < iv.last + 1) candidate = iv.last + 1;
  }
  for (; candidate < completions && result.length < count; candidate++) result.push(candidate);
  return result;
}

/** byCompletionIndex sorts pods by completion index (unknown first). */
export function byCompletionIndex(a: Readonly<Pod>, b: Readonly<Pod>): number {
  return getCompletionIndex(a.metadata?.annotations) - getCompletionIndex(b.metadata?.annotations);
}

/**
 * duplicatedIndexPodsForRemoval splits active pods of an Indexed Job into those to remove (no
 * index, an index at or above completions, or all but the most advanced pod of a repeated index)
 * and those left.
 */
export function duplicatedIndexPodsForRemoval(pods: readonly Readonly<Pod>[], completions: number): { rm: Readonly<Pod>[]; left: Readonly<Pod>[] } {
  const rm: Readonly<Pod>[] = [];
  const left: Readonly<Pod>[] = [];
  const groups = new Map<number, Readonly<Pod>[]>();
  for (const p of [...pods].sort(byCompletionIndex)) {
    const ix = getCompletionIndex(p.metadata?.annotations);
    if (ix === UNKNOWN_COMPLETION_INDEX || ix >= completions) { rm.push(p); continue; }
    const g = groups.get(ix);
    if (g) g.push(p);
    else groups.set(ix, [p]);
  }
  for (const g of groups.values()) {
    if (g.length === 1) { left.push(g[0]); continue; }
    // Keep the pod furthest along (last in ActivePods order), remove the rest.
    const ordered = sortActivePods([...g]);
    rm.push(...ordered.slice(0, -1));
    left.push(ordered[ordered.length - 1]);
  }
  return { rm, left };
}

/** parseInt32 reads an annotation counter; anything not a non-negative int32 counts as 0. */
function parseInt32(v: string | undefined): number {
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n < 0 || n > 2 ** 31 - 1 ? 0 : n;
}

/** getIndexFailureCount reads job-index-failure-count (0 when missing or invalid). */
export function getIndexFailureCount(pod: Readonly<Pod>): number {
  return parseInt32(pod.metadata?.annotations?.[JOB_INDEX_FAILURE_COUNT_ANNOTATION]);
}

/** getIndexAbsoluteFailureCount adds the failures the pod failure policy ignored. */
export function getIndexAbsoluteFailureCount(pod: Readonly<Pod>): number {
  return getIndexFailureCount(pod) + parseInt32(pod.metadata?.annotations?.[JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION]);
}

/**
 * getPodsWithDelayedDeletionPerIndex picks, per index that is neither done nor running, the
 * latest failed pod still tracked: its finalizer stays until the replacement exists, so the
 * replacement can carry the index's failure count on.
 */
export function getPodsWithDelayedDeletionPerIndex(ctx: Readonly<SyncJobCtx>): Map<number, Readonly<Pod>> {
  const active = getIndexes(ctx.activePods);
  const out = new Map<number, Readonly<Pod>>();
  for (const p of ctx.pods) {
    const uid = p.metadata?.uid ?? '';
    if (!hasJobTrackingFinalizer(p) || ctx.expectedRmFinalizers.has(uid)) continue;
    if (!isPodFailed(p, ctx.job)) continue;
    const ix = validIndexOf(ctx.job, p);
    if (ix === undefined) continue;
    if (hasIndex(ctx.succeededIndexes, ix) || hasIndex(ctx.failedIndexes, ix) || active.has(ix)) continue;
    const prev = out.get(ix);
    if (!prev || (getIndexAbsoluteFailureCount(prev) <= getIndexAbsoluteFailureCount(p) && getFinishedTime(p) >= getFinishedTime(prev))) out.set(ix, p);
  }
  return out;
}

/** getNewIndexFailureCounts says what the replacement of a failed pod counts: its failures, and those the policy ignored. */
export function getNewIndexFailureCounts(job: Readonly<Job>, podBeingReplaced: Readonly<Pod> | undefined): { failures: number; ignored: number } {
  if (!podBeingReplaced) return { failures: 0, ignored: 0 };
  let failures = getIndexFailureCount(podBeingReplaced);
  let ignored = parseInt32(podBeingReplaced.metadata?.annotations?.[JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION]);
  if (job.spec.podFailurePolicy && !matchPodFailurePolicy(job.spec.podFailurePolicy, podBeingReplaced).countFailed) ignored++;
  else failures++;
  return { failures, ignored };
}

/** addIndexFailureCountAnnotation writes the failure counters on a replacement pod's template. */
export function addIndexFailureCountAnnotation(template: PodTemplate, job: Readonly<Job>, podBeingReplaced: Readonly<Pod> | undefined): void {
  const { failures, ignored } = getNewIndexFailureCounts(job, podBeingReplaced);
  const md = (template.metadata ??= {});
  md.annotations = { ...md.annotations, [JOB_INDEX_FAILURE_COUNT_ANNOTATION]: String(failures) };
  if (ignored > 0) md.annotations[JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(ignored);
}

/**
 * getRemainingTimePerIndex is the back-off left before an index's replacement pod may be created,
 * from the index's failure count and its last failed pod.
 */
export function getRemainingTimePerIndex(nowMs: number, defaultMs: number, maxMs: number, lastFailedPod: Readonly<Pod> | undefined): number {
  if (!lastFailedPod) return 0;
  return getRemainingTimeForFailuresCount(nowMs, defaultMs, maxMs, getIndexAbsoluteFailureCount(lastFailedPod) + 1, getFinishedTime(lastFailedPod));
}

/**
 * addCompletionIndexEnvVariables gives every container JOB_COMPLETION_INDEX from the pod's
 * completion-index label (the downward API), unless it sets one itself.
 */
export function addCompletionIndexEnvVariables(template: PodTemplate): void {
  const spec = template.spec ?? {};
  for (const field of ['initContainers', 'containers']) {
    const containers = spec[field];
    if (!Array.isArray(containers)) continue;
    for (const c of containers as { env?: { name: string }[] }[]) {
      if (c.env?.some((e) => e.name === COMPLETION_INDEX_ENV_NAME)) continue;
      c.env = [...(c.env ?? []), { name: COMPLETION_INDEX_ENV_NAME, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_COMPLETION_INDEX_ANNOTATION}']` } } } as { name: string }];
    }
  }
}

/** addCompletionIndex puts the index on the template as annotation and label (PodIndexLabel, on since 1.28). */
export function addCompletionIndex(template: PodTemplate, index: number): void {
  const md = (template.metadata ??= {});
  md.annotations = { ...md.annotations, [JOB_COMPLETION_INDEX_ANNOTATION]: String(index) };
  md.labels = { ...md.labels, [JOB_COMPLETION_INDEX_ANNOTATION]: String(index) };
}

/** podGenerateNameWithIndex is `JOB-INDEX-`, the job name cut so the prefix fits a generated name. */
export function podGenerateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const prefix = jobName + suffix;
  return prefix.length > MAX_GENERATED_NAME_LENGTH ? prefix.slice(0, MAX_GENERATED_NAME_LENGTH - suffix.length) + suffix : prefix;
}
