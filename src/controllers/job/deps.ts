import type { EventRecorder } from '../../client/events.js';
import type { Client } from '../../client/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import type { ControllerExpectations } from '../common/expectations.js';
import type { PodControl } from '../common/pod-control.js';
import type { BackoffStore } from './backoff.js';
import type { UIDTrackingExpectations } from './tracking.js';
import type { Job } from './types.js';

/**
 * JobSyncDeps is what the steps of syncJob (manageJob, status tracking) act through: the
 * JobController gives itself, tests may give fakes.
 */
export interface JobSyncDeps {
  readonly client: Client;
  readonly podControl: PodControl;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
  /** pod creations and deletions asked for and not yet seen, per Job key */
  readonly expectations: ControllerExpectations;
  /** tracking-finalizer removals asked for and not yet seen, per Job key */
  readonly finalizerExpectations: UIDTrackingExpectations;
  readonly backoffStore: BackoffStore;
  /** creates and deletes per sync (MaxPodCreateDeletePerSync) */
  readonly maxPodCreateDeletePerSync: number;
  /** the first and the longest pod-failure back-off */
  readonly podFailureBackoffMs: number;
  readonly maxPodFailureBackoffMs: number;
  /** enqueueSyncJobWithDelay syncs the Job again after ms (at least the batch period) */
  enqueueSyncJobWithDelay(job: Readonly<Job>, ms: number): void;
  /** updateJobStatus writes the Job's status and returns the stored Job */
  updateJobStatus(job: Job): Promise<Job>;
}
