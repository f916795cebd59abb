import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { PodContainerManager, podCgroupName, podContainerManagerFor } from './pod-cgroups.js';
import { CgroupManager } from '../runtime/cgroups/index.js';
import { CGROUPS } from '../runtime/cgroups/testing/cgroups-tool.js';
import { requireTool } from '../testing/system-tools.js';

function pod(uid: string, resources: { requests?: Record<string, string>; limits?: Record<string, string> }): Pod {
  return { metadata: { name: 'p', namespace: 'default', uid }, spec: { containers: [{ name: 'a', image: 'busybox', resources }] } };
}

test('podCgroupName: the cgroupfs driver\'s names by QoS class', () => {
  assert.equal(podCgroupName(pod('u1', { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } })), 'kubepods/podu1');
  assert.equal(podCgroupName(pod('u2', { requests: { cpu: '100m' } })), 'kubepods/burstable/podu2');
  assert.equal(podCgroupName(pod('u3', {})), 'kubepods/besteffort/podu3');
});

test('podContainerManagerFor: none for a runtime without cgroups, one per runtime that has them', () => {
  assert.equal(podContainerManagerFor({ isolation: 'simulated' }), undefined);
  const fake = { cgroups: {} as CgroupManager };
  const m = podContainerManagerFor(fake);
  assert.ok(m);
  assert.equal(podContainerManagerFor(fake), m);
});

test('PodContainerManager: containers\' resources with oom_score_adj clamped at 0', () => {
  const m = new PodContainerManager({} as CgroupManager, { nodeMemoryCapacity: 4 * 1024 ** 3 });
  const g = pod('u1', { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '100m', memory: '32Mi' } });
  assert.deepEqual(m.containerResources(g, g.spec!.containers[0]), { cpuShares: 102, oomScoreAdj: 0, memoryLimitInBytes: 33554432, cpuPeriod: 100000, cpuQuota: 10000 });
});

test('PodContainerManager on this machine: the pod cgroup is made with the pod\'s limits and removed', requireTool(CGROUPS), async () => {
  const cgroups = CgroupManager.detect().manager!;
  const m = new PodContainerManager(cgroups, { podPidsLimit: 100 });
  const p = pod(randomUUID(), { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '100m', memory: '32Mi' } });
  const name = await m.ensure(p);
  try {
    assert.equal(name, `kubepods/pod${p.metadata!.uid}`);
    assert.ok(cgroups.exists(name));
    const dirs = cgroups.dirs(name);
    if (cgroups.layout.version === 1) {
      assert.equal(fs.readFileSync(path.join(dirs.get('memory')!, 'memory.limit_in_bytes'), 'utf8').trim(), '33554432');
      assert.equal(fs.readFileSync(path.join(dirs.get('cpu')!, 'cpu.cfs_quota_us'), 'utf8').trim(), '10000');
      assert.equal(fs.readFileSync(path.join(dirs.get('pids')!, 'pids.max'), 'utf8').trim(), '100');
    } else {
      assert.equal(fs.readFileSync(path.join(dirs.get('unified')!, 'memory.max'), 'utf8').trim(), '33554432');
    }
    assert.equal(await m.ensure(p), name, 'ensure is idempotent');
  } finally {
    await m.remove(p);
  }
  assert.equal(cgroups.exists(name), false);
});
