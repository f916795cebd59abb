import { rfc3339 } from '../../apimachinery/time.js';
import type { Job, JobCondition, JobConditionType } from './types.js';

/** finishedCondition returns the type of the Job's Complete or Failed condition when it is True (jobutil.FinishedCondition). */
export function finishedCondition(job: Readonly<Job>): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

/** isJobFinished: the Job has a True Complete or Failed condition (jobutil.IsJobFinished). */
export function isJobFinished(job: Readonly<Job>): boolean {
  return finishedCondition(job) !== undefined;
}

/** isJobSucceeded: the Job has a True Complete condition. */
export function isJobSucceeded(job: Readonly<Job>): boolean {
  return (job.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True');
}

/** newCondition builds a condition whose probe and transition times are now. */
export function newCondition(type: JobConditionType, status: JobCondition['status'], reason: string, message: string, now: Date): JobCondition {
  const t = rfc3339(now);
  return { type, status, lastProbeTime: t, lastTransitionTime: t, reason, message };
}

/** findConditionByType returns the condition of that type, if any. */
export function findConditionByType(list: readonly JobCondition[] | undefined, type: JobConditionType): JobCondition | undefined {
  return list?.find((c) => c.type === type);
}

/**
 * ensureJobConditionStatus sets the condition of that type to status/reason/message (replacing it,
 * with fresh times, when any differs) or appends it; a False condition is never appended, since
 * going from nothing to False says nothing. Returns the list and whether it changed.
 */
export function ensureJobConditionStatus(list: JobCondition[] | undefined, type: JobConditionType, status: JobCondition['status'], reason: string, message: string, now: Date): { conditions: JobCondition[]; changed: boolean } {
  const conditions = list ?? [];
  const i = conditions.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = conditions[i];
    if (c.status !== status || (c.reason ?? '') !== reason || (c.message ?? '') !== message) {
      conditions[i] = newCondition(type, status, reason, message, now);
      return { conditions, changed: true };
    }
    return { conditions, changed: false };
  }
  if (status !== 'False') return { conditions: [...conditions, newCondition(type, status, reason, message, now)], changed: true };
  return { conditions, changed: false };
}

/** hasSuccessCriteriaMetCondition returns the Job's True SuccessCriteriaMet condition, if any. */
export function hasSuccessCriteriaMetCondition(job: Readonly<Job>): JobCondition | undefined {
  const c = findConditionByType(job.status?.conditions, 'SuccessCriteriaMet');
  return c?.status === 'True' ? c : undefined;
}

/** isSuccessCriteriaMetCondition tells a True SuccessCriteriaMet condition. */
export function isSuccessCriteriaMetCondition(c: JobCondition | undefined): boolean {
  return c !== undefined && c.type === 'SuccessCriteriaMet' && c.status === 'True';
}
