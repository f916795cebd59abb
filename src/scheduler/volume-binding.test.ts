import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/resource.js';
import { defaultControllerOptions, type ControllerContext } from '../cli/controllers.js';
import { EventRecorder } from '../client/events.js';
import { Resources } from '../client/types.js';
import { LocalPathProvisioner } from '../controllers/localpath/provisioner.js';
import { PersistentVolumeController } from '../controllers/volume/persistentvolume/controller.js';
import type { PersistentVolumeClaim } from '../controllers/volume/types.js';
import { startTestCluster, eventually, type TestCluster } from '../testing/test-cluster.js';
import { FakeClock, realClock } from '../util/clock.js';
import { Scheduler } from './scheduler.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

/** setup runs the scheduler, the PV controller and the local-path provisioner over two nodes. */
async function setup(): Promise<TestCluster> {
  const tc = await startTestCluster();
  const clock = new FakeClock(new Date());
  const ctx: ControllerContext = { client: tc.client, informers: tc.informers, clock, options: defaultControllerOptions };
  const recorder = new EventRecorder(tc.client, { component: 'default-scheduler' }, clock);
  // The scheduler's back-offs (1 s…10 s) run on real time; the volume controllers' on the fake clock.
  const scheduler = new Scheduler({ client: tc.client, informers: tc.informers, clock: realClock, recorder });
  const pv = new PersistentVolumeController(ctx);
  const provisioner = new LocalPathProvisioner(ctx);
  for (const name of ['host01', 'host02']) {
    const alloc = { cpu: '4', memory: '8Gi', pods: '110' };
    await tc.client.create(Resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, status: { allocatable: alloc, capacity: alloc } });
  }
  await tc.start();
  const ac = new AbortController();
  const running = [scheduler.run(ac.signal), pv.run(ac.signal), provisioner.run(ac.signal)];
  cleanup.push(async () => {
    ac.abort();
    await Promise.all(running);
    await recorder.flush();
    await tc.close();
  });
  return tc;
}

const podUsing = (name: string, claim: string): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }] },
});
const claim = (name: string, cls?: string): PersistentVolumeClaim => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } }, ...(cls !== undefined ? { storageClassName: cls } : {}) },
});
const nodeOf = async (tc: TestCluster, pod: string) => ((await tc.client.get(Resources.pods, 'default', pod)).spec as { nodeName?: string } | undefined)?.nodeName;

async function schedulingFailure(tc: TestCluster, pod: string): Promise<string | undefined> {
  const { items } = await tc.client.list(Resources.events, 'default');
  return items.find((e) => (e.involvedObject as { name?: string }).name === pod && e.reason === 'FailedScheduling')?.message as string | undefined;
}

describe('VolumeBinding (scheduler)', () => {
  it('WaitForFirstConsumer: the claim is provisioned on the node chosen for the pod, which is bound only once the claim is', async () => {
    const tc = await setup();
    await tc.client.create(Resources.persistentvolumeclaims, 'default', claim('data'));
    await tc.client.create(Resources.pods, 'default', podUsing('app', 'data'));
    const node = await eventually(async () => { const n = await nodeOf(tc, 'app'); assert.ok(n, 'n'); return n; });
    const c = await tc.client.get<PersistentVolumeClaim>(Resources.persistentvolumeclaims, 'default', 'data');
    assert.equal(c.metadata?.annotations?.['volume.kubernetes.io/selected-node'], node);
    assert.equal(c.status?.phase, 'Bound');
    const pv = await tc.client.get(Resources.persistentvolumes, undefined, c.spec!.volumeName!);
    assert.deepEqual((pv.spec as { nodeAffinity: unknown }).nodeAffinity, { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } });

    // A second pod of the same claim goes where the volume is.
    await tc.client.create(Resources.pods, 'default', podUsing('app2', 'data'));
    await eventually(async () => assert.equal(await nodeOf(tc, 'app2'), node));
  });

  it('a claim bound to a volume pinned to host02 brings its pod to host02', async () => {
    const tc = await setup();
    await tc.client.create(Resources.persistentvolumes, undefined, {
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'local-2' },
      spec: {
        capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', local: { path: '/mnt/disk' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['host02'] }] }] } },
      },
    });
    await tc.client.create(Resources.persistentvolumeclaims, 'default', claim('pinned', ''));
    await eventually(async () => assert.equal((await tc.client.get<PersistentVolumeClaim>(Resources.persistentvolumeclaims, 'default', 'pinned')).status?.phase, 'Bound'));
    for (const name of ['p1', 'p2', 'p3']) await tc.client.create(Resources.pods, 'default', podUsing(name, 'pinned'));
    for (const name of ['p1', 'p2', 'p3']) await eventually(async () => assert.equal(await nodeOf(tc, name), 'host02'));
  });

  it('a missing claim, or an unbound Immediate one, keeps the pod Pending with kube-scheduler\'s message', async () => {
    const tc = await setup();
    await tc.client.create(Resources.pods, 'default', podUsing('orphan', 'nope'));
    await eventually(async () => assert.equal(await schedulingFailure(tc, 'orphan'),
      '0/2 nodes are available: persistentvolumeclaim "nope" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling..'));
    await tc.client.create(Resources.persistentvolumeclaims, 'default', claim('immediate', ''));
    await tc.client.create(Resources.pods, 'default', podUsing('waiting', 'immediate'));
    await eventually(async () => assert.equal(await schedulingFailure(tc, 'waiting'),
      '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling..'));
    assert.equal(await nodeOf(tc, 'waiting'), undefined);
    // The claim appears for the first pod: it is scheduled.
    await tc.client.create(Resources.persistentvolumeclaims, 'default', claim('nope'));
    await eventually(async () => assert.ok(await nodeOf(tc, 'orphan'), 'await nodeOf(tc, orphan)'));
  });

  it('a WaitForFirstConsumer class without a provisioner and no matching volume: no node fits', async () => {
    const tc = await setup();
    await tc.client.create({ group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses', namespaced: false }, undefined, {
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer',
    } as KubeObject);
    await tc.client.create(Resources.persistentvolumeclaims, 'default', claim('nolocal', 'local'));
    await tc.client.create(Resources.pods, 'default', podUsing('stuck', 'nolocal'));
    await eventually(async () => assert.equal(await schedulingFailure(tc, 'stuck'),
      "0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.."));
    // A matching local volume on host01 lets the scheduler bind it statically and place the pod there.
    await tc.client.create(Resources.persistentvolumes, undefined, {
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'disk1' },
      spec: {
        capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'local', local: { path: '/mnt/disk1' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['host01'] }] }] } },
      },
    });
    await eventually(async () => assert.equal(await nodeOf(tc, 'stuck'), 'host01'), 15_000);
    assert.equal((await tc.client.get<PersistentVolumeClaim>(Resources.persistentvolumeclaims, 'default', 'nolocal')).spec?.volumeName, 'disk1');
  });
});
