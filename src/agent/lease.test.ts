import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../util/clock.js';
import { Resources } from '../client/types.js';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';
import { NODE_LEASE_NAMESPACE, renewLease } from './lease.js';

let tc: TestCluster;
before(async () => { tc = await startTestCluster(); });
after(async () => { await tc.close(); });

interface Lease { metadata: { name: string; resourceVersion: string; ownerReferences?: unknown[] }; spec: { holderIdentity: string; leaseDurationSeconds: number; renewTime: string } }
const getLease = (name: string) => tc.client.get(Resources.leases, NODE_LEASE_NAMESPACE, name) as unknown as Promise<Lease>;

test('renewLease creates the node\'s lease in kube-node-lease, owned by its Node, then renews it at the clock\'s time', async () => {
  const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
  await renewLease(tc.client, clock, 'host01', 'node-uid-1');
  let lease = await getLease('host01');
  // kubelet's nodeLeaseDurationSeconds is 40; renewTime is a MicroTime
  assert.deepEqual(lease.spec, { holderIdentity: 'host01', leaseDurationSeconds: 40, renewTime: '2026-01-01T00:00:00.000000Z' });
  assert.deepEqual(lease.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'host01', uid: 'node-uid-1' }]);
  const firstRV = lease.metadata.resourceVersion;

  await clock.step(10_000);
  await renewLease(tc.client, clock, 'host01', 'node-uid-1');
  lease = await getLease('host01');
  assert.equal(lease.spec.renewTime, '2026-01-01T00:00:10.000000Z');
  assert.notEqual(lease.metadata.resourceVersion, firstRV);
});

test('renewLease takes the lease back when another holder wrote it, and needs no Node uid to create one', async () => {
  const clock = new FakeClock(new Date('2026-01-01T00:05:00Z'));
  await renewLease(tc.client, clock, 'host02', undefined);
  let lease = await getLease('host02');
  assert.equal(lease.metadata.ownerReferences, undefined);
  await tc.client.patch(Resources.leases, NODE_LEASE_NAMESPACE, 'host02', { spec: { holderIdentity: 'someone-else', leaseDurationSeconds: 5 } }, 'merge');
  await renewLease(tc.client, clock, 'host02', undefined);
  lease = await getLease('host02');
  assert.deepEqual([lease.spec.holderIdentity, lease.spec.leaseDurationSeconds], ['host02', 40]);
});
