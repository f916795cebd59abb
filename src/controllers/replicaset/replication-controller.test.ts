import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/resource.js';
import { Resources } from '../../client/types.js';
import { startTestCluster, eventually, type TestCluster } from '../../testing/test-cluster.js';
import { startController } from '../../testing/controller-run.js';
import { FakeClock } from '../../util/clock.js';
import { FakePodControl } from '../common/pod-control.js';
import { ReplicationManager } from './replication-controller.js';
import type { ReplicaSetLike, ReplicaSetStatus } from './status.js';
import { activePodsOf, contextOf, eventsOf, podsOf } from './testing.js';

/** kubiaRC is the book's ReplicationController (kubia-rc.yaml), without a selector: the server defaults it. */
const kubiaRC = (replicas: number): KubeObject => ({
  apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'kubia' },
  spec: {
    replicas,
    template: { metadata: { labels: { app: 'kubia' } }, spec: { containers: [{ name: 'kubia', image: 'luksa/kubia', ports: [{ containerPort: 8080 }] }] } },
  },
});

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function setup(o: { fake?: boolean } = {}): Promise<{ tc: TestCluster; c: ReplicationManager; pods?: FakePodControl }> {
  const tc = await startTestCluster();
  const pods = o.fake ? new FakePodControl() : undefined;
  const c = new ReplicationManager(contextOf(tc, new FakeClock(new Date())), { podControl: pods });
  await tc.start();
  const stop = startController(c);
  cleanup.push(async () => { await stop(); await tc.close(); });
  return { tc, c, pods };
}

const rcStatus = async (tc: TestCluster) => (await tc.client.get<ReplicaSetLike>(Resources.replicationcontrollers, 'default', 'kubia')).status as ReplicaSetStatus;

describe('ReplicationManager (ReplicationControllers through the ReplicaSet controller)', () => {
  it('the selector defaults from the template labels server side; pods, owner references and events name the RC', async () => {
    const { tc, c } = await setup();
    assert.equal(c.name, 'replicationcontroller');
    const rc = await tc.client.create(Resources.replicationcontrollers, 'default', kubiaRC(3));
    assert.deepEqual((rc.spec as { selector: unknown }).selector, { app: 'kubia' });
    await eventually(async () => assert.equal((await podsOf(tc)).length, 3));
    for (const p of await podsOf(tc)) {
      assert.match(p.metadata!.name!, /^kubia-[a-z0-9]{5}$/);
      assert.deepEqual(p.metadata!.ownerReferences, [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'kubia', uid: rc.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    }
    await eventually(async () => assert.deepEqual(await rcStatus(tc), { replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 }));
    await c.recorder.flush();
    const events = await eventsOf(tc, 'default', 'ReplicationController', 'kubia');
    assert.equal(events.length, 3);
    for (const e of events) {
      assert.equal(e.reason, 'SuccessfulCreate');
      assert.deepEqual(e.source, { component: 'replication-controller' });
      assert.equal(e.reportingComponent, 'replication-controller');
      assert.equal((e.involvedObject as { apiVersion: string }).apiVersion, 'v1');
    }
  });

  it('scales through the scale subresource, releases a relabelled pod, adopts orphans with equality selectors', async () => {
    const { tc } = await setup();
    await tc.client.create(Resources.replicationcontrollers, 'default', kubiaRC(3));
    await eventually(async () => assert.equal((await podsOf(tc)).length, 3));

    await tc.client.patch(Resources.replicationcontrollers, 'default', 'kubia', { spec: { replicas: 5 } }, 'merge', 'scale');
    await eventually(async () => assert.equal((await activePodsOf(tc)).length, 5));
    await tc.client.patch(Resources.replicationcontrollers, 'default', 'kubia', { spec: { replicas: 3 } }, 'merge', 'scale');
    await eventually(async () => assert.equal((await activePodsOf(tc)).length, 3));

    const [moved] = await activePodsOf(tc);
    await tc.client.patch(Resources.pods, 'default', moved.metadata!.name!, { metadata: { labels: { app: 'foo' } } }, 'merge');
    await eventually(async () => {
      assert.equal((await activePodsOf(tc, 'default', 'app=kubia')).length, 3);
      assert.deepEqual((await tc.client.get(Resources.pods, 'default', moved.metadata!.name!)).metadata!.ownerReferences ?? [], []);
    });
    // Back into the selector: now there is one too many, and the RC deletes one (not necessarily this one).
    await tc.client.patch(Resources.pods, 'default', moved.metadata!.name!, { metadata: { labels: { app: 'kubia' } } }, 'merge');
    await eventually(async () => assert.equal((await activePodsOf(tc, 'default', 'app=kubia')).length, 3));
    await eventually(async () => assert.equal((await rcStatus(tc)).replicas, 3));
  });

  it('ReplicaFailure FailedCreate on the RC status', async () => {
    const { tc, pods } = await setup({ fake: true });
    pods!.createError = new Error('pods "kubia-" is forbidden: exceeded quota');
    await tc.client.create(Resources.replicationcontrollers, 'default', kubiaRC(2));
    await eventually(async () => {
      const cond = (await rcStatus(tc)).conditions?.[0];
      assert.equal(cond?.type, 'ReplicaFailure');
      assert.equal(cond?.reason, 'FailedCreate');
      assert.equal(cond?.message, 'pods "kubia-" is forbidden: exceeded quota');
    });
  });
});
