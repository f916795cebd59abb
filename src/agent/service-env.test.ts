import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { buildEnv, serviceEnvVars, type ConfigSource } from './container-env.js';
import { Resources } from '../client/types.js';
import { startTestCluster } from '../testing/test-cluster.js';
import { FakeClock } from '../util/clock.js';
import { SYNC_WAIT_MS } from './config-cache.js';
import { ServiceEnvSource } from './service-env.js';

const svc = (ns: string, name: string, clusterIP: string, ports: Service['spec'] extends infer S ? S extends { ports?: infer P } ? P : never : never): Service =>
  ({ metadata: { namespace: ns, name }, spec: { clusterIP, ports } });

const services: Service[] = [
  svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]),
  svc('default', 'other', '10.96.9.9', [{ port: 80 }]),
  svc('shop', 'backend', '10.96.3.4', [{ port: 80, protocol: 'TCP' }, { name: 'dns-udp', port: 53, protocol: 'UDP' }]),
  svc('shop', 'headless', 'None', [{ port: 80 }]),
];
const source: ConfigSource = {
  configMap: async () => undefined, secret: async () => undefined,
  services: async (ns) => services.filter((s) => s.metadata?.namespace === ns),
};
const NODE = { cpu: 2, memory: 4 << 30 };

test('serviceEnvVars renders kubelet\'s variables for one Service', () => {
  assert.deepEqual(serviceEnvVars(services[2]), {
    BACKEND_SERVICE_HOST: '10.96.3.4',
    BACKEND_SERVICE_PORT: '80',
    BACKEND_SERVICE_PORT_DNS_UDP: '53',
    BACKEND_PORT: 'tcp://10.96.3.4:80',
    BACKEND_PORT_80_TCP: 'tcp://10.96.3.4:80',
    BACKEND_PORT_80_TCP_PROTO: 'tcp',
    BACKEND_PORT_80_TCP_PORT: '80',
    BACKEND_PORT_80_TCP_ADDR: '10.96.3.4',
    BACKEND_PORT_53_UDP: 'udp://10.96.3.4:53',
    BACKEND_PORT_53_UDP_PROTO: 'udp',
    BACKEND_PORT_53_UDP_PORT: '53',
    BACKEND_PORT_53_UDP_ADDR: '10.96.3.4',
  });
  assert.deepEqual(serviceEnvVars(services[3]), {}, 'headless: none');
});

test('a pod gets its namespace\'s Services and kubernetes; the container\'s own variables win and may refer to them', async () => {
  const pod: Pod = { metadata: { namespace: 'shop', name: 'p' }, spec: { containers: [] } };
  const c = { name: 'c', env: [{ name: 'BACKEND_SERVICE_PORT', value: '8080' }, { name: 'URL', value: 'http://$(BACKEND_SERVICE_HOST):$(BACKEND_SERVICE_PORT)' }] };
  const env = await buildEnv(pod, c, source, NODE, '10.244.0.5', '127.0.1.1');
  assert.equal(env.KUBERNETES_SERVICE_HOST, '10.96.0.1');
  assert.equal(env.KUBERNETES_SERVICE_PORT_HTTPS, '443');
  assert.equal(env.BACKEND_SERVICE_HOST, '10.96.3.4');
  assert.equal(env.BACKEND_SERVICE_PORT, '8080', 'the container\'s own value');
  assert.equal(env.URL, 'http://10.96.3.4:8080');
  assert.equal(env.OTHER_SERVICE_HOST, undefined, 'another namespace\'s Service');
  assert.equal(env.HEADLESS_SERVICE_HOST, undefined);
});

test('enableServiceLinks: false keeps only the kubernetes Service\'s variables', async () => {
  const pod: Pod = { metadata: { namespace: 'shop', name: 'p' }, spec: { enableServiceLinks: false, containers: [] } };
  const env = await buildEnv(pod, { name: 'c' }, source, NODE, '', '');
  assert.deepEqual(Object.keys(env).filter((k) => k.startsWith('BACKEND')), []);
  assert.equal(env.KUBERNETES_PORT, 'tcp://10.96.0.1:443');
});

test('ServiceEnvSource lists a namespace\'s Services from its informer, and refuses (as the kubelet) until that informer has listed once', async () => {
  const tc = await startTestCluster();
  try {
    await tc.client.create(Resources.services, 'shop', { metadata: { name: 'backend' }, spec: { ports: [{ port: 80 }] } }).catch(async () => {
      await tc.client.create(Resources.namespaces, undefined, { metadata: { name: 'shop' } });
      await tc.client.create(Resources.services, 'shop', { metadata: { name: 'backend' }, spec: { ports: [{ port: 80 }] } });
    });
    const clock = new FakeClock();
    const src = new ServiceEnvSource(tc.informers, clock);
    // Not started: the first read waits for the list, and fails once the wait is over.
    const early = assert.rejects(src.services('shop'), /services have not yet been read at least once/);
    await clock.step(SYNC_WAIT_MS);
    await early;
    await tc.start();
    assert.deepEqual((await src.services('shop')).map((s) => s.metadata?.name), ['backend']);
    assert.ok((await src.services('default')).some((s) => s.metadata?.name === 'kubernetes'));
  } finally {
    await tc.close();
  }
});
