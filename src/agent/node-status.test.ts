import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { KUBELET_VERSION, hostCapacity, isExtendedResourceName, nodeConditions, nodeConditionsChanged, nodeImages, nodeObject, resourceLists } from './node-status.js';
import type { PressureCondition } from './eviction.js';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';
type Cond = { type: string; status: string; reason: string; message: string; lastHeartbeatTime: string; lastTransitionTime: string };
const conds = (...a: Parameters<typeof nodeConditions>) => nodeConditions(...a) as unknown as Cond[];
const row = (c: Cond) => [c.type, c.status, c.reason, c.message];

test('nodeConditions: kubelet\'s reasons and messages for each pressure and readiness', () => {
  const cases: [string, ReadonlySet<PressureCondition>, boolean, string[][]][] = [
    ['a healthy ready node', new Set(), true, [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
      ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
    ]],
    ['every pressure, not ready', new Set<PressureCondition>(['MemoryPressure', 'DiskPressure', 'PIDPressure']), false, [
      ['MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'],
      ['DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure'],
      ['PIDPressure', 'True', 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available'],
      ['Ready', 'False', 'KubeletNotReady', 'container runtime status check may not have completed yet'],
    ]],
    ['disk pressure only', new Set<PressureCondition>(['DiskPressure']), true, [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
      ['DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
      ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
    ]],
  ];
  for (const [name, pressure, ready, want] of cases) assert.deepEqual(conds(T0, ready, [], pressure).map(row), want, name);
});

test('nodeConditions: the heartbeat moves on; the transition time only when the status changes', () => {
  const first = conds(T0, true, [], new Set());
  const second = conds(T1, true, first, new Set(['MemoryPressure']));
  const at = (cs: Cond[], type: string) => cs.find((c) => c.type === type)!;
  assert.equal(at(second, 'DiskPressure').lastHeartbeatTime, T1);
  assert.equal(at(second, 'DiskPressure').lastTransitionTime, T0);
  assert.equal(at(second, 'MemoryPressure').lastTransitionTime, T1);
  assert.equal(at(second, 'Ready').lastTransitionTime, T0);
});

test('nodeObject: labels, the agent\'s address and port, capacity as allocatable, nodeInfo, pressure', () => {
  const capacity = { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  const node = nodeObject({
    name: 'host01', address: '127.0.1.1', port: 10250, capacity, labels: { disk: 'ssd' }, runtimeVersion: 'tskube://0.1.0',
    scheme: 'https', now: T0, ready: true, pressure: new Set(['PIDPressure']),
  }) as any;
  assert.equal(node.metadata.name, 'host01');
  assert.equal(node.metadata.labels['kubernetes.io/hostname'], 'host01');
  assert.equal(node.metadata.labels['kubernetes.io/os'], 'linux');
  assert.equal(node.metadata.labels.disk, 'ssd');
  assert.equal(node.metadata.annotations['tskube.io/agent-scheme'], 'https');
  assert.deepEqual(node.status.addresses, [{ type: 'InternalIP', address: '127.0.1.1' }, { type: 'Hostname', address: 'host01' }]);
  assert.deepEqual(node.status.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
  assert.deepEqual(node.status.capacity, capacity);
  assert.deepEqual(node.status.allocatable, capacity);
  assert.notEqual(node.status.capacity, capacity, 'a copy, not the caller\'s object');
  assert.equal(node.status.nodeInfo.kubeletVersion, KUBELET_VERSION);
  assert.equal(node.status.nodeInfo.containerRuntimeVersion, 'tskube://0.1.0');
  assert.equal(node.status.nodeInfo.kernelVersion, os.release());
  assert.deepEqual(node.status.conditions.filter((c: Cond) => c.status === 'True').map((c: Cond) => c.type), ['PIDPressure', 'Ready']);
});

test('hostCapacity: the host\'s CPUs and memory as quantities, 110 pods', () => {
  const c = hostCapacity();
  assert.equal(c.cpu, String(os.cpus().length || 1));
  assert.equal(c.memory, `${Math.floor(os.totalmem() / 1024)}Ki`);
  assert.equal(c.pods, '110');
  assert.match(c['ephemeral-storage'], /^\d+(Ki|Gi)$/);
});

test('nodeConditionsChanged: heartbeat times alone are no change; an Unknown Ready (the node controller\'s) is', () => {
  const stored = nodeConditions('2026-01-01T00:00:00Z', true) as unknown as Cond[];
  assert.equal(nodeConditionsChanged(stored, nodeConditions('2026-01-01T00:00:10Z', true, stored)), false, 'only lastHeartbeatTime moved');
  const unknown = stored.map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' } : c));
  assert.equal(nodeConditionsChanged(unknown, nodeConditions('2026-01-01T00:00:20Z', true, unknown)), true, 'Ready Unknown -> True must be posted');
  assert.equal(nodeConditionsChanged(stored.slice(1), nodeConditions('2026-01-01T00:00:20Z', true, stored)), true, 'a missing condition must be posted');
});

test('nodeImages lists images largest first, digests before tags, at most five names', () => {
  const imgs = nodeImages([
    { id: 'sha256:a', repoTags: ['docker.io/library/busybox:latest'], repoDigests: ['docker.io/library/busybox@sha256:1'], size: 10 },
    { id: 'sha256:b', repoTags: ['t1', 't2', 't3', 't4'], repoDigests: ['d1', 'd2'], size: 20 },
    { id: 'sha256:c', repoTags: [], repoDigests: [], size: 30 },
  ]);
  assert.deepEqual(imgs, [
    { names: ['d1', 'd2', 't1', 't2', 't3'], sizeBytes: 20 },
    { names: ['docker.io/library/busybox@sha256:1', 'docker.io/library/busybox:latest'], sizeBytes: 10 },
  ]);
});

test('resourceLists: an extended resource PATCHed into capacity becomes allocatable; one removed from capacity leaves allocatable', () => {
  const own = { cpu: '2', memory: '1024Ki', pods: '110', 'ephemeral-storage': '10Gi' };
  // the extended resources task: capacity gets example.com/dongle, allocatable follows at the next sync
  const advertised = resourceLists(own, { capacity: { ...own, 'example.com/dongle': '4' }, allocatable: { ...own } });
  assert.equal(advertised.capacity['example.com/dongle'], '4');
  assert.deepEqual(advertised.allocatable, { ...own, 'example.com/dongle': '4' });
  // the node's own figures win over stored ones
  assert.equal(resourceLists(own, { capacity: { ...own, cpu: '64' } }).capacity.cpu, '2');
  // the task's clean-up removes the dongle from capacity: allocatable drops it, a non-extended stale key stays
  const removed = resourceLists(own, { capacity: { ...own }, allocatable: { ...own, 'example.com/dongle': '4', 'hugepages-2Mi': '0' } });
  assert.deepEqual(removed.allocatable, { ...own, 'hugepages-2Mi': '0' });
});

test('isExtendedResourceName: domain-qualified names outside kubernetes.io, not quota names', () => {
  assert.deepEqual(['example.com/dongle', 'cpu', 'kubernetes.io/batch', 'requests.example.com/dongle', 'nvidia.com/gpu'].map(isExtendedResourceName), [true, false, false, false, true]);
});
