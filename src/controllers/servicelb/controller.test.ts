import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, eventually } from '../../testing/test-cluster.js';
import { Resources } from '../../client/types.js';
import { realClock } from '../../util/clock.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import { ServiceLBController, nodeIngress } from './controller.js';

const node = (name: string, ip: string, ready = true): Node => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name },
  status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

test('nodeIngress: Ready nodes\' InternalIPs, sorted', () => {
  assert.deepEqual(nodeIngress([node('b', '127.0.1.2'), node('a', '127.0.1.1'), node('c', '127.0.1.3', false)]), [{ ip: '127.0.1.1', ipMode: 'VIP' }, { ip: '127.0.1.2', ipMode: 'VIP' }]);
});

test('a LoadBalancer Service gets the nodes\' addresses as ingress; back to ClusterIP, they go', async () => {
  const tc = await startTestCluster();
  const ctrl = new ServiceLBController({ client: tc.client, informers: tc.informers, clock: realClock });
  const ac = new AbortController();
  await tc.start();
  const done = ctrl.run(ac.signal);
  try {
    for (const [n, ip] of [['host01', '127.0.1.1'], ['host02', '127.0.1.2']]) {
      await tc.client.create(Resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: n } });
      await tc.client.patch(Resources.nodes, undefined, n, { status: node(n, ip).status }, 'merge', 'status');
    }
    await tc.client.create(Resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
    await eventually(async () => {
      const s = await tc.client.get(Resources.services, 'default', 'lb');
      assert.deepEqual((s.status as { loadBalancer: unknown }).loadBalancer, { ingress: [{ ip: '127.0.1.1', ipMode: 'VIP' }, { ip: '127.0.1.2', ipMode: 'VIP' }] });
    });
    await tc.client.patch(Resources.services, 'default', 'lb', { spec: { type: 'ClusterIP' } }, 'merge');
    await eventually(async () => {
      const s = await tc.client.get(Resources.services, 'default', 'lb');
      assert.deepEqual((s.status as { loadBalancer: unknown }).loadBalancer, {});
    });
  } finally {
    ac.abort();
    await done;
    await tc.close();
  }
});
