import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../api/resource.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../types.js';
import { checkVolumeSatisfyClaim, findBestMatchForClaim, findMatchingVolume, isVolumeBoundToClaim } from './index.js';

const pv = (name: string, o: { size?: string; modes?: string[]; cls?: string; phase?: string; labels?: Record<string, string>; claimRef?: PersistentVolume['spec'] extends infer S ? S extends { claimRef?: infer C } ? C : never : never; mode?: string; node?: string; deleting?: boolean } = {}): PersistentVolume => ({
  metadata: { name, labels: o.labels, ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
  spec: {
    capacity: { storage: o.size ?? '1Gi' }, accessModes: o.modes ?? ['ReadWriteOnce'], storageClassName: o.cls ?? '',
    ...(o.claimRef ? { claimRef: o.claimRef } : {}), ...(o.mode ? { volumeMode: o.mode } : {}),
    ...(o.node ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [o.node] }] }] } } } : {}),
    hostPath: { path: `/tmp/${name}` },
  },
  status: { phase: o.phase ?? 'Available' },
});

const pvc = (name: string, o: { size?: string; modes?: string[]; cls?: string | null; selector?: Record<string, string>; mode?: string; uid?: string } = {}): PersistentVolumeClaim => ({
  metadata: { name, namespace: 'default', uid: o.uid ?? `uid-${name}` },
  spec: {
    accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: o.size ?? '1Gi' } },
    ...(o.cls === null ? {} : { storageClassName: o.cls ?? '' }), ...(o.selector ? { selector: { matchLabels: o.selector } } : {}), ...(o.mode ? { volumeMode: o.mode } : {}),
  },
});

const node = (name: string): KubeObject => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
const best = (claim: PersistentVolumeClaim, vols: PersistentVolume[], delay = false) => findBestMatchForClaim(claim, vols, delay)?.metadata?.name;

describe('findBestMatchForClaim', () => {
  const cases: { name: string; claim: PersistentVolumeClaim; volumes: PersistentVolume[]; want: string | undefined; delay?: boolean }[] = [
    { name: 'the smallest volume that fits', claim: pvc('c', { size: '1Gi' }), volumes: [pv('big', { size: '5Gi' }), pv('small', { size: '500Mi' }), pv('fits', { size: '2Gi' }), pv('exact', { size: '1Gi' })], want: 'exact' },
    { name: 'larger units compare by bytes', claim: pvc('c', { size: '1500Mi' }), volumes: [pv('a', { size: '1Gi' }), pv('b', { size: '2G' }), pv('c', { size: '3Gi' })], want: 'b' },
    { name: 'nothing big enough', claim: pvc('c', { size: '10Gi' }), volumes: [pv('a', { size: '5Gi' })], want: undefined },
    { name: 'only Available volumes', claim: pvc('c'), volumes: [pv('released', { phase: 'Released' }), pv('pending', { phase: 'Pending' })], want: undefined },
    { name: 'class must match ("" is a class too)', claim: pvc('c', { cls: 'fast' }), volumes: [pv('slow', { cls: 'slow' }), pv('none'), pv('fast', { cls: 'fast', size: '9Gi' })], want: 'fast' },
    { name: 'selector', claim: pvc('c', { selector: { tier: 'gold' } }), volumes: [pv('plain'), pv('gold', { labels: { tier: 'gold' }, size: '3Gi' })], want: 'gold' },
    { name: 'volumeMode Block does not take a Filesystem volume', claim: pvc('c', { mode: 'Block' }), volumes: [pv('fs'), pv('block', { mode: 'Block', size: '5Gi' })], want: 'block' },
    { name: 'access modes: a ReadWriteMany claim needs a volume offering it', claim: pvc('c', { modes: ['ReadWriteMany'] }), volumes: [pv('rwo'), pv('rwx', { modes: ['ReadWriteMany', 'ReadOnlyMany'], size: '5Gi' })], want: 'rwx' },
    { name: 'fewest access modes first, even if bigger', claim: pvc('c'), volumes: [pv('multi', { modes: ['ReadWriteOnce', 'ReadOnlyMany'], size: '1Gi' }), pv('single', { size: '5Gi' })], want: 'single' },
    { name: 'a volume bound to another claim is not a candidate', claim: pvc('c'), volumes: [pv('taken', { claimRef: { namespace: 'default', name: 'other', uid: 'x' } })], want: undefined },
    { name: 'a volume pre-bound to the claim wins over a smaller one', claim: pvc('c', { size: '100Mi' }), volumes: [pv('small', { size: '100Mi' }), pv('mine', { size: '9Gi', claimRef: { namespace: 'default', name: 'c' } })], want: 'mine' },
    { name: 'a volume being deleted is skipped', claim: pvc('c'), volumes: [pv('going', { deleting: true })], want: undefined },
    { name: 'WaitForFirstConsumer: the controller leaves unbound volumes to the scheduler', claim: pvc('c'), volumes: [pv('a')], want: undefined, delay: true },
    { name: 'WaitForFirstConsumer: a pre-bound volume still binds', claim: pvc('c'), volumes: [pv('a', { claimRef: { namespace: 'default', name: 'c', uid: 'uid-c' } })], want: 'a', delay: true },
  ];
  for (const c of cases) it(c.name, () => assert.equal(best(c.claim, c.volumes, c.delay), c.want));
});

describe('findMatchingVolume with a node (the scheduler path)', () => {
  it('skips volumes whose node affinity excludes the node', () => {
    const vols = [pv('on1', { node: 'host01' }), pv('on2', { node: 'host02', size: '5Gi' })];
    assert.equal(findMatchingVolume(pvc('c'), vols, node('host02'), undefined, true)?.metadata?.name, 'on2');
    assert.equal(findMatchingVolume(pvc('c'), vols, node('host03'), undefined, true), undefined);
  });
  it('a pre-bound volume on another node is no match at all', () => {
    const vols = [pv('mine', { node: 'host01', claimRef: { namespace: 'default', name: 'c' } }), pv('free', { node: 'host02' })];
    assert.equal(findMatchingVolume(pvc('c'), vols, node('host02'), undefined, true), undefined);
  });
  it('excluded volumes (already chosen for another claim of the pod) are skipped', () => {
    const vols = [pv('a'), pv('b', { size: '2Gi' })];
    assert.equal(findMatchingVolume(pvc('c'), vols, node('host01'), new Set(['a']), true)?.metadata?.name, 'b');
  });
});

describe('checkVolumeSatisfyClaim and isVolumeBoundToClaim', () => {
  it('explains why a requested volume does not fit, in the PV controller\'s words', () => {
    assert.equal(checkVolumeSatisfyClaim(pv('v', { size: '1Gi' }), pvc('c', { size: '2Gi' })), 'requested PV is too small');
    assert.equal(checkVolumeSatisfyClaim(pv('v', { cls: 'a' }), pvc('c', { cls: 'b' })), 'storageClassName does not match');
    assert.equal(checkVolumeSatisfyClaim(pv('v', { mode: 'Block' }), pvc('c')), 'incompatible volumeMode');
    assert.equal(checkVolumeSatisfyClaim(pv('v'), pvc('c', { modes: ['ReadWriteMany'] })), 'incompatible accessMode');
    assert.equal(checkVolumeSatisfyClaim(pv('v', { deleting: true }), pvc('c')), 'the volume is marked for deletion "v"');
    assert.equal(checkVolumeSatisfyClaim(pv('v'), pvc('c')), undefined);
  });
  it('a claimRef without uid binds by name; with a uid only that claim', () => {
    assert.equal(isVolumeBoundToClaim(pv('v', { claimRef: { namespace: 'default', name: 'c' } }), pvc('c')), true);
    assert.equal(isVolumeBoundToClaim(pv('v', { claimRef: { namespace: 'default', name: 'c', uid: 'old' } }), pvc('c')), false);
    assert.equal(isVolumeBoundToClaim(pv('v', { claimRef: { namespace: 'other', name: 'c' } }), pvc('c')), false);
  });
});
