import type { KubeObject } from '../../api/resource.js';
import { labelSelectorFromSet, labelSelectorFromSpec, type LabelSelector, type LabelSelectorSpec } from '../../apimachinery/labels.js';
import type { GroupVersionKind } from '../../apimachinery/ownerrefs.js';
import { Resources, type ResourceRef } from '../../client/types.js';

/**
 * ReplicaSetKind is everything that differs between a ReplicaSet and a ReplicationController for
 * the controller that manages both (upstream runs one ReplicaSetController per kind and converts
 * RCs to RSs on the way in). spec.replicas, spec.minReadySeconds, spec.template and the status
 * fields sit at the same paths in both kinds, so only identity and the selector differ.
 */
export interface ReplicaSetKind {
  /** the kind's group, version and kind (owner references, events) */
  gvk: GroupVersionKind;
  /** the resource the controller lists, watches and writes status to */
  resource: ResourceRef;
  /** kube-controller-manager's --controllers name */
  controllerName: string;
  /** the event source component (`replicaset-controller`, `replication-controller`) */
  eventComponent: string;
  /** selector converts the object's spec.selector; throws a StatusError when it is invalid */
  selector(obj: Readonly<KubeObject>): LabelSelector;
}

function spec(obj: Readonly<KubeObject>): { selector?: unknown } {
  return (obj.spec ?? {}) as { selector?: unknown };
}

/** replicaSetKind: apps/v1 ReplicaSet, a metav1.LabelSelector (matchLabels and matchExpressions). */
export const replicaSetKind: ReplicaSetKind = {
  gvk: { group: 'apps', version: 'v1', kind: 'ReplicaSet' },
  resource: Resources.replicasets,
  controllerName: 'replicaset',
  eventComponent: 'replicaset-controller',
  selector: (obj) => labelSelectorFromSpec(spec(obj).selector as LabelSelectorSpec | undefined),
};

/**
 * replicationControllerKind: core/v1 ReplicationController, an equality selector (a label map). An
 * empty map is what upstream's conversion turns into an empty matchLabels, which selects
 * everything; the API server never stores one (it defaults it from the template's labels).
 */
export const replicationControllerKind: ReplicaSetKind = {
  gvk: { group: '', version: 'v1', kind: 'ReplicationController' },
  resource: Resources.replicationcontrollers,
  controllerName: 'replicationcontroller',
  eventComponent: 'replication-controller',
  selector: (obj) => labelSelectorFromSet(spec(obj).selector as Record<string, string> | undefined),
};
