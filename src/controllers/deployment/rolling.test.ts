import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startDeploymentEnv, type DeploymentEnv } from './test-helpers.js';
import type { ReplicaSet } from './types.js';

const sizes = (rss: ReplicaSet[]) => rss.map((r) => r.spec!.replicas);

describe('RollingUpdate', () => {
  let env: DeploymentEnv;
  before(async () => { env = await startDeploymentEnv(); });
  after(async () => { await env.close(); });

  it('steps through a rollout of 3 replicas (25%/25%: surge 1, unavailable 0) as the ReplicaSets report available pods', async () => {
    await env.create('nginx');
    await eventually(async () => assert.equal((await env.replicaSets('nginx')).length, 1));
    await env.settle('nginx');
    await eventually(async () => assert.equal((await env.get('nginx')).status!.availableReplicas, 3));

    await env.mutate('nginx', (d) => { d.spec!.template!.spec!.containers = [{ name: 'nginx', image: 'nginx:1.26' }]; });
    // Step 1: one surge pod in a new ReplicaSet, the old one untouched (nothing may become unavailable).
    const [oldRS, newRS] = await eventually(async () => {
      const rss = await env.replicaSets('nginx');
      assert.deepEqual(sizes(rss), [3, 1]);
      return rss;
    });
    assert.equal(newRS.metadata!.annotations!['deployment.kubernetes.io/revision'], '2');
    await eventually(async () => {
      const st = (await env.get('nginx')).status!;
      assert.equal(st.observedGeneration, 2);
      // What `kubectl rollout status` reads: "0 out of 3 new replicas have been updated..."
      assert.equal(st.updatedReplicas ?? 0, 0);
      assert.equal((await env.get('nginx')).metadata!.annotations!['deployment.kubernetes.io/revision'], '2');
    });
    // The new pod exists but is not available yet: still no scale-down.
    await env.setRSStatus(newRS.metadata!.name!, { replicas: 1 });
    await eventually(async () => assert.equal((await env.get('nginx')).status!.updatedReplicas, 1));
    assert.deepEqual(sizes(await env.replicaSets('nginx')), [3, 1]);
    // Step 2: the new pod is available: one old pod goes.
    await env.setRSStatus(newRS.metadata!.name!, { replicas: 1, ready: 1, available: 1 });
    await eventually(async () => assert.deepEqual(sizes(await env.replicaSets('nginx')), [2, 1]));
    // Step 3: the old ReplicaSet has shrunk: the new one grows by one.
    await env.setRSStatus(oldRS.metadata!.name!, { replicas: 2, ready: 2, available: 2 });
    await eventually(async () => assert.deepEqual(sizes(await env.replicaSets('nginx')), [2, 2]));
    await eventually(async () => {
      const st = (await env.get('nginx')).status!;
      assert.deepEqual([st.replicas, st.updatedReplicas, st.availableReplicas], [3, 1, 3]);
    });
    // Let the ReplicaSets follow their specs to the end.
    await eventually(async () => {
      await env.settle('nginx');
      const rss = await env.replicaSets('nginx');
      assert.deepEqual(sizes(rss), [0, 3]);
      const st = (await env.get('nginx')).status!;
      assert.deepEqual([st.replicas, st.updatedReplicas, st.readyReplicas, st.availableReplicas, st.unavailableReplicas], [3, 3, 3, 3, undefined]);
      assert.equal(st.conditions!.find((c) => c.type === 'Progressing')!.reason, 'NewReplicaSetAvailable');
    }, 10_000);
    const o = oldRS.metadata!.name;
    const n = newRS.metadata!.name;
    assert.deepEqual((await env.events('nginx')).slice(1), [
      `Scaled up replica set ${n} from 0 to 1`,
      `Scaled down replica set ${o} from 3 to 2`,
      `Scaled up replica set ${n} from 1 to 2`,
      `Scaled down replica set ${o} from 2 to 1`,
      `Scaled up replica set ${n} from 2 to 3`,
      `Scaled down replica set ${o} from 1 to 0`,
    ]);
  });

  it('never exceeds replicas + maxSurge pods nor drops below replicas − maxUnavailable available (10 replicas, 3/2)', async () => {
    await env.create('big', { replicas: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } });
    await eventually(async () => {
      await env.settle('big');
      assert.equal((await env.get('big')).status!.availableReplicas, 10);
    });
    await env.mutate('big', (d) => { d.spec!.template!.metadata!.annotations = { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' }; });
    let maxTotal = 0;
    let minAvailable = Infinity;
    await eventually(async () => {
      const rss = await env.replicaSets('big');
      maxTotal = Math.max(maxTotal, rss.reduce((n, r) => n + r.spec!.replicas!, 0));
      // Available pods as the ReplicaSets report them before this step plays out.
      minAvailable = Math.min(minAvailable, rss.reduce((n, r) => n + Math.min(r.status?.availableReplicas ?? 0, r.spec!.replicas!), 0));
      await env.settle('big');
      assert.deepEqual(sizes(await env.replicaSets('big')), [0, 10]);
      assert.equal((await env.get('big')).status!.updatedReplicas, 10);
    }, 15_000);
    assert.ok(maxTotal <= 13, `at most 13 pods, saw ${maxTotal}`);
    assert.ok(maxTotal > 10, 'the rollout used its surge');
    assert.ok(minAvailable >= 8, `at least 8 available, saw ${minAvailable}`);
  });

  it('unhealthy old pods are removed first so they cannot block a rollout', async () => {
    await env.create('sick', { replicas: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } });
    await eventually(async () => assert.equal((await env.replicaSets('sick')).length, 1));
    const [rs] = await env.replicaSets('sick');
    // Both old pods exist, none available.
    await env.setRSStatus(rs.metadata!.name!, { replicas: 2 });
    await env.mutate('sick', (d) => { d.spec!.template!.spec!.containers = [{ name: 'nginx', image: 'nginx:fixed' }]; });
    // maxScaledDown = 2 pods − 1 min available − 0 = 1: one unavailable old pod goes, then the new ReplicaSet gets it.
    await eventually(async () => assert.deepEqual(sizes(await env.replicaSets('sick')), [1, 1]));
  });
});
