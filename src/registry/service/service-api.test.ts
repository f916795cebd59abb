import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, eventually } from '../../testing/test-cluster.js';
import { Resources } from '../../client/types.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../api/resource.js';

const svc = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } });
type Spec = { clusterIP?: string; type?: string; ports: { nodePort?: number }[] };

test('Services through the API: concurrent creates, kubernetes at .1, release on delete, failed creates keep nothing', async () => {
  const tc = await startTestCluster();
  try {
    const made = await Promise.all(Array.from({ length: 30 }, (_, i) => tc.client.create(Resources.services, 'default', svc(`s${i}`))));
    const ips = made.map((s) => (s.spec as Spec).clusterIP!);
    assert.equal(new Set(ips).size, 30);
    const kubernetes = await tc.client.get(Resources.services, 'default', 'kubernetes');
    assert.equal((kubernetes.spec as Spec).clusterIP, '10.96.0.1');
    await assert.rejects(tc.client.create(Resources.services, 'default', svc('dup', { clusterIP: ips[0] })), (e: StatusError) => e.code === 422 && /provided IP is already allocated/.test(e.message));
    // Deleted: the address is free again (the releaser watches Services).
    await tc.client.delete(Resources.services, 'default', 's0');
    await eventually(async () => {
      const again = await tc.client.create(Resources.services, 'default', svc('again', { clusterIP: ips[0] }));
      assert.equal((again.spec as Spec).clusterIP, ips[0]);
    });
    // A create that fails validation after allocation gives its IP back at once.
    await assert.rejects(tc.client.create(Resources.services, 'default', svc('bad', { clusterIP: '10.96.0.77', sessionAffinity: 'Sometimes' })), /sessionAffinity/);
    const ok = await tc.client.create(Resources.services, 'default', svc('good', { clusterIP: '10.96.0.77' }));
    assert.equal((ok.spec as Spec).clusterIP, '10.96.0.77');
    // The same name twice: the second create's allocation is undone.
    await assert.rejects(tc.client.create(Resources.services, 'default', svc('good', { type: 'NodePort', ports: [{ port: 80, nodePort: 30111 }] })), /already exists/);
    const np = await tc.client.create(Resources.services, 'default', svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 30111 }] }));
    assert.equal((np.spec as Spec).ports[0].nodePort, 30111);
  } finally {
    await tc.close();
  }
});

test('type changes allocate and drop node ports; ExternalName drops the cluster IP', async () => {
  const tc = await startTestCluster();
  try {
    await tc.client.create(Resources.services, 'default', svc('web'));
    const np = await tc.client.patch(Resources.services, 'default', 'web', { spec: { type: 'NodePort' } }, 'merge');
    const port = (np.spec as Spec).ports[0].nodePort!;
    assert.ok(port >= 30000 && port <= 32767);
    await assert.rejects(tc.client.create(Resources.services, 'default', svc('other', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] })), /provided port is already allocated/);
    const back = await tc.client.patch(Resources.services, 'default', 'web', { spec: { type: 'ClusterIP' } }, 'merge');
    assert.equal((back.spec as Spec).ports[0].nodePort, undefined);
    assert.equal((back.spec as { externalTrafficPolicy?: string }).externalTrafficPolicy, undefined);
    await eventually(async () => {
      const other = await tc.client.create(Resources.services, 'default', svc('other', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] }));
      assert.equal((other.spec as Spec).ports[0].nodePort, port);
    });
    const ip = (back.spec as Spec).clusterIP!;
    const ext = await tc.client.patch(Resources.services, 'default', 'web', { spec: { type: 'ExternalName', externalName: 'example.com' } }, 'merge');
    assert.equal((ext.spec as Spec).clusterIP, undefined);
    await eventually(async () => {
      const reuse = await tc.client.create(Resources.services, 'default', svc('reuse', { clusterIP: ip }));
      assert.equal((reuse.spec as Spec).clusterIP, ip);
    });
  } finally {
    await tc.close();
  }
});
