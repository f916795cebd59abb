import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTROLLER_NAME, reconcileMirroredSlices, shouldMirror, type EndpointsObj, type SliceObj } from './reconciler.js';

const endpoints = (subsets: EndpointsObj['subsets'], meta: Partial<EndpointsObj['metadata']> = {}): EndpointsObj => ({
  apiVersion: 'v1', kind: 'Endpoints',
  metadata: { name: 'my-service', namespace: 'default', uid: 'ep-uid', labels: { team: 'a' }, annotations: { note: 'x', 'endpoints.kubernetes.io/last-change-trigger-time': 't' }, ...meta },
  subsets,
});

test('shouldMirror: not with skip-mirror=true, not a leader-election lock', () => {
  assert.equal(shouldMirror(endpoints([])), true);
  assert.equal(shouldMirror(endpoints([], { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } })), false);
  assert.equal(shouldMirror(endpoints([], { annotations: { 'control-plane.alpha.kubernetes.io/leader': '{}' } })), false);
});

test('one subset becomes one slice: ready and not-ready addresses, ports, labels, annotations, owner', () => {
  const ep = endpoints([{
    addresses: [{ ip: '192.0.2.42', hostname: 'ext', nodeName: 'host01' }],
    notReadyAddresses: [{ ip: '192.0.2.043' }],
    ports: [{ name: 'http', port: 9376, protocol: 'TCP' }],
  }]);
  const c = reconcileMirroredSlices(ep, []);
  assert.equal(c.update.length + c.delete.length, 0);
  assert.equal(c.create.length, 1);
  const s = c.create[0];
  assert.equal(s.metadata?.generateName, 'my-service-');
  assert.deepEqual(s.metadata?.labels, { team: 'a', 'kubernetes.io/service-name': 'my-service', 'endpointslice.kubernetes.io/managed-by': CONTROLLER_NAME });
  assert.deepEqual(s.metadata?.annotations, { note: 'x' });
  assert.deepEqual(s.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Endpoints', name: 'my-service', uid: 'ep-uid', controller: true, blockOwnerDeletion: true }]);
  assert.equal(s.addressType, 'IPv4');
  assert.deepEqual(s.ports, [{ name: 'http', port: 9376, protocol: 'TCP' }]);
  assert.deepEqual(s.endpoints, [
    { addresses: ['192.0.2.42'], conditions: { ready: true }, hostname: 'ext', nodeName: 'host01' },
    { addresses: ['192.0.2.43'], conditions: { ready: false } },
  ]);
});

test('an unchanged mirror needs no writes; a changed one updates its slice in place; extra slices go', () => {
  const ep = endpoints([{ addresses: [{ ip: '192.0.2.42' }], ports: [{ port: 80, protocol: 'TCP' }] }]);
  const made = { ...reconcileMirroredSlices(ep, []).create[0], metadata: { ...reconcileMirroredSlices(ep, []).create[0].metadata, name: 'my-service-abcde', resourceVersion: '7' } } as SliceObj;
  assert.deepEqual(reconcileMirroredSlices(ep, [made]), { create: [], update: [], delete: [], invalidAddresses: 0, skippedAddresses: 0 });
  const twin = { ...made, metadata: { ...made.metadata, name: 'my-service-zzzzz' } } as SliceObj;
  const moved = endpoints([{ addresses: [{ ip: '192.0.2.50' }], ports: [{ port: 80, protocol: 'TCP' }] }]);
  const c = reconcileMirroredSlices(moved, [made, twin]);
  assert.deepEqual(c.update.map((s) => [s.metadata?.name, s.metadata?.resourceVersion, s.endpoints.map((e) => e.addresses[0])]), [['my-service-abcde', '7', ['192.0.2.50']]]);
  assert.deepEqual(c.delete.map((s) => s.metadata?.name), ['my-service-zzzzz']);
  // a label change on the Endpoints alone is mirrored too
  assert.equal(reconcileMirroredSlices(endpoints(ep.subsets, { labels: { team: 'b' } }), [made]).update.length, 1);
});

test('new ports replace the old slice (recycled as an update); no subsets, no slices; invalid and surplus addresses are counted', () => {
  const ep = endpoints([{ addresses: [{ ip: '192.0.2.42' }], ports: [{ port: 80, protocol: 'TCP' }] }]);
  const made = { ...reconcileMirroredSlices(ep, []).create[0], metadata: { ...reconcileMirroredSlices(ep, []).create[0].metadata, name: 'my-service-abcde' } } as SliceObj;
  const c = reconcileMirroredSlices(endpoints([{ addresses: [{ ip: '192.0.2.42' }], ports: [{ port: 8080, protocol: 'TCP' }] }]), [made]);
  assert.deepEqual([c.create.length, c.delete.length], [0, 0]);
  assert.deepEqual(c.update.map((s) => [s.metadata?.name, s.metadata?.generateName, s.ports?.[0].port]), [['my-service-abcde', undefined, 8080]]);
  assert.deepEqual(reconcileMirroredSlices(endpoints([]), [made]).delete.map((s) => s.metadata?.name), ['my-service-abcde']);
  const many = reconcileMirroredSlices(endpoints([{ addresses: [{ ip: 'not-an-ip' }, { ip: '192.0.2.1' }, { ip: '192.0.2.2' }, { ip: '192.0.2.3' }], ports: [{ port: 80 }] }]), [], 2);
  assert.deepEqual(many.create[0].endpoints.map((e) => e.addresses[0]), ['192.0.2.1', '192.0.2.2']);
  assert.deepEqual([many.invalidAddresses, many.skippedAddresses], [1, 2]);
});

test('IPv6 addresses go to a slice of their own', () => {
  const c = reconcileMirroredSlices(endpoints([{ addresses: [{ ip: '192.0.2.1' }, { ip: '2001:db8::0:1' }], ports: [{ port: 80, protocol: 'TCP' }] }]), []);
  assert.deepEqual(c.create.map((s) => [s.addressType, s.endpoints.map((e) => e.addresses[0])]).sort(), [['IPv4', ['192.0.2.1']], ['IPv6', ['2001:db8::1']]]);
});
