import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../../apimachinery/errors.js';
import { decodeKubernetesProtobuf } from '../../apimachinery/protobuf/decode.js';
import { encodeKubernetesProtobuf } from '../../apimachinery/protobuf/encode.js';
import { createObject, updateObject } from '../testing/strategy-harness.js';
import { csiDriverPrinter, csidrivers, csiNodePrinter, csinodes, volumeAttachmentPrinter, volumeattachments } from './csi.js';

const msgs = (errs: Parameters<typeof fieldErrorMessage>[0][]) => errs.map(fieldErrorMessage);

describe('CSINode', () => {
  const node = (drivers: unknown[]) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'node-1' }, spec: { drivers } });

  it('validates drivers as Kubernetes does', () => {
    assert.deepEqual(createObject(csinodes, node([{ name: 'hostpath.csi.k8s.io', nodeID: 'node-1', topologyKeys: ['topology.hostpath.csi/node'] }])).errs, []);
    assert.deepEqual(msgs(createObject(csinodes, node([{ name: '', nodeID: 'x'.repeat(193) }])).errs),
      ['spec.drivers[0].name: Required value', 'spec.drivers[0].nodeID: Invalid value: "' + 'x'.repeat(193) + '": must be 192 characters or less']);
    assert.deepEqual(msgs(createObject(csinodes, node([{ name: 'a.b', nodeID: 'n' }, { name: 'a.b', nodeID: 'n' }])).errs), ['spec.drivers[1].name: Duplicate value: "a.b"']);
    assert.deepEqual(msgs(createObject(csinodes, node([{ name: 'a.b', nodeID: 'n', allocatable: { count: -1 } }])).errs), ['spec.drivers[0].allocatable.count: Invalid value: -1: must be greater than or equal to 0']);
  });

  it("a registered driver's nodeID is immutable", () => {
    const old = createObject(csinodes, node([{ name: 'a.b', nodeID: 'n' }])).obj;
    assert.deepEqual(msgs(updateObject(csinodes, node([{ name: 'a.b', nodeID: 'm' }]), old).errs), ['spec.drivers[0].nodeID: Invalid value: "m": field is immutable']);
    assert.deepEqual(updateObject(csinodes, node([{ name: 'a.b', nodeID: 'n' }, { name: 'c.d', nodeID: 'n' }]), old).errs, []);
  });

  it('prints NAME DRIVERS AGE and round-trips through protobuf', () => {
    const o = { ...node([{ name: 'a.b', nodeID: 'n', allocatable: { count: 3 } }]), metadata: { name: 'node-1', creationTimestamp: '2026-01-01T00:00:00Z' } };
    assert.deepEqual(csiNodePrinter.cells(o, new Date('2026-01-01T00:00:10Z')), ['node-1', 1, '10s']);
    assert.deepEqual(decodeKubernetesProtobuf(encodeKubernetesProtobuf(o)).object, o);
  });
});

describe('CSIDriver', () => {
  const drv = (spec: Record<string, unknown> = {}) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'hostpath.csi.k8s.io' }, spec });

  it('defaults as v1 does', () => {
    const { obj, errs } = createObject(csidrivers, drv());
    assert.deepEqual(errs, []);
    assert.deepEqual(obj.spec, {
      attachRequired: true, podInfoOnMount: false, storageCapacity: false, fsGroupPolicy: 'ReadWriteOnceWithFSType',
      volumeLifecycleModes: ['Persistent'], requiresRepublish: false, seLinuxMount: false,
    });
  });

  it('validates modes, policies and token requests', () => {
    assert.deepEqual(msgs(createObject(csidrivers, drv({ volumeLifecycleModes: ['Forever'], fsGroupPolicy: 'Some' })).errs), [
      'spec.fsGroupPolicy: Unsupported value: "Some": supported values: "File", "None", "ReadWriteOnceWithFSType"',
      'spec.volumeLifecycleModes: Unsupported value: "Forever": supported values: "Ephemeral", "Persistent"',
    ]);
    assert.deepEqual(msgs(createObject(csidrivers, drv({ tokenRequests: [{ audience: 'a', expirationSeconds: 60 }, { audience: 'a' }] })).errs), [
      'spec.tokenRequests[0].expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
      'spec.tokenRequests[1].audience: Duplicate value: "a"',
    ]);
  });

  it('prints its capabilities', () => {
    const o = { ...createObject(csidrivers, drv({ tokenRequests: [{ audience: 'vault' }] })).obj, metadata: { name: 'd', creationTimestamp: '2026-01-01T00:00:00Z' } };
    assert.deepEqual(csiDriverPrinter.cells(o, new Date('2026-01-01T00:00:05Z')), ['d', true, false, false, 'vault', false, 'Persistent', '5s']);
  });
});

describe('VolumeAttachment', () => {
  const va = (spec: Record<string, unknown>) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'csi-123' }, spec });
  const ok = { attacher: 'hostpath.csi.k8s.io', nodeName: 'node-1', source: { persistentVolumeName: 'pv-1' } };

  it('needs exactly one source, an attacher and a node', () => {
    assert.deepEqual(createObject(volumeattachments, va(ok)).errs, []);
    assert.deepEqual(msgs(createObject(volumeattachments, va({ attacher: '', nodeName: '', source: {} })).errs), [
      'spec.attacher: Required value',
      'spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName',
      'spec.nodeName: Required value',
    ]);
  });

  it('spec is immutable; status goes through /status and shows in ATTACHED', () => {
    const old = createObject(volumeattachments, va(ok)).obj;
    assert.deepEqual(msgs(updateObject(volumeattachments, va({ ...ok, nodeName: 'node-2' }), old).errs), ['spec: Invalid value: storage.VolumeAttachmentSpec{...}: field is immutable']);
    const attached = updateObject(volumeattachments, { ...old, status: { attached: true } }, old, 'status').obj;
    assert.deepEqual(volumeAttachmentPrinter.cells({ ...attached, metadata: { name: 'csi-123' } }, new Date()).slice(0, 5), ['csi-123', 'hostpath.csi.k8s.io', 'pv-1', 'node-1', true]);
    assert.equal(updateObject(volumeattachments, { ...attached, status: { attached: false } }, attached).obj.status !== undefined, true, 'the main resource keeps the stored status');
  });
});
