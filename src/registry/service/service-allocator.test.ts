import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBackend } from '../../storage/memory/memory-backend.js';
import { FakeClock } from '../../util/clock.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../api/resource.js';
import { ServiceAllocator, SERVICES_PREFIX } from './service-allocator.js';

let uid = 0;
function svc(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', uid: `uid-${name}-${++uid}` }, spec: { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }], ...spec } };
}

function setup(o: { serviceCIDR?: string; nodePortRange?: string } = {}) {
  const backend = new MemoryBackend();
  const clock = new FakeClock();
  return { backend, clock, alloc: new ServiceAllocator({ backend, clock, ...o }) };
}

async function store(backend: MemoryBackend, s: KubeObject): Promise<void> {
  await backend.create(`${SERVICES_PREFIX}${s.metadata!.namespace}/${s.metadata!.name}`, JSON.stringify(s));
}

test('concurrent creates never share a cluster IP', async () => {
  const { alloc } = setup({ serviceCIDR: '10.96.0.0/24' });
  const services = Array.from({ length: 100 }, (_, i) => svc(`s${i}`, {}));
  await Promise.all(services.map((s) => alloc.allocateCreate(s)));
  const ips = services.map((s) => (s.spec as { clusterIP: string }).clusterIP);
  assert.equal(new Set(ips).size, 100);
  for (const s of services) assert.deepEqual((s.spec as { clusterIPs: string[] }).clusterIPs, [(s.spec as { clusterIP: string }).clusterIP]);
  assert.equal((await alloc.ips.list()).length, 100);
});

test('a range runs full with kube-apiserver\'s error, and a release makes room again', async () => {
  const { alloc } = setup({ serviceCIDR: '10.96.0.0/29' });
  const made: KubeObject[] = [];
  for (let i = 0; i < 6; i++) { const s = svc(`s${i}`, {}); await alloc.allocateCreate(s); made.push(s); }
  await assert.rejects(alloc.allocateCreate(svc('full', {})), (e: StatusError) => e.code === 500 && e.message === 'Internal error occurred: failed to allocate a serviceIP: range is full');
  await alloc.releaseDropped(made[2], undefined);
  const again = svc('again', {});
  await alloc.allocateCreate(again);
  assert.equal((again.spec as { clusterIP: string }).clusterIP, (made[2].spec as { clusterIP: string }).clusterIP);
});

test('requested, duplicate and out-of-range cluster IPs', async () => {
  const { alloc } = setup();
  const dns = svc('kube-dns', { clusterIP: '10.96.0.10' });
  await alloc.allocateCreate(dns);
  assert.deepEqual((dns.spec as { clusterIPs: string[] }).clusterIPs, ['10.96.0.10']);
  await assert.rejects(alloc.allocateCreate(svc('dup', { clusterIP: '10.96.0.10' })), (e: StatusError) =>
    e.code === 422 && e.message === 'Service "dup" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated');
  await assert.rejects(alloc.allocateCreate(svc('out', { clusterIP: '10.0.0.5' })), (e: StatusError) =>
    e.message === 'Service "out" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12');
  // Headless and ExternalName Services get no address.
  const headless = svc('headless', { clusterIP: 'None' });
  await alloc.allocateCreate(headless);
  assert.deepEqual((headless.spec as { clusterIPs: string[] }).clusterIPs, ['None']);
  const ext = svc('ext', { type: 'ExternalName', externalName: 'example.com' });
  await alloc.allocateCreate(ext);
  assert.equal((ext.spec as { clusterIP?: string }).clusterIP, undefined);
  assert.equal((await alloc.ips.list()).length, 1);
});

test('revert gives back what a create took when the write does not happen', async () => {
  const { alloc } = setup();
  const s = svc('web', { type: 'NodePort', clusterIP: '10.96.5.5', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }, { name: 'b', port: 81, protocol: 'TCP' }] });
  const revert = await alloc.allocateCreate(s);
  assert.equal((await alloc.ports.list()).length, 2);
  await revert();
  assert.equal((await alloc.ports.list()).length, 0);
  assert.equal((await alloc.ips.list()).length, 0);
});

test('node ports: requested, duplicate, out of range, dynamic, shared by TCP and UDP of one port', async () => {
  const { alloc } = setup();
  const a = svc('a', { type: 'NodePort', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'web', port: 80, protocol: 'TCP', nodePort: 30080 }] });
  await alloc.allocateCreate(a);
  const ports = (a.spec as { ports: { nodePort: number }[] }).ports;
  assert.equal(ports[2].nodePort, 30080);
  assert.ok(ports[0].nodePort >= 30086 && ports[0].nodePort <= 32767, 'dynamic band');
  assert.equal(ports[1].nodePort, ports[0].nodePort, 'TCP and UDP of port 53 share one node port');
  await assert.rejects(alloc.allocateCreate(svc('b', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] })), (e: StatusError) =>
    e.message === 'Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
  await assert.rejects(alloc.allocateCreate(svc('c', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 80 }] })), (e: StatusError) =>
    e.message === 'Service "c" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767');
  assert.equal((await alloc.ips.list()).length, 1, 'the failed creates gave their cluster IPs back');
  const lb = svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
  await alloc.allocateCreate(lb);
  assert.ok((lb.spec as { healthCheckNodePort?: number }).healthCheckNodePort);
});

test('an update allocates what a type change needs; the releaser frees what the Service no longer holds', async () => {
  const { alloc, backend } = setup();
  const s = svc('web', {});
  await alloc.allocateCreate(s);
  await store(backend, s);
  const ac = new AbortController();
  const releaser = alloc.runReleaser(ac.signal);
  const updated = structuredClone(s);
  (updated.spec as { type: string }).type = 'NodePort';
  await alloc.allocateUpdate(updated, s);
  const nodePort = (updated.spec as { ports: { nodePort: number }[] }).ports[0].nodePort;
  assert.ok(nodePort >= 30000);
  const key = `${SERVICES_PREFIX}default/web`;
  let kv = await backend.get(key);
  await backend.update(key, JSON.stringify(updated), kv!.modRevision);
  // Back to ClusterIP without the node port: the releaser gives it back.
  const back = structuredClone(updated);
  (back.spec as { type: string }).type = 'ClusterIP';
  delete (back.spec as { ports: { nodePort?: number }[] }).ports[0].nodePort;
  kv = await backend.get(key);
  await backend.update(key, JSON.stringify(back), kv!.modRevision);
  await eventually(async () => assert.equal((await alloc.ports.list()).length, 0));
  kv = await backend.get(key);
  await backend.delete(key, kv!.modRevision);
  await eventually(async () => assert.equal((await alloc.ips.list()).length, 0));
  ac.abort();
  await releaser;
});

test('repair frees values of Services that are gone and records values Services hold without a record', async () => {
  const { alloc, backend, clock } = setup();
  const orphan = svc('gone', { clusterIP: '10.96.0.20' });
  await alloc.allocateCreate(orphan);
  const legacy = svc('legacy', { type: 'NodePort', clusterIP: '10.96.0.30', ports: [{ port: 80, protocol: 'TCP', nodePort: 30030 }] });
  await store(backend, legacy);
  await alloc.repair();
  assert.deepEqual((await alloc.ips.list()).map((a) => a.owner.name).sort(), ['gone', 'legacy'], 'a young record may be a create in flight');
  await clock.step(61_000);
  await alloc.repair();
  assert.deepEqual((await alloc.ips.list()).map((a) => a.owner.name), ['legacy']);
  assert.deepEqual((await alloc.ports.list()).map((a) => a.value), [30030]);
  await assert.rejects(alloc.allocateCreate(svc('x', { clusterIP: '10.96.0.30' })), /provided IP is already allocated/);
});

async function eventually(fn: () => Promise<void>): Promise<void> {
  for (let i = 0; ; i++) {
    try { return await fn(); } catch (e) { if (i > 200) throw e; await new Promise((r) => setTimeout(r, 10)); }
  }
}
