/**
 * PatchSchema: how a strategic merge patch treats each field — the `patchStrategy` and
 * `patchMergeKey` struct tags of Kubernetes' Go types (k8s.io/api v0.32), written out as a table
 * for the kinds tskube serves. Fields not in the table behave as untagged Go fields: maps merge,
 * lists are replaced.
 */

/** PatchStrategy is a field's `patchStrategy` tag. */
export type PatchStrategy = 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys';

/** PatchMeta is what a strategic merge patch needs to know about one field. */
export interface PatchMeta {
  readonly strategy?: PatchStrategy;
  /** for lists of objects merged by key: the key field (`name`, `containerPort`, ...) */
  readonly mergeKey?: string;
}

/**
 * PatchSchema answers for a field given its path of field names from the object's root; list
 * indexes are not part of the path (`['spec','template','spec','containers','ports']`).
 */
export interface PatchSchema {
  lookup(path: readonly string[]): PatchMeta;
}

/** FieldSpec is one tagged field, optionally with the struct (or list-element struct) beneath it. */
interface FieldSpec extends PatchMeta {
  readonly fields?: StructSpec;
}
type StructSpec = Readonly<Record<string, FieldSpec>>;

const byName = (fields?: StructSpec): FieldSpec => ({ strategy: 'merge', mergeKey: 'name', fields });
const conditionsByType: FieldSpec = { strategy: 'merge', mergeKey: 'type' };
const withConditions: StructSpec = { conditions: conditionsByType };

const objectMeta: StructSpec = {
  ownerReferences: { strategy: 'merge', mergeKey: 'uid' },
  finalizers: { strategy: 'merge' },
};

const container: StructSpec = {
  ports: { strategy: 'merge', mergeKey: 'containerPort' },
  env: byName(),
  volumeMounts: { strategy: 'merge', mergeKey: 'mountPath' },
  volumeDevices: { strategy: 'merge', mergeKey: 'devicePath' },
};

const containerStatus: StructSpec = {
  volumeMounts: { strategy: 'merge', mergeKey: 'mountPath' },
  allocatedResourcesStatus: byName(),
};

const podSpec: StructSpec = {
  volumes: { strategy: 'merge,retainKeys', mergeKey: 'name' },
  initContainers: byName(container),
  containers: byName(container),
  ephemeralContainers: byName(container),
  imagePullSecrets: byName(),
  hostAliases: { strategy: 'merge', mergeKey: 'ip' },
  topologySpreadConstraints: { strategy: 'merge', mergeKey: 'topologyKey' },
  schedulingGates: byName(),
  resourceClaims: { strategy: 'merge,retainKeys', mergeKey: 'name' },
};

const podStatus: StructSpec = {
  conditions: conditionsByType,
  hostIPs: { strategy: 'merge', mergeKey: 'ip' },
  podIPs: { strategy: 'merge', mergeKey: 'ip' },
  resourceClaimStatuses: { strategy: 'merge,retainKeys', mergeKey: 'name' },
  initContainerStatuses: { fields: containerStatus },
  containerStatuses: { fields: containerStatus },
  ephemeralContainerStatuses: { fields: containerStatus },
};

const podTemplateSpec: StructSpec = { metadata: { fields: objectMeta }, spec: { fields: podSpec } };
const withTemplate = (extra: StructSpec = {}): StructSpec => ({ template: { fields: podTemplateSpec }, ...extra });
const pvc: StructSpec = { metadata: { fields: objectMeta }, status: { fields: withConditions } };

/** kind → struct spec below the root (metadata is added for every kind). */
const kinds: Record<string, StructSpec> = {
  '/Pod': { spec: { fields: podSpec }, status: { fields: podStatus } },
  '/PodTemplate': { template: { fields: podTemplateSpec } },
  '/ReplicationController': { spec: { fields: withTemplate() }, status: { fields: withConditions } },
  '/Service': { spec: { fields: { ports: { strategy: 'merge', mergeKey: 'port' } } }, status: { fields: withConditions } },
  '/Node': {
    spec: { fields: { podCIDRs: { strategy: 'merge' } } },
    status: { fields: { conditions: conditionsByType, addresses: { strategy: 'merge', mergeKey: 'type' } } },
  },
  '/Namespace': { status: { fields: withConditions } },
  '/ServiceAccount': { secrets: byName() },
  '/PersistentVolumeClaim': { status: { fields: withConditions } },
  '/ComponentStatus': { conditions: conditionsByType },
  'apps/Deployment': { spec: { fields: withTemplate({ strategy: { strategy: 'retainKeys' } }) }, status: { fields: withConditions } },
  'apps/ReplicaSet': { spec: { fields: withTemplate() }, status: { fields: withConditions } },
  'apps/StatefulSet': {
    spec: { fields: withTemplate({ volumeClaimTemplates: { fields: pvc } }) },
    status: { fields: withConditions },
  },
  'apps/DaemonSet': { spec: { fields: withTemplate() }, status: { fields: withConditions } },
  'batch/Job': { spec: { fields: withTemplate() }, status: { fields: withConditions } },
  'batch/CronJob': {
    spec: { fields: { jobTemplate: { fields: { metadata: { fields: objectMeta }, spec: { fields: withTemplate() } } } } },
  },
  'autoscaling/HorizontalPodAutoscaler': { status: { fields: withConditions } },
  'policy/PodDisruptionBudget': { spec: { fields: { selector: { strategy: 'replace' } } }, status: { fields: withConditions } },
  'storage.k8s.io/CSINode': { spec: { fields: { drivers: byName() } } },
};

class TablePatchSchema implements PatchSchema {
  constructor(private readonly root: StructSpec) {}
  lookup(path: readonly string[]): PatchMeta {
    let struct: StructSpec | undefined = this.root;
    for (let i = 0; i < path.length; i++) {
      const spec: FieldSpec | undefined = struct?.[path[i]];
      if (!spec) return {};
      if (i === path.length - 1) return { strategy: spec.strategy, mergeKey: spec.mergeKey };
      struct = spec.fields;
    }
    return {};
  }
}

/** emptyPatchSchema tags nothing: maps merge, lists are replaced (the JSON merge patch behaviour plus directives). */
export const emptyPatchSchema: PatchSchema = { lookup: () => ({}) };

/**
 * patchSchemaFor returns the strategic merge patch schema of a kind (`group` '' for core). Kinds
 * without tagged fields (ConfigMap, Secret, custom kinds...) still get metadata's ownerReferences
 * and finalizers.
 */
export function patchSchemaFor(group: string, kind: string): PatchSchema {
  return new TablePatchSchema({ metadata: { fields: objectMeta }, ...(kinds[`${group}/${kind}`] ?? {}) });
}
