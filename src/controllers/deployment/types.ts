import type { KubeObject, ObjectMeta } from '../../api/resource.js';
import type { LabelSelectorSpec } from '../../apimachinery/labels.js';
import type { PodTemplate } from '../common/pod-control.js';

/** IntOrString is intstr.IntOrString as JSON: 2 or "25%". */
export type IntOrString = number | string;

/** ConditionStatus is a condition's status. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** DeploymentConditionType names a Deployment condition. */
export type DeploymentConditionType = 'Available' | 'Progressing' | 'ReplicaFailure';

/** DeploymentCondition is apps/v1 DeploymentCondition (times are RFC 3339, second precision, as metav1.Time marshals). */
export interface DeploymentCondition {
  type: DeploymentConditionType | string;
  status: ConditionStatus;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** DeploymentStrategy is apps/v1 DeploymentStrategy. */
export interface DeploymentStrategy {
  type?: 'Recreate' | 'RollingUpdate' | string;
  rollingUpdate?: { maxUnavailable?: IntOrString; maxSurge?: IntOrString };
}

/** DeploymentSpec is apps/v1 DeploymentSpec after defaulting. */
export interface DeploymentSpec {
  replicas?: number;
  selector?: LabelSelectorSpec;
  template?: PodTemplate;
  strategy?: DeploymentStrategy;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
}

/** DeploymentStatus is apps/v1 DeploymentStatus. */
export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
  collisionCount?: number;
}

/** Deployment is apps/v1 Deployment. */
export interface Deployment extends KubeObject {
  metadata?: ObjectMeta;
  spec?: DeploymentSpec;
  status?: DeploymentStatus;
}

/** ReplicaSetCondition is apps/v1 ReplicaSetCondition. */
export interface ReplicaSetCondition {
  type: string;
  status: ConditionStatus;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** ReplicaSet is apps/v1 ReplicaSet. */
export interface ReplicaSet extends KubeObject {
  metadata?: ObjectMeta;
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector?: LabelSelectorSpec;
    template?: PodTemplate;
  };
  status?: {
    replicas?: number;
    fullyLabeledReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
    conditions?: ReplicaSetCondition[];
  };
}

/** Pod is the part of core/v1 Pod the deployment controller reads. */
export interface Pod extends KubeObject {
  metadata?: ObjectMeta;
  status?: { phase?: string };
}

/** DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY is the label (apps.DefaultDeploymentUniqueLabelKey) that keeps each ReplicaSet's pods apart. */
export const DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY = 'pod-template-hash';

/** Annotations the deployment controller reads and writes. */
export const RevisionAnnotation = 'deployment.kubernetes.io/revision';
/** RevisionHistoryAnnotation keeps the earlier revisions a ReplicaSet served (rollbacks to it). */
export const RevisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';
/** DesiredReplicasAnnotation is the Deployment's spec.replicas as its ReplicaSets last saw it. */
export const DesiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
/** MaxReplicasAnnotation is spec.replicas + maxSurge as the ReplicaSets last saw it (proportional scaling). */
export const MaxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';
/** DeprecatedRollbackTo is where extensions/v1beta1's spec.rollbackTo lived once converted to apps/v1. */
export const DeprecatedRollbackTo = 'deprecated.deployment.rollback.to';
/** LastAppliedConfigAnnotation is kubectl apply's annotation, never copied to ReplicaSets. */
export const LastAppliedConfigAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

/** Condition reasons, as upstream's deploymentutil constants. */
export const Reasons = {
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  FailedRSCreate: 'ReplicaSetCreateError',
  NewReplicaSet: 'NewReplicaSetCreated',
  FoundNewRS: 'FoundNewReplicaSet',
  NewRSAvailable: 'NewReplicaSetAvailable',
  TimedOut: 'ProgressDeadlineExceeded',
  PausedDeploy: 'DeploymentPaused',
  ResumedDeploy: 'DeploymentResumed',
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

/** Rollback event reasons (the deprecated rollbackTo annotation). */
export const RollbackReasons = {
  RevisionNotFound: 'DeploymentRollbackRevisionNotFound',
  TemplateUnchanged: 'DeploymentRollbackTemplateUnchanged',
  Done: 'DeploymentRollback',
} as const;
