import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ContainerInfo, PodSandboxStatus, Runtime } from '../../runtime/types.js';
import { eventually } from '../../testing/test-cluster.js';
import { clockTicksPerSecond } from './proc.js';
import { parseSimulatedUsage, ResourceAnalyzer, SIMULATED_USAGE_ANNOTATION } from './resource-analyzer.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-stats-'));
  dirs.push(d);
  return d;
}

type StubRuntime = Pick<Runtime, 'isolation' | 'listContainers' | 'listPodSandbox'>;

function stubRuntime(isolation: Runtime['isolation'], containers: ContainerInfo[], sandboxes: Partial<PodSandboxStatus>[] = []): StubRuntime {
  return {
    isolation,
    listContainers: async () => containers.map((c) => ({ ...c })),
    listPodSandbox: async () => sandboxes as PodSandboxStatus[],
  };
}

function container(id: string, pod: string, name: string, pid: number | undefined, startedAt = '2026-01-01T00:00:00Z', sandboxId = 'sb1'): ContainerInfo {
  return {
    id, sandboxId, phase: 'running', pid, startedAt,
    config: { podUid: `uid-${pod}`, podName: pod, podNamespace: 'default', name, attempt: 0, image: 'busybox', argv: ['sh'], env: {}, mounts: [], logPath: '/dev/null' },
  };
}

/** fakeProc writes a /proc with the given processes (pid, ppid, pgrp, cpu ticks, rss kB, cgroup file) and host files. */
function fakeProc(procs: { pid: number; ppid: number; pgrp?: number; ticks: number; rssKb: number; cgroup?: string }[], selfCgroup = '0::/agent\n'): string {
  const root = tmp();
  fs.writeFileSync(path.join(root, 'stat'), 'cpu  300 0 100 5000 0 0 0 0 0 0\nbtime 1767225600\n');
  fs.writeFileSync(path.join(root, 'meminfo'), 'MemTotal: 2000000 kB\nMemFree: 100 kB\nMemAvailable: 1500000 kB\n');
  fs.mkdirSync(path.join(root, 'self'));
  fs.writeFileSync(path.join(root, 'self', 'cgroup'), selfCgroup);
  for (const p of procs) {
    const dir = path.join(root, String(p.pid));
    fs.mkdirSync(dir);
    // utime carries the ticks; stime, cutime and cstime are 0 so sums are easy to read
    fs.writeFileSync(path.join(dir, 'stat'), `${p.pid} (p${p.pid}) S ${p.ppid} ${p.pgrp ?? p.pid} ${p.pgrp ?? p.pid} 0 -1 0 0 0 0 0 ${p.ticks} 0 0 0 20 0 1 0 100 0 0`);
    fs.writeFileSync(path.join(dir, 'status'), `Name:\tp${p.pid}\nVmRSS:\t${p.rssKb} kB\n`);
    fs.writeFileSync(path.join(dir, 'cgroup'), p.cgroup ?? selfCgroup);
  }
  return root;
}

const now = () => new Date('2026-01-01T00:01:00Z');

describe('ResourceAnalyzer on the process runtime', () => {
  const hz = clockTicksPerSecond();

  it('sums CPU ticks and resident sets over each container\'s process tree; the node is the host', async () => {
    const proc = fakeProc([
      { pid: 1, ppid: 0, ticks: 999, rssKb: 999 },
      { pid: 10, ppid: 1, ticks: 2 * hz, rssKb: 100 },
      { pid: 11, ppid: 10, pgrp: 10, ticks: 3 * hz, rssKb: 200 },
      { pid: 12, ppid: 11, pgrp: 10, ticks: hz, rssKb: 50 },
      { pid: 20, ppid: 1, ticks: hz / 2, rssKb: 10 },
    ]);
    const rt = stubRuntime('namespaces', [container('c1', 'web', 'app', 10), container('c2', 'db', 'main', 20), container('c3', 'gone', 'x', 77)]);
    const s = await new ResourceAnalyzer({ runtime: rt, now, procRoot: proc, cgroupRoot: tmp() }).collect();
    assert.deepEqual(s.timestamp, now());
    assert.deepEqual(s.containers.map((c) => [c.pod, c.container, c.cpuSeconds, c.workingSetBytes]), [
      ['web', 'app', 6, 350 * 1024],
      ['db', 'main', 0.5, 10 * 1024],
    ], 'a container whose process is gone is left out');
    assert.deepEqual(s.containers[0].startTime, new Date('2026-01-01T00:00:00Z'));
    assert.deepEqual(s.node, { cpuSeconds: 400 / hz, workingSetBytes: 500000 * 1024, startTime: new Date(1767225600 * 1000) });
  });

  it('never lets a container\'s counter go down when a process leaves the tree with its CPU time', async () => {
    const procs = [{ pid: 10, ppid: 1, ticks: hz, rssKb: 1 }, { pid: 11, ppid: 10, ticks: 4 * hz, rssKb: 1 }];
    const proc = fakeProc(procs);
    const rt = stubRuntime('namespaces', [container('c1', 'web', 'app', 10)]);
    const a = new ResourceAnalyzer({ runtime: rt, now, procRoot: proc, cgroupRoot: tmp() });
    assert.equal((await a.collect()).containers[0].cpuSeconds, 5);
    fs.rmSync(path.join(proc, '11'), { recursive: true });
    assert.equal((await a.collect()).containers[0].cpuSeconds, 5, 'held at 5, not 1');
  });

  it('reads a container\'s own cgroup when the runtime gave it one, /proc when it shares the agent\'s', async () => {
    const cg = tmp();
    fs.writeFileSync(path.join(cg, 'cgroup.controllers'), 'cpu memory');
    fs.mkdirSync(path.join(cg, 'pods', 'c1'), { recursive: true });
    fs.writeFileSync(path.join(cg, 'pods', 'c1', 'cpu.stat'), 'usage_usec 7000000\n');
    fs.writeFileSync(path.join(cg, 'pods', 'c1', 'memory.current'), '3000000\n');
    fs.writeFileSync(path.join(cg, 'pods', 'c1', 'memory.stat'), 'inactive_file 1000000\n');
    const proc = fakeProc([
      { pid: 10, ppid: 1, ticks: hz, rssKb: 4, cgroup: '0::/pods/c1\n' },
      { pid: 20, ppid: 1, ticks: hz, rssKb: 4 },
    ]);
    const rt = stubRuntime('namespaces', [container('c1', 'web', 'app', 10), container('c2', 'db', 'main', 20)]);
    const s = await new ResourceAnalyzer({ runtime: rt, now, procRoot: proc, cgroupRoot: cg }).collect();
    assert.deepEqual(s.containers.map((c) => [c.pod, c.cpuSeconds, c.workingSetBytes]), [['web', 7, 2000000], ['db', 1, 4096]]);
  });

  it('finds the cgroup of a container whose reported process is a launcher left in the agent\'s (v1 hierarchies)', async () => {
    const cg = tmp();
    const v1 = (c: string, file: string, text: string) => {
      fs.mkdirSync(path.join(cg, c, 'agent', 'kubepods', 'podu', 'c1'), { recursive: true });
      fs.writeFileSync(path.join(cg, c, 'agent', 'kubepods', 'podu', 'c1', file), text);
    };
    v1('cpuacct', 'cpuacct.usage', '9000000000\n');
    v1('memory', 'memory.usage_in_bytes', '5000000\n');
    v1('memory', 'memory.stat', 'cache 10\ntotal_inactive_file 1000000\n');
    const agent = '4:memory:/agent\n2:cpuacct:/agent\n0::/\n';
    const inside = '4:memory:/agent/kubepods/podu/c1\n2:cpuacct:/agent/kubepods/podu/c1\n0::/\n';
    const proc = fakeProc([
      { pid: 10, ppid: 1, ticks: hz, rssKb: 4, cgroup: agent },
      { pid: 11, ppid: 10, ticks: hz, rssKb: 4, cgroup: inside },
    ], agent);
    const rt = stubRuntime('namespaces', [container('c1', 'web', 'app', 10)]);
    const s = await new ResourceAnalyzer({ runtime: rt, now, procRoot: proc, cgroupRoot: cg }).collect();
    assert.deepEqual(s.containers.map((c) => [c.pod, c.cpuSeconds, c.workingSetBytes]), [['web', 9, 4000000]]);
  });

  it('measures a real busy process through the real /proc', async (t) => {
    if (!fs.existsSync('/proc/self/stat')) return t.skip('no /proc');
    const child = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
    try {
      const rt = stubRuntime('host', [container('c1', 'burn', 'burn', child.pid)]);
      const a = new ResourceAnalyzer({ runtime: rt, now: () => new Date() });
      await eventually(async () => {
        const [c] = (await a.collect()).containers;
        assert.ok(c.cpuSeconds > 0, `cpu ${c?.cpuSeconds}`);
        assert.ok(c.workingSetBytes > 0);
      }, 20_000, 100);
      const s = await a.collect();
      assert.ok(s.node.cpuSeconds > 0 && s.node.workingSetBytes > 0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('ResourceAnalyzer on a simulated node', () => {
  it('reports zero usage, or the pod\'s synthetic usage; the node integrates its containers\' rates', async () => {
    let t = new Date('2026-01-01T00:00:10Z');
    const rt = stubRuntime('simulated', [
      container('c1', 'idle', 'a', undefined, '2026-01-01T00:00:00Z', 'sb1'),
      container('c2', 'busy', 'b', undefined, '2026-01-01T00:00:00Z', 'sb2'),
    ], [{ id: 'sb1', annotations: {} }, { id: 'sb2', annotations: { [SIMULATED_USAGE_ANNOTATION]: 'cpu=250m,memory=64Mi' } }]);
    const a = new ResourceAnalyzer({ runtime: rt, now: () => t });
    const first = await a.collect();
    assert.deepEqual(first.containers.map((c) => [c.pod, c.cpuSeconds, c.workingSetBytes]), [['idle', 0, 0], ['busy', 2.5, 64 * 2 ** 20]]);
    assert.deepEqual([first.node.cpuSeconds, first.node.workingSetBytes], [0, 64 * 2 ** 20]);
    t = new Date('2026-01-01T00:00:30Z');
    const second = await a.collect();
    assert.equal(second.containers[1].cpuSeconds, 7.5);
    assert.equal(second.node.cpuSeconds, 5, '250m for 20 s');
  });

  it('parses the synthetic usage annotation leniently', () => {
    assert.deepEqual(parseSimulatedUsage('cpu=1.5, memory=1Gi'), { cpuCores: 1.5, memoryBytes: 2 ** 30 });
    assert.deepEqual(parseSimulatedUsage('cpu=oops,memory=-1,disk=3'), { cpuCores: 0, memoryBytes: 0 });
    assert.deepEqual(parseSimulatedUsage(undefined), { cpuCores: 0, memoryBytes: 0 });
  });
});
