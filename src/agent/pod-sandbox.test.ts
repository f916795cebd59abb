import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { generatePodSandboxConfig, nodeNetworkPorts, portMappings } from './pod-sandbox.js';

const dns = { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', host: { servers: ['1.1.1.1'], searches: [], options: [] } };
const pod: Pod = {
  metadata: { name: 'web-0', namespace: 'prod', uid: 'u1', labels: { app: 'web' } },
  spec: {
    hostname: 'web-0', subdomain: 'web',
    initContainers: [{ name: 'init', image: 'busybox', ports: [{ containerPort: 9000, protocol: 'UDP' }] }],
    containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 443 }] }],
  },
};

test('generatePodSandboxConfig: metadata with attempt, hostname, DNS, hostPort mappings, namespace modes', () => {
  const { config } = generatePodSandboxConfig(pod, { dns, network: 'POD', attempt: 2, logDirectory: '/x/containers' });
  assert.deepEqual(config.metadata, { name: 'web-0', namespace: 'prod', uid: 'u1', attempt: 2 });
  assert.equal(config.hostname, 'web-0');
  assert.deepEqual(config.dnsConfig, { servers: ['10.96.0.10'], searches: ['prod.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] });
  assert.deepEqual(config.portMappings, [{ protocol: 'TCP', containerPort: 80, hostPort: 8080 }]);
  assert.deepEqual(config.linux, { namespaceOptions: { network: 'POD', ipc: 'POD' } });
  assert.equal(config.labels!['io.kubernetes.pod.uid'], 'u1');
  assert.equal(config.labels!.app, 'web');
});

test('host-network pods: no hostname of their own (the runtime gives the node\'s), the host\'s resolver', () => {
  const { config } = generatePodSandboxConfig({ ...pod, spec: { ...pod.spec!, hostNetwork: true, hostIPC: true } }, { dns, network: 'NODE', attempt: 0, logDirectory: '/x' });
  assert.equal(config.hostname, '');
  assert.deepEqual(config.dnsConfig!.servers, ['1.1.1.1']);
  assert.deepEqual(config.linux, { namespaceOptions: { network: 'NODE', ipc: 'NODE' } });
});

test('portMappings only for hostPorts; nodeNetworkPorts are every declared port (they are the node\'s in its network)', () => {
  assert.deepEqual(portMappings(pod), [{ protocol: 'TCP', containerPort: 80, hostPort: 8080 }]);
  assert.deepEqual(nodeNetworkPorts(pod), ['9000/UDP', '8080/TCP', '443/TCP']);
});

test('the pod\'s sysctls go to its sandbox', () => {
  const pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [], securityContext: { sysctls: [{ name: 'kernel.shm_rmid_forced', value: '1' }] } } };
  const { config } = generatePodSandboxConfig(pod, { dns: { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', host: { servers: [], searches: [], options: [] } }, network: 'POD', attempt: 0, logDirectory: '/tmp/x' });
  assert.deepEqual(config.linux?.sysctls, { 'kernel.shm_rmid_forced': '1' });
});
