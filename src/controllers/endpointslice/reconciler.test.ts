import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileSlices, type SliceObj } from './reconciler.js';
import type { PodObj, ServiceObj } from '../endpoint/endpoint-util.js';

const svc: ServiceObj = {
  metadata: { name: 'web', namespace: 'default', uid: 'svc-uid', labels: { app: 'web' }, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { clusterIP: '10.96.3.4', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
};

function pod(name: string, ip: string, o: { ready?: boolean; terminating?: boolean; port?: number; phase?: string } = {}): PodObj {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'web' }, ...(o.terminating ? { deletionTimestamp: '2026-01-01T00:02:00Z' } : {}) },
    spec: { nodeName: 'host01', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: o.port ?? 8080 }] }] },
    status: { phase: o.phase ?? 'Running', podIP: ip, conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: '2026-01-01T00:01:00Z' }] },
  };
}

const addrs = (s: SliceObj) => (s.endpoints ?? []).map((e) => e.addresses[0]);

test('endpoints carry ready/serving/terminating; the slice is named after, labelled by and owned by its Service', () => {
  const { create, update, delete: del } = reconcileSlices(svc, [pod('a', '10.0.0.2'), pod('b', '10.0.0.3', { ready: false }), pod('c', '10.0.0.4', { terminating: true }), pod('d', '10.0.0.5', { phase: 'Succeeded' })], [], Date.parse('2026-01-01T00:01:00Z'));
  assert.equal(update.length + del.length, 0);
  assert.equal(create.length, 1);
  const s = create[0];
  assert.equal(s.metadata?.generateName, 'web-');
  assert.deepEqual(s.metadata?.labels, { app: 'web', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
  assert.deepEqual(s.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
  assert.equal(s.metadata?.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'], '2026-01-01T00:01:00Z');
  assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(s.endpoints?.map((e) => [e.addresses[0], e.conditions]), [
    ['10.0.0.2', { ready: true, serving: true, terminating: false }],
    ['10.0.0.3', { ready: false, serving: false, terminating: false }],
    ['10.0.0.4', { ready: false, serving: true, terminating: true }],
  ]);
  assert.deepEqual(s.endpoints?.[0].targetRef, { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' });
  assert.equal(s.endpoints?.[0].nodeName, 'host01');
});

test('no endpoints: one placeholder slice without ports or endpoints, kept as it is', () => {
  const { create } = reconcileSlices({ ...svc, spec: { ...svc.spec, clusterIP: 'None' } }, [], [], 0);
  assert.equal(create.length, 1);
  assert.equal(create[0].endpoints, null);
  assert.equal(create[0].ports, null);
  assert.equal(create[0].metadata?.labels?.['service.kubernetes.io/headless'], '');
  const placeholder = { ...create[0], metadata: { ...create[0].metadata, name: 'web-abcde' } } as SliceObj;
  const again = reconcileSlices({ ...svc, spec: { ...svc.spec, clusterIP: 'None' } }, [], [placeholder], 0);
  assert.deepEqual([again.create.length, again.update.length, again.delete.length], [0, 0, 0]);
  // Pods arrive: a real slice is made and the placeholder goes.
  const filled = reconcileSlices(svc, [pod('a', '10.0.0.2')], [placeholder], 0);
  assert.equal(filled.create.length, 1);
  assert.deepEqual(filled.delete.map((s) => s.metadata?.name), ['web-abcde']);
});

test('endpoints stay where they are; new ones fill slices with room, then new slices; different port numbers split', () => {
  const first = reconcileSlices(svc, [pod('a', '10.0.0.2'), pod('b', '10.0.0.3'), pod('c', '10.0.0.4')], [], 0, 2);
  assert.deepEqual(first.create.map(addrs), [['10.0.0.2', '10.0.0.3'], ['10.0.0.4']]);
  const existing = first.create.map((s, i) => ({ ...s, metadata: { ...s.metadata, name: `web-${i}` } }) as SliceObj);
  // a goes, d and e come (e on another port number): d fills slice 0's free place.
  const next = reconcileSlices(svc, [pod('b', '10.0.0.3'), pod('c', '10.0.0.4'), pod('d', '10.0.0.5'), pod('e', '10.0.0.6', { port: 9090 })], existing, 0, 2);
  assert.deepEqual(next.update.map((s) => [s.metadata?.name, addrs(s)]), [['web-0', ['10.0.0.3', '10.0.0.5']]]);
  assert.deepEqual(next.create.map((s) => [s.ports?.[0].port, addrs(s)]), [[9090, ['10.0.0.6']]]);
  assert.equal(next.delete.length, 0);
  // Nothing changed: nothing written.
  const same = reconcileSlices(svc, [pod('b', '10.0.0.3'), pod('c', '10.0.0.4')], [{ ...existing[0], endpoints: existing[0].endpoints!.slice(1) }, existing[1]] as SliceObj[], 0, 2);
  assert.deepEqual([same.create.length, same.update.length, same.delete.length], [0, 0, 0]);
});
