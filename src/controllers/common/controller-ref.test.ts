import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, OwnerReference } from '../../api/resource.js';
import { Resources } from '../../client/types.js';
import { startTestCluster, type TestCluster } from '../../testing/test-cluster.js';
import { ControllerRefManager, recheckDeletionTimestamp } from './controller-ref.js';

describe('ControllerRefManager against the API server', () => {
  let tc: TestCluster;
  let owner: KubeObject;
  before(async () => {
    tc = await startTestCluster();
    owner = await tc.client.create(Resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } });
  });
  after(() => tc.close());

  const pod = (name: string, labels: Record<string, string>, ownerReferences?: OwnerReference[]): KubeObject => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels, ...(ownerReferences ? { ownerReferences } : {}) },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });
  const manager = (o: KubeObject) => new ControllerRefManager(
    o,
    { apiVersion: 'v1', kind: 'ConfigMap', name: o.metadata!.name!, uid: o.metadata!.uid!, controller: true, blockOwnerDeletion: true },
    (labels) => labels.app === 'web',
    async (obj, patch) => { await tc.client.patch(Resources.pods, 'default', obj.metadata!.name!, patch, 'strategic'); },
    recheckDeletionTimestamp(() => tc.client.get(Resources.configmaps, 'default', o.metadata!.name!), o),
  );

  it('adopts matching orphans, keeps its own, releases those that stopped matching, ignores others', async () => {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid!, controller: true };
    const foreign = { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'someone-else', controller: true };
    const pods = await Promise.all([
      pod('orphan', { app: 'web' }), pod('mine', { app: 'web' }, [ref]), pod('relabelled', { app: 'foo' }, [ref]),
      pod('theirs', { app: 'web' }, [foreign]), pod('unrelated', { app: 'db' }),
    ].map((p) => tc.client.create(Resources.pods, 'default', p)));
    const claimed = await manager(owner).claim(pods);
    assert.deepEqual(claimed.map((p) => p.metadata?.name).sort(), ['mine', 'orphan']);
    const refs = async (n: string) => ((await tc.client.get(Resources.pods, 'default', n)).metadata?.ownerReferences ?? []).map((r) => r.uid);
    assert.deepEqual(await refs('orphan'), [owner.metadata!.uid]);
    assert.deepEqual(await refs('relabelled'), [], 'released: controller reference removed');
    assert.deepEqual(await refs('theirs'), ['someone-else']);
    assert.deepEqual(await refs('unrelated'), []);
  });

  it('does not adopt when the owner was replaced by a new object of the same name', async () => {
    const stale = await tc.client.create(Resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner2' } });
    await tc.client.delete(Resources.configmaps, 'default', 'owner2');
    await tc.client.create(Resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner2' } });
    const p = await tc.client.create(Resources.pods, 'default', pod('orphan2', { app: 'web' }));
    await assert.rejects(manager(stale).claim([p]), /is gone/);
    assert.equal((await tc.client.get(Resources.pods, 'default', 'orphan2')).metadata?.ownerReferences, undefined);
  });
});
