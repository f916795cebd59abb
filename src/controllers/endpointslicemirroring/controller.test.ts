import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, eventually } from '../../testing/test-cluster.js';
import { Resources } from '../../client/types.js';
import { realClock } from '../../util/clock.js';
import { EndpointSliceMirroringController } from './controller.js';
import { CONTROLLER_NAME, type SliceObj } from './reconciler.js';

test('Endpoints of a Service without a selector are mirrored; a selector, skip-mirror or deleting either removes the slices', async () => {
  const tc = await startTestCluster();
  const ctrl = new EndpointSliceMirroringController({ client: tc.client, informers: tc.informers, clock: realClock });
  const ac = new AbortController();
  await tc.start();
  const done = ctrl.run(ac.signal, 2);
  const slices = async () => (await tc.client.list<SliceObj>(Resources.endpointslices, 'default', { labelSelector: 'kubernetes.io/service-name=my-service' })).items;
  const endpoints = (ip: string) => ({
    apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'my-service', labels: { team: 'a' } },
    subsets: [{ addresses: [{ ip }], ports: [{ port: 9376 }] }],
  });
  try {
    // The documented "Services without selectors" example.
    await tc.client.create(Resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-service' }, spec: { ports: [{ protocol: 'TCP', port: 80, targetPort: 9376 }] } });
    await tc.client.create(Resources.endpoints, 'default', endpoints('192.0.2.42'));
    const first = await eventually(async () => {
      const l = await slices();
      assert.equal(l.length, 1);
      assert.deepEqual(l[0].endpoints.map((e) => [e.addresses[0], e.conditions?.ready]), [['192.0.2.42', true]]);
      return l[0];
    });
    assert.equal(first.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], CONTROLLER_NAME);
    assert.equal(first.metadata?.labels?.team, 'a');
    assert.deepEqual(first.ports, [{ name: '', port: 9376, protocol: 'TCP' }]);
    assert.equal(first.metadata?.ownerReferences?.[0].kind, 'Endpoints');

    // The Endpoints moves: the same slice follows.
    const cur = await tc.client.get(Resources.endpoints, 'default', 'my-service');
    await tc.client.update(Resources.endpoints, 'default', { ...endpoints('192.0.2.50'), metadata: { ...cur.metadata } });
    await eventually(async () => {
      const l = await slices();
      assert.deepEqual(l.map((s) => [s.metadata?.name, s.endpoints.map((e) => e.addresses[0])]), [[first.metadata?.name, ['192.0.2.50']]]);
    });

    // A slice deleted behind the controller's back comes back.
    await tc.client.delete(Resources.endpointslices, 'default', first.metadata!.name!);
    await eventually(async () => { const l = await slices(); assert.equal(l.length, 1); assert.notEqual(l[0].metadata?.name, first.metadata?.name); });

    // skip-mirror removes the mirror.
    await tc.client.patch(Resources.endpoints, 'default', 'my-service', { metadata: { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } } }, 'merge');
    await eventually(async () => assert.equal((await slices()).length, 0));
    await tc.client.patch(Resources.endpoints, 'default', 'my-service', { metadata: { labels: { 'endpointslice.kubernetes.io/skip-mirror': null } } }, 'merge');
    await eventually(async () => assert.equal((await slices()).length, 1));

    // A selector makes the Service the endpointslice controller's: the mirror goes.
    await tc.client.patch(Resources.services, 'default', 'my-service', { spec: { selector: { app: 'x' } } }, 'merge');
    await eventually(async () => assert.equal((await slices()).length, 0));
    await tc.client.patch(Resources.services, 'default', 'my-service', { spec: { selector: null } }, 'merge');
    await eventually(async () => assert.equal((await slices()).length, 1));

    // Deleting the Service removes the mirror (the Endpoints stays, as it is the user's).
    await tc.client.delete(Resources.services, 'default', 'my-service');
    await eventually(async () => assert.equal((await slices()).length, 0));
  } finally {
    ac.abort();
    await done;
    await tc.close();
  }
});

test('the kubernetes Endpoints (skip-mirror) and a Service without Endpoints get no mirrored slices', async () => {
  const tc = await startTestCluster();
  const ctrl = new EndpointSliceMirroringController({ client: tc.client, informers: tc.informers, clock: realClock });
  const ac = new AbortController();
  await tc.start();
  const done = ctrl.run(ac.signal, 1);
  try {
    await tc.client.create(Resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'lonely' }, spec: { ports: [{ port: 80 }] } });
    await tc.client.create(Resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { ports: [{ port: 443 }] } });
    await tc.client.create(Resources.endpoints, 'default', {
      apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'api', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip: '192.0.2.7' }], ports: [{ port: 6443 }] }],
    });
    // A control: a mirrored Endpoints created after the others shows the controller has caught up.
    await tc.client.create(Resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'control' }, spec: { ports: [{ port: 80 }] } });
    await tc.client.create(Resources.endpoints, 'default', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'control' }, subsets: [{ addresses: [{ ip: '192.0.2.8' }], ports: [{ port: 80 }] }] });
    await eventually(async () => {
      const l = (await tc.client.list<SliceObj>(Resources.endpointslices, 'default', { labelSelector: `endpointslice.kubernetes.io/managed-by=${CONTROLLER_NAME}` })).items;
      assert.deepEqual(l.map((s) => s.metadata?.labels?.['kubernetes.io/service-name']), ['control']);
    });
  } finally {
    ac.abort();
    await done;
    await tc.close();
  }
});
