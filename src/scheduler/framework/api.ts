/**
 * The parts of core/v1 Pod and Node the scheduler reads, typed loosely (every field optional, as
 * JSON from the API may omit any of them). Objects come from informer caches: never mutate them.
 */
import type { KubeObject, ObjectMeta } from '../../api/resource.js';
import type { LabelSelectorSpec } from '../../apimachinery/labels.js';

/** ResourceList is a map of resource name to quantity (`cpu: 100m`). */
export type ResourceList = Record<string, string | number>;

/** Toleration is core/v1 Toleration. */
export interface Toleration { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number }
/** Taint is core/v1 Taint. */
export interface Taint { key: string; value?: string; effect: string; timeAdded?: string }

/** NodeSelectorRequirement is core/v1 NodeSelectorRequirement. */
export interface NodeSelectorRequirement { key: string; operator: string; values?: string[] }
/** NodeSelectorTerm is core/v1 NodeSelectorTerm (requirements ANDed). */
export interface NodeSelectorTerm { matchExpressions?: NodeSelectorRequirement[]; matchFields?: NodeSelectorRequirement[] }
/** PreferredSchedulingTerm is core/v1 PreferredSchedulingTerm. */
export interface PreferredSchedulingTerm { weight: number; preference: NodeSelectorTerm }
/** PodAffinityTerm is core/v1 PodAffinityTerm. */
export interface PodAffinityTerm {
  labelSelector?: LabelSelectorSpec | null;
  namespaces?: string[];
  topologyKey: string;
  namespaceSelector?: LabelSelectorSpec | null;
  matchLabelKeys?: string[];
  mismatchLabelKeys?: string[];
}
/** WeightedPodAffinityTerm is core/v1 WeightedPodAffinityTerm. */
export interface WeightedPodAffinityTerm { weight: number; podAffinityTerm: PodAffinityTerm }

/** Affinity is core/v1 Affinity. */
export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } | null;
    preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[];
  };
  podAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[]; preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[] };
  podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[]; preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[] };
}

/** ContainerPort is core/v1 ContainerPort. */
export interface ContainerPort { name?: string; containerPort?: number; hostPort?: number; hostIP?: string; protocol?: string }

/** Container is the part of core/v1 Container the scheduler reads. */
export interface Container {
  name?: string;
  image?: string;
  ports?: ContainerPort[];
  resources?: { requests?: ResourceList; limits?: ResourceList };
  restartPolicy?: string;
}

/** TopologySpreadConstraint is core/v1 TopologySpreadConstraint. */
export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: string;
  labelSelector?: LabelSelectorSpec | null;
  minDomains?: number;
  nodeAffinityPolicy?: string;
  nodeTaintsPolicy?: string;
  matchLabelKeys?: string[];
}

/** PodSpec is the part of core/v1 PodSpec the scheduler reads. */
export interface PodSpec {
  nodeName?: string;
  schedulerName?: string;
  priority?: number;
  priorityClassName?: string;
  preemptionPolicy?: string;
  tolerations?: Toleration[];
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  containers?: Container[];
  initContainers?: Container[];
  overhead?: ResourceList;
  topologySpreadConstraints?: TopologySpreadConstraint[];
  schedulingGates?: { name: string }[];
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
}

/** PodCondition is core/v1 PodCondition. */
export interface PodCondition { type: string; status: string; reason?: string; message?: string; lastProbeTime?: string | null; lastTransitionTime?: string | null }

/** Pod is core/v1 Pod as the scheduler reads it. */
export interface Pod extends KubeObject {
  metadata?: ObjectMeta;
  spec?: PodSpec;
  status?: { phase?: string; nominatedNodeName?: string; conditions?: PodCondition[]; startTime?: string };
}

/** Node is core/v1 Node as the scheduler reads it. */
export interface Node extends KubeObject {
  metadata?: ObjectMeta;
  spec?: { unschedulable?: boolean; taints?: Taint[]; podCIDR?: string };
  status?: {
    allocatable?: ResourceList;
    capacity?: ResourceList;
    images?: { names?: string[]; sizeBytes?: number }[];
    conditions?: { type: string; status: string }[];
  };
}

/** podPriority is the pod's priority (0 when the Priority admission did not set it), as corev1helpers.PodPriority. */
export function podPriority(pod: Readonly<Pod>): number {
  return pod.spec?.priority ?? 0;
}
