import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, eventually } from '../../testing/test-cluster.js';
import { Resources } from '../../client/types.js';
import { realClock } from '../../util/clock.js';
import { ServiceProxy, tableNameFor } from './proxier.js';

test('the proxy programs its table from Services and EndpointSlices, follows changes and removes the table when it stops', async () => {
  const tc = await startTestCluster();
  const scripts: string[] = [];
  const proxy = new ServiceProxy({
    client: tc.client, informers: tc.informers, clock: realClock, nodeName: 'host01', nodeAddresses: ['127.0.1.1'],
    bridge: 'tsk-host01-abcd', table: tableNameFor('tsk-host01-abcd'), minSyncPeriodMs: 10,
    nft: async (s) => { scripts.push(s); }, unavailable: async () => undefined,
  });
  const ac = new AbortController();
  const done = proxy.run(ac.signal);
  const last = () => scripts[scripts.length - 1] ?? '';
  try {
    const svc = await tc.client.create(Resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80, targetPort: 8080 }] } });
    const ip = (svc.spec as unknown as { clusterIP: string }).clusterIP;
    await eventually(() => assert.match(last(), new RegExp(`${ip.replace(/\./g, '\\.')} \\. tcp \\. 80 comment "default/web" : goto reject-chain`)));
    await tc.client.create(Resources.endpointslices, 'default', {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4', ports: [{ name: '', port: 8080, protocol: 'TCP' }], endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: true } }],
    });
    await eventually(() => assert.match(last(), /dnat to 10\.244\.0\.5:8080/));
    assert.match(last(), /^add table ip tskube-host01-abcd\ndelete table ip tskube-host01-abcd\n/);
    await tc.client.delete(Resources.services, 'default', 'web');
    await eventually(() => assert.doesNotMatch(last(), /10\.244\.0\.5|comment "default\/web"/));
  } finally {
    ac.abort();
    await done;
    await tc.close();
  }
  assert.equal(last(), 'add table ip tskube-host01-abcd\ndelete table ip tskube-host01-abcd\n');
});

test('without nftables the proxy says why and does nothing', async () => {
  const tc = await startTestCluster();
  const scripts: string[] = [];
  const proxy = new ServiceProxy({
    client: tc.client, informers: tc.informers, clock: realClock, nodeName: 'host01', nodeAddresses: [], bridge: 'b', table: 't',
    nft: async (s) => { scripts.push(s); }, unavailable: async () => 'nft not found (apt-get install nftables)',
  });
  await proxy.run(new AbortController().signal);
  assert.deepEqual(scripts, []);
  await tc.close();
});
