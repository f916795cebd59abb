/**
 * Kubernetes vendor extensions on fields that the generated model does not carry: how strategic
 * merge patch merges lists (patch strategy and merge key) and how server-side apply sees them
 * (list type and map keys). Values are Kubernetes' (from its Go struct tags).
 */

/** PatchExtension is the subset of SchemaField that comes from this table. */
export interface PatchExtension {
  patchStrategy?: string;
  patchMergeKey?: string;
  listType?: string;
  listMapKeys?: string[];
}

const core = 'io.k8s.api.core.v1.';
const apps = 'io.k8s.api.apps.v1.';
const batch = 'io.k8s.api.batch.v1.';
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

/** mergeByKey: a list merged by one key field, as a list-map keyed by it (or by `mapKeys`). */
function mergeByKey(key: string, mapKeys: string[] = [key], strategy = 'merge'): PatchExtension {
  return { patchStrategy: strategy, patchMergeKey: key, listType: 'map', listMapKeys: mapKeys };
}
/** conditions lists are merged by type in every status. */
const conditions = mergeByKey('type');

/** PATCH_EXTENSIONS maps `definitionName.field` to its extensions. */
export const PATCH_EXTENSIONS: Record<string, PatchExtension> = {
  // Pod and template spec
  [`${core}PodSpec.containers`]: mergeByKey('name'),
  [`${core}PodSpec.initContainers`]: mergeByKey('name'),
  [`${core}PodSpec.ephemeralContainers`]: mergeByKey('name'),
  [`${core}PodSpec.volumes`]: mergeByKey('name', ['name'], 'merge,retainKeys'),
  [`${core}PodSpec.imagePullSecrets`]: mergeByKey('name'),
  [`${core}PodSpec.hostAliases`]: mergeByKey('ip'),
  [`${core}PodSpec.topologySpreadConstraints`]: mergeByKey('topologyKey', ['topologyKey', 'whenUnsatisfiable']),
  [`${core}PodSpec.resourceClaims`]: mergeByKey('name', ['name'], 'merge,retainKeys'),
  [`${core}PodSpec.schedulingGates`]: mergeByKey('name'),
  [`${core}PodSpec.tolerations`]: { listType: 'atomic' },
  [`${core}PodSpec.readinessGates`]: { listType: 'atomic' },
  // Containers (and ephemeral containers, which share the shape)
  ...containerExtensions(`${core}Container`),
  ...containerExtensions(`${core}EphemeralContainer`),
  // Pod status
  [`${core}PodStatus.conditions`]: conditions,
  [`${core}PodStatus.podIPs`]: mergeByKey('ip'),
  [`${core}PodStatus.hostIPs`]: mergeByKey('ip'),
  [`${core}PodStatus.resourceClaimStatuses`]: mergeByKey('name', ['name'], 'merge,retainKeys'),
  [`${core}PodStatus.containerStatuses`]: { listType: 'atomic' },
  [`${core}PodStatus.initContainerStatuses`]: { listType: 'atomic' },
  // Nodes, services, others in core
  [`${core}NodeStatus.conditions`]: conditions,
  [`${core}NodeStatus.addresses`]: mergeByKey('type'),
  [`${core}NodeSpec.podCIDRs`]: { patchStrategy: 'merge', listType: 'set' },
  [`${core}NodeSpec.taints`]: { listType: 'atomic' },
  [`${core}ServiceSpec.ports`]: mergeByKey('port', ['port', 'protocol']),
  [`${core}ServiceStatus.conditions`]: conditions,
  [`${core}ServiceAccount.secrets`]: mergeByKey('name'),
  [`${core}NamespaceStatus.conditions`]: conditions,
  [`${core}PersistentVolumeClaimStatus.conditions`]: conditions,
  [`${core}ReplicationControllerStatus.conditions`]: conditions,
  [`${core}ComponentStatus.conditions`]: conditions,
  // apps, batch, autoscaling
  [`${apps}DeploymentStatus.conditions`]: conditions,
  [`${apps}DeploymentSpec.strategy`]: { patchStrategy: 'retainKeys' },
  [`${apps}ReplicaSetStatus.conditions`]: conditions,
  [`${apps}DaemonSetStatus.conditions`]: conditions,
  [`${apps}StatefulSetStatus.conditions`]: conditions,
  [`${batch}JobStatus.conditions`]: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'atomic' },
  [`io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus.conditions`]: conditions,
  // metadata
  [`${meta}ObjectMeta.finalizers`]: { patchStrategy: 'merge', listType: 'set' },
  [`${meta}ObjectMeta.ownerReferences`]: mergeByKey('uid'),
  [`${meta}ObjectMeta.managedFields`]: { listType: 'atomic' },
};

function containerExtensions(def: string): Record<string, PatchExtension> {
  return {
    [`${def}.ports`]: mergeByKey('containerPort', ['containerPort', 'protocol']),
    [`${def}.env`]: mergeByKey('name'),
    [`${def}.volumeMounts`]: mergeByKey('mountPath'),
    [`${def}.volumeDevices`]: mergeByKey('devicePath'),
    [`${def}.resizePolicy`]: { listType: 'atomic' },
    [`${def}.command`]: { listType: 'atomic' },
    [`${def}.args`]: { listType: 'atomic' },
  };
}
