import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { beyondDefaults, CgroupManager, cpuSharesToWeight, readOomKillCountIn } from './manager.js';
import { cgroupDirs, containerCgroupPath, detectCgroupLayout, uniqueDirs, type CgroupLayout } from './layout.js';
import { readCgroupMembership } from '../../agent/stats/cgroup.js';
import { requireTool } from '../../testing/system-tools.js';
import { CGROUPS } from './testing/cgroups-tool.js';

test('cpuSharesToWeight: runc\'s linear map of [2, 262144] onto [1, 10000]', () => {
  assert.equal(cpuSharesToWeight(2), 1);
  assert.equal(cpuSharesToWeight(262144), 10000);
  assert.equal(cpuSharesToWeight(1024), 39);
  assert.equal(cpuSharesToWeight(102), 4);
  assert.equal(cpuSharesToWeight(0), 0);
});

/** fakeRoot lays out a cgroup filesystem tree in a temp dir (v1: one dir per controller; v2: cgroup.controllers at the root). */
function fakeRoot(version: 1 | 2): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cgroot-'));
  if (version === 2) fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpu memory pids\n');
  else for (const c of ['cpu', 'cpuacct', 'memory', 'pids', 'cpuset']) { fs.mkdirSync(path.join(root, c)); fs.writeFileSync(path.join(root, c, 'cgroup.procs'), ''); }
  return root;
}

test('detectCgroupLayout and cgroupDirs: runc\'s path rules (absolute from the root; relative from the own cgroup, v2 its parent)', () => {
  const v1root = fakeRoot(1);
  const self = path.join(v1root, 'self');
  fs.writeFileSync(self, '4:memory:/process_api/abc\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n8:pids:/\n0::/\n');
  const v1 = detectCgroupLayout(v1root, self) as CgroupLayout;
  assert.equal(v1.version, 1);
  const dirs = cgroupDirs(v1, 'kubepods/burstable/pod1');
  assert.equal(dirs.get('memory'), path.join(v1root, 'memory/process_api/abc/kubepods/burstable/pod1'));
  assert.equal(dirs.get('cpu'), path.join(v1root, 'cpu/kubepods/burstable/pod1'));
  assert.equal(cgroupDirs(v1, '/kubepods').get('memory'), path.join(v1root, 'memory/kubepods'));
  assert.equal(uniqueDirs(v1, 'x').length, 5);
  assert.throws(() => cgroupDirs(v1, '../../escape'), /invalid cgroup path/);

  const v2root = fakeRoot(2);
  fs.writeFileSync(self, '0::/user.slice/session-1.scope\n');
  const v2 = detectCgroupLayout(v2root, self) as CgroupLayout;
  assert.equal(v2.version, 2);
  assert.deepEqual([...cgroupDirs(v2, 'kubepods/pod1').values()], [path.join(v2root, 'user.slice/kubepods/pod1')]);
  assert.equal(containerCgroupPath('kubepods/besteffort/podu', 'abc'), 'kubepods/besteffort/podu/abc');

  assert.equal(detectCgroupLayout(fs.mkdtempSync(path.join(os.tmpdir(), 'cgnone-')), self), undefined);
  fs.rmSync(v1root, { recursive: true });
  fs.rmSync(v2root, { recursive: true });
});

test('CgroupManager on a v2 tree: controllers delegated down the path, cpu.weight, cpu.max, memory.max, pids.max', async () => {
  const root = fakeRoot(2);
  const self = path.join(root, 'self');
  fs.writeFileSync(self, '0::/agent.scope\n');
  const layout = detectCgroupLayout(root, self)!;
  fs.writeFileSync(path.join(root, 'cgroup.subtree_control'), '');
  // The kernel would make these files in each new directory; a plain directory tree needs them ahead.
  const dir = path.join(root, 'kubepods', 'pod1');
  fs.mkdirSync(dir, { recursive: true });
  for (const d of [path.join(root, 'kubepods'), dir]) {
    fs.writeFileSync(path.join(d, 'cgroup.controllers'), 'cpu memory pids\n');
    fs.writeFileSync(path.join(d, 'cgroup.subtree_control'), '');
    for (const f of ['cpu.weight', 'cpu.max', 'memory.max', 'memory.swap.max', 'pids.max', 'memory.oom.group']) fs.writeFileSync(path.join(d, f), '');
  }
  const m = new CgroupManager(layout);
  await m.create('kubepods/pod1', { cpuShares: 1024, cpuQuota: 10000, cpuPeriod: 100000, memoryLimitInBytes: 33554432, pidsLimit: 10, oomGroup: true });
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  assert.equal(fs.readFileSync(path.join(root, 'cgroup.subtree_control'), 'utf8'), '+cpu +memory +pids');
  assert.equal(fs.readFileSync(path.join(root, 'kubepods', 'cgroup.subtree_control'), 'utf8'), '+cpu +memory +pids');
  assert.deepEqual([read('cpu.weight'), read('cpu.max'), read('memory.max'), read('memory.swap.max'), read('pids.max')], ['39', '10000 100000', '33554432', '0', '10']);
  // an OOM kill takes the whole cgroup, as the kubelet asks for containers on v2
  assert.equal(read('memory.oom.group'), '1');
  await m.update('kubepods/pod1', { cpuQuota: 0, cpuPeriod: 100000, memoryLimitInBytes: 0, pidsLimit: 0 });
  assert.deepEqual([read('cpu.max'), read('memory.max'), read('memory.swap.max'), read('pids.max')], ['max 100000', 'max', 'max', 'max']);
  fs.rmSync(root, { recursive: true });
});

test('beyondDefaults: a new cgroup gets only the limits it does not already have', () => {
  assert.deepEqual(beyondDefaults({ cpuShares: 2, cpuQuota: 0, cpuPeriod: 100000, memoryLimitInBytes: 0, pidsLimit: 0 }), { cpuShares: 2 });
  assert.deepEqual(beyondDefaults({ cpuShares: 102, cpuQuota: 10000, cpuPeriod: 100000, memoryLimitInBytes: 1 << 25, pidsLimit: 64 }),
    { cpuShares: 102, cpuQuota: 10000, cpuPeriod: 100000, memoryLimitInBytes: 1 << 25, pidsLimit: 64 });
  assert.deepEqual(beyondDefaults({ cpuPeriod: 50000 }), { cpuQuota: undefined, cpuPeriod: 50000 });
  assert.deepEqual(beyondDefaults({}), {});
});

test('readOomKillCountIn: v1 memory.oom_control and v2 memory.events', () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cgoom-'));
  assert.equal(readOomKillCountIn(d), 0);
  fs.writeFileSync(path.join(d, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n');
  assert.equal(readOomKillCountIn(d), 3);
  fs.writeFileSync(path.join(d, 'memory.events'), 'low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\noom_group_kill 0\n');
  assert.equal(readOomKillCountIn(d), 2);
  fs.rmSync(d, { recursive: true });
});

test('CgroupManager on this machine: create with limits, move a process in, OOM kill counted, remove', requireTool(CGROUPS), async () => {
  const m = CgroupManager.detect().manager!;
  const base = `tskube-test-${randomBytes(4).toString('hex')}`;
  const cg = `${base}/pod1/c1`;
  try {
    await m.create(cg, { cpuShares: 102, cpuQuota: 10000, cpuPeriod: 100000, memoryLimitInBytes: 32 * 1024 * 1024, pidsLimit: 64 });
    const dirs = m.dirs(cg);
    const read = (key: string, file: string) => fs.readFileSync(path.join(dirs.get(key)!, file), 'utf8').trim();
    if (m.layout.version === 1) {
      assert.equal(read('cpu', 'cpu.shares'), '102');
      assert.equal(read('cpu', 'cpu.cfs_quota_us'), '10000');
      assert.equal(read('cpu', 'cpu.cfs_period_us'), '100000');
      assert.equal(read('memory', 'memory.limit_in_bytes'), String(32 * 1024 * 1024));
      assert.equal(read('pids', 'pids.max'), '64');
      // cpuset: every new level got its parent's cpus and mems (a task can join it).
      assert.notEqual(read('cpuset', 'cpuset.cpus'), '');
    } else {
      assert.equal(read('unified', 'cpu.max'), '10000 100000');
      assert.equal(read('unified', 'memory.max'), String(32 * 1024 * 1024));
      assert.equal(read('unified', 'pids.max'), '64');
    }
    // update: 0 lifts a limit
    await m.update(cg, { cpuQuota: 0, cpuPeriod: 100000, memoryLimitInBytes: 16 * 1024 * 1024 });
    if (m.layout.version === 1) assert.equal(read('cpu', 'cpu.cfs_quota_us'), '-1');

    // A process moved in is seen there; one that outgrows the memory limit is OOM-killed and counted.
    assert.equal(m.oomKillCount(cg), 0);
    const hog = spawn('python3', ['-c', 'import time\nb=[]\nwhile True:\n  b.append(b"x"*(1<<20))'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((r) => hog.on('exit', (_c, s) => r(s)));
    m.addProcess(cg, hog.pid!);
    const membership = readCgroupMembership(hog.pid!);
    if (membership && m.layout.version === 1) assert.ok(membership.v1.memory?.endsWith(`/${cg}`), JSON.stringify(membership));
    assert.equal(await exited, 'SIGKILL');
    assert.ok(m.oomKillCount(cg) >= 1);
    assert.deepEqual(m.pids(cg), []);
  } finally {
    await m.remove(base);
  }
  assert.equal(m.exists(base), false);
  assert.equal(m.exists(cg), false);
});

test('CgroupManager.removeIfUnused removes an empty cgroup and its unused ancestors, nothing in use', requireTool(CGROUPS), async () => {
  const m = CgroupManager.detect().manager!;
  const base = `tskube-test-${randomBytes(4).toString('hex')}`;
  await m.create(`${base}/a/pod1`);
  await m.create(`${base}/a/pod2`);
  try {
    assert.equal(m.removeIfUnused(`${base}/a/pod1`), true);
    assert.equal(m.exists(`${base}/a/pod1`), false);
    assert.equal(m.exists(`${base}/a`), true, 'pod2 still uses it');
    const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    m.addProcess(`${base}/a/pod2`, sleeper.pid!);
    assert.equal(m.removeIfUnused(`${base}/a/pod2`), false, 'a process is in it');
    sleeper.kill('SIGKILL');
    await new Promise((r) => sleeper.on('exit', r));
    // A killed process leaves its cgroup a moment after its exit is reported: poll.
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) { gone = m.removeIfUnused(`${base}/a/pod2`); if (!gone) await new Promise((r) => setTimeout(r, 50)); }
    assert.equal(gone, true);
    assert.equal(m.exists(base), false, 'the unused ancestors went too');
    await m.create(`${base}/x/y`);
    await m.create(`${base}/z`);
    assert.ok(m.pruneUnused(base) >= 4);
    assert.equal(m.exists(base), false);
  } finally {
    await m.remove(base);
  }
});

test('CgroupManager.create: pods started at once under a new parent each get a usable cgroup (cpuset levels copied before their children)', requireTool(CGROUPS), async () => {
  const m = CgroupManager.detect().manager!;
  const base = `tskube-test-${randomBytes(4).toString('hex')}`;
  const pods = Array.from({ length: 8 }, (_, i) => `${base}/besteffort/pod${i}`);
  try {
    await Promise.all(pods.map((p) => m.create(p, { cpuShares: 2, pidsLimit: 100 })));
    for (const p of pods) {
      assert.equal(m.exists(p), true, p);
      const dirs = m.dirs(p);
      if (m.layout.version === 1) {
        assert.notEqual(fs.readFileSync(path.join(dirs.get('cpuset')!, 'cpuset.cpus'), 'utf8').trim(), '', `${p}: cpuset.cpus`);
        assert.notEqual(fs.readFileSync(path.join(dirs.get('cpuset')!, 'cpuset.mems'), 'utf8').trim(), '', `${p}: cpuset.mems`);
        assert.equal(fs.readFileSync(path.join(dirs.get('cpu')!, 'cpu.shares'), 'utf8').trim(), '2');
      }
    }
    // A process can join every one of them (an empty cpuset would refuse it).
    const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    try {
      for (const p of pods) m.addProcess(p, sleeper.pid!);
    } finally {
      sleeper.kill('SIGKILL');
    }
  } finally {
    await m.remove(base);
  }
});

test('CgroupManager.remove kills what is left after the grace period, then removes the cgroup', requireTool(CGROUPS), async () => {
  const m = CgroupManager.detect().manager!;
  const cg = `tskube-test-${randomBytes(4).toString('hex')}`;
  await m.create(cg);
  const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((r) => sleeper.on('exit', (_c, s) => r(s)));
  m.addProcess(cg, sleeper.pid!);
  assert.deepEqual(m.pids(cg), [sleeper.pid]);
  await m.remove(cg, 100);
  assert.equal(await exited, 'SIGKILL');
  assert.equal(m.exists(cg), false);
});
