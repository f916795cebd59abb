import type { KubeObject } from '../../api/resource.js';
import type { LabelSelectorSpec } from '../../apimachinery/labels.js';

/**
 * The storage kinds as the volume controllers read them (core/v1 PersistentVolume and
 * PersistentVolumeClaim, storage.k8s.io/v1 StorageClass), and the annotations they coordinate with.
 */

/** ObjectReference is core/v1 ObjectReference (a volume's claimRef). */
export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

/** NodeSelectorRequirement / NodeSelectorTerm are core/v1's. */
export interface NodeSelectorRequirement { key: string; operator: string; values?: string[] }
export interface NodeSelectorTerm { matchExpressions?: NodeSelectorRequirement[]; matchFields?: NodeSelectorRequirement[] }

/** PersistentVolumeSpec is the part of core/v1 PersistentVolumeSpec the controllers read. */
export interface PersistentVolumeSpec {
  capacity?: Record<string, string | number>;
  accessModes?: string[];
  claimRef?: ObjectReference | null;
  persistentVolumeReclaimPolicy?: string;
  storageClassName?: string;
  volumeMode?: string;
  nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } | null } | null;
  hostPath?: { path: string; type?: string };
  local?: { path: string; fsType?: string };
  [source: string]: unknown;
}

/** PersistentVolume is core/v1 PersistentVolume. */
export interface PersistentVolume extends KubeObject {
  spec?: PersistentVolumeSpec;
  status?: { phase?: string; message?: string; reason?: string; lastPhaseTransitionTime?: string };
}

/** PersistentVolumeClaimSpec is the part of core/v1 PersistentVolumeClaimSpec the controllers read. */
export interface PersistentVolumeClaimSpec {
  accessModes?: string[];
  selector?: LabelSelectorSpec | null;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  volumeName?: string;
  storageClassName?: string | null;
  volumeMode?: string;
  [field: string]: unknown;
}

/** PersistentVolumeClaim is core/v1 PersistentVolumeClaim. */
export interface PersistentVolumeClaim extends KubeObject {
  spec?: PersistentVolumeClaimSpec;
  status?: { phase?: string; accessModes?: string[]; capacity?: Record<string, string | number>; [field: string]: unknown };
}

/** StorageClass is storage.k8s.io/v1 StorageClass. */
export interface StorageClass extends KubeObject {
  provisioner: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
  allowedTopologies?: { matchLabelExpressions?: { key: string; values: string[] }[] }[];
  mountOptions?: string[];
}

/** StorageClasses is the ResourceRef of storage.k8s.io/v1 storageclasses. */
export const StorageClasses = { group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses', namespaced: false } as const;

/** Annotations the PV controller, the scheduler and provisioners coordinate with (storagehelpers). */
export const Ann = {
  /** on claims: binding has completed once (value irrelevant) */
  bindCompleted: 'pv.kubernetes.io/bind-completed',
  /** on volumes and claims: the binding was made by the controller, not pre-bound by the user */
  boundByController: 'pv.kubernetes.io/bound-by-controller',
  /** on volumes: the provisioner that made it */
  dynamicallyProvisioned: 'pv.kubernetes.io/provisioned-by',
  /** on claims: the provisioner asked to provision it (beta and GA keys) */
  betaStorageProvisioner: 'volume.beta.kubernetes.io/storage-provisioner',
  storageProvisioner: 'volume.kubernetes.io/storage-provisioner',
  /** on claims: the node the scheduler chose for a WaitForFirstConsumer claim */
  selectedNode: 'volume.kubernetes.io/selected-node',
  /** on claims: the deprecated way of naming a class */
  betaStorageClass: 'volume.beta.kubernetes.io/storage-class',
} as const;

/** Finalizers of the in-use protection controllers. */
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

/** Pod is the part of core/v1 Pod the volume controllers read. */
export interface Pod extends KubeObject {
  spec?: { nodeName?: string; volumes?: { name: string; persistentVolumeClaim?: { claimName: string; readOnly?: boolean }; ephemeral?: unknown }[]; [field: string]: unknown };
  status?: { phase?: string; [field: string]: unknown };
}

/** POD_PVC_INDEX indexes pods by the `namespace/claim` of every claim they use. */
export const POD_PVC_INDEX = 'pod-pvc-index';

/** podPVCIndexer is the POD_PVC_INDEX function (also ephemeral volumes' generated claims, POD-VOLUME). */
export function podPVCIndexer(pod: Readonly<KubeObject>): string[] {
  const p = pod as Pod;
  const ns = p.metadata?.namespace ?? '';
  const out: string[] = [];
  for (const v of p.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) out.push(`${ns}/${v.persistentVolumeClaim.claimName}`);
    else if (v.ephemeral) out.push(`${ns}/${p.metadata?.name}-${v.name}`);
  }
  return out;
}
