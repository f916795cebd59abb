import type { KubeObject, ResourceDefinition } from '../api/resource.js';
import { StatusError } from '../apimachinery/errors.js';
import type { RegistryStore } from '../registry/store.js';

export interface AdmissionDeps {
  storeFor(group: string, version: string, plural: string): RegistryStore;
}

/** SERVICE_CIDR is Kubernetes' default service range 10.96.0.0/12; .1 is the `kubernetes` Service. */
const SERVICE_BASE = (10 << 24) | (96 << 16);
const SERVICE_SIZE = 1 << 20;

function ipToString(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * admitCreate is the mutating admission tskube runs on create: it allocates Service cluster IPs
 * (the ClusterIP allocator that kube-apiserver runs in its Service REST storage), gives claims
 * without a class the default StorageClass (DefaultStorageClass) and puts the in-use protection
 * finalizers on claims and volumes (StorageObjectInUseProtection).
 */
export async function admitCreate(def: ResourceDefinition, obj: KubeObject, deps: AdmissionDeps): Promise<void> {
  if (def.group === '' && def.plural === 'services') await allocateClusterIP(obj, deps);
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

async function allocateClusterIP(svc: KubeObject, deps: AdmissionDeps): Promise<void> {
  const spec = (svc.spec ??= {}) as { type?: string; clusterIP?: string; clusterIPs?: string[] };
  if (spec.type === 'ExternalName') return;
  if (spec.clusterIP === 'None') { spec.clusterIPs = ['None']; return; }
  const { items } = await deps.storeFor('', 'v1', 'services').list(undefined);
  const used = new Set(items.map((s) => (s.spec as { clusterIP?: string } | undefined)?.clusterIP));
  if (spec.clusterIP) {
    if (used.has(spec.clusterIP)) {
      throw new StatusError(422, 'Invalid', `Service "${svc.metadata?.name}" is invalid: spec.clusterIPs: Invalid value: []string{"${spec.clusterIP}"}: failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`);
    }
    spec.clusterIPs = [spec.clusterIP];
    return;
  }
  // Random probing like Kubernetes' bitmap allocator, skipping the network and .1.
  for (let i = 0; i < 4096; i++) {
    const n = SERVICE_BASE + 2 + Math.floor(Math.random() * (SERVICE_SIZE - 3));
    const ip = ipToString(n);
    if (!used.has(ip)) {
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      return;
    }
  }
  throw new StatusError(500, 'InternalError', 'Internal error occurred: failed to allocate a serviceIP: range is full');
}
