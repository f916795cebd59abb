import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { freePort } from '../../testing/free-port.js';
import { ServiceHealthServers, healthCheckBody, healthCheckTargets } from './health-check-server.js';
import { buildServicePorts } from './service-ports.js';

test('the health check answers 200 with the local endpoint count while there is one, 503 without, and closes with its Service', async () => {
  const port = await freePort();
  const servers = new ServiceHealthServers(['127.0.0.1']);
  try {
    await servers.sync([{ namespace: 'default', name: 'loadbalancer', port, localEndpoints: 1 }]);
    const r = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(r.status, 200);
    assert.deepEqual([r.headers.get('content-type'), r.headers.get('x-content-type-options'), r.headers.get('x-load-balancing-endpoint-weight')], ['application/json', 'nosniff', '1']);
    assert.equal(await r.text(), '{\n\t"service": {\n\t\t"namespace": "default",\n\t\t"name": "loadbalancer"\n\t},\n\t"localEndpoints": 1,\n\t"serviceProxyHealthy": true\n}');
    await servers.sync([{ namespace: 'default', name: 'loadbalancer', port, localEndpoints: 0 }]);
    const none = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(none.status, 503);
    assert.match(await none.text(), /"localEndpoints": 0,/);
    await servers.sync([]);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`));
  } finally {
    await servers.closeAll();
  }
});

test('health checks are for LoadBalancer Services with externalTrafficPolicy Local, counting their ready endpoints on this node', () => {
  const svc = (name: string, type: string, policy: string): Service => ({
    metadata: { namespace: 'default', name },
    spec: { type, clusterIP: `10.96.0.${name.length}`, externalTrafficPolicy: policy, healthCheckNodePort: 32122, ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] },
  });
  const slice = (name: string): EndpointSlice => ({
    metadata: { namespace: 'default', name: `${name}-x`, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4', ports: [{ name: '', port: 8080, protocol: 'TCP' }],
    endpoints: [
      { addresses: ['10.244.0.5'], nodeName: 'host01', conditions: { ready: true } },
      { addresses: ['10.244.0.6'], nodeName: 'host01', conditions: { ready: false } },
      { addresses: ['10.244.1.5'], nodeName: 'host02', conditions: { ready: true } },
    ],
  });
  const services = [svc('lb', 'LoadBalancer', 'Local'), svc('lb-cluster', 'LoadBalancer', 'Cluster'), svc('np', 'NodePort', 'Local')];
  const slices = services.map((s) => slice(s.metadata!.name!));
  assert.deepEqual(healthCheckTargets(buildServicePorts(services, slices, 'host01')), [{ namespace: 'default', name: 'lb', port: 32122, localEndpoints: 1 }]);
  assert.deepEqual(healthCheckTargets(buildServicePorts(services, slices, 'host03')), [{ namespace: 'default', name: 'lb', port: 32122, localEndpoints: 0 }]);
  assert.match(healthCheckBody({ namespace: 'a"b', name: 'c', localEndpoints: 2 }, false), /"namespace": "a\\"b",[\s\S]*"serviceProxyHealthy": false\n}$/);
});
