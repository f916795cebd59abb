import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/resource.js';
import { defaultControllerOptions, type ControllerContext } from '../common/context.js';
import { Resources } from '../../client/types.js';
import { startTestCluster, eventually, type TestCluster } from '../../testing/test-cluster.js';
import { FakeClock } from '../../util/clock.js';
import { PersistentVolumeController } from '../volume/persistentvolume/controller.js';
import { PVCProtectionController } from '../volume/pvcprotection/controller.js';
import { PVProtectionController } from '../volume/pvprotection/controller.js';
import { StorageClasses, type PersistentVolume, type PersistentVolumeClaim } from '../volume/types.js';
import { HELPER_NAMESPACE, LOCAL_PATH_DIR_ANNOTATION, LocalPathProvisioner, helperPodName } from './provisioner.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

/** setup runs the PV controller, both protection controllers and the provisioner against an API server with two nodes. */
async function setup(): Promise<{ tc: TestCluster; p: LocalPathProvisioner; pvc: PersistentVolumeController; protection: PVCProtectionController }> {
  const tc = await startTestCluster();
  const ctx: ControllerContext = { client: tc.client, informers: tc.informers, clock: new FakeClock(new Date()), options: defaultControllerOptions };
  const pvc = new PersistentVolumeController(ctx);
  const p = new LocalPathProvisioner(ctx);
  const protection = new PVCProtectionController(ctx);
  const others = [protection, new PVProtectionController(ctx)];
  for (const name of ['host01', 'host02']) {
    await tc.client.create(Resources.nodes, undefined, {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name }, annotations: { [LOCAL_PATH_DIR_ANNOTATION]: `/var/lib/tskube/nodes/${name}/local-path` } },
    });
  }
  await tc.start();
  const ac = new AbortController();
  const running = [pvc.run(ac.signal), p.run(ac.signal, 2), ...others.map((c) => c.run(ac.signal))];
  cleanup.push(async () => {
    ac.abort();
    await Promise.all(running);
    await p.recorder.flush();
    await pvc.recorder.flush();
    await tc.close();
  });
  return { tc, p, pvc, protection };
}

const claim = (name: string, o: { cls?: string; modes?: string[]; node?: string } = {}): PersistentVolumeClaim => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim',
  metadata: { name, ...(o.node ? { annotations: { 'volume.kubernetes.io/selected-node': o.node } } : {}) },
  spec: { accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } }, ...(o.cls ? { storageClassName: o.cls } : {}) },
});

const getPVC = (tc: TestCluster, name: string) => tc.client.get<PersistentVolumeClaim>(Resources.persistentvolumeclaims, 'default', name);

async function events(tc: TestCluster, name: string): Promise<{ reason: string; message: string; from: string }[]> {
  const { items } = await tc.client.list(Resources.events, 'default');
  return items.filter((e) => (e.involvedObject as { name?: string }).name === name)
    .map((e) => ({ reason: e.reason as string, message: e.message as string, from: (e.source as { component: string }).component }));
}

describe('LocalPathProvisioner', () => {
  it('provisions a hostPath volume on the selected node for a claim of the default class, and the PV controller binds it', async () => {
    const { tc } = await setup();
    // The scheduler's part: the first consumer was scheduled to host02.
    await tc.client.create(Resources.persistentvolumeclaims, 'default', claim('data', { node: 'host02' }));
    const c = await eventually(async () => {
      const x = await getPVC(tc, 'data');
      assert.equal(x.status?.phase, 'Bound');
      return x;
    });
    const pvName = `pvc-${c.metadata!.uid}`;
    assert.equal(c.spec?.volumeName, pvName);
    assert.equal(c.spec?.storageClassName, 'standard');
    assert.deepEqual(c.status?.capacity, { storage: '10Mi' });
    const pv = await tc.client.get<PersistentVolume>(Resources.persistentvolumes, undefined, pvName);
    assert.deepEqual(pv.spec?.hostPath, { path: `/var/lib/tskube/nodes/host02/local-path/${pvName}_default_data`, type: 'DirectoryOrCreate' });
    assert.deepEqual(pv.spec?.nodeAffinity, { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['host02'] }] }] } });
    assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Delete');
    assert.equal(pv.spec?.storageClassName, 'standard');
    assert.deepEqual(pv.spec?.accessModes, ['ReadWriteOnce']);
    assert.equal(pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'], 'tskube.io/local-path');
    assert.equal(pv.status?.phase, 'Bound');
    await eventually(async () => {
      const evs = await events(tc, 'data');
      const provisioning = evs.find((e) => e.reason === 'Provisioning');
      assert.equal(provisioning?.message, 'External provisioner is provisioning volume for claim "default/data"');
      assert.match(provisioning?.from ?? '', /^tskube\.io\/local-path_/);
      assert.equal(evs.find((e) => e.reason === 'ProvisioningSucceeded')?.message, `Successfully provisioned volume ${pvName}`);
      assert.equal(evs.find((e) => e.reason === 'ExternalProvisioning')?.from, 'persistentvolume-controller');
    });
  });

  it('deleting the claim releases the volume; a helper pod removes the directory on its node, then the volume is deleted', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.persistentvolumeclaims, 'default', claim('scratch', { node: 'host01' }));
    const c = await eventually(async () => { const x = await getPVC(tc, 'scratch'); assert.equal(x.status?.phase, 'Bound'); return x; });
    const pvName = c.spec!.volumeName!;
    await tc.client.delete(Resources.persistentvolumeclaims, 'default', 'scratch');
    const helper = await eventually(() => tc.client.get(Resources.pods, HELPER_NAMESPACE, helperPodName(pvName)));
    const spec = helper.spec as { nodeName: string; restartPolicy: string; containers: { command: string[]; env: { name: string; value: string }[]; volumeMounts: { mountPath: string }[] }[]; volumes: { hostPath: { path: string } }[] };
    assert.equal(spec.nodeName, 'host01');
    assert.equal(spec.restartPolicy, 'Never');
    assert.deepEqual(spec.containers[0].command, ['/bin/sh', '-c', 'rm -rf "$VOL_DIR"']);
    assert.deepEqual(spec.containers[0].env, [{ name: 'VOL_DIR', value: `/var/lib/tskube/nodes/host01/local-path/${pvName}_default_scratch` }]);
    assert.deepEqual(spec.volumes[0].hostPath.path, '/var/lib/tskube/nodes/host01/local-path');
    assert.deepEqual(spec.containers[0].volumeMounts[0].mountPath, '/var/lib/tskube/nodes/host01/local-path');
    assert.equal((await tc.client.get<PersistentVolume>(Resources.persistentvolumes, undefined, pvName)).status?.phase, 'Released');
    // The node agent ran it: the helper succeeded.
    await tc.client.updateStatus(Resources.pods, HELPER_NAMESPACE, { ...helper, status: { phase: 'Succeeded' } } as KubeObject);
    await eventually(async () => {
      await assert.rejects(tc.client.get(Resources.persistentvolumes, undefined, pvName), /not found/);
      await assert.rejects(tc.client.get(Resources.pods, HELPER_NAMESPACE, helperPodName(pvName)), /not found/);
    });
  });

  it('a failed helper is reported on the volume as VolumeFailedDelete', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.persistentvolumeclaims, 'default', claim('stuck', { node: 'host01' }));
    const c = await eventually(async () => { const x = await getPVC(tc, 'stuck'); assert.equal(x.status?.phase, 'Bound'); return x; });
    const pvName = c.spec!.volumeName!;
    await tc.client.delete(Resources.persistentvolumeclaims, 'default', 'stuck');
    const helper = await eventually(() => tc.client.get(Resources.pods, HELPER_NAMESPACE, helperPodName(pvName)));
    await tc.client.updateStatus(Resources.pods, HELPER_NAMESPACE, { ...helper, status: { phase: 'Failed', containerStatuses: [{ name: 'helper-pod', state: { terminated: { exitCode: 1 } } }] } } as KubeObject);
    await eventually(async () => assert.ok((await events(tc, pvName)).some((e) => e.reason === 'VolumeFailedDelete'
      && e.message === `failed to delete volume ${pvName}: helper pod kube-system/${helperPodName(pvName)} failed: exit code 1`), '(await events(tc, pvName)).some((e) => e.reason === VolumeFailedDelete && e.message === `f'));
  });

  it('what it cannot provision is a ProvisioningFailed event: no node chosen, ReadWriteMany', async () => {
    const { tc } = await setup();
    await tc.client.create(StorageClasses, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'now' }, provisioner: 'tskube.io/local-path', volumeBindingMode: 'Immediate' } as KubeObject);
    await tc.client.create(Resources.persistentvolumeclaims, 'default', claim('nowhere', { cls: 'now' }));
    await tc.client.create(Resources.persistentvolumeclaims, 'default', claim('shared', { node: 'host01', modes: ['ReadWriteMany'] }));
    await eventually(async () => assert.ok((await events(tc, 'nowhere')).some((e) => e.reason === 'ProvisioningFailed'
      && e.message === 'failed to provision volume with StorageClass "now": configuration error, no node was specified'), '(await events(tc, nowhere)).some((e) => e.reason === ProvisioningFailed && e.message === f'));
    await eventually(async () => assert.ok((await events(tc, 'shared')).some((e) => e.reason === 'ProvisioningFailed'
      && e.message === 'failed to provision volume with StorageClass "standard": NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes'), '(await events(tc, shared)).some((e) => e.reason === ProvisioningFailed && e.message === fa'));
    assert.equal((await getPVC(tc, 'shared')).status?.phase, 'Pending');
  });

  it('PVC protection: a claim used by a scheduled pod stays Terminating until the pod is gone', async () => {
    const { tc, protection } = await setup();
    await tc.client.create(Resources.persistentvolumeclaims, 'default', claim('inuse', { node: 'host01' }));
    await eventually(async () => assert.equal((await getPVC(tc, 'inuse')).status?.phase, 'Bound'));
    await tc.client.create(Resources.pods, 'default', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'user' },
      spec: { nodeName: 'host01', containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'inuse' } }] },
    });
    await tc.client.delete(Resources.persistentvolumeclaims, 'default', 'inuse');
    const terminating = await getPVC(tc, 'inuse');
    assert.ok(terminating.metadata?.deletionTimestamp, 'terminating.metadata?.deletionTimestamp');
    // Once the controller has seen the deletion, a sync keeps the finalizer while the pod exists.
    const cache = tc.informers.informerFor<PersistentVolumeClaim>(Resources.persistentvolumeclaims).lister;
    await eventually(() => assert.ok(cache.get('default', 'inuse')?.metadata?.deletionTimestamp, 'cache.get(default, inuse)?.metadata?.deletionTimestamp'));
    await protection.processPVC('default/inuse');
    assert.deepEqual((await getPVC(tc, 'inuse')).metadata?.finalizers, ['kubernetes.io/pvc-protection']);
    await tc.client.delete(Resources.pods, 'default', 'user', { gracePeriodSeconds: 0 });
    await eventually(async () => await assert.rejects(getPVC(tc, 'inuse'), /not found/));
  });

  it('PV protection: a Bound volume being deleted waits for its claim to let go', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.persistentvolumes, undefined, {
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'manual' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/manual' }, storageClassName: '' },
    });
    await tc.client.create(Resources.persistentvolumeclaims, 'default', { ...claim('holder'), spec: { ...claim('holder').spec, storageClassName: '' } });
    await eventually(async () => assert.equal((await getPVC(tc, 'holder')).status?.phase, 'Bound'));
    await tc.client.delete(Resources.persistentvolumes, undefined, 'manual');
    const pv = await tc.client.get<PersistentVolume>(Resources.persistentvolumes, undefined, 'manual');
    assert.ok(pv.metadata?.deletionTimestamp, 'pv.metadata?.deletionTimestamp');
    assert.deepEqual(pv.metadata?.finalizers, ['kubernetes.io/pv-protection']);
    await tc.client.delete(Resources.persistentvolumeclaims, 'default', 'holder');
    // Released (Retain): no longer Bound, so the finalizer goes and so does the volume.
    await eventually(async () => await assert.rejects(tc.client.get(Resources.persistentvolumes, undefined, 'manual'), /not found/));
  });
});
