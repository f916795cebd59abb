import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/resource.js';
import { defaultControllerOptions } from '../common/context.js';
import { Resources } from '../../client/types.js';
import { startTestCluster, eventually, type TestCluster } from '../../testing/test-cluster.js';
import { startController } from '../../testing/controller-run.js';
import { FakeClock } from '../../util/clock.js';
import type { ControllerRevision } from '../history/history.js';
import { StatefulSetController } from './controller.js';
import type { PersistentVolumeClaim, Pod, StatefulSet, StatefulSetSpec } from './types.js';

interface Env { tc: TestCluster; clock: FakeClock; c: StatefulSetController }

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

/** setup starts an API server and runs the controller on a FakeClock. */
async function setup(): Promise<Env> {
  const tc = await startTestCluster();
  const clock = new FakeClock(new Date());
  const c = new StatefulSetController({ client: tc.client, informers: tc.informers, clock, options: defaultControllerOptions });
  await tc.start();
  const stop = startController(c);
  cleanup.push(async () => { await stop(); await tc.close(); });
  return { tc, clock, c };
}

/** sleepSet is seed 002's sleep-set: a set with one claim template mounted at /storagedir. */
function sleepSet(name = 'sleep', spec: Partial<StatefulSetSpec> = {}, image = 'busybox'): StatefulSet {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name },
    spec: {
      serviceName: name, replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'sleep', image, command: ['/bin/sleep', '3600'], volumeMounts: [{ name: 'sleep-volume', mountPath: '/storagedir' }] }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'sleep-volume' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } } } }],
      ...spec,
    },
  };
}

const getSet = (tc: TestCluster, name = 'sleep') => tc.client.get<StatefulSet>(Resources.statefulsets, 'default', name);

/** livePods lists the set's pods not being deleted, sorted by name. */
async function livePods(tc: TestCluster, app = 'sleep'): Promise<Pod[]> {
  const { items } = await tc.client.list<Pod>(Resources.pods, 'default', { labelSelector: `app=${app}` });
  return items.filter((p) => !p.metadata?.deletionTimestamp).sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
}
const names = (objs: KubeObject[]) => objs.map((o) => o.metadata?.name).sort();

async function claims(tc: TestCluster): Promise<PersistentVolumeClaim[]> {
  return (await tc.client.list<PersistentVolumeClaim>(Resources.persistentvolumeclaims, 'default')).items;
}

async function eventsOf(tc: TestCluster, name = 'sleep'): Promise<{ reason: string; message: string }[]> {
  const { items } = await tc.client.list(Resources.events, 'default');
  return items.filter((e) => (e.involvedObject as { name?: string }).name === name)
    .sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1))
    .map((e) => ({ reason: e.reason as string, message: e.message as string }));
}

/** markReady writes phase Running and Ready=True through the status subresource, as the node agent would. */
async function markReady(tc: TestCluster, name: string, ready = true): Promise<void> {
  await eventually(async () => {
    const fresh = await tc.client.get<Pod>(Resources.pods, 'default', name);
    const ts = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await tc.client.updateStatus(Resources.pods, 'default', { ...fresh, status: { ...fresh.status, phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: ts }] } } as KubeObject);
  });
}

/** waitPods waits until the live pods are exactly want (by name). */
async function waitPods(tc: TestCluster, want: string[], app = 'sleep'): Promise<Pod[]> {
  return eventually(async () => {
    const pods = await livePods(tc, app);
    assert.deepEqual(names(pods), want);
    return pods;
  });
}

const revisionOf = (p: Pod) => p.metadata?.labels?.['controller-revision-hash'];

describe('StatefulSetController', () => {
  it('creates pods in order, each Running and Ready before the next, with its identity and its own claim', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.statefulsets, 'default', sleepSet('sleep', { replicas: 3 }));
    const [p0] = await waitPods(tc, ['sleep-0']);
    // The claim comes first and is named TEMPLATE-SET-ORDINAL, labelled with the selector's labels.
    const [c0] = await claims(tc);
    assert.equal(c0.metadata?.name, 'sleep-volume-sleep-0');
    assert.deepEqual(c0.metadata?.labels, { app: 'sleep' });
    assert.deepEqual(c0.spec?.resources, { requests: { storage: '10Mi' } });
    assert.equal(c0.metadata?.ownerReferences, undefined, 'Retain/Retain leaves the claim unowned');
    const set = await getSet(tc);
    assert.equal(p0.spec?.hostname, 'sleep-0');
    assert.equal(p0.spec?.subdomain, 'sleep');
    assert.deepEqual(p0.metadata?.labels, {
      app: 'sleep', 'statefulset.kubernetes.io/pod-name': 'sleep-0', 'apps.kubernetes.io/pod-index': '0', 'controller-revision-hash': revisionOf(p0),
    });
    assert.match(revisionOf(p0) ?? '', /^sleep-[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.deepEqual(p0.spec?.volumes?.find((v) => v.name === 'sleep-volume'), { name: 'sleep-volume', persistentVolumeClaim: { claimName: 'sleep-volume-sleep-0' } });
    assert.deepEqual(p0.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'sleep', uid: set.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    // (Events of one second have no order: compare them sorted.)
    await eventually(async () => assert.deepEqual((await eventsOf(tc)).sort((a, b) => (a.message < b.message ? -1 : 1)), [
      { reason: 'SuccessfulCreate', message: 'create Claim sleep-volume-sleep-0 Pod sleep-0 in StatefulSet sleep success' },
      { reason: 'SuccessfulCreate', message: 'create Pod sleep-0 in StatefulSet sleep successful' },
    ]));
    // Still only sleep-0 while it is not ready (give the controller a resync's worth of chances).
    await eventually(async () => assert.equal((await getSet(tc)).status?.replicas, 1));
    assert.deepEqual(names(await livePods(tc)), ['sleep-0']);

    await markReady(tc, 'sleep-0', false);
    await eventually(async () => assert.equal((await tc.client.get<Pod>(Resources.pods, 'default', 'sleep-0')).status?.phase, 'Running'));
    assert.deepEqual(names(await livePods(tc)), ['sleep-0'], 'Running but not Ready holds the next ordinal');
    await markReady(tc, 'sleep-0');
    await waitPods(tc, ['sleep-0', 'sleep-1']);
    await markReady(tc, 'sleep-1');
    await waitPods(tc, ['sleep-0', 'sleep-1', 'sleep-2']);
    await markReady(tc, 'sleep-2');
    assert.deepEqual(names(await claims(tc)), ['sleep-volume-sleep-0', 'sleep-volume-sleep-1', 'sleep-volume-sleep-2']);
    await eventually(async () => {
      const s = await getSet(tc);
      assert.deepEqual(s.status, {
        observedGeneration: 1, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3,
        currentRevision: revisionOf(p0), updateRevision: revisionOf(p0), collisionCount: 0,
      });
    });
  });

  it('Parallel creates every pod at once and deletes every condemned pod at once', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.statefulsets, 'default', sleepSet('sleep', { replicas: 3, podManagementPolicy: 'Parallel' }));
    await waitPods(tc, ['sleep-0', 'sleep-1', 'sleep-2']);
    assert.deepEqual(names(await claims(tc)), ['sleep-volume-sleep-0', 'sleep-volume-sleep-1', 'sleep-volume-sleep-2']);
    // Not ready pods do not block a Parallel scale-down either.
    await tc.client.patch(Resources.statefulsets, 'default', 'sleep', { spec: { replicas: 1 } }, 'merge');
    await waitPods(tc, ['sleep-0']);
    assert.equal((await claims(tc)).length, 3, 'claims are kept on scale-down');
  });

  it('scales down in reverse order, one pod at a time, keeping the claims; scaling up again reuses them', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.statefulsets, 'default', sleepSet('sleep', { replicas: 3 }));
    for (const n of ['sleep-0', 'sleep-1', 'sleep-2']) {
      await eventually(async () => assert.ok((await livePods(tc)).some((p) => p.metadata?.name === n), '(await livePods(tc)).some((p) => p.metadata?.name === n)'));
      await markReady(tc, n);
    }
    await eventually(async () => assert.equal((await getSet(tc)).status?.readyReplicas, 3));
    const uids = new Map((await claims(tc)).map((c) => [c.metadata!.name!, c.metadata!.uid]));
    await tc.client.patch(Resources.statefulsets, 'default', 'sleep', { spec: { replicas: 1 } }, 'merge');
    await waitPods(tc, ['sleep-0']);
    // Events are written by the recorder after the deletes themselves: the last one may still be on its way.
    await eventually(async () => {
      const deletes = (await eventsOf(tc)).filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
      assert.deepEqual(deletes, ['delete Pod sleep-2 in StatefulSet sleep successful', 'delete Pod sleep-1 in StatefulSet sleep successful']);
    });
    assert.deepEqual(new Map((await claims(tc)).map((c) => [c.metadata!.name!, c.metadata!.uid])), uids);

    await tc.client.patch(Resources.statefulsets, 'default', 'sleep', { spec: { replicas: 2 } }, 'merge');
    const pods = await waitPods(tc, ['sleep-0', 'sleep-1']);
    assert.equal(pods[1].spec?.volumes?.find((v) => v.name === 'sleep-volume')?.persistentVolumeClaim?.claimName, 'sleep-volume-sleep-1');
    assert.equal((await claims(tc)).find((c) => c.metadata?.name === 'sleep-volume-sleep-1')?.metadata?.uid, uids.get('sleep-volume-sleep-1'));
  });

  it('a deleted pod comes back with the same name and the same claim', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.statefulsets, 'default', sleepSet());
    await waitPods(tc, ['sleep-0']);
    await markReady(tc, 'sleep-0');
    const [old0] = await waitPods(tc, ['sleep-0', 'sleep-1']);
    await markReady(tc, 'sleep-1');
    const claimUid = (await claims(tc)).find((c) => c.metadata?.name === 'sleep-volume-sleep-0')?.metadata?.uid;
    await tc.client.delete(Resources.pods, 'default', 'sleep-0');
    const [new0] = await eventually(async () => {
      const pods = await waitPods(tc, ['sleep-0', 'sleep-1']);
      assert.notEqual(pods[0].metadata?.uid, old0.metadata?.uid);
      return pods;
    });
    assert.equal(new0.spec?.hostname, 'sleep-0');
    assert.equal(new0.spec?.volumes?.find((v) => v.name === 'sleep-volume')?.persistentVolumeClaim?.claimName, 'sleep-volume-sleep-0');
    assert.equal((await claims(tc)).find((c) => c.metadata?.name === 'sleep-volume-sleep-0')?.metadata?.uid, claimUid);
    assert.equal((await claims(tc)).length, 2);
  });

  it('a failed pod is deleted and recreated', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.statefulsets, 'default', sleepSet('sleep', { replicas: 1 }));
    const [p] = await waitPods(tc, ['sleep-0']);
    const fresh = await tc.client.get<Pod>(Resources.pods, 'default', 'sleep-0');
    await tc.client.updateStatus(Resources.pods, 'default', { ...fresh, status: { ...fresh.status, phase: 'Failed' } } as KubeObject);
    await eventually(async () => {
      const [q] = await waitPods(tc, ['sleep-0']);
      assert.notEqual(q.metadata?.uid, p.metadata?.uid);
    });
  });

  it('persistentVolumeClaimRetentionPolicy: whenDeleted Delete owns claims by the set, whenScaled Delete hands condemned claims to their pod', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.statefulsets, 'default', sleepSet('sleep', { replicas: 2, podManagementPolicy: 'Parallel', persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } }));
    await waitPods(tc, ['sleep-0', 'sleep-1']);
    const set = await getSet(tc);
    await eventually(async () => {
      for (const c of await claims(tc)) {
        assert.deepEqual(c.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'sleep', uid: set.metadata!.uid, controller: true, blockOwnerDeletion: true }], c.metadata?.name);
      }
    });
    await markReady(tc, 'sleep-0');
    await markReady(tc, 'sleep-1');
    const pod1 = await tc.client.get<Pod>(Resources.pods, 'default', 'sleep-1');
    await tc.client.patch(Resources.statefulsets, 'default', 'sleep', { spec: { replicas: 1 } }, 'merge');
    await waitPods(tc, ['sleep-0']);
    // Before deleting sleep-1, its claim was handed to it: the garbage collector removes the claim with the pod.
    const c1 = (await claims(tc)).find((c) => c.metadata?.name === 'sleep-volume-sleep-1');
    assert.deepEqual(c1?.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Pod', name: 'sleep-1', uid: pod1.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
  });

  it('whenScaled Delete alone leaves in-range claims unowned', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.statefulsets, 'default', sleepSet('sleep', { replicas: 1, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } }));
    await waitPods(tc, ['sleep-0']);
    await eventually(async () => assert.equal((await getSet(tc)).status?.replicas, 1));
    const [c] = await claims(tc);
    assert.equal(c.metadata?.ownerReferences, undefined);
  });

  it('RollingUpdate replaces pods from the highest ordinal down to the partition, one unavailable at a time', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.statefulsets, 'default', sleepSet('sleep', { replicas: 3 }));
    for (const n of ['sleep-0', 'sleep-1', 'sleep-2']) {
      await eventually(async () => assert.ok((await livePods(tc)).some((p) => p.metadata?.name === n), '(await livePods(tc)).some((p) => p.metadata?.name === n)'));
      await markReady(tc, n);
    }
    await eventually(async () => assert.equal((await getSet(tc)).status?.readyReplicas, 3));
    const rev1 = (await getSet(tc)).status!.currentRevision!;
    await tc.client.patch(Resources.statefulsets, 'default', 'sleep', { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }, template: { spec: { containers: [{ name: 'sleep', image: 'busybox:1.36' }] } } } }, 'strategic');
    const rev2 = await eventually(async () => {
      const s = await getSet(tc);
      assert.notEqual(s.status?.updateRevision, rev1);
      return s.status!.updateRevision!;
    });
    // sleep-2 goes first and comes back at the new revision; nothing else moves while it is not ready.
    const p2 = await eventually(async () => {
      const p = (await livePods(tc)).find((x) => x.metadata?.name === 'sleep-2');
      assert.equal(p && revisionOf(p), rev2);
      return p!;
    });
    assert.equal((p2.spec as { containers: { image: string }[] }).containers[0].image, 'busybox:1.36');
    assert.deepEqual((await livePods(tc)).map(revisionOf), [rev1, rev1, rev2]);
    await markReady(tc, 'sleep-2');
    await eventually(async () => {
      const p = (await livePods(tc)).find((x) => x.metadata?.name === 'sleep-1');
      assert.equal(p && revisionOf(p), rev2);
    });
    await markReady(tc, 'sleep-1');
    await eventually(async () => {
      const s = await getSet(tc);
      assert.equal(s.status?.updatedReplicas, 2);
      assert.equal(s.status?.currentReplicas, 1);
      assert.equal(s.status?.readyReplicas, 3);
      assert.equal(s.status?.currentRevision, rev1, 'a partitioned update does not complete');
    });
    assert.deepEqual((await livePods(tc)).map(revisionOf), [rev1, rev2, rev2], 'sleep-0 stays below the partition');

    // Moving the partition to 0 finishes the roll-out; then currentRevision becomes the update revision.
    await tc.client.patch(Resources.statefulsets, 'default', 'sleep', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } }, 'merge');
    await eventually(async () => {
      const p = (await livePods(tc)).find((x) => x.metadata?.name === 'sleep-0');
      assert.equal(p && revisionOf(p), rev2);
    });
    await markReady(tc, 'sleep-0');
    await eventually(async () => {
      const s = await getSet(tc);
      assert.equal(s.status?.currentRevision, rev2);
      assert.equal(s.status?.currentReplicas, 3);
      assert.equal(s.status?.updatedReplicas, 3);
    });
  });

  it('maxUnavailable lets that many pods be replaced at once', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.statefulsets, 'default', sleepSet('sleep', { replicas: 3, podManagementPolicy: 'Parallel' }));
    await waitPods(tc, ['sleep-0', 'sleep-1', 'sleep-2']);
    for (const n of ['sleep-0', 'sleep-1', 'sleep-2']) await markReady(tc, n);
    await eventually(async () => assert.equal((await getSet(tc)).status?.readyReplicas, 3));
    const rev1 = (await getSet(tc)).status!.currentRevision!;
    await tc.client.patch(Resources.statefulsets, 'default', 'sleep', { spec: { updateStrategy: { rollingUpdate: { maxUnavailable: 2 } }, template: { spec: { containers: [{ name: 'sleep', image: 'busybox:1.36' }] } } } }, 'strategic');
    await eventually(async () => assert.deepEqual((await livePods(tc)).map(revisionOf).filter((r) => r !== rev1).length, 2));
    assert.equal(revisionOf((await livePods(tc))[0]), rev1, 'the lowest ordinal waits');
  });

  it('OnDelete changes nothing until a pod is deleted; the replacement has the new template', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.statefulsets, 'default', sleepSet('sleep', { replicas: 2, updateStrategy: { type: 'OnDelete' } }));
    await waitPods(tc, ['sleep-0']);
    await markReady(tc, 'sleep-0');
    await waitPods(tc, ['sleep-0', 'sleep-1']);
    await markReady(tc, 'sleep-1');
    const rev1 = await eventually(async () => { const s = await getSet(tc); assert.equal(s.status?.readyReplicas, 2); return s.status!.currentRevision!; });
    await tc.client.patch(Resources.statefulsets, 'default', 'sleep', { spec: { template: { spec: { containers: [{ name: 'sleep', image: 'busybox:1.36' }] } } } }, 'strategic');
    const rev2 = await eventually(async () => { const s = await getSet(tc); assert.notEqual(s.status?.updateRevision, rev1); return s.status!.updateRevision!; });
    assert.deepEqual((await livePods(tc)).map(revisionOf), [rev1, rev1]);
    const before = (await livePods(tc)).map((p) => p.metadata?.uid);
    assert.deepEqual((await livePods(tc)).map((p) => p.metadata?.uid), before);
    await tc.client.delete(Resources.pods, 'default', 'sleep-1');
    await eventually(async () => assert.deepEqual((await livePods(tc)).map(revisionOf), [rev1, rev2]));
    await markReady(tc, 'sleep-1');
    await eventually(async () => {
      const s = await getSet(tc);
      assert.equal(s.status?.currentRevision, rev1, 'OnDelete never completes a rolling update');
      assert.equal(s.status?.updatedReplicas, 1);
      assert.equal(s.status?.currentReplicas, 1);
    });
  });

  it('keeps one ControllerRevision per template: a rollback renumbers the old one, history is truncated to revisionHistoryLimit', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.statefulsets, 'default', sleepSet('sleep', { replicas: 1, revisionHistoryLimit: 1, podManagementPolicy: 'Parallel' }));
    await waitPods(tc, ['sleep-0']);
    const revisions = async () => (await tc.client.list<ControllerRevision>(Resources.controllerrevisions, 'default')).items.sort((a, b) => a.revision - b.revision);
    const [r1] = await eventually(async () => { const rs = await revisions(); assert.equal(rs.length, 1); return rs; });
    const set = await getSet(tc);
    assert.equal(r1.metadata?.name, set.status?.updateRevision);
    assert.equal(r1.revision, 1);
    assert.deepEqual(r1.metadata?.ownerReferences?.map((r) => r.uid), [set.metadata!.uid]);
    assert.equal(r1.metadata?.labels?.app, 'sleep');
    const data = r1.data as { spec: { template: { $patch: string; metadata: { creationTimestamp: null } } } };
    assert.equal(data.spec.template.$patch, 'replace');
    assert.equal(data.spec.template.metadata.creationTimestamp, null);

    await tc.client.patch(Resources.statefulsets, 'default', 'sleep', { metadata: { annotations: { 'kubernetes.io/change-cause': 'image 1.36' } }, spec: { template: { spec: { containers: [{ name: 'sleep', image: 'busybox:1.36' }] } } } }, 'strategic');
    const [, r2] = await eventually(async () => { const rs = await revisions(); assert.equal(rs.length, 2); return rs; });
    assert.equal(r2.revision, 2);
    assert.equal(r2.metadata?.annotations?.['kubernetes.io/change-cause'], 'image 1.36');
    // Undo (what `kubectl rollout undo` patches): the first revision's data. It becomes revision 3.
    await tc.client.patch(Resources.statefulsets, 'default', 'sleep', r1.data, 'strategic');
    await eventually(async () => {
      const rs = await revisions();
      assert.deepEqual(rs.map((r) => [r.metadata?.name, r.revision]), [[r2.metadata?.name, 2], [r1.metadata?.name, 3]]);
    });
    await eventually(async () => assert.equal((await getSet(tc)).status?.updateRevision, r1.metadata?.name));
    // A third template: with revisionHistoryLimit 1 the oldest non-live revision goes once no pod uses it.
    await tc.client.patch(Resources.statefulsets, 'default', 'sleep', { spec: { template: { spec: { containers: [{ name: 'sleep', image: 'busybox:1.37' }] } } } }, 'strategic');
    await eventually(async () => {
      const pods = await livePods(tc);
      const s = await getSet(tc);
      assert.equal(pods.length, 1);
      assert.equal(revisionOf(pods[0]), s.status?.updateRevision);
      await markReady(tc, 'sleep-0');
      const rs = await revisions();
      assert.equal(rs.length, 2, rs.map((r) => r.metadata?.name).join());
      assert.ok(!rs.some((r) => r.metadata?.name === r2.metadata?.name), '!rs.some((r) => r.metadata?.name === r2.metadata?.name)');
    }, 10_000);
  });

  it('adopts matching orphan pods named like members and leaves others alone', async () => {
    const { tc } = await setup();
    // Pod volumes are immutable: an orphan the set can take over must already mount its claim.
    const orphan = (name: string): KubeObject => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'sleep' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'sleep-volume', persistentVolumeClaim: { claimName: `sleep-volume-${name}` } }] },
    });
    await tc.client.create(Resources.pods, 'default', orphan('sleep-0'));
    await tc.client.create(Resources.pods, 'default', orphan('stranger'));
    await tc.client.create(Resources.statefulsets, 'default', sleepSet('sleep', { replicas: 1 }));
    const set = await eventually(async () => { const s = await getSet(tc); assert.equal(s.status?.observedGeneration, 1); return s; });
    await eventually(async () => assert.equal((await tc.client.get<Pod>(Resources.pods, 'default', 'sleep-0')).metadata?.ownerReferences?.[0]?.uid, set.metadata?.uid));
    // The pending pod's missing claim is created; once it runs, it gets its identity labels (a pod update).
    await eventually(async () => assert.deepEqual(names(await claims(tc)), ['sleep-volume-sleep-0']));
    await markReady(tc, 'sleep-0');
    await eventually(async () => {
      const p = await tc.client.get<Pod>(Resources.pods, 'default', 'sleep-0');
      assert.equal(p.metadata?.labels?.['statefulset.kubernetes.io/pod-name'], 'sleep-0');
    });
    assert.equal((await tc.client.get<Pod>(Resources.pods, 'default', 'stranger')).metadata?.ownerReferences, undefined);
  });
});
