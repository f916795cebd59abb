import type { BackoffRecord } from './backoff.js';
import type { Interval } from './intervals.js';
import type { Job, JobCondition, Pod } from './types.js';

/**
 * SyncJobCtx is what one syncJob has computed so far about a Job, passed between its steps
 * (upstream's syncJobCtx). `job` is a private copy the steps mutate; the pods are cache objects.
 */
export interface SyncJobCtx {
  job: Job;
  pods: Readonly<Pod>[];
  activePods: Readonly<Pod>[];
  /** the condition the Job is heading for (FailureTarget, SuccessCriteriaMet, then Failed/Complete), if any */
  finishedCondition?: JobCondition;
  succeeded: number;
  failed: number;
  /** status.completedIndexes as the sync started (Indexed Jobs) */
  prevSucceededIndexes: Interval[];
  succeededIndexes: Interval[];
  /** failed indexes (backoffLimitPerIndex only) */
  failedIndexes?: Interval[];
  newBackoffRecord: BackoffRecord;
  /** pod UIDs whose finalizer removal was asked for and not yet observed */
  expectedRmFinalizers: ReadonlySet<string>;
  uncounted: { succeeded: Set<string>; failed: Set<string> };
  /** per index, the failed pod whose removal waits until its replacement exists (backoffLimitPerIndex) */
  podsWithDelayedDeletionPerIndex: Map<number, Readonly<Pod>>;
  terminating: number;
  ready: number;
}
