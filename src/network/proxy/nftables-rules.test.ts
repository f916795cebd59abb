import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { renderRuleset } from './nftables-rules.js';
import { buildServicePorts } from './service-ports.js';

const GOLDEN = fileURLToPath(new URL('./testdata/ruleset.golden.nft', import.meta.url));

const services: Service[] = [
  { metadata: { namespace: 'default', name: 'web' }, spec: { type: 'NodePort', clusterIP: '10.96.12.34', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }] } },
  { metadata: { namespace: 'default', name: 'sticky' }, spec: { type: 'ClusterIP', clusterIP: '10.96.12.35', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } }, ports: [{ port: 8080, protocol: 'TCP' }] } },
  { metadata: { namespace: 'default', name: 'local' }, spec: { type: 'LoadBalancer', clusterIP: '10.96.12.36', externalTrafficPolicy: 'Local', ports: [{ port: 80, protocol: 'TCP', nodePort: 30090 }] }, status: { loadBalancer: { ingress: [{ ip: '127.0.1.1' }] } } },
  { metadata: { namespace: 'kube-system', name: 'kube-dns' }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] } },
  { metadata: { namespace: 'default', name: 'headless' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } },
];
const slice = (svc: string, ports: EndpointSlice['ports'], eps: [string, string, boolean?][]): EndpointSlice => ({
  metadata: { namespace: svc === 'kube-dns' ? 'kube-system' : 'default', name: `${svc}-x`, labels: { 'kubernetes.io/service-name': svc } }, addressType: 'IPv4', ports,
  endpoints: eps.map(([ip, node, ready]) => ({ addresses: [ip], nodeName: node, conditions: { ready: ready ?? true, serving: ready ?? true, terminating: false } })),
});
const slices: EndpointSlice[] = [
  slice('web', [{ name: 'http', port: 8080, protocol: 'TCP' }], [['10.244.0.5', 'host01'], ['10.244.1.5', 'host02'], ['10.244.1.6', 'host02', false]]),
  slice('sticky', [{ name: '', port: 9000, protocol: 'TCP' }], [['10.244.0.7', 'host01']]),
  slice('local', [{ name: '', port: 80, protocol: 'TCP' }], [['10.244.1.8', 'host02']]),
];
const opts = { table: 'tskube-host01-abcd', bridge: 'tsk-host01-abcd', podCIDR: '10.244.0.0/24', nodeAddresses: ['127.0.1.1'], comment: 'tskube service proxy of node host01' };

test('the ruleset as golden text: cluster IPs, a node port, affinity, Local policy without local endpoints, no endpoints', () => {
  const script = renderRuleset(opts, buildServicePorts(services, slices, 'host01'));
  if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, script);
  assert.equal(script, readFileSync(GOLDEN, 'utf8'));
  // The kube-dns ports have no endpoints: rejected, not DNATed; the unready web endpoint is not used.
  assert.match(script, /10\.96\.0\.10 \. udp \. 53 comment "kube-system\/kube-dns:dns" : goto reject-chain/);
  assert.doesNotMatch(script, /10\.244\.1\.6/);
  assert.match(script, /numgen random mod 2 vmap/);
});

test('endpoints change: the rules follow; a terminating but serving endpoint is used only when none is ready', () => {
  const onlyTerminating = [slice('web', [{ name: 'http', port: 8080, protocol: 'TCP' }], [])];
  onlyTerminating[0].endpoints = [{ addresses: ['10.244.0.9'], nodeName: 'host01', conditions: { ready: false, serving: true, terminating: true } }];
  const script = renderRuleset(opts, buildServicePorts(services.slice(0, 1), onlyTerminating, 'host01'));
  assert.match(script, /dnat to 10\.244\.0\.9:8080/);
  const internalLocal: Service = { ...services[0], spec: { ...services[0].spec, internalTrafficPolicy: 'Local' } };
  const local = renderRuleset(opts, buildServicePorts([internalLocal], slices, 'host01'));
  assert.match(local, /numgen random mod 1 vmap \{ 0 : goto endpoint-[0-9a-f]{8}-default\/web\/tcp\/http__10\.244\.0\.5\/8080 \}/);
});

test('a load balancer address on the loopback is handled only by the node it belongs to; other addresses by every node', () => {
  const lb: Service = { metadata: { namespace: 'default', name: 'example' }, spec: { type: 'LoadBalancer', clusterIP: '10.96.12.40', externalTrafficPolicy: 'Local', ports: [{ port: 8765, protocol: 'TCP', nodePort: 31568 }] },
    status: { loadBalancer: { ingress: [{ ip: '127.0.1.1' }, { ip: '127.0.1.2' }, { ip: '203.0.113.140' }] } } };
  const eps = [slice('example', [{ name: '', port: 9376, protocol: 'TCP' }], [['10.244.0.5', 'host01']])];
  const host01 = renderRuleset(opts, buildServicePorts([lb], eps, 'host01'));
  assert.match(host01, /127\.0\.1\.1 \. tcp \. 8765 comment "default\/example" : goto external-/);
  assert.match(host01, /203\.0\.113\.140 \. tcp \. 8765 comment "default\/example" : goto external-/);
  assert.doesNotMatch(host01, /127\.0\.1\.2 \. tcp/);
  // host02 has no local endpoint: its own address and the shared one are dropped, host01's is not its to drop
  const host02 = renderRuleset({ ...opts, table: 'tskube-host02-abcd', bridge: 'tsk-host02-abcd', podCIDR: '10.244.1.0/24', nodeAddresses: ['127.0.1.2'] }, buildServicePorts([lb], eps, 'host02'));
  assert.match(host02, /127\.0\.1\.2 \. tcp \. 8765 comment "default\/example" : goto drop-chain/);
  assert.match(host02, /203\.0\.113\.140 \. tcp \. 8765 comment "default\/example" : goto drop-chain/);
  assert.doesNotMatch(host02, /127\.0\.1\.1 \. tcp/);
});

test('nft accepts the script (when nft runs here as root)', (t) => {
  if (process.getuid?.() !== 0) return t.skip('not root: apt-get install nftables and run as root');
  try { execFileSync('nft', ['--version']); } catch { return t.skip('nft not found: apt-get install nftables'); }
  const script = renderRuleset(opts, buildServicePorts(services, slices, 'host01'));
  execFileSync('nft', ['-c', '-f', '-'], { input: script });
});
