import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Resources } from '../../client/types.js';
import { eventually, startDeploymentEnv, type DeploymentEnv } from './test-helpers.js';
import type { Pod, ReplicaSet } from './types.js';

const sizes = (rss: ReplicaSet[]) => rss.map((r) => r.spec!.replicas);

describe('Recreate', () => {
  let env: DeploymentEnv;
  before(async () => { env = await startDeploymentEnv(); });
  after(async () => { await env.close(); });

  it('scales the old ReplicaSet to zero, waits for its pods to be gone, then creates the new one at full size', async () => {
    await env.create('re', { replicas: 3, strategy: { type: 'Recreate' } });
    await eventually(async () => { await env.settle('re'); assert.equal((await env.get('re')).status!.availableReplicas, 3); });
    const [old] = await env.replicaSets('re');
    assert.equal(old.metadata!.annotations!['deployment.kubernetes.io/max-replicas'], '3', 'no surge with Recreate');

    // A pod of the old ReplicaSet that is still running (the ReplicaSet controller's pods, played by hand).
    await env.tc.client.create<Pod>(Resources.pods, 'default', {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name: 're-old-pod', labels: { ...old.spec!.template!.metadata!.labels },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: old.metadata!.name!, uid: old.metadata!.uid!, controller: true }],
      },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] },
    });
    await env.mutate('re', (d) => { d.spec!.template!.spec!.containers = [{ name: 'nginx', image: 'nginx:1.26' }]; });
    await eventually(async () => assert.deepEqual(sizes(await env.replicaSets('re')), [0]));
    // The old ReplicaSet says its pods are gone, but one still runs: no new ReplicaSet yet.
    await env.setRSStatus(old.metadata!.name!, { replicas: 0 });
    await eventually(async () => assert.equal((await env.get('re')).status!.replicas ?? 0, 0));
    assert.equal((await env.replicaSets('re')).length, 1);
    // The pod is deleted: the Deployment is woken by the pod's deletion and creates the new ReplicaSet.
    await env.tc.client.delete(Resources.pods, 'default', 're-old-pod', { gracePeriodSeconds: 0 });
    await eventually(async () => assert.deepEqual(sizes(await env.replicaSets('re')), [0, 3]));
    const n = (await env.replicaSets('re'))[1].metadata!.name;
    assert.deepEqual((await env.events('re')).slice(-2), [`Scaled down replica set ${old.metadata!.name} from 3 to 0`, `Scaled up replica set ${n} from 0 to 3`]);
    await eventually(async () => {
      await env.settle('re');
      const d = await env.get('re');
      assert.equal(d.status!.updatedReplicas, 3);
      assert.equal(d.status!.conditions!.find((c) => c.type === 'Progressing')!.reason, 'NewReplicaSetAvailable');
    });
  });
});
