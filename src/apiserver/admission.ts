import type { KubeObject, ResourceDefinition } from '../api/resource.js';
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
}
