import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { containerOOMScoreAdj, containerResources, milliCPUToQuota, milliCPUToShares, podResources, qosClassOf } from './container-resources.js';

const Mi = 1024 * 1024;
const GiB = 1024 * Mi;

function c(name: string, requests?: Record<string, string>, limits?: Record<string, string>, extra: Partial<Container> = {}): Container {
  return { name, image: 'busybox', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) }, ...extra };
}
function pod(containers: Container[], initContainers: Container[] = [], qosClass?: string): Pod {
  return { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers, initContainers }, status: qosClass ? { qosClass } : {} };
}

test('milliCPUToShares and milliCPUToQuota: the kubelet\'s conversions and bounds', () => {
  assert.equal(milliCPUToShares(100), 102);
  assert.equal(milliCPUToShares(1000), 1024);
  assert.equal(milliCPUToShares(0), 2);
  assert.equal(milliCPUToShares(1), 2);
  assert.equal(milliCPUToShares(1_000_000), 262144);
  assert.equal(milliCPUToQuota(100), 10000);
  assert.equal(milliCPUToQuota(2500), 250000);
  assert.equal(milliCPUToQuota(5), 1000);
  assert.equal(milliCPUToQuota(0), 0);
});

test('containerResources: shares from requests (limits when only limits), quota only with a CPU limit, memory limit', () => {
  const burst = pod([c('a', { cpu: '100m', memory: '16Mi' }, { cpu: '100m', memory: '32Mi' })]);
  const r = containerResources(burst, burst.spec!.containers[0], 4 * GiB);
  assert.equal(r.cpuShares, 102);
  assert.equal(r.cpuQuota, 10000);
  assert.equal(r.cpuPeriod, 100000);
  assert.equal(r.memoryLimitInBytes, 33554432);

  const onlyLimits = pod([c('a', undefined, { cpu: '250m' })]);
  const l = containerResources(onlyLimits, onlyLimits.spec!.containers[0], 4 * GiB);
  assert.equal(l.cpuShares, 256);
  assert.equal(l.cpuQuota, 25000);
  assert.equal(l.memoryLimitInBytes, undefined);

  const none = pod([c('a')]);
  const n = containerResources(none, none.spec!.containers[0], 4 * GiB);
  assert.deepEqual(n, { cpuShares: 2, oomScoreAdj: 1000 });
});

test('containerOOMScoreAdj: QoS classes as the kubelet scores them, clamped to what the machine allows', () => {
  const g = pod([c('a', { cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })], [], 'Guaranteed');
  assert.equal(containerOOMScoreAdj(g, g.spec!.containers[0], 4 * GiB, -1000), -997);
  assert.equal(containerOOMScoreAdj(g, g.spec!.containers[0], 4 * GiB), 0, 'no negative oom_score_adj here');
  const be = pod([c('a')]);
  assert.equal(qosClassOf(be), 'BestEffort');
  assert.equal(containerOOMScoreAdj(be, be.spec!.containers[0], 4 * GiB), 1000);
  // Burstable: 1000 - 1000*request/capacity (Go's integer division), within [3, 999].
  const b = (mem: string) => { const p = pod([c('a', { memory: mem })]); return containerOOMScoreAdj(p, p.spec!.containers[0], 4 * GiB); };
  assert.equal(b('1Gi'), 750);
  assert.equal(b('100Mi'), 976);
  assert.equal(b('1'), 999, 'a request too small to count still scores below best effort');
  assert.equal(b('4Gi'), 3, 'a request of the whole node scores above a guaranteed pod');
  const cpuOnly = pod([c('a', { cpu: '100m' })]);
  assert.equal(containerOOMScoreAdj(cpuOnly, cpuOnly.spec!.containers[0], 4 * GiB), 999);
  const critical: Pod = { ...be, spec: { ...be.spec!, priority: 2000001000 } };
  assert.equal(containerOOMScoreAdj(critical, critical.spec!.containers[0], 4 * GiB, -1000), -997);
});

test('podResources: the pod cgroup\'s settings by QoS class (ResourceConfigForPod)', () => {
  const g = pod([c('a', { cpu: '100m', memory: '32Mi' }, { cpu: '100m', memory: '32Mi' }), c('b', { cpu: '200m', memory: '64Mi' }, { cpu: '200m', memory: '64Mi' })]);
  assert.equal(qosClassOf(g), 'Guaranteed');
  assert.deepEqual(podResources(g), { cpuShares: 307, cpuPeriod: 100000, cpuQuota: 30000, memoryLimitInBytes: 96 * Mi });

  // Burstable: a limit at the pod level only when every container declares one.
  const partial = pod([c('a', { cpu: '100m' }, { cpu: '200m', memory: '32Mi' }), c('b', { cpu: '100m' })]);
  assert.deepEqual(podResources(partial), { cpuShares: 204 });
  const allLimits = pod([c('a', { cpu: '100m' }, { cpu: '200m', memory: '32Mi' }), c('b', undefined, { cpu: '300m', memory: '64Mi' })]);
  assert.deepEqual(podResources(allLimits), { cpuShares: 102, cpuPeriod: 100000, cpuQuota: 50000, memoryLimitInBytes: 96 * Mi });

  // An init container larger than the sum of the app containers sets the pod's value; a sidecar adds to the sum.
  const init = pod([c('a', { cpu: '100m' }, { cpu: '100m', memory: '32Mi' })], [c('i', { cpu: '500m' }, { cpu: '1', memory: '128Mi' })]);
  assert.deepEqual(podResources(init), { cpuShares: 512, cpuPeriod: 100000, cpuQuota: 100000, memoryLimitInBytes: 128 * Mi });
  const sidecar = pod([c('a', { cpu: '100m' }, { cpu: '100m', memory: '32Mi' })], [c('s', { cpu: '100m' }, { cpu: '100m', memory: '16Mi' }, { restartPolicy: 'Always' })]);
  assert.deepEqual(podResources(sidecar), { cpuShares: 204, cpuPeriod: 100000, cpuQuota: 20000, memoryLimitInBytes: 48 * Mi });

  assert.deepEqual(podResources(pod([c('a')])), { cpuShares: 2 });
});
