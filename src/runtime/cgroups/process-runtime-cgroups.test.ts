import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ProcessRuntime } from '../process/process-runtime.js';
import type { ContainerInfo, PodSandboxConfig } from '../types.js';
import { CgroupManager } from './manager.js';
import { readCgroupMembership } from '../../agent/stats/cgroup.js';
import { requireTool, ROOT, UNSHARE } from '../../testing/system-tools.js';
import { CGROUPS } from './testing/cgroups-tool.js';

async function waitExited(rt: ProcessRuntime, id: string): Promise<ContainerInfo> {
  for (;;) {
    const s = await rt.containerStatus(id);
    if (!s || s.phase === 'exited') return s!;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('process runtime with cgroups: limits applied, processes inside, OOMKilled 137, exec joins, cgroup removed', requireTool(ROOT, UNSHARE, CGROUPS), async () => {
  const cgroups = CgroupManager.detect().manager!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-cg-'));
  const rt = new ProcessRuntime({ rootDir: dir, isolation: 'namespaces', cgroups });
  const parent = `tskube-test-${randomBytes(4).toString('hex')}/podu1`;
  await cgroups.create(parent);
  const cfg: PodSandboxConfig = { metadata: { name: 'p', namespace: 'default', uid: 'u1', attempt: 0 }, hostname: 'p', linux: { cgroupParent: parent, namespaceOptions: { network: 'NODE' } } };
  const base = { podUid: 'u1', podName: 'p', podNamespace: 'default', attempt: 0, image: 'busybox', env: {}, mounts: [] };
  try {
    const sb = await rt.runPodSandbox(cfg);
    const sleeper = await rt.createContainer(sb, {
      ...base, name: 'sleeper', argv: ['sh', '-c', 'sleep 600 & wait'], logPath: path.join(dir, 's.log'),
      resources: { cpuShares: 102, cpuQuota: 10000, cpuPeriod: 100000, memoryLimitInBytes: 64 * 1024 * 1024, oomScoreAdj: 500 },
    }, cfg);
    const cg = `${parent}/${sleeper}`;
    assert.ok(cgroups.exists(cg), 'the container cgroup is made at create');
    await rt.startContainer(sleeper);
    const info = (await rt.containerStatus(sleeper))!;
    // The container's init and the child it forked are both inside (they were born there).
    let pids: number[] = [];
    for (let i = 0; i < 100 && pids.length < 2; i++) { pids = cgroups.pids(cg); await new Promise((r) => setTimeout(r, 50)); }
    assert.ok(pids.length >= 2, `processes in the cgroup: ${pids.join(',')}`);
    assert.ok(!pids.includes(info.pid!), 'unshare itself stays outside: only the container is');
    for (const pid of pids) assert.equal(fs.readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8').trim(), '500');
    const m = readCgroupMembership(pids[0])!;
    if (cgroups.layout.version === 1) assert.ok(m.v1.cpu.endsWith(`/${cg}`), JSON.stringify(m));
    // exec'd processes join the container's cgroup, as runc exec's do.
    const s = await rt.exec(sleeper, ['cat', '/proc/self/cgroup'], { stdin: false, tty: false });
    let out = '';
    s.stdout.on('data', (d: Buffer) => { out += d; });
    assert.equal(await s.exit, 0);
    assert.ok(out.includes(`/${cg}`), out);
    await rt.stopContainer(sleeper, 0);
    assert.notEqual((await rt.containerStatus(sleeper))!.reason, 'OOMKilled', 'a kill by the runtime is no OOM');
    await rt.removeContainer(sleeper);
    assert.equal(cgroups.exists(cg), false, 'removeContainer removes its cgroup');

    const hog = await rt.createContainer(sb, {
      ...base, name: 'hog', image: 'python', argv: ['python3', '-c', 'b=[]\nwhile True: b.append(b"x"*(1<<20))'], logPath: path.join(dir, 'h.log'),
      resources: { memoryLimitInBytes: 32 * 1024 * 1024 },
    }, cfg);
    await rt.startContainer(hog);
    const exited = await waitExited(rt, hog);
    assert.equal(exited.reason, 'OOMKilled');
    assert.equal(exited.exitCode, 137);
    await rt.removeContainer(hog);
    await rt.removePodSandbox(sb);
    assert.equal(cgroups.exists(parent), false, 'the pod cgroup goes with the last sandbox (an agent shutting down leaves none)');
    assert.equal(cgroups.exists(path.dirname(parent)), false);
  } finally {
    await rt.close();
    await cgroups.remove(path.dirname(parent));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
