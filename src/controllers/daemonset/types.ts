import type { KubeObject } from '../../api/resource.js';
import type { LabelSelectorSpec } from '../../apimachinery/labels.js';
import type { PodTemplate } from '../common/pod-control.js';

/** IntOrString is an int or a percentage string ("25%"), as maxUnavailable and maxSurge are. */
export type IntOrString = number | string;

/** DaemonSetStatus is apps/v1 DaemonSetStatus. */
export interface DaemonSetStatus {
  currentNumberScheduled?: number;
  numberMisscheduled?: number;
  desiredNumberScheduled?: number;
  numberReady?: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: unknown[];
}

/** DaemonSet is the part of apps/v1 DaemonSet the controller reads (defaulted by the API server). */
export interface DaemonSet extends KubeObject {
  spec: {
    selector?: LabelSelectorSpec;
    template: PodTemplate;
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { maxUnavailable?: IntOrString; maxSurge?: IntOrString } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
  };
  status?: DaemonSetStatus;
}

/** Taint is core/v1 Taint. */
export interface Taint { key: string; value?: string; effect: string; timeAdded?: string }

/** Toleration is core/v1 Toleration. */
export interface Toleration { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number }

/** NodeSelectorRequirement is core/v1 NodeSelectorRequirement (labels or fields). */
export interface NodeSelectorRequirement { key: string; operator: string; values?: string[] }

/** NodeSelectorTerm is core/v1 NodeSelectorTerm: its requirements are ANDed. */
export interface NodeSelectorTerm { matchExpressions?: NodeSelectorRequirement[]; matchFields?: NodeSelectorRequirement[] }

/** Affinity is the node-affinity part of core/v1 Affinity the controller reads and rewrites. */
export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } | null;
    [field: string]: unknown;
  } | null;
  [field: string]: unknown;
}

/** PodSpec is the part of core/v1 PodSpec the controller reads. */
export interface PodSpec {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity | null;
  tolerations?: Toleration[];
  hostNetwork?: boolean;
  [field: string]: unknown;
}

/** PodCondition is core/v1 PodCondition. */
export interface PodCondition { type: string; status: string; lastTransitionTime?: string | null }

/** Pod is the part of core/v1 Pod the controller reads. */
export interface Pod extends KubeObject {
  spec?: PodSpec;
  status?: { phase?: string; conditions?: PodCondition[]; [field: string]: unknown };
}

/** Node is the part of core/v1 Node the controller reads. */
export interface Node extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: Taint[]; [field: string]: unknown };
  status?: { conditions?: { type: string; status: string }[]; [field: string]: unknown };
}
