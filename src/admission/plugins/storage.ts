/**
 * The storage admission plugins: DefaultStorageClass (plugin/pkg/admission/storage/storageclass/
 * setdefault) and StorageObjectInUseProtection (…/storageobjectinuseprotection).
 */
import type { KubeObject } from '../../api/resource.js';
import type { AdmissionAttributes, AdmissionPlugin, Operation } from '../interfaces.js';
import type { PluginDeps } from './deps.js';

/** IS_DEFAULT_CLASS_ANNOTATIONS mark a StorageClass as the cluster's default (GA and beta keys). */
const IS_DEFAULT_CLASS_ANNOTATIONS = ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'];

const isCore = (attrs: AdmissionAttributes, plural: string) => attrs.def.group === '' && attrs.def.plural === plural && attrs.subresource === '';

/**
 * DefaultStorageClass gives a new claim that names no class (no storageClassName, no beta
 * annotation; "" is a choice) the default StorageClass, the newest when several are marked default.
 */
export class DefaultStorageClass implements AdmissionPlugin {
  readonly name = 'DefaultStorageClass';
  constructor(private readonly deps: PluginDeps) {}

  handles(op: Operation): boolean { return op === 'CREATE'; }

  async admit(attrs: AdmissionAttributes): Promise<void> {
    if (!isCore(attrs, 'persistentvolumeclaims') || !attrs.object) return;
    const pvc = attrs.object;
    const spec = pvc.spec as Record<string, unknown> | undefined;
    if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return;
    if ((spec.storageClassName !== undefined && spec.storageClassName !== null) || pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] !== undefined) return;
    const { items } = await this.deps.storeFor('storage.k8s.io', 'v1', 'storageclasses').list(undefined);
    const defaults = items.filter((c) => IS_DEFAULT_CLASS_ANNOTATIONS.some((a) => c.metadata?.annotations?.[a] === 'true'));
    if (defaults.length === 0) return;
    // Newest first; the name breaks ties so the choice does not depend on list order.
    defaults.sort((a, b) => (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    spec.storageClassName = defaults[0].metadata?.name;
  }
}

/**
 * StorageObjectInUseProtection puts the protection finalizer on new claims and volumes, so they
 * are not removed while a pod uses them (the pvc/pv protection controllers lift it).
 */
export class StorageObjectInUseProtection implements AdmissionPlugin {
  readonly name = 'StorageObjectInUseProtection';

  handles(op: Operation): boolean { return op === 'CREATE'; }

  async admit(attrs: AdmissionAttributes): Promise<void> {
    if (!attrs.object) return;
    if (isCore(attrs, 'persistentvolumeclaims')) addFinalizer(attrs.object, 'kubernetes.io/pvc-protection');
    if (isCore(attrs, 'persistentvolumes')) addFinalizer(attrs.object, 'kubernetes.io/pv-protection');
  }
}

function addFinalizer(obj: KubeObject, finalizer: string): void {
  const meta = obj.metadata;
  // A malformed object is left for validation to refuse.
  if (!meta || (meta.finalizers !== undefined && meta.finalizers !== null && !Array.isArray(meta.finalizers))) return;
  const list = meta.finalizers ?? [];
  if (!list.includes(finalizer)) meta.finalizers = [...list, finalizer];
}
