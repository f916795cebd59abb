import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, eventually, type TestCluster } from '../../testing/test-cluster.js';
import { Resources } from '../../client/types.js';
import { realClock } from '../../util/clock.js';
import { EndpointsController } from './controller.js';
import { makePod } from './testing.js';

async function withController(fn: (tc: TestCluster) => Promise<void>): Promise<void> {
  const tc = await startTestCluster();
  const ctrl = new EndpointsController({ client: tc.client, informers: tc.informers, clock: realClock });
  const ac = new AbortController();
  await tc.start();
  const done = ctrl.run(ac.signal, 2);
  try { await fn(tc); } finally { ac.abort(); await done; await tc.close(); }
}

const getEp = (tc: TestCluster, name: string) => tc.client.get(Resources.endpoints, 'default', name);

test('ready pods under addresses, not-ready under notReadyAddresses, named and numbered target ports, terminating and IP-less pods left out', async () => {
  await withController(async (tc) => {
    await tc.client.create(Resources.services, 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { tier: 'front' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'admin', port: 81, targetPort: 9000 }] },
    });
    await makePod(tc, 'web-1', { ip: '10.244.0.5' });
    await makePod(tc, 'web-2', { ip: '10.244.1.7', ready: false, node: 'host02' });
    await makePod(tc, 'web-3', {});
    await makePod(tc, 'web-4', { ip: '10.244.0.9' });
    await makePod(tc, 'other', { ip: '10.244.0.10', labels: { app: 'other' } });
    await tc.client.delete(Resources.pods, 'default', 'web-4', { gracePeriodSeconds: 30 });
    const ep = await eventually(async () => {
      const e = await getEp(tc, 'web');
      assert.equal((e.subsets as unknown[] | undefined)?.length, 1);
      assert.equal(JSON.stringify(e.subsets).includes('10.244.1.7'), true);
      assert.equal(JSON.stringify(e.subsets).includes('10.244.0.9'), false, 'the terminating pod leaves');
      return e;
    });
    const uid = async (n: string) => (await tc.client.get(Resources.pods, 'default', n)).metadata!.uid;
    assert.deepEqual(ep.subsets, [{
      addresses: [{ ip: '10.244.0.5', nodeName: 'host01', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: await uid('web-1') } }],
      notReadyAddresses: [{ ip: '10.244.1.7', nodeName: 'host02', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-2', uid: await uid('web-2') } }],
      ports: [{ name: 'admin', port: 9000, protocol: 'TCP' }, { name: 'http', port: 8080, protocol: 'TCP' }],
    }]);
    assert.deepEqual(ep.metadata?.labels, { tier: 'front' });

    // Readiness follows the pod: web-1 becomes unready, web-2 ready.
    await tc.client.patch(Resources.pods, 'default', 'web-1', { status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: '2026-01-01T00:01:00Z' }] } }, 'merge', 'status');
    await tc.client.patch(Resources.pods, 'default', 'web-2', { status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:01:00Z' }] } }, 'merge', 'status');
    await eventually(async () => {
      const e = await getEp(tc, 'web');
      const ss = (e.subsets as { addresses?: { ip: string }[]; notReadyAddresses?: { ip: string }[] }[])[0];
      assert.deepEqual(ss.addresses?.map((a) => a.ip), ['10.244.1.7']);
      assert.deepEqual(ss.notReadyAddresses?.map((a) => a.ip), ['10.244.0.5']);
      assert.equal(e.metadata?.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'], '2026-01-01T00:01:00Z');
    });

    // publishNotReadyAddresses: every pod with an IP serves, terminating ones too.
    await tc.client.patch(Resources.services, 'default', 'web', { spec: { publishNotReadyAddresses: true } }, 'merge');
    await eventually(async () => {
      const e = await getEp(tc, 'web');
      const ss = (e.subsets as { addresses?: { ip: string }[]; notReadyAddresses?: unknown[] }[])[0];
      assert.deepEqual(ss.addresses?.map((a) => a.ip), ['10.244.0.5', '10.244.0.9', '10.244.1.7']);
      assert.equal(ss.notReadyAddresses, undefined);
    });

    // Service deleted: its Endpoints go.
    await tc.client.delete(Resources.services, 'default', 'web');
    await eventually(async () => assert.rejects(getEp(tc, 'web'), /not found/));
  });
});

test('a pod offering the ports differently splits the subsets; headless Services carry the label and hostnames', async () => {
  await withController(async (tc) => {
    await tc.client.create(Resources.services, 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'sleep' },
      spec: { clusterIP: 'None', selector: { app: 'sleep' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    await makePod(tc, 'sleep-0', { labels: { app: 'sleep' }, ip: '10.244.0.2', hostname: 'sleep-0', subdomain: 'sleep' });
    await makePod(tc, 'sleep-1', { labels: { app: 'sleep' }, ip: '10.244.0.3', ports: [{ name: 'http', containerPort: 8081 }] });
    await makePod(tc, 'sleep-2', { labels: { app: 'sleep' }, ip: '10.244.0.4', ports: [] });
    const ep = await eventually(async () => {
      const e = await getEp(tc, 'sleep');
      assert.equal((e.subsets as unknown[]).length, 2);
      return e;
    });
    assert.deepEqual(ep.metadata?.labels, { 'service.kubernetes.io/headless': '' });
    const subsets = ep.subsets as { addresses: { ip: string; hostname?: string }[]; ports: { port: number }[] }[];
    const by = Object.fromEntries(subsets.map((s) => [s.ports[0].port, s.addresses]));
    assert.deepEqual(by[8080].map((a) => [a.ip, a.hostname]), [['10.244.0.2', 'sleep-0']]);
    assert.deepEqual(by[8081].map((a) => [a.ip, a.hostname]), [['10.244.0.3', undefined]]);
  });
});

test('Services without a selector and ExternalName Services are left alone; no pods means no subsets', async () => {
  await withController(async (tc) => {
    await tc.client.create(Resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual' }, spec: { ports: [{ port: 80 }] } });
    await tc.client.create(Resources.endpoints, 'default', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual' }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 80 }] }] });
    await tc.client.create(Resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'empty' }, spec: { selector: { app: 'none' }, ports: [{ port: 80 }] } });
    const empty = await eventually(() => getEp(tc, 'empty'));
    assert.equal(empty.subsets, undefined);
    const manual = await getEp(tc, 'manual');
    assert.deepEqual((manual.subsets as { addresses: { ip: string }[] }[])[0].addresses, [{ ip: '192.0.2.1' }]);
  });
});
