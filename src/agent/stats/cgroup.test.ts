import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cgroupKey, parseProcCgroup, readCgroupMemory, readCgroupProcessCount, readCgroupUsage } from './cgroup.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

/** sysfs writes files under a fresh temporary cgroup root. */
function sysfs(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-cgroup-'));
  dirs.push(root);
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), text);
  }
  return root;
}

describe('parseProcCgroup', () => {
  it('reads the unified path and every v1 controller of a hierarchy', () => {
    const m = parseProcCgroup('12:memory:/pods/a\n4:cpu,cpuacct:/pods/a\n1:name=systemd:/\n0::/pods/a\n');
    assert.deepEqual(m, { unified: '/pods/a', v1: { memory: '/pods/a', cpu: '/pods/a', cpuacct: '/pods/a', 'name=systemd': '/' } });
    assert.equal(cgroupKey(m), 'v1:/pods/a|/pods/a', 'on a hybrid host CPU and memory are v1');
    assert.equal(cgroupKey(parseProcCgroup('0::/kubepods/c1\n')), 'v2:/kubepods/c1');
    assert.equal(cgroupKey(parseProcCgroup('')), undefined);
  });
});

describe('readCgroupUsage', () => {
  it('v2: usage_usec and memory.current minus inactive_file', () => {
    const root = sysfs({
      'cgroup.controllers': 'cpu memory',
      'c1/cpu.stat': 'usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n',
      'c1/memory.current': '10485760\n',
      'c1/memory.stat': 'anon 8388608\nfile 2097152\ninactive_file 1048576\nactive_file 1048576\n',
    });
    assert.deepEqual(readCgroupUsage(parseProcCgroup('0::/c1\n'), root), { cpuSeconds: 2.5, workingSetBytes: 10485760 - 1048576 });
  });
  it('v1: cpuacct.usage in nanoseconds and usage_in_bytes minus total_inactive_file', () => {
    const root = sysfs({
      'cpuacct/c1/cpuacct.usage': '1500000000\n',
      'memory/c1/memory.usage_in_bytes': '4096000\n',
      'memory/c1/memory.stat': 'cache 0\ninactive_file 99\ntotal_inactive_file 96000\n',
    });
    assert.deepEqual(readCgroupUsage(parseProcCgroup('3:memory:/c1\n2:cpu,cpuacct:/c1\n'), root), { cpuSeconds: 1.5, workingSetBytes: 4000000 });
  });
  it('is undefined when the cgroup\'s files are missing', () => {
    assert.equal(readCgroupUsage(parseProcCgroup('0::/gone\n'), sysfs({ 'cgroup.controllers': '' })), undefined);
  });
});

describe('readCgroupMemory', () => {
  it('v2: memory.current, anon as rss, pgfault and pgmajfault', () => {
    const root = sysfs({ 'cgroup.controllers': 'memory', 'c1/memory.current': '10485760\n', 'c1/memory.stat': 'anon 8388608\nfile 2097152\npgfault 120\npgmajfault 3\n' });
    assert.deepEqual(readCgroupMemory(parseProcCgroup('0::/c1\n'), root), { usageBytes: 10485760, rssBytes: 8388608, pageFaults: 120, majorPageFaults: 3 });
  });
  it('v1: usage_in_bytes and the hierarchy totals', () => {
    const root = sysfs({ 'memory/c1/memory.usage_in_bytes': '4096000\n', 'memory/c1/memory.stat': 'rss 1\ntotal_rss 2048\ntotal_pgfault 7\ntotal_pgmajfault 0\n' });
    assert.deepEqual(readCgroupMemory(parseProcCgroup('3:memory:/c1\n2:cpu,cpuacct:/c1\n'), root), { usageBytes: 4096000, rssBytes: 2048, pageFaults: 7, majorPageFaults: 0 });
  });
  it('is undefined when the cgroup is gone', () => {
    assert.equal(readCgroupMemory(parseProcCgroup('0::/gone\n'), sysfs({ 'cgroup.controllers': '' })), undefined);
  });
});

describe('readCgroupProcessCount', () => {
  it('counts the lines of cgroup.procs (v2 and v1), undefined when the cgroup is gone', () => {
    assert.equal(readCgroupProcessCount(parseProcCgroup('0::/c1\n'), sysfs({ 'cgroup.controllers': '', 'c1/cgroup.procs': '12\n13\n14\n' })), 3);
    assert.equal(readCgroupProcessCount(parseProcCgroup('3:memory:/c1\n2:cpu,cpuacct:/c1\n'), sysfs({ 'memory/c1/cgroup.procs': '7\n' })), 1);
    assert.equal(readCgroupProcessCount(parseProcCgroup('0::/gone\n'), sysfs({ 'cgroup.controllers': '' })), undefined);
  });
});
