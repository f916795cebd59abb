/**
 * storage.k8s.io/v1 CSINode, CSIDriver and VolumeAttachment (all cluster-scoped): the objects
 * through which CSI drivers register with nodes, describe themselves, and through which the
 * attach/detach controller asks an external attacher for a volume on a node. Defaulting and
 * validation follow pkg/apis/storage (v1 defaults, Kubernetes' messages), tables kube-apiserver's.
 */
import type { FieldError } from '../../apimachinery/errors.js';
import { deepEqual } from '../../apimachinery/deep.js';
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import { specStatusStrategy, statusStrategy } from '../common/strategy.js';
import { AGE, NAME, col, get } from '../printers/columns.js';
import { ageOf } from '../printers/duration.js';
import type { KubeObject, ResourceDefinition, TablePrinter } from '../resource.js';
import { GE0, IMMUTABLE, duplicate, forbidden, invalidField, invalidText, messagesAt, notSupported, required, tooLong } from '../validation/field.js';
import { isDNS1123Subdomain, isQualifiedName } from '../validation/names.js';

const objAt = (v: unknown): Obj => (isObj(v) ? v : {});
const listAt = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** validateCSIDriverName is ValidateCSIDriverName: at most 63 characters, a DNS subdomain once lower-cased. */
export function validateCSIDriverName(name: unknown, path: string): FieldError[] {
  const s = typeof name === 'string' ? name : '';
  if (!s) return [required(path)];
  const errs: FieldError[] = [];
  if (s.length > 63) errs.push(tooLong(path, 63));
  errs.push(...messagesAt(path, s, isDNS1123Subdomain(s.toLowerCase())));
  return errs;
}

/** validateCSINode checks each driver: name, nodeID (at most 192 characters), topology keys, allocatable count; names unique. */
export function validateCSINode(node: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  listAt(get(node, 'spec', 'drivers')).forEach((d, i) => {
    const drv = objAt(d);
    const p = `spec.drivers[${i}]`;
    errs.push(...validateCSIDriverName(drv.name, `${p}.name`));
    const nodeID = typeof drv.nodeID === 'string' ? drv.nodeID : '';
    if (!nodeID) errs.push(required(`${p}.nodeID`));
    else if (nodeID.length > 192) errs.push(invalidField(`${p}.nodeID`, nodeID, 'must be 192 characters or less'));
    listAt(drv.topologyKeys).forEach((k, j) => {
      const key = String(k ?? '');
      if (!key) errs.push(required(`${p}.topologyKeys`, key));
      else errs.push(...messagesAt(`${p}.topologyKeys[${j}]`, key, isQualifiedName(key)));
    });
    const count = get(drv, 'allocatable', 'count');
    if (typeof count === 'number' && count < 0) errs.push(invalidField(`${p}.allocatable.count`, count, GE0));
    if (typeof drv.name === 'string') {
      if (seen.has(drv.name)) errs.push(duplicate(`${p}.name`, drv.name));
      seen.add(drv.name);
    }
  });
  return errs;
}

/** validateCSINodeUpdate: a driver that stays may not change its nodeID, topology keys or allocatable. */
function validateCSINodeUpdate(node: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateCSINode(node);
  const before = new Map(listAt(get(old, 'spec', 'drivers')).map((d) => [objAt(d).name, objAt(d)]));
  listAt(get(node, 'spec', 'drivers')).forEach((d, i) => {
    const drv = objAt(d);
    const o = before.get(drv.name);
    if (!o) return;
    const p = `spec.drivers[${i}]`;
    if (drv.nodeID !== o.nodeID) errs.push(invalidField(`${p}.nodeID`, drv.nodeID, IMMUTABLE));
    if (!deepEqual(drv.topologyKeys ?? [], o.topologyKeys ?? [])) errs.push(invalidText(`${p}.topologyKeys`, `[]string{${listAt(drv.topologyKeys).map((k) => JSON.stringify(k)).join(', ')}}`, IMMUTABLE));
    if (!deepEqual(drv.allocatable, o.allocatable)) errs.push(invalidText(`${p}.allocatable`, '&storage.VolumeNodeResources{...}', IMMUTABLE));
  });
  return errs;
}

/** csiNodePrinter: NAME DRIVERS AGE. */
export const csiNodePrinter: TablePrinter = {
  columns: [NAME, col('Drivers', 'Drivers indicates the number of CSI drivers registered on the node', 0, 'integer'), AGE],
  cells: (o, now) => [get(o, 'metadata', 'name'), listAt(get(o, 'spec', 'drivers')).length, ageOf(get(o, 'metadata', 'creationTimestamp'), now)],
};

/** csinodes is the storage.k8s.io/v1 CSINode resource (one per node, named as the node). */
export const csinodes: ResourceDefinition = defineResource({
  group: 'storage.k8s.io', version: 'v1', kind: 'CSINode', plural: 'csinodes', namespaced: false,
  table: csiNodePrinter,
  strategy: { validate: validateCSINode, validateUpdate: validateCSINodeUpdate },
});

const LIFECYCLE_MODES = ['Ephemeral', 'Persistent'];
const FS_GROUP_POLICIES = ['File', 'None', 'ReadWriteOnceWithFSType'];

/** defaultCSIDriver is SetDefaults_CSIDriver (v1). */
function defaultCSIDriver(d: KubeObject): void {
  const spec: Obj = isObj(d.spec) ? d.spec : (d.spec = {});
  spec.attachRequired ??= true;
  spec.podInfoOnMount ??= false;
  spec.storageCapacity ??= false;
  spec.fsGroupPolicy ??= 'ReadWriteOnceWithFSType';
  if (listAt(spec.volumeLifecycleModes).length === 0) spec.volumeLifecycleModes = ['Persistent'];
  spec.requiresRepublish ??= false;
  spec.seLinuxMount ??= false;
}

/** validateCSIDriver is ValidateCSIDriver's spec checks. */
export function validateCSIDriver(d: KubeObject): FieldError[] {
  const spec = objAt(d.spec);
  const errs: FieldError[] = [];
  for (const f of ['attachRequired', 'podInfoOnMount', 'storageCapacity', 'requiresRepublish']) {
    if (typeof spec[f] !== 'boolean') errs.push(required(`spec.${f}`));
  }
  if (!FS_GROUP_POLICIES.includes(String(spec.fsGroupPolicy))) errs.push(notSupported('spec.fsGroupPolicy', spec.fsGroupPolicy, FS_GROUP_POLICIES));
  listAt(spec.volumeLifecycleModes).forEach((m) => {
    if (!LIFECYCLE_MODES.includes(String(m))) errs.push(notSupported('spec.volumeLifecycleModes', m, LIFECYCLE_MODES));
  });
  const audiences = new Set<string>();
  listAt(spec.tokenRequests).forEach((t, i) => {
    const tr = objAt(t);
    const p = `spec.tokenRequests[${i}]`;
    const aud = String(tr.audience ?? '');
    if (audiences.has(aud)) errs.push(duplicate(`${p}.audience`, aud));
    audiences.add(aud);
    if (typeof tr.expirationSeconds === 'number') {
      if (tr.expirationSeconds < 600) errs.push(invalidField(`${p}.expirationSeconds`, tr.expirationSeconds, 'may not specify a duration less than 10 minutes'));
      if (tr.expirationSeconds > 2 ** 32) errs.push(invalidField(`${p}.expirationSeconds`, tr.expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
    }
  });
  return errs;
}

/** csiDriverPrinter: NAME ATTACHREQUIRED PODINFOONMOUNT STORAGECAPACITY TOKENREQUESTS REQUIRESREPUBLISH MODES AGE. */
export const csiDriverPrinter: TablePrinter = {
  columns: [
    NAME,
    col('AttachRequired', 'Indicates this CSI volume driver requires an attach operation, and that Kubernetes should call attach and wait for any attach operation to complete before proceeding to mount.', 0, 'boolean'),
    col('PodInfoOnMount', 'Indicates this CSI volume driver requires additional pod information (like podName, podUID, etc.) during mount operations.', 0, 'boolean'),
    col('StorageCapacity', 'Indicates that the CSI volume driver wants pod scheduling to consider the storage capacity that the driver deployment will report.', 0, 'boolean'),
    col('TokenRequests', 'Indicates the CSI driver needs pods\' service account tokens it is mounting volume for to do necessary authentication.'),
    col('RequiresRepublish', 'RequiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume.', 0, 'boolean'),
    col('Modes', 'Defines the kinds of volumes that this CSI volume driver supports.'),
    AGE,
  ],
  cells: (o, now) => {
    const spec = objAt(o.spec);
    const tokens = listAt(spec.tokenRequests).map((t) => String(objAt(t).audience ?? ''));
    const modes = listAt(spec.volumeLifecycleModes).map(String);
    return [
      get(o, 'metadata', 'name'), spec.attachRequired === true, spec.podInfoOnMount === true, spec.storageCapacity === true,
      tokens.length ? tokens.join(',') : '<unset>', spec.requiresRepublish === true, modes.length ? modes.join(',') : '<none>',
      ageOf(get(o, 'metadata', 'creationTimestamp'), now),
    ];
  },
};

/** csidrivers is the storage.k8s.io/v1 CSIDriver resource (volumeLifecycleModes immutable). */
export const csidrivers: ResourceDefinition = defineResource({
  group: 'storage.k8s.io', version: 'v1', kind: 'CSIDriver', plural: 'csidrivers', namespaced: false,
  table: csiDriverPrinter,
  strategy: {
    default: defaultCSIDriver,
    validate: validateCSIDriver,
    validateUpdate(d, old) {
      const errs = validateCSIDriver(d);
      if (!deepEqual(get(d, 'spec', 'volumeLifecycleModes'), get(old, 'spec', 'volumeLifecycleModes'))) {
        errs.push(invalidText('spec.volumeLifecycleModes', `[]storage.VolumeLifecycleMode{${listAt(get(d, 'spec', 'volumeLifecycleModes')).map((m) => JSON.stringify(m)).join(', ')}}`, IMMUTABLE));
      }
      return errs;
    },
  },
});

/** validateVolumeAttachment is ValidateVolumeAttachment's spec checks: attacher, exactly one source, node name. */
export function validateVolumeAttachment(va: KubeObject): FieldError[] {
  const spec = objAt(va.spec);
  const errs = validateCSIDriverName(spec.attacher, 'spec.attacher');
  const source = objAt(spec.source);
  const hasPV = source.persistentVolumeName !== undefined && source.persistentVolumeName !== null;
  const hasInline = isObj(source.inlineVolumeSpec);
  if (!hasPV && !hasInline) errs.push(required('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  else if (hasPV && hasInline) errs.push(forbidden('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  else if (hasPV && source.persistentVolumeName === '') errs.push(required('spec.source.persistentVolumeName', 'must specify non empty persistentVolumeName'));
  const nodeName = typeof spec.nodeName === 'string' ? spec.nodeName : '';
  if (!nodeName) errs.push(required('spec.nodeName'));
  else errs.push(...messagesAt('spec.nodeName', nodeName, isDNS1123Subdomain(nodeName)));
  return errs;
}

/** validateVolumeAttachmentStatus: an attachment error or detach error needs a message-free shape only; attachment metadata keys are free-form. */
function validateVolumeAttachmentStatus(va: KubeObject): FieldError[] {
  const status = objAt(va.status);
  return typeof status.attached === 'boolean' || status.attached === undefined ? [] : [invalidField('status.attached', status.attached, 'must be a boolean')];
}

/** volumeAttachmentPrinter: NAME ATTACHER PV NODE ATTACHED AGE. */
export const volumeAttachmentPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Attacher', 'Attacher indicates the name of the volume driver that MUST handle this request. This is the name returned by GetPluginName().'),
    col('PV', 'Name of the persistent volume to attach.'),
    col('Node', 'The node that the volume should be attached to.'),
    col('Attached', 'Indicates the volume is successfully attached. This field must only be set by the entity completing the attach operation, i.e. the external-attacher.', 0, 'boolean'),
    AGE,
  ],
  cells: (o, now) => [
    get(o, 'metadata', 'name'), get(o, 'spec', 'attacher') ?? '', get(o, 'spec', 'source', 'persistentVolumeName') ?? '',
    get(o, 'spec', 'nodeName') ?? '', get(o, 'status', 'attached') === true, ageOf(get(o, 'metadata', 'creationTimestamp'), now),
  ],
};

/** volumeattachments is the storage.k8s.io/v1 VolumeAttachment resource (spec immutable, status through /status). */
export const volumeattachments: ResourceDefinition = defineResource({
  group: 'storage.k8s.io', version: 'v1', kind: 'VolumeAttachment', plural: 'volumeattachments', namespaced: false,
  subresources: ['status'], table: volumeAttachmentPrinter,
  strategy: specStatusStrategy({
    initialStatus: () => undefined,
    validate: validateVolumeAttachment,
    validateUpdate(va, old) {
      const errs = validateVolumeAttachment(va);
      if (!deepEqual(va.spec, old.spec)) errs.push(invalidText('spec', 'storage.VolumeAttachmentSpec{...}', IMMUTABLE));
      return errs;
    },
  }),
  statusStrategy: statusStrategy({ validateUpdate: (va) => validateVolumeAttachmentStatus(va) }),
});

/** storageResources are the kinds of this file, as registry.ts lists them. */
export const csiResources: ResourceDefinition[] = [csidrivers, csinodes, volumeattachments];
