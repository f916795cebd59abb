import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../apimachinery/errors.js';
import { Resources } from '../../client/types.js';
import { startTestCluster, eventually, type TestCluster } from '../../testing/test-cluster.js';
import { FakeClock } from '../../util/clock.js';
import { EXPECTATIONS_TTL_MS } from '../common/expectations.js';
import { FakePodControl, type PodControl } from '../common/pod-control.js';
import { ReplicaSetController } from './controller.js';
import type { Pod } from '../common/pod-util.js';
import type { ReplicaSetLike, ReplicaSetStatus } from './status.js';
import { activePodsOf, contextOf, eventsOf, podsOf, replicaSet, setPodReady } from './testing.js';

interface Env {
  tc: TestCluster;
  clock: FakeClock;
  c: ReplicaSetController;
  pods: FakePodControl | undefined;
  /** run starts the workers (the real loop: handlers → queue → syncReplicaSet) */
  run(): void;
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

/** setup starts an API server and a controller on a FakeClock; with fake: true pods are only recorded by FakePodControl. */
async function setup(o: { fake?: boolean; podControl?: PodControl; burstReplicas?: number } = {}): Promise<Env> {
  const tc = await startTestCluster();
  const clock = new FakeClock(new Date());
  const pods = o.fake ? new FakePodControl() : undefined;
  const c = new ReplicaSetController(contextOf(tc, clock), { podControl: o.podControl ?? pods, burstReplicas: o.burstReplicas });
  await tc.start();
  const ac = new AbortController();
  let running: Promise<void> | undefined;
  cleanup.push(async () => {
    ac.abort();
    await running;
    await c.recorder.flush();
    await tc.close();
  });
  return { tc, clock, c, pods, run: () => { running = c.run(ac.signal, 2); } };
}

const getRS = (tc: TestCluster, name: string) => tc.client.get<ReplicaSetLike>(Resources.replicasets, 'default', name);
const statusOf = async (tc: TestCluster, name: string) => (await getRS(tc, name)).status as ReplicaSetStatus;
/** inCache waits until the controller's informers saw an object (so a direct sync sees it). */
async function inCache(env: Env, name: string, pods?: number): Promise<void> {
  const informer = env.tc.informers.informerFor(Resources.replicasets);
  const podInformer = env.tc.informers.informerFor(Resources.pods);
  await eventually(() => {
    assert.ok(informer.lister.get('default', name), `${name} in the cache`);
    if (pods !== undefined) assert.equal(podInformer.lister.list('default').length, pods);
  });
}

describe('ReplicaSetController', () => {
  it('creates spec.replicas pods named OWNER-xxxxx from the template, with a controller reference and events', async () => {
    const env = await setup();
    env.run();
    const rs = await env.tc.client.create(Resources.replicasets, 'default', replicaSet('web', 3, { labels: { app: 'web', tier: 'fe' }, selector: { matchLabels: { app: 'web' } }, annotations: { note: 'x' } }));
    await eventually(async () => assert.equal((await podsOf(env.tc)).length, 3));
    for (const p of await podsOf(env.tc)) {
      assert.match(p.metadata!.name!, /^web-[a-z0-9]{5}$/);
      assert.equal(p.metadata!.generateName, 'web-');
      assert.deepEqual(p.metadata!.labels, { app: 'web', tier: 'fe' });
      assert.equal(p.metadata!.annotations?.note, 'x');
      assert.deepEqual(p.metadata!.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    }
    await eventually(async () => assert.deepEqual(await statusOf(env.tc, 'web'), { replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 }));
    await env.c.recorder.flush();
    const events = await eventsOf(env.tc, 'default', 'ReplicaSet', 'web');
    const names = (await podsOf(env.tc)).map((p) => `Created pod: ${p.metadata!.name}`);
    assert.deepEqual(events.map((e) => e.message).sort(), names);
    for (const e of events) {
      assert.equal(e.reason, 'SuccessfulCreate');
      assert.equal(e.type, 'Normal');
      assert.deepEqual(e.source, { component: 'replicaset-controller' });
      assert.equal((e.involvedObject as { apiVersion: string }).apiVersion, 'apps/v1');
    }
  });

  it('scales up and down through spec.replicas, deleting not-ready pods before ready ones', async () => {
    const env = await setup();
    env.run();
    await env.tc.client.create(Resources.replicasets, 'default', replicaSet('web', 2));
    await eventually(async () => assert.equal((await podsOf(env.tc)).length, 2));
    const ready = await podsOf(env.tc);
    for (const p of ready) await setPodReady(env.tc, p, new Date(Date.now() - 60_000));
    await env.tc.client.patch(Resources.replicasets, 'default', 'web', { spec: { replicas: 5 } }, 'merge');
    await eventually(async () => assert.equal((await podsOf(env.tc)).length, 5));
    await eventually(async () => assert.deepEqual(await statusOf(env.tc, 'web'), { replicas: 5, fullyLabeledReplicas: 5, readyReplicas: 2, availableReplicas: 2, observedGeneration: 2 }));

    await env.tc.client.patch(Resources.replicasets, 'default', 'web', { spec: { replicas: 2 } }, 'merge');
    await eventually(async () => assert.equal((await activePodsOf(env.tc)).length, 2));
    assert.deepEqual((await activePodsOf(env.tc)).map((p) => p.metadata!.name), ready.map((p) => p.metadata!.name), 'the ready pods stay');
    await eventually(async () => assert.equal((await statusOf(env.tc, 'web')).replicas, 2));
    await env.c.recorder.flush();
    const deleted = (await eventsOf(env.tc, 'default', 'ReplicaSet', 'web')).filter((e) => e.reason === 'SuccessfulDelete');
    assert.equal(deleted.length, 3);
    for (const e of deleted) assert.match(e.message as string, /^Deleted pod: web-[a-z0-9]{5}$/);
  });

  it('replaces a deleted pod', async () => {
    const env = await setup();
    env.run();
    await env.tc.client.create(Resources.replicasets, 'default', replicaSet('web', 2));
    await eventually(async () => assert.equal((await podsOf(env.tc)).length, 2));
    const [victim] = await podsOf(env.tc);
    await env.tc.client.delete(Resources.pods, 'default', victim.metadata!.name!);
    await eventually(async () => {
      const names = (await activePodsOf(env.tc)).map((p) => p.metadata!.name);
      assert.equal(names.length, 2);
      assert.ok(!names.includes(victim.metadata!.name), 'the deleted pod is gone');
    });
  });

  it('adopts matching orphans instead of creating pods', async () => {
    const env = await setup();
    env.run();
    for (const name of ['orphan-1', 'orphan-2']) {
      await env.tc.client.create(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    }
    await env.tc.client.create(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other', labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const rs = await env.tc.client.create(Resources.replicasets, 'default', replicaSet('web', 3));
    await eventually(async () => assert.equal((await podsOf(env.tc, 'default', 'app=web')).length, 3));
    const pods = await podsOf(env.tc);
    const owned = pods.filter((p) => p.metadata?.ownerReferences?.[0]?.uid === rs.metadata!.uid).map((p) => p.metadata!.name);
    assert.equal(owned.length, 3);
    assert.ok(owned.includes('orphan-1') && owned.includes('orphan-2'), `owned: ${owned}`);
    assert.equal(pods.find((p) => p.metadata!.name === 'other')!.metadata!.ownerReferences, undefined, 'a pod that does not match is left alone');
    await env.c.recorder.flush();
    assert.equal((await eventsOf(env.tc, 'default', 'ReplicaSet', 'web')).filter((e) => e.reason === 'SuccessfulCreate').length, 1);
  });

  it('releases a relabelled pod (it keeps running) and creates a replacement', async () => {
    const env = await setup();
    env.run();
    await env.tc.client.create(Resources.replicasets, 'default', replicaSet('web', 3));
    await eventually(async () => assert.equal((await podsOf(env.tc)).length, 3));
    const [moved] = await podsOf(env.tc);
    await env.tc.client.patch(Resources.pods, 'default', moved.metadata!.name!, { metadata: { labels: { app: 'foo' } } }, 'merge');
    await eventually(async () => {
      assert.equal((await podsOf(env.tc, 'default', 'app=web')).length, 3);
      const released = await env.tc.client.get<Pod>(Resources.pods, 'default', moved.metadata!.name!);
      assert.equal(released.metadata!.deletionTimestamp, undefined, 'the relabelled pod is not deleted');
      assert.deepEqual(released.metadata!.ownerReferences ?? [], [], 'its controller reference is removed');
    });
    await eventually(async () => assert.equal((await statusOf(env.tc, 'web')).replicas, 3));
  });

  it('does not adopt pods owned by another controller', async () => {
    const env = await setup();
    env.run();
    await env.tc.client.create(Resources.pods, 'default', {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'theirs', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: 'other-uid', controller: true }] },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    await env.tc.client.create(Resources.replicasets, 'default', replicaSet('web', 1));
    await eventually(async () => assert.equal((await podsOf(env.tc)).length, 2));
    assert.equal((await env.tc.client.get<Pod>(Resources.pods, 'default', 'theirs')).metadata!.ownerReferences![0].uid, 'other-uid');
  });

  it('expectations stop a second sync from creating again on a stale cache, until they expire', async () => {
    const env = await setup({ fake: true });
    await env.tc.client.create(Resources.replicasets, 'default', replicaSet('web', 3));
    await inCache(env, 'web');
    await env.c.syncReplicaSet('default/web');
    assert.equal(env.pods!.created.length, 3);
    assert.deepEqual(env.c.expectations.pending('default/web'), { add: 3, del: 0 });
    // The fake created nothing, so the cache still shows no pods: the next sync must not create again.
    await env.c.syncReplicaSet('default/web');
    assert.equal(env.pods!.created.length, 3);
    await env.clock.step(EXPECTATIONS_TTL_MS + 1);
    await env.c.syncReplicaSet('default/web');
    assert.equal(env.pods!.created.length, 6, 'expired expectations let the controller act again');
  });

  it('observed creations satisfy expectations (pods created through the API)', async () => {
    const env = await setup();
    await env.tc.client.create(Resources.replicasets, 'default', replicaSet('web', 2));
    await inCache(env, 'web');
    await env.c.syncReplicaSet('default/web');
    await eventually(() => assert.deepEqual(env.c.expectations.pending('default/web'), { add: 0, del: 0 }));
    assert.equal(env.c.expectations.satisfiedExpectations('default/web'), true);
  });

  it('slow start: batches of 1, 2, 4 … stop after the first failing batch; skipped creates lower expectations', async () => {
    const env = await setup({ fake: true });
    env.pods!.createLimit = 4;
    await env.tc.client.create(Resources.replicasets, 'default', replicaSet('web', 10));
    await inCache(env, 'web');
    await assert.rejects(env.c.syncReplicaSet('default/web'), /create limit reached/);
    // Batches 1 and 2 succeeded; of the batch of 4 only one got through; the batch of 3 never ran.
    assert.equal(env.pods!.created.length, 4);
    assert.deepEqual(env.c.expectations.pending('default/web'), { add: 4, del: 0 });
    const st = await statusOf(env.tc, 'web');
    assert.equal(st.conditions?.length, 1);
    assert.deepEqual({ ...st.conditions![0], lastTransitionTime: undefined }, { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'create limit reached', lastTransitionTime: undefined });
  });

  it('ReplicaFailure is set on failed creates, kept while they fail, removed when a sync succeeds', async () => {
    const env = await setup({ fake: true });
    env.pods!.createError = new StatusError(403, 'Forbidden', 'pods "web-" is forbidden: exceeded quota: q, requested: pods=1, used: pods=0, limited: pods=0');
    await env.tc.client.create(Resources.replicasets, 'default', replicaSet('web', 2));
    await inCache(env, 'web');
    await assert.rejects(env.c.syncReplicaSet('default/web'), /exceeded quota/);
    assert.equal(env.pods!.created.length, 0);
    assert.deepEqual(env.c.expectations.pending('default/web'), { add: 0, del: 0 }, 'a failed create is not waited for');
    const first = (await statusOf(env.tc, 'web')).conditions![0];
    assert.equal(first.reason, 'FailedCreate');
    assert.match(first.message!, /exceeded quota/);
    await eventually(async () => assert.ok((await env.tc.informers.informerFor<ReplicaSetLike>(Resources.replicasets).lister.get('default', 'web'))?.status?.conditions, 'conditions in the cache'));

    await env.clock.step(5000);
    await assert.rejects(env.c.syncReplicaSet('default/web'));
    assert.deepEqual((await statusOf(env.tc, 'web')).conditions, [first], 'unchanged while failing (same transition time)');

    env.pods!.createError = undefined;
    await env.c.syncReplicaSet('default/web');
    assert.equal(env.pods!.created.length, 2);
    assert.equal((await statusOf(env.tc, 'web')).conditions, undefined);
  });

  it('ReplicaFailure FailedDelete when deletes fail', async () => {
    const env = await setup({ fake: true });
    await env.tc.client.create(Resources.replicasets, 'default', replicaSet('web', 0));
    for (const name of ['a', 'b']) {
      await env.tc.client.create(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    }
    await inCache(env, 'web', 2);
    env.pods!.deleteError = new Error('etcd is down');
    await assert.rejects(env.c.syncReplicaSet('default/web'), /etcd is down/);
    assert.deepEqual(env.c.expectations.pending('default/web'), { add: 0, del: 0 });
    const st = await statusOf(env.tc, 'web');
    assert.equal(st.conditions![0].reason, 'FailedDelete');
    assert.equal(st.replicas, 2);
    // The fake adopted both pods through patches (the patches went nowhere): claim happened before manage.
    assert.deepEqual(env.pods!.patches.map((p) => p.name).sort(), ['a', 'b']);
  });

  it('deletes through expectations: a pending deletion blocks further deletes', async () => {
    const env = await setup({ fake: true });
    const rs = await env.tc.client.create(Resources.replicasets, 'default', replicaSet('web', 1));
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata!.uid!, controller: true, blockOwnerDeletion: true };
    for (const name of ['a', 'b', 'c']) {
      await env.tc.client.create(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' }, ownerReferences: [ref] }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    }
    await inCache(env, 'web', 3);
    await env.c.syncReplicaSet('default/web');
    assert.equal(env.pods!.deleted.length, 2);
    assert.deepEqual(env.c.expectations.pending('default/web'), { add: 0, del: 2 });
    await env.c.syncReplicaSet('default/web');
    assert.equal(env.pods!.deleted.length, 2, 'no second round of deletes');
    // Deleting one of them for real: its delete event is observed once.
    await env.tc.client.delete(Resources.pods, 'default', env.pods!.deleted[0].split('/')[1]);
    await eventually(() => assert.deepEqual(env.c.expectations.pending('default/web'), { add: 0, del: 1 }));
  });

  it('burstReplicas caps the creates of one sync', async () => {
    const env = await setup({ fake: true, burstReplicas: 3 });
    await env.tc.client.create(Resources.replicasets, 'default', replicaSet('web', 10));
    await inCache(env, 'web');
    await env.c.syncReplicaSet('default/web');
    assert.equal(env.pods!.created.length, 3);
  });

  it('counts fullyLabeledReplicas against the template labels, ignores finished and deleted pods', async () => {
    const env = await setup();
    env.run();
    await env.tc.client.create(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'partial', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const done = await env.tc.client.create<Pod>(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'done', labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await env.tc.client.updateStatus(Resources.pods, 'default', { ...done, status: { phase: 'Succeeded' } });
    await env.tc.client.create(Resources.replicasets, 'default', replicaSet('web', 2, { labels: { app: 'web', tier: 'fe' }, selector: { matchLabels: { app: 'web' } } }));
    await eventually(async () => assert.deepEqual(await statusOf(env.tc, 'web'), { replicas: 2, fullyLabeledReplicas: 1, observedGeneration: 1 }));
    assert.equal((await env.tc.client.get<Pod>(Resources.pods, 'default', 'done')).metadata!.ownerReferences, undefined, 'a finished pod is not adopted');
  });

  it('minReadySeconds: ready pods become available after it, and the key is synced again right then', async () => {
    const env = await setup();
    await env.tc.client.create(Resources.replicasets, 'default', replicaSet('web', 2, { minReadySeconds: 10 }));
    await inCache(env, 'web');
    await env.c.syncReplicaSet('default/web');
    await eventually(async () => assert.equal((await podsOf(env.tc)).length, 2));
    for (const p of await podsOf(env.tc)) await setPodReady(env.tc, p, env.clock.now());
    const podInformer = env.tc.informers.informerFor<Pod>(Resources.pods);
    await eventually(() => assert.equal(podInformer.lister.list('default').filter((p) => p.status?.conditions?.[0]?.status === 'True').length, 2));
    const r = await env.c.syncReplicaSet('default/web');
    const st = await statusOf(env.tc, 'web');
    assert.equal(st.readyReplicas, 2);
    assert.equal(st.availableReplicas, undefined);
    // Ready since a whole second (metav1.Time has seconds): at most 10 s (+1 ms) from now.
    assert.ok(r && r.requeueAfterMs !== undefined && r.requeueAfterMs > 9000 && r.requeueAfterMs <= 10_001, `requeueAfterMs ${JSON.stringify(r)}`);

    // The worker loop honours it on the injected clock.
    env.run();
    await eventually(async () => assert.ok(env.clock.pending() > 0, 'a timer is pending'));
    await env.clock.step(10_001);
    await eventually(async () => assert.equal((await statusOf(env.tc, 'web')).availableReplicas, 2));
  });

  it('minReadySeconds: a Ready condition without a transition time is never available and asks for no requeue', async () => {
    const env = await setup({ fake: true });
    await env.tc.client.create(Resources.replicasets, 'default', replicaSet('web', 1, { minReadySeconds: 5 }));
    const p = await env.tc.client.create<Pod>(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await env.tc.client.updateStatus(Resources.pods, 'default', { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
    await inCache(env, 'web', 1);
    const podInformer = env.tc.informers.informerFor<Pod>(Resources.pods);
    await eventually(() => assert.equal(podInformer.lister.get('default', 'p')?.status?.phase, 'Running'));
    assert.equal(await env.c.syncReplicaSet('default/web'), undefined);
    assert.deepEqual(await statusOf(env.tc, 'web'), { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, observedGeneration: 1 });
  });

  it('a ReplicaSet being deleted is not managed but its status still reflects its pods', async () => {
    const env = await setup({ fake: true });
    await env.tc.client.create(Resources.replicasets, 'default', { ...replicaSet('web', 2), metadata: { name: 'web', finalizers: ['example.com/hold'] } });
    await env.tc.client.delete(Resources.replicasets, 'default', 'web');
    await eventually(() => assert.ok(env.tc.informers.informerFor<ReplicaSetLike>(Resources.replicasets).lister.get('default', 'web')?.metadata?.deletionTimestamp, 'deletionTimestamp in the cache'));
    await env.c.syncReplicaSet('default/web');
    assert.equal(env.pods!.created.length, 0);
    const rs = await getRS(env.tc, 'web');
    assert.deepEqual(rs.status, { replicas: 0, observedGeneration: rs.metadata!.generation });
    await env.tc.client.patch(Resources.replicasets, 'default', 'web', { metadata: { finalizers: null } }, 'merge');
  });

  it('a deleted ReplicaSet forgets its expectations', async () => {
    const env = await setup({ fake: true });
    await env.tc.client.create(Resources.replicasets, 'default', replicaSet('web', 2));
    await inCache(env, 'web');
    await env.c.syncReplicaSet('default/web');
    assert.ok(env.c.expectations.pending('default/web'), 'expectations recorded');
    await env.tc.client.delete(Resources.replicasets, 'default', 'web');
    await eventually(() => assert.equal(env.tc.informers.informerFor(Resources.replicasets).lister.get('default', 'web'), undefined));
    await env.c.syncReplicaSet('default/web');
    assert.equal(env.c.expectations.pending('default/web'), undefined);
  });

  it('matchExpressions selectors select, adopt and exclude', async () => {
    const env = await setup();
    env.run();
    await env.tc.client.create(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'canary', labels: { app: 'kubia', track: 'canary' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await env.tc.client.create(Resources.replicasets, 'default', replicaSet('kubia', 2, {
      labels: { app: 'kubia' },
      selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['kubia'] }, { key: 'track', operator: 'DoesNotExist' }] },
    }));
    await eventually(async () => assert.equal((await podsOf(env.tc, 'default', 'app=kubia,!track')).length, 2));
    assert.equal((await env.tc.client.get<Pod>(Resources.pods, 'default', 'canary')).metadata!.ownerReferences, undefined);
  });
});
