import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, eventually } from '../../testing/test-cluster.js';
import { Resources } from '../../client/types.js';
import { realClock } from '../../util/clock.js';
import http from 'node:http';
import https from 'node:https';
import { ServiceProxy } from './proxier.js';
import { serviceTableNameFor } from '../pod-network-config.js';

/** recordingProxy is host01's proxy over the test cluster, recording each nft script instead of running it. */
function recordingProxy(tc: Awaited<ReturnType<typeof startTestCluster>>): { proxy: ServiceProxy; scripts: string[] } {
  const scripts: string[] = [];
  const proxy = new ServiceProxy({
    client: tc.client, informers: tc.informers, clock: realClock, nodeName: 'host01', nodeAddresses: ['127.0.1.1'],
    bridge: 'tsk-host01-abcd', table: serviceTableNameFor('tsk-host01-abcd'), minSyncPeriodMs: 10,
    nft: async (s) => { scripts.push(s); }, unavailable: async () => undefined,
  });
  return { proxy, scripts };
}

test('the proxy programs its table from Services and EndpointSlices, follows changes and removes the table when it stops', async () => {
  const tc = await startTestCluster();
  const { proxy, scripts } = recordingProxy(tc);
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

test('an endpoint on the node\'s loopback (the API server behind kubernetes) is reached through a forwarder on the pod gateway', async () => {
  const tc = await startTestCluster();
  // A pod range whose gateway (its first address) is a loopback address, so the test can listen there.
  await tc.client.create(Resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'host01' }, spec: { podCIDR: '127.0.0.0/24' } });
  const { proxy, scripts } = recordingProxy(tc);
  const ac = new AbortController();
  const done = proxy.run(ac.signal);
  const apiPort = tc.api.port;
  try {
    const port = await eventually(() => {
      const m = /comment "default\/kubernetes:https"[\s\S]*?dnat to 127\.0\.0\.1:(\d+)/.exec(scripts[scripts.length - 1] ?? '');
      assert.ok(m, 'a DNAT for the kubernetes Service');
      assert.notEqual(Number(m[1]), apiPort, 'to the forwarder, not straight to the API server');
      return Number(m[1]);
    });
    const body = await new Promise<string>((resolve, reject) => {
      // the test API server speaks plain HTTP, tskube's HTTPS: the forwarder passes bytes either way
      const get = new URL(tc.api.url).protocol === 'https:' ? https.get : http.get;
      get({ host: '127.0.0.1', port, path: '/version', rejectUnauthorized: false }, (res) => {
        let b = '';
        res.on('data', (d) => { b += d; });
        res.on('end', () => resolve(b));
      }).on('error', reject);
    });
    assert.match(JSON.parse(body).gitVersion, /^v1\.32\./);
  } finally {
    ac.abort();
    await done;
    await tc.close();
  }
});
