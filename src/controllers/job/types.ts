import type { KubeObject } from '../../api/resource.js';
import type { LabelSelectorSpec } from '../../apimachinery/labels.js';
import type { PodTemplate } from '../common/pod-control.js';

/** JOB_TRACKING_FINALIZER is put on every pod a Job creates so its result is counted before the pod can go (batch.JobTrackingFinalizer). */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** JOB_COMPLETION_INDEX_ANNOTATION holds an Indexed Job pod's index (annotation and, since PodIndexLabel, label). */
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/** JOB_INDEX_FAILURE_COUNT_ANNOTATION counts the failures of an index so far (backoffLimitPerIndex). */
export const JOB_INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';
/** JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION counts the failures of an index the pod failure policy ignored. */
export const JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-ignored-failure-count';
/** COMPLETION_INDEX_ENV_NAME is the variable an Indexed Job's containers read their index from. */
export const COMPLETION_INDEX_ENV_NAME = 'JOB_COMPLETION_INDEX';

/** JobConditionType lists batch/v1 JobConditionType values. */
export type JobConditionType = 'Suspended' | 'Complete' | 'Failed' | 'FailureTarget' | 'SuccessCriteriaMet';

/** Condition reasons the controller writes (batch.JobReason*). */
export const JobReason = {
  BackoffLimitExceeded: 'BackoffLimitExceeded',
  DeadlineExceeded: 'DeadlineExceeded',
  PodFailurePolicy: 'PodFailurePolicy',
  FailedIndexes: 'FailedIndexes',
  MaxFailedIndexesExceeded: 'MaxFailedIndexesExceeded',
  SuccessPolicy: 'SuccessPolicy',
  CompletionsReached: 'CompletionsReached',
} as const;

/** JobCondition is batch/v1 JobCondition (times are RFC 3339 strings). */
export interface JobCondition {
  type: JobConditionType;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** PodFailurePolicyAction is what a matching pod failure policy rule does. */
export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

/** PodFailurePolicyRule is batch/v1 PodFailurePolicyRule: onExitCodes or onPodConditions. */
export interface PodFailurePolicyRule {
  action: PodFailurePolicyAction;
  onExitCodes?: { containerName?: string; operator: 'In' | 'NotIn'; values: number[] } | null;
  onPodConditions?: { type: string; status?: string }[] | null;
}

/** PodFailurePolicy is batch/v1 PodFailurePolicy. */
export interface PodFailurePolicy { rules: PodFailurePolicyRule[] }

/** SuccessPolicy is batch/v1 SuccessPolicy (Indexed Jobs). */
export interface SuccessPolicy { rules: { succeededIndexes?: string; succeededCount?: number }[] }

/** JobSpec is the part of batch/v1 JobSpec the controller reads (defaulted by the API server). */
export interface JobSpec {
  parallelism?: number;
  completions?: number | null;
  activeDeadlineSeconds?: number | null;
  backoffLimit?: number;
  backoffLimitPerIndex?: number | null;
  maxFailedIndexes?: number | null;
  podFailurePolicy?: PodFailurePolicy | null;
  successPolicy?: SuccessPolicy | null;
  selector?: LabelSelectorSpec;
  manualSelector?: boolean;
  template: PodTemplate & { spec?: { restartPolicy?: string; [field: string]: unknown } };
  ttlSecondsAfterFinished?: number | null;
  completionMode?: 'NonIndexed' | 'Indexed';
  suspend?: boolean;
  podReplacementPolicy?: 'TerminatingOrFailed' | 'Failed';
  managedBy?: string;
}

/** UncountedTerminatedPods lists the UIDs of finished pods whose finalizer is being removed (not yet in the counters). */
export interface UncountedTerminatedPods { succeeded?: string[]; failed?: string[] }

/** JobStatus is batch/v1 JobStatus. */
export interface JobStatus {
  conditions?: JobCondition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number;
  completedIndexes?: string;
  failedIndexes?: string;
  uncountedTerminatedPods?: UncountedTerminatedPods;
  ready?: number;
}

/** Job is batch/v1 Job as the controller reads it. */
export interface Job extends KubeObject {
  spec: JobSpec;
  status?: JobStatus;
}

/** ContainerStatus is the part of core/v1 ContainerStatus the Job controller reads. */
export interface ContainerStatus {
  name: string;
  restartCount?: number;
  state?: {
    terminated?: { exitCode: number; finishedAt?: string; reason?: string } | null;
    running?: unknown;
    waiting?: unknown;
  };
}

/** PodCondition is core/v1 PodCondition. */
export interface PodCondition { type: string; status: string; lastTransitionTime?: string; reason?: string; message?: string }

/** Pod is the part of core/v1 Pod the Job controller reads. */
export interface Pod extends KubeObject {
  spec?: { nodeName?: string; [field: string]: unknown };
  status?: {
    phase?: string;
    conditions?: PodCondition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    [field: string]: unknown;
  };
}
