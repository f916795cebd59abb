import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { rfc3339 } from '../../apimachinery/time.js';
import { EventRecorder } from '../../client/events.js';
import { Resources, type ResourceRef } from '../../client/types.js';
import { startTestCluster, eventually, type TestCluster } from '../../testing/test-cluster.js';
import { FakeClock } from '../../util/clock.js';
import type { Pod } from '../nodelifecycle/pod-conditions.js';
import { DisruptionController, PDB_RESOURCE } from './controller.js';
import type { PodDisruptionBudget } from './pdb-status.js';

interface Env { tc: TestCluster; clock: FakeClock; recorder: EventRecorder }

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function setup(): Promise<Env> {
  const tc = await startTestCluster();
  const clock = new FakeClock(new Date());
  const recorder = new EventRecorder(tc.client, { component: 'controllermanager' }, clock);
  const c = new DisruptionController(tc.client, tc.informers, clock, recorder);
  await tc.start();
  const ac = new AbortController();
  const running = c.run(ac.signal);
  cleanup.push(async () => {
    ac.abort();
    await running;
    await recorder.flush();
    await tc.close();
  });
  return { tc, clock, recorder };
}

const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

async function workload(env: Env, res: ResourceRef, kind: string, name: string, replicas: number, owner?: KubeObject): Promise<KubeObject> {
  return env.tc.client.create(res, 'default', {
    apiVersion: res.group ? `${res.group}/${res.version}` : res.version, kind,
    metadata: { name, namespace: 'default', ...(owner ? { ownerReferences: [ref(owner)] } : {}) },
    spec: kind === 'ReplicationController'
      ? { replicas, selector: { app: name }, template: template(name) }
      : { replicas, selector: { matchLabels: { app: name } }, template: template(name), ...(kind === 'StatefulSet' ? { serviceName: name } : {}) },
  });
}

function ref(owner: KubeObject): { apiVersion: string; kind: string; name: string; uid: string; controller: boolean } {
  return { apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true };
}

/** runningPods creates n Running pods labelled app=APP, controlled by owner, Ready unless told otherwise. */
async function runningPods(env: Env, app: string, n: number, owner?: KubeObject, ready = true): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = await env.tc.client.create<Pod>(Resources.pods, 'default', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: `${app}-${i}`, namespace: 'default', labels: { app }, ...(owner ? { ownerReferences: [ref(owner)] } : {}) },
      spec: { nodeName: 'host01', containers: [{ name: 'c', image: 'nginx' }] },
    });
    await env.tc.client.updateStatus(Resources.pods, 'default', {
      ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: rfc3339(new Date()) }] },
    });
    names.push(p.metadata!.name!);
  }
  return names;
}

async function pdb(env: Env, name: string, spec: PodDisruptionBudget['spec']): Promise<void> {
  await env.tc.client.create(PDB_RESOURCE, 'default', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default' }, spec });
}

const getPdb = (env: Env, name: string) => env.tc.client.get<PodDisruptionBudget>(PDB_RESOURCE, 'default', name);

async function waitStatus(env: Env, name: string, want: { currentHealthy: number; desiredHealthy: number; expectedPods: number; disruptionsAllowed: number }): Promise<PodDisruptionBudget> {
  return eventually(async () => {
    const p = await getPdb(env, name);
    const s = p.status!;
    assert.deepEqual({ currentHealthy: s.currentHealthy, desiredHealthy: s.desiredHealthy, expectedPods: s.expectedPods, disruptionsAllowed: s.disruptionsAllowed }, want);
    assert.equal(s.observedGeneration, p.metadata?.generation);
    return p;
  });
}

async function evict(env: Env, name: string): Promise<StatusError | KubeObject> {
  try {
    return await env.tc.client.createSubresource(Resources.pods, 'default', name, 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } });
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
}

async function events(env: Env, reason: string): Promise<KubeObject[]> {
  await env.recorder.flush();
  return (await env.tc.client.list(Resources.events, 'default')).items.filter((e) => e.reason === reason);
}

describe('disruption controller', () => {
  it('computes status for a ReplicaSet and spends the budget through evictions', async () => {
    const env = await setup();
    const rs = await workload(env, Resources.replicasets, 'ReplicaSet', 'web', 3);
    const pods = await runningPods(env, 'web', 3, rs);
    await pdb(env, 'web-pdb', { minAvailable: 2, selector: { matchLabels: { app: 'web' } } });
    const p = await waitStatus(env, 'web-pdb', { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1 });
    assert.deepEqual(p.status!.conditions!.map((c) => [c.type, c.status, c.reason]), [['DisruptionAllowed', 'True', 'SufficientPods']]);

    const ok = await evict(env, pods[0]);
    assert.ok(!(ok instanceof StatusError), `first eviction allowed: ${ok instanceof StatusError ? ok.message : ''}`);
    const evicted = await env.tc.client.get<Pod>(Resources.pods, 'default', pods[0]);
    assert.ok(evicted.metadata?.deletionTimestamp, 'the evicted pod is being deleted');
    assert.deepEqual(evicted.status?.conditions?.filter((c) => c.type === 'DisruptionTarget').map((c) => [c.status, c.reason, c.message]),
      [['True', 'EvictionByEvictionAPI', 'Eviction API: evicting']]);

    // The controller sees the pod going and settles at 2 healthy, none allowed.
    const after = await waitStatus(env, 'web-pdb', { currentHealthy: 2, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 0 });
    assert.deepEqual(after.status!.conditions!.map((c) => [c.status, c.reason]), [['False', 'InsufficientPods']]);
    assert.equal(after.status!.conditions!.length, 1);
    await eventually(async () => assert.equal((await getPdb(env, 'web-pdb')).status!.disruptedPods, undefined, 'the deleted pod left disruptedPods'));

    const blocked = await evict(env, pods[1]);
    assert.ok(blocked instanceof StatusError, 'second eviction refused');
    assert.equal(blocked.code, 429);
    assert.equal(blocked.reason, 'TooManyRequests');
    assert.equal(blocked.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(blocked.details?.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently' }]);
    assert.equal((await env.tc.client.get<Pod>(Resources.pods, 'default', pods[1])).metadata?.deletionTimestamp, undefined);
  });

  it('uses the Deployment scale for maxUnavailable percentages', async () => {
    const env = await setup();
    const d = await workload(env, Resources.deployments, 'Deployment', 'api', 4);
    const rs = await workload(env, Resources.replicasets, 'ReplicaSet', 'api', 4, d);
    await runningPods(env, 'api', 3, rs);
    await pdb(env, 'api-pdb', { maxUnavailable: '25%', selector: { matchLabels: { app: 'api' } } });
    await waitStatus(env, 'api-pdb', { currentHealthy: 3, desiredHealthy: 3, expectedPods: 4, disruptionsAllowed: 0 });
    // Scaling the Deployment changes the expected count.
    await env.tc.client.patch(Resources.deployments, 'default', 'api', { spec: { replicas: 3 } }, 'merge');
    await env.tc.client.patch(PDB_RESOURCE, 'default', 'api-pdb', { metadata: { labels: { touched: 'yes' } } }, 'merge');
    await waitStatus(env, 'api-pdb', { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1 });
  });

  it('reads StatefulSets and ReplicationControllers', async () => {
    const env = await setup();
    const ss = await workload(env, Resources.statefulsets, 'StatefulSet', 'db', 2);
    await runningPods(env, 'db', 2, ss);
    const rc = await workload(env, Resources.replicationcontrollers, 'ReplicationController', 'legacy', 5);
    await runningPods(env, 'legacy', 5, rc);
    await pdb(env, 'db', { minAvailable: '100%', selector: { matchLabels: { app: 'db' } } });
    await pdb(env, 'legacy', { maxUnavailable: '40%', selector: { matchLabels: { app: 'legacy' } } });
    await waitStatus(env, 'db', { currentHealthy: 2, desiredHealthy: 2, expectedPods: 2, disruptionsAllowed: 0 });
    await waitStatus(env, 'legacy', { currentHealthy: 5, desiredHealthy: 3, expectedPods: 5, disruptionsAllowed: 2 });
  });

  it('warns about unmanaged pods and fails safe when a controller has no scale', async () => {
    const env = await setup();
    await runningPods(env, 'bare', 2);
    await pdb(env, 'bare', { maxUnavailable: 1, selector: { matchLabels: { app: 'bare' } } });
    await waitStatus(env, 'bare', { currentHealthy: 2, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 });
    const [warn] = await eventually(async () => {
      const e = await events(env, 'UnmanagedPods');
      assert.ok(e.length > 0, 'UnmanagedPods event');
      return e;
    });
    assert.match(String(warn.message), /^Pods selected by this PodDisruptionBudget \(selector: &LabelSelector\{MatchLabels:map\[string\]string\{app: bare,\},/);

    const job = await env.tc.client.create(Resources.jobs, 'default', {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'batch', namespace: 'default' },
      spec: { template: { metadata: { labels: { app: 'batch' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    await runningPods(env, 'batch', 1, job);
    await pdb(env, 'batch', { minAvailable: '50%', selector: { matchLabels: { app: 'batch' } } });
    await eventually(async () => {
      const c = (await getPdb(env, 'batch')).status?.conditions?.find((x) => x.type === 'DisruptionAllowed');
      assert.deepEqual([c?.status, c?.reason, c?.message], ['False', 'SyncFailed', 'jobs.batch does not implement the scale subresource']);
    });
  });

  it('records NoPods and allows nothing for a budget that matches no pods', async () => {
    const env = await setup();
    await pdb(env, 'empty', { minAvailable: 1, selector: { matchLabels: { app: 'none' } } });
    await waitStatus(env, 'empty', { currentHealthy: 0, desiredHealthy: 1, expectedPods: 0, disruptionsAllowed: 0 });
    const [e] = await eventually(async () => {
      const x = await events(env, 'NoPods');
      assert.ok(x.length > 0, 'NoPods event');
      return x;
    });
    assert.equal(e.message, 'No matching pods found');
  });

  it('counts an evicted pod that was never deleted again after two minutes', async () => {
    const env = await setup();
    const rs = await workload(env, Resources.replicasets, 'ReplicaSet', 'slow', 2);
    const pods = await runningPods(env, 'slow', 2, rs);
    await pdb(env, 'slow', { minAvailable: 1, selector: { matchLabels: { app: 'slow' } } });
    const p = await waitStatus(env, 'slow', { currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 1 });
    // An eviction approved but whose delete never happened (as if the API server died in between).
    await env.tc.client.updateStatus(PDB_RESOURCE, 'default', { ...p, status: { ...p.status!, disruptionsAllowed: 0, disruptedPods: { [pods[0]]: rfc3339(env.clock.now()) } } });
    await waitStatus(env, 'slow', { currentHealthy: 1, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 0 });
    await env.clock.step(2 * 60_000 + 1000);
    await waitStatus(env, 'slow', { currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 1 });
    await eventually(async () => assert.equal((await getPdb(env, 'slow')).status!.disruptedPods, undefined, 'overdue entry dropped'));
    const [nd] = await eventually(async () => {
      const x = await events(env, 'NotDeleted');
      assert.ok(x.length > 0, 'NotDeleted event');
      return x;
    });
    assert.equal(nd.type, 'Warning');
  });
});
