import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, eventually } from '../../testing/test-cluster.js';
import { Resources } from '../../client/types.js';
import { realClock } from '../../util/clock.js';
import { EndpointSliceController } from './controller.js';
import { makePod } from '../endpoint/testing.js';
import type { SliceObj } from './reconciler.js';

test('slices follow pods: placeholder, ready and not-ready endpoints, a pod going away, the Service\'s labels', async () => {
  const tc = await startTestCluster();
  const ctrl = new EndpointSliceController({ client: tc.client, informers: tc.informers, clock: realClock });
  const ac = new AbortController();
  await tc.start();
  const done = ctrl.run(ac.signal, 2);
  const slices = async () => (await tc.client.list<SliceObj>(Resources.endpointslices, 'default', { labelSelector: 'kubernetes.io/service-name=web' })).items;
  try {
    await tc.client.create(Resources.services, 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    const placeholder = await eventually(async () => { const l = await slices(); assert.equal(l.length, 1); return l[0]; });
    assert.equal(placeholder.endpoints ?? null, null);
    assert.match(placeholder.metadata?.name ?? '', /^web-[a-z0-9]{5}$/);
    await makePod(tc, 'web-1', { ip: '10.244.0.5' });
    await makePod(tc, 'web-2', { ip: '10.244.1.7', ready: false });
    await eventually(async () => {
      const l = await slices();
      assert.equal(l.length, 1, 'the placeholder made way for one slice');
      assert.deepEqual(l[0].endpoints?.map((e) => [e.addresses[0], e.conditions?.ready]).sort(), [['10.244.0.5', true], ['10.244.1.7', false]]);
      assert.deepEqual(l[0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    });
    await tc.client.delete(Resources.pods, 'default', 'web-1', { gracePeriodSeconds: 0 });
    await tc.client.patch(Resources.services, 'default', 'web', { metadata: { labels: { tier: 'front' } } }, 'merge');
    await eventually(async () => {
      const l = await slices();
      assert.deepEqual(l.map((s) => s.endpoints?.map((e) => e.addresses[0])), [['10.244.1.7']]);
      assert.equal(l[0].metadata?.labels?.tier, 'front');
    });
    // A slice deleted behind the controller's back is made again.
    const [s] = await slices();
    await tc.client.delete(Resources.endpointslices, 'default', s.metadata!.name!);
    await eventually(async () => { const l = await slices(); assert.equal(l.length, 1); assert.notEqual(l[0].metadata?.name, s.metadata?.name); });
  } finally {
    ac.abort();
    await done;
    await tc.close();
  }
});
