import type { KubeObject } from '../../api/resource.js';
import type { JobSpec } from '../job/types.js';

/** CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION records on each Job the time it was scheduled for (CronJobsScheduledAnnotation, on since 1.29). */
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** ObjectReference is core/v1 ObjectReference as status.active lists Jobs. */
export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

/** CronJobStatus is batch/v1 CronJobStatus (times are RFC 3339 strings). */
export interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

/** CronJob is batch/v1 CronJob as the controller reads it (defaulted by the API server). */
export interface CronJob extends KubeObject {
  spec: {
    schedule: string;
    timeZone?: string | null;
    startingDeadlineSeconds?: number | null;
    concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
    suspend?: boolean;
    jobTemplate: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: JobSpec };
    successfulJobsHistoryLimit?: number | null;
    failedJobsHistoryLimit?: number | null;
  };
  status?: CronJobStatus;
}
