import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSummary, CpuRates, metaTime, type SummaryInput } from './summary.js';
import type { ResourceStats } from './resource-analyzer.js';

const T0 = new Date('2026-01-01T00:00:10.500Z');
const fsInfo = { capacityBytes: 1000, availableBytes: 600, usedBytes: 400, inodes: 100, inodesFree: 70, inodesUsed: 30 };

function stats(at: Date, webCpu: number): ResourceStats {
  return {
    timestamp: at,
    node: { cpuSeconds: 100, workingSetBytes: 5000, startTime: new Date('2026-01-01T00:00:00Z') },
    containers: [
      { namespace: 'default', pod: 'web', container: 'nginx', cpuSeconds: webCpu, workingSetBytes: 3000, startTime: new Date('2026-01-01T00:00:05Z'),
        id: 'c1', podUid: 'u1', processCount: 3, memory: { usageBytes: 3500, rssBytes: 2500, pageFaults: 40, majorPageFaults: 1 } },
      { namespace: 'default', pod: 'web', container: 'sidecar', cpuSeconds: 0.5, workingSetBytes: 1000, startTime: new Date('2026-01-01T00:00:06Z'),
        id: 'c2', podUid: 'u1', processCount: 1, memory: { usageBytes: 1000, rssBytes: 1000 } },
      { namespace: 'other', pod: 'gone', container: 'x', cpuSeconds: 1, workingSetBytes: 1, startTime: T0, id: 'c3', podUid: 'u-unknown' },
    ],
  };
}

function input(at = T0, webCpu = 2): SummaryInput {
  return {
    nodeName: 'node-1', stats: stats(at, webCpu),
    pods: [
      { name: 'web', namespace: 'default', uid: 'u1', startTime: new Date('2026-01-01T00:00:04Z'), memoryLimits: { nginx: 10000 },
        volumes: [
          { name: 'cache', usage: { bytes: 4096, inodes: 2 }, fs: fsInfo, ephemeral: true },
          { name: 'data', pvcRef: { name: 'claim', namespace: 'default' }, usage: { bytes: 8192, inodes: 3 }, fs: fsInfo, ephemeral: false },
        ] },
      { name: 'pending', namespace: 'default', uid: 'u2' },
    ],
    nodeMemory: { availableBytes: 7000, usageBytes: 6000, workingSetBytes: 5000 },
    nodeNetwork: [{ name: 'ens3', rxBytes: 1, rxErrors: 0, txBytes: 2, txErrors: 0 }, { name: 'eth0', rxBytes: 10, rxErrors: 1, txBytes: 20, txErrors: 2 }],
    nodeFs: fsInfo, rlimit: { maxpid: 4096, curproc: 300 },
    agent: { startTime: new Date('2026-01-01T00:00:01Z'), cpuSeconds: 4, rssBytes: 9000 },
    podNetwork: new Map([['u1', [{ name: 'eth0', rxBytes: 5, rxErrors: 0, txBytes: 6, txErrors: 0 }]]]),
    containerLogs: new Map([['c1', { bytes: 512, inodes: 1 }]]),
    logFs: fsInfo,
  };
}

describe('buildSummary', () => {
  it('shapes the node as the kubelet does: system containers, cpu, memory, eth0 on top, fs, rlimit; metav1 times', () => {
    const s = buildSummary(input(), new CpuRates());
    const time = '2026-01-01T00:00:10Z';
    assert.deepEqual(Object.keys(s.node), ['nodeName', 'systemContainers', 'startTime', 'cpu', 'memory', 'network', 'fs', 'rlimit']);
    assert.equal(s.node.startTime, '2026-01-01T00:00:00Z');
    assert.deepEqual(s.node.cpu, { time, usageCoreNanoSeconds: 100e9 }, 'no usageNanoCores on a first reading');
    assert.deepEqual(s.node.memory, { time, availableBytes: 7000, usageBytes: 6000, workingSetBytes: 5000 });
    assert.deepEqual(s.node.network, { time, name: 'eth0', rxBytes: 10, rxErrors: 1, txBytes: 20, txErrors: 2, interfaces: input().nodeNetwork });
    assert.deepEqual(s.node.fs, { time, availableBytes: 600, capacityBytes: 1000, usedBytes: 400, inodesFree: 70, inodes: 100, inodesUsed: 30 });
    assert.deepEqual(s.node.rlimit, { time, maxpid: 4096, curproc: 300 });
    assert.deepEqual(s.node.systemContainers!.map((c) => c.name), ['kubelet', 'pods']);
    assert.deepEqual(s.node.systemContainers![0].memory, { time, workingSetBytes: 9000, rssBytes: 9000 });
    assert.equal(s.node.systemContainers![1].cpu!.usageCoreNanoSeconds, 2.5e9, 'pods: the sum of the listed pods');
  });

  it('lists the agent\'s pods with running containers: containers, sums, network, volumes, ephemeral storage, processes', () => {
    const s = buildSummary(input(), new CpuRates());
    assert.deepEqual(s.pods.map((p) => p.podRef), [{ name: 'web', namespace: 'default', uid: 'u1' }], 'no pending pod, no pod the agent does not run');
    const p = s.pods[0];
    const time = '2026-01-01T00:00:10Z';
    assert.equal(p.startTime, '2026-01-01T00:00:04Z');
    assert.deepEqual(p.containers.map((c) => [c.name, c.startTime]), [['nginx', '2026-01-01T00:00:05Z'], ['sidecar', '2026-01-01T00:00:06Z']]);
    assert.deepEqual(p.containers[0].memory, { time, availableBytes: 7000, usageBytes: 3500, workingSetBytes: 3000, rssBytes: 2500, pageFaults: 40, majorPageFaults: 1 });
    assert.deepEqual(p.containers[0].logs, { time, availableBytes: 600, capacityBytes: 1000, usedBytes: 512, inodesFree: 70, inodes: 100, inodesUsed: 1 });
    assert.equal(p.containers[1].logs, undefined);
    assert.deepEqual(p.cpu, { time, usageCoreNanoSeconds: 2.5e9 });
    assert.deepEqual(p.memory, { time, usageBytes: 4500, workingSetBytes: 4000, rssBytes: 3500 }, 'page faults only when every container has them');
    assert.equal(p.network!.name, 'eth0');
    assert.deepEqual(p.volume!.map((v) => [v.name, v.usedBytes, v.inodesUsed, v.pvcRef]), [['cache', 4096, 2, undefined], ['data', 8192, 3, { name: 'claim', namespace: 'default' }]]);
    assert.deepEqual(p['ephemeral-storage'], { time, availableBytes: 600, capacityBytes: 1000, usedBytes: 512 + 4096, inodesFree: 70, inodes: 100, inodesUsed: 1 + 2 }, 'logs and local volumes, not the claim');
    assert.deepEqual(p.process_stats, { process_count: 4 });
    assert.deepEqual(Object.keys(p), ['podRef', 'startTime', 'containers', 'cpu', 'memory', 'network', 'volume', 'ephemeral-storage', 'process_stats']);
  });

  it('gives usageNanoCores from the previous reading of the same container, pod and node', () => {
    const rates = new CpuRates();
    buildSummary(input(T0, 2), rates);
    const s = buildSummary(input(new Date(T0.getTime() + 2000), 3), rates);
    assert.equal(s.pods[0].containers[0].cpu!.usageNanoCores, 0.5e9, '1 s of CPU over 2 s');
    assert.equal(s.pods[0].cpu!.usageNanoCores, 0.5e9);
    assert.equal(s.node.cpu!.usageNanoCores, 0);
  });

  it('only_cpu_and_memory keeps names, start times, cpu and memory', () => {
    const s = buildSummary(input(), new CpuRates(), true);
    assert.deepEqual(Object.keys(s.node), ['nodeName', 'systemContainers', 'startTime', 'cpu', 'memory']);
    assert.deepEqual(Object.keys(s.pods[0]), ['podRef', 'startTime', 'containers', 'cpu', 'memory']);
    assert.deepEqual(Object.keys(s.pods[0].containers[0]), ['name', 'startTime', 'cpu', 'memory']);
  });

  it('metaTime drops the fraction', () => {
    assert.equal(metaTime(T0), '2026-01-01T00:00:10Z');
  });
});
