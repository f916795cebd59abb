import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../api/resource.js';
import { defaultControllerOptions } from '../../common/context.js';
import { Resources } from '../../../client/types.js';
import { startTestCluster, eventually, type TestCluster } from '../../../testing/test-cluster.js';
import { FakeClock } from '../../../util/clock.js';
import { StorageClasses, type PersistentVolume, type PersistentVolumeClaim } from '../types.js';
import { PersistentVolumeController } from './controller.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function setup(): Promise<{ tc: TestCluster; c: PersistentVolumeController }> {
  const tc = await startTestCluster();
  const c = new PersistentVolumeController({ client: tc.client, informers: tc.informers, clock: new FakeClock(new Date()), options: defaultControllerOptions });
  await tc.start();
  const ac = new AbortController();
  const running = c.run(ac.signal);
  cleanup.push(async () => {
    ac.abort();
    await running;
    await c.recorder.flush();
    await tc.close();
  });
  return { tc, c };
}

function pv(name: string, o: { size?: string; cls?: string; policy?: string; path?: string; claimRef?: Record<string, string> } = {}): PersistentVolume {
  return {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
    spec: {
      capacity: { storage: o.size ?? '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: o.path ?? `/tmp/${name}` },
      ...(o.cls !== undefined ? { storageClassName: o.cls } : {}), ...(o.policy ? { persistentVolumeReclaimPolicy: o.policy } : {}),
      ...(o.claimRef ? { claimRef: o.claimRef } : {}),
    },
  };
}

/** pvc makes a claim; class '' (no class) unless told, so the default StorageClass stays out of it. */
function pvc(name: string, o: { size?: string; cls?: string | null; volumeName?: string; annotations?: Record<string, string> } = {}): PersistentVolumeClaim {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      accessModes: ['ReadWriteOnce'], resources: { requests: { storage: o.size ?? '1Gi' } },
      ...(o.cls === null ? {} : { storageClassName: o.cls ?? '' }), ...(o.volumeName ? { volumeName: o.volumeName } : {}),
    },
  };
}

const getPV = (tc: TestCluster, name: string) => tc.client.get<PersistentVolume>(Resources.persistentvolumes, undefined, name);
const getPVC = (tc: TestCluster, name: string) => tc.client.get<PersistentVolumeClaim>(Resources.persistentvolumeclaims, 'default', name);

async function eventsOf(tc: TestCluster, name: string): Promise<{ type: string; reason: string; message: string }[]> {
  const { items } = await tc.client.list(Resources.events, 'default');
  return items.filter((e) => (e.involvedObject as { name?: string }).name === name).map((e) => ({ type: e.type as string, reason: e.reason as string, message: e.message as string }));
}

/** bound waits until the claim is Bound to volume and returns both. */
async function bound(tc: TestCluster, claim: string, volume: string): Promise<{ claim: PersistentVolumeClaim; volume: PersistentVolume }> {
  return eventually(async () => {
    const c = await getPVC(tc, claim);
    const v = await getPV(tc, volume);
    assert.equal(c.status?.phase, 'Bound');
    assert.equal(v.status?.phase, 'Bound');
    assert.equal(c.spec?.volumeName, volume);
    return { claim: c, volume: v };
  });
}

describe('PersistentVolumeController', () => {
  it('binds a claim to the smallest fitting volume, both ways, with the annotations and status upstream writes', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.persistentvolumes, undefined, pv('pv-5g', { size: '5Gi' }));
    await tc.client.create(Resources.persistentvolumes, undefined, pv('pv-1g', { size: '1Gi' }));
    await tc.client.create(Resources.persistentvolumes, undefined, pv('pv-2g', { size: '2Gi' }));
    await eventually(async () => assert.equal((await getPV(tc, 'pv-5g')).status?.phase, 'Available'));
    await tc.client.create(Resources.persistentvolumeclaims, 'default', pvc('data', { size: '600Mi' }));
    const { claim, volume } = await bound(tc, 'data', 'pv-1g');
    assert.deepEqual(claim.status, { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } });
    assert.equal(claim.metadata?.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
    assert.equal(claim.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    assert.deepEqual(claim.metadata?.finalizers, ['kubernetes.io/pvc-protection'], 'admission protects claims');
    assert.deepEqual(volume.spec?.claimRef, { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: claim.metadata!.uid, apiVersion: 'v1', resourceVersion: volume.spec?.claimRef?.resourceVersion });
    assert.equal(volume.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    assert.deepEqual(volume.metadata?.finalizers, ['kubernetes.io/pv-protection'], 'admission protects volumes');
    assert.equal((await getPV(tc, 'pv-2g')).status?.phase, 'Available');
  });

  it('a claim naming its volume binds to it; one that does not fit gets VolumeMismatch and stays Pending', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.persistentvolumes, undefined, pv('wanted', { size: '1Gi' }));
    await tc.client.create(Resources.persistentvolumes, undefined, pv('small', { size: '100Mi' }));
    await tc.client.create(Resources.persistentvolumeclaims, 'default', pvc('mine', { volumeName: 'wanted', size: '10Mi' }));
    const { claim } = await bound(tc, 'mine', 'wanted');
    assert.equal(claim.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined, 'the user bound it');
    await tc.client.create(Resources.persistentvolumeclaims, 'default', pvc('toobig', { volumeName: 'small', size: '1Gi' }));
    await eventually(async () => assert.deepEqual(await eventsOf(tc, 'toobig'), [{ type: 'Warning', reason: 'VolumeMismatch', message: 'Cannot bind to requested volume "small": requested PV is too small' }]));
    assert.equal((await getPVC(tc, 'toobig')).status?.phase, 'Pending');
    assert.equal((await getPV(tc, 'small')).spec?.claimRef, undefined);
  });

  it('a volume reserved for a claim (claimRef by name) binds only to it', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.persistentvolumes, undefined, pv('reserved', { claimRef: { namespace: 'default', name: 'owner' } }));
    await tc.client.create(Resources.persistentvolumeclaims, 'default', pvc('intruder'));
    await eventually(async () => assert.equal((await eventsOf(tc, 'intruder')).length > 0, true));
    assert.equal((await getPVC(tc, 'intruder')).status?.phase, 'Pending');
    await tc.client.create(Resources.persistentvolumeclaims, 'default', pvc('owner'));
    await bound(tc, 'owner', 'reserved');
  });

  it('with nothing to bind and no class: FailedBinding, Pending', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.persistentvolumeclaims, 'default', pvc('lonely'));
    await eventually(async () => assert.deepEqual(await eventsOf(tc, 'lonely'), [{ type: 'Normal', reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set' }]));
    assert.equal((await getPVC(tc, 'lonely')).status?.phase, 'Pending');
  });

  it('a class that does not exist: ProvisioningFailed, Pending', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.persistentvolumeclaims, 'default', pvc('typo', { cls: 'longhorn' }));
    await eventually(async () => assert.deepEqual(await eventsOf(tc, 'typo'), [{ type: 'Warning', reason: 'ProvisioningFailed', message: 'storageclass.storage.k8s.io "longhorn" not found' }]));
    assert.equal((await getPVC(tc, 'typo')).status?.phase, 'Pending');
  });

  it('the default class (admission): WaitForFirstConsumer until a pod is scheduled; then the provisioner is asked', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.persistentvolumeclaims, 'default', pvc('wffc', { cls: null }));
    assert.equal((await getPVC(tc, 'wffc')).spec?.storageClassName, 'standard');
    await eventually(async () => assert.deepEqual(await eventsOf(tc, 'wffc'), [{ type: 'Normal', reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding' }]));
    // A pod using it that is not scheduled yet is named (once the claim is synced again).
    await tc.client.create(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'user' }, spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'wffc' } }] } });
    await tc.client.patch(Resources.persistentvolumeclaims, 'default', 'wffc', { metadata: { labels: { poke: '1' } } }, 'merge');
    await eventually(async () => assert.ok((await eventsOf(tc, 'wffc')).some((e) => e.reason === 'WaitForPodScheduled' && e.message === 'waiting for pod user to be scheduled'), '(await eventsOf(tc, wffc)).some((e) => e.reason === WaitForPodScheduled && e.message === w'));
    // The scheduler picked a node: the claim is handed to the class's provisioner.
    await tc.client.patch(Resources.persistentvolumeclaims, 'default', 'wffc', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'host01' } } }, 'merge');
    await eventually(async () => {
      const c = await getPVC(tc, 'wffc');
      assert.equal(c.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner'], 'tskube.io/local-path');
      assert.equal(c.metadata?.annotations?.['volume.beta.kubernetes.io/storage-provisioner'], 'tskube.io/local-path');
      assert.ok((await eventsOf(tc, 'wffc')).some((e) => e.reason === 'ExternalProvisioning'
        && e.message === "Waiting for a volume to be created either by the external provisioner 'tskube.io/local-path' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."), '(await eventsOf(tc, wffc)).some((e) => e.reason === ExternalProvisioning && e.message === ');
    });
    assert.equal((await getPVC(tc, 'wffc')).status?.phase, 'Pending');
  });

  it('an Immediate class with an external provisioner is provisioned at once', async () => {
    const { tc } = await setup();
    await tc.client.create(StorageClasses, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'nfs' }, provisioner: 'example.com/nfs' } as KubeObject);
    await tc.client.create(Resources.persistentvolumeclaims, 'default', pvc('now', { cls: 'nfs' }));
    await eventually(async () => assert.equal((await getPVC(tc, 'now')).metadata?.annotations?.['volume.kubernetes.io/storage-provisioner'], 'example.com/nfs'));
    // A volume made for it (pre-bound, as provisioners do) is bound.
    const claim = await getPVC(tc, 'now');
    await tc.client.create(Resources.persistentvolumes, undefined, pv(`pvc-${claim.metadata!.uid}`, { cls: 'nfs', claimRef: { namespace: 'default', name: 'now', uid: claim.metadata!.uid! } }));
    await bound(tc, 'now', `pvc-${claim.metadata!.uid}`);
  });

  it('Retain: a deleted claim leaves its volume Released', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.persistentvolumes, undefined, pv('keep'));
    await tc.client.create(Resources.persistentvolumeclaims, 'default', pvc('gone'));
    await bound(tc, 'gone', 'keep');
    // Without the protection controller the finalizer would hold the claim: take it off as it would.
    await tc.client.patch(Resources.persistentvolumeclaims, 'default', 'gone', { metadata: { finalizers: null } }, 'merge');
    await tc.client.delete(Resources.persistentvolumeclaims, 'default', 'gone');
    await eventually(async () => assert.equal((await getPV(tc, 'keep')).status?.phase, 'Released'));
    assert.equal((await getPV(tc, 'keep')).spec?.claimRef?.name, 'gone', 'a Released volume keeps its claimRef until an admin clears it');
    // A new claim of the same name does not get it back.
    await tc.client.create(Resources.persistentvolumeclaims, 'default', pvc('gone'));
    await eventually(async () => assert.ok((await eventsOf(tc, 'gone')).some((e) => e.reason === 'FailedBinding'), '(await eventsOf(tc, gone)).some((e) => e.reason === FailedBinding)'));
    assert.equal((await getPV(tc, 'keep')).status?.phase, 'Released');
  });

  it('Delete on a hand-made hostPath volume: outside /tmp it fails as upstream says; under /tmp the volume goes', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.persistentvolumes, undefined, pv('data-vol', { policy: 'Delete', path: '/data/x' }));
    await tc.client.create(Resources.persistentvolumeclaims, 'default', pvc('d1'));
    await bound(tc, 'd1', 'data-vol');
    await tc.client.patch(Resources.persistentvolumeclaims, 'default', 'd1', { metadata: { finalizers: null } }, 'merge');
    await tc.client.delete(Resources.persistentvolumeclaims, 'default', 'd1');
    await eventually(async () => {
      const v = await getPV(tc, 'data-vol');
      assert.equal(v.status?.phase, 'Failed');
      assert.equal(v.status?.message, 'host_path deleter only supports /tmp/.+ but received provided /data/x');
    });
    assert.deepEqual(await eventsOf(tc, 'data-vol'), [{ type: 'Warning', reason: 'VolumeFailedDelete', message: 'host_path deleter only supports /tmp/.+ but received provided /data/x' }]);

    await tc.client.create(Resources.persistentvolumes, undefined, pv('tmp-vol', { policy: 'Delete', path: '/tmp/x', size: '2Gi' }));
    await tc.client.create(Resources.persistentvolumeclaims, 'default', pvc('d2', { size: '2Gi' }));
    await bound(tc, 'd2', 'tmp-vol');
    await tc.client.patch(Resources.persistentvolumeclaims, 'default', 'd2', { metadata: { finalizers: null } }, 'merge');
    await tc.client.delete(Resources.persistentvolumeclaims, 'default', 'd2');
    await eventually(async () => {
      const v = await getPV(tc, 'tmp-vol').catch(() => undefined);
      // Deleted: gone, or held only by its protection finalizer.
      assert.ok(!v || v.metadata?.deletionTimestamp, '!v || v.metadata?.deletionTimestamp');
    });
  });

  it('a bound claim whose volume is deleted is Lost', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.persistentvolumes, undefined, pv('fragile'));
    await tc.client.create(Resources.persistentvolumeclaims, 'default', pvc('orphaned'));
    await bound(tc, 'orphaned', 'fragile');
    await tc.client.patch(Resources.persistentvolumes, undefined, 'fragile', { metadata: { finalizers: null } }, 'merge');
    await tc.client.delete(Resources.persistentvolumes, undefined, 'fragile');
    await eventually(async () => assert.equal((await getPVC(tc, 'orphaned')).status?.phase, 'Lost'));
    assert.ok((await eventsOf(tc, 'orphaned')).some((e) => e.reason === 'ClaimLost' && e.message === 'Bound claim has lost its PersistentVolume. Data on the volume is lost!'), '(await eventsOf(tc, orphaned)).some((e) => e.reason === ClaimLost && e.message === Bound c');
    assert.equal((await getPVC(tc, 'orphaned')).status?.capacity, undefined);
  });
});
