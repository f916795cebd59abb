import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/resource.js';
import { defaultControllerOptions } from '../common/context.js';
import { Resources } from '../../client/types.js';
import { startTestCluster, eventually, type TestCluster } from '../../testing/test-cluster.js';
import { startController } from '../../testing/controller-run.js';
import { EventRecorder } from '../../client/events.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { FakeClock, realClock } from '../../util/clock.js';
import type { ControllerRevision } from '../history/history.js';
import { computeHash } from '../history/hash.js';
import { DaemonSetsController } from './controller.js';
import type { DaemonSet, Node, Pod, Taint } from './types.js';
import { getTargetNodeName } from './util.js';

interface Env { tc: TestCluster; clock: FakeClock; c: DaemonSetsController }

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

/** setup starts an API server, creates the nodes, and runs the controller on a FakeClock. */
async function setup(nodes: Node[], o: { beforeRun?: (tc: TestCluster) => Promise<void> } = {}): Promise<Env> {
  const tc = await startTestCluster();
  const clock = new FakeClock(new Date());
  const c = new DaemonSetsController({ client: tc.client, informers: tc.informers, clock, options: defaultControllerOptions });
  for (const n of nodes) await tc.client.create(Resources.nodes, undefined, n);
  await tc.start();
  await o.beforeRun?.(tc);
  const stop = startController(c);
  cleanup.push(async () => { await stop(); await tc.close(); });
  return { tc, clock, c };
}

const node = (name: string, o: { labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean } = {}): Node => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
  spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
});

function daemonSet(name: string, o: { nodeSelector?: Record<string, string>; image?: string; updateStrategy?: DaemonSet['spec']['updateStrategy']; revisionHistoryLimit?: number } = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      ...(o.updateStrategy ? { updateStrategy: o.updateStrategy } : {}),
      ...(o.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: o.revisionHistoryLimit } : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: { ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}), containers: [{ name: 'main', image: o.image ?? 'busybox' }] },
      },
    },
  };
}

/** livePods lists the DaemonSet's pods from the API server that are not being deleted, by target node. */
async function livePods(tc: TestCluster, app: string): Promise<Pod[]> {
  const { items } = await tc.client.list<Pod>(Resources.pods, 'default', { labelSelector: `app=${app}` });
  return items.filter((p) => !p.metadata?.deletionTimestamp).sort((a, b) => (getTargetNodeName(a) < getTargetNodeName(b) ? -1 : 1));
}

const nodesOf = (pods: Pod[]) => pods.map(getTargetNodeName);
const getDS = (tc: TestCluster, name: string) => tc.client.get<DaemonSet>(Resources.daemonsets, 'default', name);

async function eventsOf(tc: TestCluster, name: string): Promise<{ reason: string; message: string }[]> {
  const { items } = await tc.client.list(Resources.events, 'default');
  return items.filter((e) => (e.involvedObject as { name?: string }).name === name).map((e) => ({ reason: e.reason as string, message: e.message as string }));
}

/** setPodStatus writes a status through the status subresource, as the node agent would. */
async function setPodStatus(tc: TestCluster, pod: Pod, phase: string, ready: boolean): Promise<void> {
  const ts = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await eventually(async () => {
    const fresh = await tc.client.get<Pod>(Resources.pods, 'default', pod.metadata!.name!);
    await tc.client.updateStatus(Resources.pods, 'default', { ...fresh, status: { ...fresh.status, phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: ts }] } } as KubeObject);
  });
}

/** readyAll marks every live pod of app Running and Ready (what the agents would do). */
async function readyAll(tc: TestCluster, app: string): Promise<void> {
  for (const p of await livePods(tc, app)) if (!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) await setPodStatus(tc, p, 'Running', true);
}

const hashOf = (p: Pod) => p.metadata?.labels?.['controller-revision-hash'];

describe('DaemonSetsController', () => {
  it("seed 001's ssd-monitor: no pod until a node is labelled disk=ssd, then one there; relabelled disk=hdd, it goes", async () => {
    const { tc } = await setup([node('host01'), node('host02'), node('host03')]);
    await tc.client.create(Resources.daemonsets, 'default', daemonSet('ssd-monitor', { nodeSelector: { disk: 'ssd' } }));
    await eventually(async () => assert.equal((await getDS(tc, 'ssd-monitor')).status?.observedGeneration, 1));
    assert.deepEqual(await livePods(tc, 'ssd-monitor'), []);
    assert.deepEqual((await getDS(tc, 'ssd-monitor')).status, { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, observedGeneration: 1 });

    await tc.client.patch(Resources.nodes, undefined, 'host02', { metadata: { labels: { disk: 'ssd' } } }, 'merge');
    const [pod] = await eventually(async () => { const ps = await livePods(tc, 'ssd-monitor'); assert.equal(ps.length, 1); return ps; });
    assert.equal(getTargetNodeName(pod), 'host02');
    assert.match(pod.metadata!.name!, /^ssd-monitor-[a-z0-9]{5}$/);
    assert.deepEqual(pod.spec?.affinity, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['host02'] }] }] } } });
    assert.deepEqual(pod.spec?.nodeSelector, { disk: 'ssd' });
    assert.deepEqual(pod.spec?.tolerations?.map((t) => `${t.key}:${t.effect}${t.tolerationSeconds === undefined ? '' : `=${t.tolerationSeconds}`}`), [
      'node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    const ds = await getDS(tc, 'ssd-monitor');
    assert.deepEqual(pod.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ssd-monitor', uid: ds.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(pod.metadata?.labels?.['pod-template-generation'], '1');
    await eventually(async () => assert.deepEqual((await getDS(tc, 'ssd-monitor')).status, {
      currentNumberScheduled: 1, desiredNumberScheduled: 1, numberMisscheduled: 0, numberReady: 0, numberUnavailable: 1, observedGeneration: 1, updatedNumberScheduled: 1,
    }));
    await eventually(async () => assert.deepEqual(await eventsOf(tc, 'ssd-monitor'), [{ reason: 'SuccessfulCreate', message: `Created pod: ${pod.metadata!.name}` }]));

    await tc.client.patch(Resources.nodes, undefined, 'host02', { metadata: { labels: { disk: 'hdd' } } }, 'merge');
    await eventually(async () => assert.deepEqual(await livePods(tc, 'ssd-monitor'), []));
    await eventually(async () => assert.ok((await eventsOf(tc, 'ssd-monitor')).some((e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted pod: ${pod.metadata!.name}`)));
    await eventually(async () => assert.equal((await getDS(tc, 'ssd-monitor')).status?.desiredNumberScheduled, 0));
  });

  it('without a node selector: one pod per node, cordoned and tainted-but-tolerated nodes included; a new node gets one; a deleted node loses its pod', async () => {
    const { tc } = await setup([
      node('n1'),
      node('n2', { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }),
      node('n3', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] }),
      node('n4', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }),
    ]);
    await tc.client.create(Resources.daemonsets, 'default', daemonSet('agent'));
    await eventually(async () => assert.deepEqual(nodesOf(await livePods(tc, 'agent')), ['n1', 'n2', 'n3']));
    await eventually(async () => assert.equal((await getDS(tc, 'agent')).status?.desiredNumberScheduled, 3));

    await tc.client.create(Resources.nodes, undefined, node('n5'));
    await eventually(async () => assert.deepEqual(nodesOf(await livePods(tc, 'agent')), ['n1', 'n2', 'n3', 'n5']));

    // Bound to n1 (as the scheduler would), then n1 goes away: the pod is removed at once.
    const onN1 = (await livePods(tc, 'agent'))[0];
    await tc.client.createSubresource(Resources.pods, 'default', onN1.metadata!.name!, 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: onN1.metadata!.name! }, target: { apiVersion: 'v1', kind: 'Node', name: 'n1' } });
    await tc.client.delete(Resources.nodes, undefined, 'n1');
    await eventually(async () => assert.deepEqual(nodesOf(await livePods(tc, 'agent')), ['n2', 'n3', 'n5']));
    await assert.rejects(tc.client.get(Resources.pods, 'default', onN1.metadata!.name!), /not found/);
    await eventually(async () => assert.deepEqual((await getDS(tc, 'agent')).status, {
      currentNumberScheduled: 3, desiredNumberScheduled: 3, numberMisscheduled: 0, numberReady: 0, numberUnavailable: 3, observedGeneration: 1, updatedNumberScheduled: 3,
    }));

    // Tainting a node NoExecute evicts the daemon; NoSchedule alone keeps the pod there.
    await tc.client.patch(Resources.nodes, undefined, 'n5', { spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } }, 'merge');
    await eventually(async () => assert.equal((await getDS(tc, 'agent')).status?.numberMisscheduled, 1));
    assert.deepEqual(nodesOf(await livePods(tc, 'agent')), ['n2', 'n3', 'n5']);
    await tc.client.patch(Resources.nodes, undefined, 'n5', { spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }] } }, 'merge');
    await eventually(async () => assert.deepEqual(nodesOf(await livePods(tc, 'agent')), ['n2', 'n3']));
  });

  it('the scheduler binds each daemon pod to its node, the cordoned one too (matchFields metadata.name, unschedulable toleration)', async () => {
    const { tc } = await setup([node('n1'), node('n2', { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }), node('n3')]);
    const scheduler = new Scheduler({ client: tc.client, informers: tc.informers, clock: realClock, recorder: new EventRecorder(tc.client, { component: 'default-scheduler' }, realClock) });
    const ac = new AbortController();
    const running = scheduler.run(ac.signal);
    cleanup.push(async () => { ac.abort(); await running; });
    await tc.client.create(Resources.daemonsets, 'default', daemonSet('agent'));
    await eventually(async () => {
      const pods = await livePods(tc, 'agent');
      assert.deepEqual(pods.map((p) => p.spec?.nodeName), ['n1', 'n2', 'n3']);
    }, 15_000);
  });

  it('adopts a matching orphan pinned to a node instead of creating another (OnDelete keeps it although it has no revision hash)', async () => {
    const { tc } = await setup([node('n1')]);
    const orphan = await tc.client.create<Pod>(Resources.pods, 'default', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', labels: { app: 'agent' } },
      spec: { nodeName: 'n1', containers: [{ name: 'main', image: 'busybox' }] },
    });
    await tc.client.create(Resources.daemonsets, 'default', daemonSet('agent', { updateStrategy: { type: 'OnDelete' } }));
    await eventually(async () => assert.equal((await getDS(tc, 'agent')).status?.currentNumberScheduled, 1));
    await eventually(async () => {
      const pods = await livePods(tc, 'agent');
      assert.deepEqual(pods.map((p) => p.metadata?.name), ['stray']);
      assert.equal(pods[0].metadata?.ownerReferences?.[0]?.kind, 'DaemonSet');
      assert.equal(pods[0].metadata?.uid, orphan.metadata?.uid);
    });
  });

  it('RollingUpdate (maxUnavailable 1): a template change replaces one pod at a time, waiting for each new pod to be ready', async () => {
    const { tc } = await setup([node('n1'), node('n2'), node('n3')]);
    await tc.client.create(Resources.daemonsets, 'default', daemonSet('agent'));
    await eventually(async () => assert.equal((await livePods(tc, 'agent')).length, 3));
    await readyAll(tc, 'agent');
    await eventually(async () => assert.equal((await getDS(tc, 'agent')).status?.numberAvailable, 3));
    const oldHash = hashOf((await livePods(tc, 'agent'))[0]);

    await tc.client.patch(Resources.daemonsets, 'default', 'agent', { spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox:1.37' }] } } } }, 'strategic');
    for (let step = 1; step <= 3; step++) {
      // Exactly `step` nodes run the new template, and the others still run their (ready) old pod.
      const pods = await eventually(async () => {
        const ps = await livePods(tc, 'agent');
        assert.equal(ps.filter((p) => hashOf(p) !== oldHash).length, step);
        assert.equal(ps.length, 3);
        return ps;
      });
      assert.equal(new Set(nodesOf(pods)).size, 3);
      assert.equal(pods.filter((p) => hashOf(p) === oldHash && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length, 3 - step);
      // The controller does not go further until the new pod is ready.
      const ds = await getDS(tc, 'agent');
      assert.ok((ds.status?.numberUnavailable ?? 0) <= 1, `at most one unavailable, got ${ds.status?.numberUnavailable}`);
      await readyAll(tc, 'agent');
    }
    await eventually(async () => assert.deepEqual((await getDS(tc, 'agent')).status, {
      currentNumberScheduled: 3, desiredNumberScheduled: 3, numberAvailable: 3, numberMisscheduled: 0, numberReady: 3, observedGeneration: 2, updatedNumberScheduled: 3,
    }));
    const revisions = (await tc.client.list<ControllerRevision>(Resources.controllerrevisions, 'default')).items.sort((a, b) => a.revision - b.revision);
    assert.deepEqual(revisions.map((r) => r.revision), [1, 2]);
    assert.equal(revisions[0].metadata?.name, `agent-${oldHash}`);
    assert.equal(revisions[1].metadata?.labels?.['controller-revision-hash'], hashOf((await livePods(tc, 'agent'))[0]));
    assert.deepEqual(revisions[1].metadata?.labels?.app, 'agent');
    assert.equal((revisions[1].data as { spec: { template: { $patch: string; spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0].image, 'busybox:1.37');
  });

  it('RollingUpdate with maxSurge 1: the new pod starts beside the old one, which goes once the new one is ready', async () => {
    const { tc } = await setup([node('n1'), node('n2')]);
    await tc.client.create(Resources.daemonsets, 'default', daemonSet('agent', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }));
    await eventually(async () => assert.equal((await livePods(tc, 'agent')).length, 2));
    await readyAll(tc, 'agent');
    const oldHash = hashOf((await livePods(tc, 'agent'))[0]);
    await tc.client.patch(Resources.daemonsets, 'default', 'agent', { spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox:1.37' }] } } } }, 'strategic');
    // Surge on one node: three pods, two old (both still there) and one new.
    const surged = await eventually(async () => {
      const ps = await livePods(tc, 'agent');
      assert.equal(ps.length, 3);
      return ps;
    });
    assert.equal(surged.filter((p) => hashOf(p) === oldHash).length, 2);
    const newPod = surged.find((p) => hashOf(p) !== oldHash)!;
    await setPodStatus(tc, newPod, 'Running', true);
    // The old pod on that node goes, and the other node surges.
    await eventually(async () => {
      const ps = await livePods(tc, 'agent');
      assert.equal(ps.filter((p) => getTargetNodeName(p) === getTargetNodeName(newPod)).length, 1);
      assert.equal(ps.filter((p) => hashOf(p) !== oldHash).length, 2);
    });
    await readyAll(tc, 'agent');
    await eventually(async () => {
      const ps = await livePods(tc, 'agent');
      assert.deepEqual(ps.map((p) => hashOf(p) !== oldHash), [true, true]);
    });
    await eventually(async () => assert.equal((await getDS(tc, 'agent')).status?.updatedNumberScheduled, 2));
  });

  it('OnDelete: a template change replaces nothing until a pod is deleted; revision history limit prunes unused revisions', async () => {
    const { tc } = await setup([node('n1'), node('n2')]);
    await tc.client.create(Resources.daemonsets, 'default', daemonSet('agent', { updateStrategy: { type: 'OnDelete' }, revisionHistoryLimit: 1 }));
    await eventually(async () => assert.equal((await livePods(tc, 'agent')).length, 2));
    const [p1, p2] = await livePods(tc, 'agent');
    for (const image of ['busybox:1.37', 'busybox:1.38']) {
      await tc.client.patch(Resources.daemonsets, 'default', 'agent', { spec: { template: { spec: { containers: [{ name: 'main', image }] } } } }, 'strategic');
      await eventually(async () => assert.equal((await getDS(tc, 'agent')).status?.observedGeneration, image.endsWith('37') ? 2 : 3));
    }
    assert.deepEqual((await livePods(tc, 'agent')).map((p) => p.metadata?.uid), [p1.metadata?.uid, p2.metadata?.uid]);
    const status = (await getDS(tc, 'agent')).status;
    assert.equal(status?.updatedNumberScheduled, undefined, 'no pod is up to date');
    // Revision 2 (busybox:1.37) is used by no pod and beyond the limit of one old revision: pruned;
    // revision 1 stays, its pods still run.
    await eventually(async () => assert.deepEqual((await tc.client.list<ControllerRevision>(Resources.controllerrevisions, 'default')).items.map((r) => r.revision).sort(), [1, 3]));

    await tc.client.delete(Resources.pods, 'default', p1.metadata!.name!);
    await eventually(async () => {
      const ps = await livePods(tc, 'agent');
      assert.equal(ps.length, 2);
      const replaced = ps.find((p) => getTargetNodeName(p) === getTargetNodeName(p1))!;
      assert.notEqual(replaced.metadata?.uid, p1.metadata?.uid);
      assert.equal((replaced.spec as { containers: { image: string }[] }).containers[0].image, 'busybox:1.38');
      assert.equal(ps.find((p) => getTargetNodeName(p) === getTargetNodeName(p2))?.metadata?.uid, p2.metadata?.uid);
    });
    await eventually(async () => assert.equal((await getDS(tc, 'agent')).status?.updatedNumberScheduled, 1));
  });

  it('undo: restoring an old template renumbers its revision instead of creating one', async () => {
    const { tc } = await setup([node('n1')]);
    await tc.client.create(Resources.daemonsets, 'default', daemonSet('agent'));
    await eventually(async () => assert.equal((await livePods(tc, 'agent')).length, 1));
    await tc.client.patch(Resources.daemonsets, 'default', 'agent', { spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox:1.37' }] } } } }, 'strategic');
    await eventually(async () => assert.equal((await tc.client.list(Resources.controllerrevisions, 'default')).items.length, 2));
    const first = (await tc.client.list<ControllerRevision>(Resources.controllerrevisions, 'default')).items.find((r) => r.revision === 1)!;
    // What `kubectl rollout undo` does: apply revision 1's data as a strategic merge patch.
    await tc.client.patch(Resources.daemonsets, 'default', 'agent', first.data, 'strategic');
    await eventually(async () => {
      const rs = (await tc.client.list<ControllerRevision>(Resources.controllerrevisions, 'default')).items;
      assert.deepEqual(rs.map((r) => [r.metadata?.name, r.revision]).sort(), [[first.metadata?.name, 3], [rs.find((r) => r.metadata?.name !== first.metadata?.name)?.metadata?.name, 2]].sort());
    });
    const ds = await getDS(tc, 'agent');
    assert.equal((ds.spec.template.spec as { containers: { image: string }[] }).containers[0].image, 'busybox');
  });

  it('a revision name taken by another template bumps status.collisionCount and the revision gets the next name', async () => {
    let takenName = '';
    const { tc, clock } = await setup([node('n1')], {
      beforeRun: async (tc) => {
        const ds = await tc.client.create<DaemonSet>(Resources.daemonsets, 'default', daemonSet('agent'));
        takenName = `agent-${computeHash(ds.spec.template)}`;
        await tc.client.create(Resources.controllerrevisions, 'default', { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: takenName, labels: { other: 'x' } }, data: { someone: 'else' }, revision: 1 });
      },
    });
    const ds = await eventually(async () => {
      await clock.step(50);
      const d = await getDS(tc, 'agent');
      assert.equal(d.status?.collisionCount, 1);
      return d;
    });
    const revs = await eventually(async () => {
      await clock.step(50);
      const rs = (await tc.client.list<ControllerRevision>(Resources.controllerrevisions, 'default', { labelSelector: 'app=agent' })).items;
      assert.equal(rs.length, 1);
      return rs;
    });
    assert.equal(revs[0].metadata?.name, `agent-${computeHash(ds.spec.template, 1)}`);
    assert.notEqual(revs[0].metadata?.name, takenName);
    await eventually(async () => assert.equal(hashOf((await livePods(tc, 'agent'))[0]), computeHash(ds.spec.template, 1)));
  });

  it('a failed daemon pod is replaced, with FailedDaemonPod, and no faster than the back-off allows', async () => {
    const { tc, clock } = await setup([node('n1')]);
    await tc.client.create(Resources.daemonsets, 'default', daemonSet('agent'));
    const [first] = await eventually(async () => { const ps = await livePods(tc, 'agent'); assert.equal(ps.length, 1); return ps; });
    await setPodStatus(tc, first, 'Failed', false);
    const [second] = await eventually(async () => {
      const ps = await livePods(tc, 'agent');
      assert.equal(ps.length, 1);
      assert.notEqual(ps[0].metadata?.uid, first.metadata?.uid);
      return ps;
    });
    await eventually(async () => assert.ok((await eventsOf(tc, 'agent')).some((e) => e.reason === 'FailedDaemonPod'
      && e.message === `Found failed daemon pod default/${first.metadata!.name} on node n1, will try to kill it`)));
    // It fails again at once: within the 1 s back-off it stays.
    await setPodStatus(tc, second, 'Failed', false);
    await eventually(async () => assert.equal((await tc.client.get<Pod>(Resources.pods, 'default', second.metadata!.name!)).status?.phase, 'Failed'));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual((await livePods(tc, 'agent')).map((p) => p.metadata?.uid), [second.metadata?.uid]);
    // Once the back-off has passed, it is replaced.
    await clock.step(1_000);
    await eventually(async () => {
      const ps = await livePods(tc, 'agent');
      assert.equal(ps.length, 1);
      assert.notEqual(ps[0].metadata?.uid, second.metadata?.uid);
    });
  });
});
