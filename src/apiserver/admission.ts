import type { KubeObject, ResourceDefinition } from '../api/resource.js';
import { PREEMPTION_POLICY_DEFAULTED, PRIORITY_DEFAULTED } from '../api/core/pod-defaults.js';
import { forbidden, StatusError } from '../apimachinery/errors.js';
import type { RegistryStore } from '../registry/store.js';
import type { Revert, ServiceAllocator } from '../registry/service/service-allocator.js';

export interface AdmissionDeps {
  storeFor(group: string, version: string, plural: string): RegistryStore;
  /** the cluster IP and node port allocators (kube-apiserver's Service REST storage) */
  services?: ServiceAllocator;
}

/**
 * admitCreate is the mutating admission tskube runs on create: it allocates Service cluster IPs
 * (the ClusterIP allocator that kube-apiserver runs in its Service REST storage), gives claims
 * without a class the default StorageClass (DefaultStorageClass) and puts the in-use protection
 * finalizers on claims and volumes (StorageObjectInUseProtection).
 */
export async function admitCreate(def: ResourceDefinition, obj: KubeObject, deps: AdmissionDeps): Promise<Revert | void> {
  // The allocation is undone (the returned revert) when the Service is not written after all.
  if (def.group === '' && def.plural === 'services' && deps.services) return deps.services.allocateCreate(obj);
  if (def.group === '' && def.plural === 'persistentvolumeclaims') {
    await setDefaultStorageClass(obj, deps);
    addFinalizer(obj, 'kubernetes.io/pvc-protection');
  }
  if (def.group === '' && def.plural === 'persistentvolumes') addFinalizer(obj, 'kubernetes.io/pv-protection');
  if (def.group === '' && def.plural === 'pods') await admitPodPriority(obj, deps);
  if (def.group === 'scheduling.k8s.io' && def.plural === 'priorityclasses') await checkSingleGlobalDefault(obj, deps);
}

const PODS = { group: '', resource: 'pods' };
const PRIORITY_CLASSES = { group: 'scheduling.k8s.io', resource: 'priorityclasses' };

/** defaultPriorityClass is the globalDefault class (the lowest value if a race made several). */
async function defaultPriorityClass(deps: AdmissionDeps): Promise<KubeObject | undefined> {
  const { items } = await deps.storeFor('scheduling.k8s.io', 'v1', 'priorityclasses').list(undefined);
  let best: KubeObject | undefined;
  for (const pc of items) if (pc.globalDefault === true && (!best || Number(best.value) > Number(pc.value))) best = pc;
  return best;
}

/**
 * admitPodPriority is the Priority admission plugin: a pod gets the priority (and preemption
 * policy) of its priorityClassName, or of the globalDefault class (0 and PreemptLowerPriority
 * without one); an unknown class, or a priority that disagrees with the class, is Forbidden.
 */
async function admitPodPriority(pod: KubeObject, deps: AdmissionDeps): Promise<void> {
  const spec = pod.spec as Record<string, unknown> | undefined;
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return;
  const name = pod.metadata?.name ?? '';
  const userPriority = PRIORITY_DEFAULTED.has(spec) ? undefined : spec.priority;
  const userPolicy = PREEMPTION_POLICY_DEFAULTED.has(spec) ? undefined : spec.preemptionPolicy;
  let priority = 0;
  let policy: unknown = 'PreemptLowerPriority';
  if (!spec.priorityClassName) {
    const dpc = await defaultPriorityClass(deps);
    if (dpc) {
      spec.priorityClassName = dpc.metadata?.name;
      priority = Number(dpc.value ?? 0);
      policy = dpc.preemptionPolicy;
    }
  } else {
    let pc: KubeObject;
    try {
      pc = await deps.storeFor('scheduling.k8s.io', 'v1', 'priorityclasses').get(undefined, String(spec.priorityClassName));
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) throw forbidden(PODS, name, `no PriorityClass with name ${spec.priorityClassName} was found`);
      throw e;
    }
    priority = Number(pc.value ?? 0);
    policy = pc.preemptionPolicy;
  }
  if (userPriority !== undefined && userPriority !== null && userPriority !== priority) {
    throw forbidden(PODS, name, `the integer value of priority (${userPriority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
  }
  spec.priority = priority;
  if (policy !== undefined && policy !== null) {
    if (userPolicy !== undefined && userPolicy !== null && userPolicy !== policy) {
      throw forbidden(PODS, name, `the string value of PreemptionPolicy (${userPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
    }
    spec.preemptionPolicy = policy;
  }
}

/** checkSingleGlobalDefault refuses a second globalDefault PriorityClass. */
async function checkSingleGlobalDefault(pc: KubeObject, deps: AdmissionDeps): Promise<void> {
  if (pc.globalDefault !== true) return;
  const dpc = await defaultPriorityClass(deps);
  if (dpc && dpc.metadata?.name !== pc.metadata?.name) {
    throw forbidden(PRIORITY_CLASSES, pc.metadata?.name ?? '', `PriorityClass ${dpc.metadata?.name} is already marked as default. Only one default can exist`);
  }
}

/** IS_DEFAULT_CLASS_ANNOTATIONS mark a StorageClass as the cluster's default (GA and beta keys). */
const IS_DEFAULT_CLASS_ANNOTATIONS = ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'];

/**
 * setDefaultStorageClass is the DefaultStorageClass admission plugin: a claim that names no class
 * (no storageClassName, no beta annotation; "" is a choice) gets the default one, the newest when
 * several are marked default.
 */
async function setDefaultStorageClass(pvc: KubeObject, deps: AdmissionDeps): Promise<void> {
  const spec = pvc.spec as Record<string, unknown> | undefined;
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return;
  if ((spec.storageClassName !== undefined && spec.storageClassName !== null) || pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] !== undefined) return;
  const { items } = await deps.storeFor('storage.k8s.io', 'v1', 'storageclasses').list(undefined);
  const defaults = items.filter((c) => IS_DEFAULT_CLASS_ANNOTATIONS.some((a) => c.metadata?.annotations?.[a] === 'true'));
  if (defaults.length === 0) return;
  defaults.sort((a, b) => (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  spec.storageClassName = defaults[0].metadata?.name;
}

function addFinalizer(obj: KubeObject, finalizer: string): void {
  const meta = obj.metadata;
  // A malformed object is left for validation to refuse.
  if (!meta || (meta.finalizers !== undefined && meta.finalizers !== null && !Array.isArray(meta.finalizers))) return;
  const list = meta.finalizers ?? [];
  if (!list.includes(finalizer)) meta.finalizers = [...list, finalizer];
}

/**
 * admitUpdate is the mutating admission tskube runs on update: a Service that now needs a cluster
 * IP or node ports (a type change, new ports) gets them; the revert undoes that if the write fails.
 */
export async function admitUpdate(def: ResourceDefinition, obj: KubeObject, old: KubeObject, deps: AdmissionDeps): Promise<Revert | void> {
  if (def.group === '' && def.plural === 'services' && deps.services) return deps.services.allocateUpdate(obj, old);
  if (def.group === 'scheduling.k8s.io' && def.plural === 'priorityclasses') await checkSingleGlobalDefault(obj, deps);
}
