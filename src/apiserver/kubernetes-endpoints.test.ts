import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster } from '../testing/test-cluster.js';
import { Resources } from '../client/types.js';
import { advertiseAddress, reconcileKubernetesEndpoints } from './kubernetes-endpoints.js';

test('the kubernetes Service\'s Endpoints and EndpointSlice point at the API server', async () => {
  const tc = await startTestCluster();
  try {
    const ep = await tc.client.get(Resources.endpoints, 'default', 'kubernetes');
    assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: tc.api.port, protocol: 'TCP' }] }]);
    assert.equal(ep.metadata?.labels?.['endpointslice.kubernetes.io/skip-mirror'], 'true');
    const slice = await tc.client.get(Resources.endpointslices, 'default', 'kubernetes');
    assert.deepEqual([slice.addressType, slice.ports, slice.endpoints], ['IPv4', [{ name: 'https', port: tc.api.port, protocol: 'TCP' }], [{ addresses: ['127.0.0.1'], conditions: { ready: true } }]]);
    // A changed address is written over; an unchanged one is left alone.
    await reconcileKubernetesEndpoints(tc.api, '192.0.2.10', 6443);
    const rv = (await tc.client.get(Resources.endpoints, 'default', 'kubernetes')).metadata?.resourceVersion;
    await reconcileKubernetesEndpoints(tc.api, '192.0.2.10', 6443);
    const again = await tc.client.get(Resources.endpoints, 'default', 'kubernetes');
    assert.equal(again.metadata?.resourceVersion, rv);
    assert.deepEqual((again.subsets as { addresses: { ip: string }[] }[])[0].addresses, [{ ip: '192.0.2.10' }]);
  } finally {
    await tc.close();
  }
});

test('advertiseAddress: the listening host, or a real address when listening on all', () => {
  assert.equal(advertiseAddress('https://127.0.0.1:6443'), '127.0.0.1');
  assert.notEqual(advertiseAddress('https://0.0.0.0:6443'), '0.0.0.0');
});

test('GET /api names the advertised address and the port listened on, as the kubernetes Endpoints do (kubectl proxy and curl on the Access Clusters page)', async () => {
  const tc = await startTestCluster();
  try {
    const body = await (await fetch(`${tc.api.url}/api`, { headers: { Authorization: 'Bearer t0k' } })).json() as { serverAddressByClientCIDRs: unknown };
    assert.deepEqual(body.serverAddressByClientCIDRs, [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${tc.api.port}` }]);
  } finally {
    await tc.close();
  }
});
