import type { KubeObject } from '../../api/resource.js';
import type { LabelSelectorSpec } from '../../apimachinery/labels.js';
import type { PodTemplate } from '../common/pod-control.js';

/** IntOrString is an int or a percentage string ("25%"), as maxUnavailable is. */
export type IntOrString = number | string;

/** PersistentVolumeClaimRetentionPolicyType is Retain or Delete (apps/v1). */
export type RetentionPolicyType = 'Retain' | 'Delete';

/** PersistentVolumeClaim is the part of core/v1 PersistentVolumeClaim the controller reads and writes. */
export interface PersistentVolumeClaim extends KubeObject {
  spec?: {
    accessModes?: string[];
    resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
    storageClassName?: string | null;
    volumeName?: string;
    volumeMode?: string;
    selector?: LabelSelectorSpec | null;
    [field: string]: unknown;
  };
  status?: { phase?: string; [field: string]: unknown };
}

/** StatefulSetStatus is apps/v1 StatefulSetStatus. */
export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  availableReplicas?: number;
  conditions?: unknown[];
}

/** StatefulSetSpec is apps/v1 StatefulSetSpec as the API server defaults it. */
export interface StatefulSetSpec {
  replicas?: number;
  selector?: LabelSelectorSpec;
  template: PodTemplate;
  volumeClaimTemplates?: PersistentVolumeClaim[];
  serviceName?: string;
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  updateStrategy?: {
    type?: 'RollingUpdate' | 'OnDelete';
    rollingUpdate?: { partition?: number; maxUnavailable?: IntOrString } | null;
  };
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: RetentionPolicyType; whenScaled?: RetentionPolicyType };
  ordinals?: { start?: number } | null;
}

/** StatefulSet is apps/v1 StatefulSet. */
export interface StatefulSet extends KubeObject {
  spec: StatefulSetSpec;
  status?: StatefulSetStatus;
}

/** PodCondition is core/v1 PodCondition. */
export interface PodCondition { type: string; status: string; lastTransitionTime?: string | null }

/** Volume is the part of core/v1 Volume the controller reads and writes. */
export interface Volume { name: string; persistentVolumeClaim?: { claimName: string; readOnly?: boolean }; [source: string]: unknown }

/** Pod is the part of core/v1 Pod the controller reads and writes. */
export interface Pod extends KubeObject {
  spec?: { hostname?: string; subdomain?: string; volumes?: Volume[]; nodeName?: string; [field: string]: unknown };
  status?: { phase?: string; conditions?: PodCondition[]; [field: string]: unknown };
}
