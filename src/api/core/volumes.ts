/** core/v1 persistentvolumes and persistentvolumeclaims. */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource } from '../common/define.js';
import { clone, isObj, type Obj } from '../common/obj.js';
import { deepEqual } from '../../apimachinery/deep.js';
import { specStatusStrategy, statusStrategy } from '../common/strategy.js';
import type { KubeObject, ResourceDefinition } from '../resource.js';
import { forbidden, invalidField, notSupported, required } from '../validation/field.js';
import { validateLabelSelector } from '../validation/labels.js';
import { tryParseQuantity } from '../../apimachinery/quantity.js';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc',
  'flocker', 'flexVolume', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume',
  'scaleIO', 'local', 'storageos', 'csi',
];

function validateAccessModes(modes: unknown, path: string, detail?: string): FieldError[] {
  const list: string[] = Array.isArray(modes) ? modes : [];
  if (list.length === 0) return [required(path, detail)];
  const errs: FieldError[] = [];
  for (const m of list) if (!ACCESS_MODES.includes(m)) errs.push(notSupported(path, m, ACCESS_MODES));
  if (list.includes('ReadWriteOncePod') && list.length > 1) errs.push(forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validatePV(pv: KubeObject): FieldError[] {
  const spec: Obj = isObj(pv.spec) ? pv.spec : {};
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes');
  const cap: Obj = isObj(spec.capacity) ? spec.capacity : {};
  if (Object.keys(cap).length === 0) errs.push(required('spec.capacity'));
  else if (cap.storage === undefined || Object.keys(cap).length > 1) errs.push(notSupported('spec.capacity', Object.keys(cap).join(','), ['storage']));
  else if (tryParseQuantity(cap.storage) === undefined) errs.push(invalidField('spec.capacity[storage]', cap.storage, 'must be a valid quantity'));
  const sources = PV_SOURCES.filter((s) => spec[s] !== undefined && spec[s] !== null);
  if (sources.length === 0) errs.push(required('spec', 'must specify a volume type'));
  for (const s of sources.slice(1)) errs.push(forbidden(`spec.${s}`, 'may not specify more than 1 volume type'));
  if (isObj(spec.hostPath) && !spec.hostPath.path) errs.push(required('spec.hostPath.path'));
  if (isObj(spec.local) && !spec.local.path) errs.push(required('spec.local.path'));
  if (spec.persistentVolumeReclaimPolicy && !RECLAIM_POLICIES.includes(spec.persistentVolumeReclaimPolicy)) {
    errs.push(notSupported('spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, RECLAIM_POLICIES));
  }
  if (spec.volumeMode && !VOLUME_MODES.includes(spec.volumeMode)) errs.push(notSupported('spec.volumeMode', spec.volumeMode, VOLUME_MODES));
  return errs;
}

/** persistentvolumes is the core/v1 PersistentVolume resource. */
export const persistentvolumes: ResourceDefinition = defineResource({
  group: '', version: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false,
  shortNames: ['pv'], subresources: ['status'],
  strategy: specStatusStrategy({
    default(pv) {
      const spec: Obj = isObj(pv.spec) ? pv.spec : (pv.spec = {});
      spec.persistentVolumeReclaimPolicy ??= 'Retain';
      spec.volumeMode ??= 'Filesystem';
      if (isObj(spec.hostPath) && spec.hostPath.type === undefined) spec.hostPath.type = '';
    },
    initialStatus: () => ({ phase: 'Pending' }),
    validate: validatePV,
  }),
  statusStrategy: statusStrategy(),
});

/** defaultPVCSpec sets volumeMode Filesystem (also used for StatefulSet volumeClaimTemplates). */
export function defaultPVCSpec(spec: Obj): void {
  spec.volumeMode ??= 'Filesystem';
}

/** validatePVCSpec checks a claim spec at `path` (`spec`, `spec.volumeClaimTemplates[0].spec`). */
export function validatePVCSpec(spec: Obj, path: string): FieldError[] {
  const errs = validateAccessModes(spec.accessModes, `${path}.accessModes`, 'at least 1 access mode is required');
  errs.push(...validateLabelSelector(spec.selector, `${path}.selector`));
  const storage = isObj(spec.resources) && isObj(spec.resources.requests) ? spec.resources.requests.storage : undefined;
  if (storage === undefined) errs.push(required(`${path}.resources[storage]`));
  else {
    const n = tryParseQuantity(storage);
    if (n === undefined) errs.push(invalidField(`${path}.resources.requests[storage]`, storage, 'must be a valid quantity'));
    else if (n <= 0) errs.push(invalidField(`${path}.resources[storage]`, String(storage), 'must be greater than zero'));
  }
  if (spec.volumeMode && !VOLUME_MODES.includes(spec.volumeMode)) errs.push(notSupported(`${path}.volumeMode`, spec.volumeMode, VOLUME_MODES));
  return errs;
}

/** PVC_SPEC_IMMUTABLE is Kubernetes' detail for forbidden claim spec updates. */
export const PVC_SPEC_IMMUTABLE = 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';

function validatePVCUpdate(pvc: KubeObject, old: KubeObject): FieldError[] {
  const spec: Obj = isObj(pvc.spec) ? pvc.spec : {};
  const oldSpec: Obj = isObj(old.spec) ? old.spec : {};
  const errs: FieldError[] = [];
  const munged = clone(spec);
  munged.resources = clone(oldSpec.resources);
  munged.volumeAttributesClassName = oldSpec.volumeAttributesClassName;
  if (!oldSpec.volumeName) munged.volumeName = oldSpec.volumeName;
  if (!deepEqual(munged, oldSpec)) errs.push(forbidden('spec', PVC_SPEC_IMMUTABLE));
  const newStorage = tryParseQuantity(spec.resources?.requests?.storage);
  const oldStorage = tryParseQuantity(oldSpec.resources?.requests?.storage);
  if (newStorage !== undefined && oldStorage !== undefined && newStorage < oldStorage) {
    errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
  }
  return errs;
}

/** persistentvolumeclaims is the core/v1 PersistentVolumeClaim resource. */
export const persistentvolumeclaims: ResourceDefinition = defineResource({
  group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true,
  shortNames: ['pvc'], subresources: ['status'],
  strategy: specStatusStrategy({
    default(pvc) { defaultPVCSpec(isObj(pvc.spec) ? pvc.spec : (pvc.spec = {})); },
    initialStatus: () => ({ phase: 'Pending' }),
    validate: (pvc) => validatePVCSpec(isObj(pvc.spec) ? pvc.spec : {}, 'spec'),
    validateUpdate: validatePVCUpdate,
  }),
  statusStrategy: statusStrategy(),
});
